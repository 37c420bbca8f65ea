package twice

import "context"

type Take struct{}

func (Take) Run(ctx context.Context, p Params) error { return nil }
