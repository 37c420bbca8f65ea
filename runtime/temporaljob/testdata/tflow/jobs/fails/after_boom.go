package fails

import "context"

// AfterBoom runs after boom, which never succeeds.
type AfterBoom struct{}

// Run does nothing.
func (AfterBoom) Run(ctx context.Context) error { return nil }
