package job1

import (
	"context"
)

type B struct{}

func (B) Run(ctx context.Context) error { return nil }
