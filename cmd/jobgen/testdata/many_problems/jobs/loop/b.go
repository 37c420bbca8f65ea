package loop

import "context"

type B struct{}

func (B) Run(ctx context.Context) error { return nil }
