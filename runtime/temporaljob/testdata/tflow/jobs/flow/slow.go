package flow

import (
	"context"
	"os"
	"time"
)

// Slow sums the numbers, after FLOW_SLOW (a Go duration).
type Slow struct{}

// Run waits FLOW_SLOW, then returns the sum.
func (Slow) Run(ctx context.Context, n Numbers) (int, error) {
	mark("slow")
	d, _ := time.ParseDuration(os.Getenv("FLOW_SLOW"))
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	sum := 0
	for _, v := range n.Values {
		sum += v
	}
	return sum, nil
}
