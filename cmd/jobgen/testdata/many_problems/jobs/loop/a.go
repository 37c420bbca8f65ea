package loop

import "context"

type A struct{}

func (A) Run(ctx context.Context) error { return nil }
