package loop

import "context"

type C struct{}

// Run returns two results: a problem of its own, besides the cycle.
func (C) Run(ctx context.Context) (int, int) { return 0, 0 }
