package job1

import (
	"context"
)

type WantsTwoInts struct{}

func (WantsTwoInts) Run(ctx context.Context, a int, s string, b int) error { return nil }
