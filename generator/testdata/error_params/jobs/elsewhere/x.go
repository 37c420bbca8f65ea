package elsewhere

import "context"

type X struct{}

func (X) Run(ctx context.Context) error { return nil }
