package daily

import (
	"context"
	"fmt"
)

// Announce takes the inputs after a dependency's result: the params bind by
// type wherever they are.
type Announce struct{}

func (Announce) Run(ctx context.Context, s string, in Inputs) error {
	fmt.Printf("daily: %s (count again %d)\n", s, in.Count)
	return nil
}
