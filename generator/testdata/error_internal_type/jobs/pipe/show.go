package pipe

import (
	"context"

	"example.com/error_internal_type/jobs/pipe/internal/secret"
)

// Shown is an alias declared here: generated code names it pipe.Shown.
type Shown = secret.Secret

// Show returns the internal type under an alias of this package: fine.
type Show struct{}

func (Show) Run(ctx context.Context, xs []int) (Shown, error) { return Shown{N: len(xs)}, nil }
