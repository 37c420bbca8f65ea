package job1

import (
	"context"
)

type F struct{}

func (F) Run(ctx context.Context) error { return nil }
