package job1

import (
	"context"

	"example.com/error_broken_import/lib"
)

type Count struct{}

func (Count) Run(ctx context.Context) (int, error) { return lib.N(), nil }
