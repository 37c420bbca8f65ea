package job1

import "context"

type secret struct{}

type Hidden struct{}

func (Hidden) Run(ctx context.Context) (secret, error) { return secret{}, nil }
