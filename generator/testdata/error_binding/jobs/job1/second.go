package job1

import (
	"context"
)

type Second struct{}

func (Second) Run(ctx context.Context) (int, error) { return 1, nil }
