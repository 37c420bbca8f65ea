// Package pipe uses a type of its internal package in task signatures.
package pipe

import (
	"context"

	"example.com/error_internal_type/jobs/pipe/internal/secret"
)

// Numbers returns an alias declared in the internal package: fine, as it
// stands for []int.
type Numbers struct{}

func (Numbers) Run(ctx context.Context) (secret.Ints, error) { return secret.Ints{1, 2}, nil }
