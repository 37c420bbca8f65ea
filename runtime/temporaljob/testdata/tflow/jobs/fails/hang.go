package fails

import "context"

// Hang waits until its context ends.
type Hang struct{}

// Run waits for ctx.
func (Hang) Run(ctx context.Context, n int) error {
	<-ctx.Done()
	return ctx.Err()
}
