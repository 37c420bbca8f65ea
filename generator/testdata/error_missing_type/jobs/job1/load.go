package job1

import (
	"context"
)

type Loader struct{}

func (Loader) Run(ctx context.Context) (int, error) { return 1, nil }
