package job1

import (
	"context"
)

type Save struct{}

func (Save) Run(ctx context.Context) error { return nil }
