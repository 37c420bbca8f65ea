package bad

import "context"

type All struct{}

func (All) Run(ctx context.Context, p Params) error { return nil }
