package twice

import "context"

type Produce struct{}

func (Produce) Run(ctx context.Context) (Params, error) { return Params{}, nil }
