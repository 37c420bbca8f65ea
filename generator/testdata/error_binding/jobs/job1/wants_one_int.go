package job1

import (
	"context"
)

type WantsOneInt struct{}

func (WantsOneInt) Run(ctx context.Context, n int) error { return nil }
