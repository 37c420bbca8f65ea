package job1

import (
	"context"
)

type WantsString struct{}

func (WantsString) Run(ctx context.Context, s string) error { return nil }
