package job1

import (
	"context"
)

type C struct{}

func (C) Run(ctx context.Context) error { return nil }
