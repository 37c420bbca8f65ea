package twice

import "context"

type Many struct{}

func (Many) Run(ctx context.Context, ps ...Params) error { return nil }
