package job1

import (
	"context"
)

type LoadSales struct{}

func (LoadSales) Run(ctx context.Context) (int, error) { return 1, nil }
