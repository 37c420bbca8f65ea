package pipe

import (
	"context"

	"example.com/error_internal_type/jobs/pipe/internal/secret"
)

// Hide returns the internal type itself: gen/pipe could not name it.
type Hide struct{}

func (Hide) Run(ctx context.Context) (*secret.Secret, error) { return &secret.Secret{}, nil }
