package fails

import "context"

// Ok succeeds.
type Ok struct{}

// Run returns 1.
func (Ok) Run(ctx context.Context) (int, error) { return 1, nil }
