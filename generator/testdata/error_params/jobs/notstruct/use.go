package notstruct

import "context"

type Use struct{}

func (Use) Run(ctx context.Context, p Params) error { return nil }
