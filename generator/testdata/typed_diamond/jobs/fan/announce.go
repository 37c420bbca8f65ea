package fan

import (
	"context"
	"fmt"
)

// Announce uses merge's result; its dependency on part_a only orders it.
type Announce struct{}

func (Announce) Run(ctx context.Context, merged string) error {
	fmt.Println("fan:", merged)
	return nil
}
