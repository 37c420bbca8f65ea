package pipe

import (
	"context"

	"example.com/error_internal_type/jobs/pipe/internal/secret"
)

// Use takes the internal type inside a map: gen/pipe could not name it.
type Use struct{}

func (Use) Run(ctx context.Context, s map[string]*secret.Secret, x Shown) error { return nil }
