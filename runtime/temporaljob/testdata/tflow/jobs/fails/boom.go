package fails

import (
	"context"
	"errors"
)

// Boom fails.
type Boom struct{}

// Run returns an error.
func (Boom) Run(ctx context.Context, n int) error { return errors.New("boom") }
