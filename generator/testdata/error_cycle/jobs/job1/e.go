package job1

import (
	"context"
)

type E struct{}

func (E) Run(ctx context.Context) error { return nil }
