package bad

import "context"

type AnyValue struct{}

func (AnyValue) Run(ctx context.Context) (any, error) { panic("never run") }
