package job1

import (
	"context"
)

type First struct{}

func (First) Run(ctx context.Context) (int, error) { return 1, nil }
