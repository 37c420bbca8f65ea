package bad

import "context"

type Pair struct{}

func (Pair) Run(ctx context.Context) (Sales, error) { panic("never run") }
