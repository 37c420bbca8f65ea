package misc

import "context"

type Prepare struct{}

func (Prepare) Run(ctx context.Context) error { return nil }
