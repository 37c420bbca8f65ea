package job1

import (
	"context"
)

type D struct{}

func (D) Run(ctx context.Context) error { return nil }
