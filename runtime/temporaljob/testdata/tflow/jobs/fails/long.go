package fails

import (
	"context"
	"os"
	"time"
)

// Long takes FAILS_LONG (default 3s).
type Long struct{}

// Run waits FAILS_LONG, or until ctx ends.
func (Long) Run(ctx context.Context, n int) error {
	d, err := time.ParseDuration(os.Getenv("FAILS_LONG"))
	if err != nil {
		d = 3 * time.Second
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
