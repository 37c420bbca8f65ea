package job1

import (
	"context"
)

type WantsTwoStrings struct{}

func (WantsTwoStrings) Run(ctx context.Context, a, b string) error { return nil }
