package job1

import (
	"context"
)

type TaskA1 struct{}

func (TaskA1) Run(ctx context.Context) (int, error) { return 1, nil }
