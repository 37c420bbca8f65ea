package job1

import "context"

type TwoResults struct{}

func (TwoResults) Run(ctx context.Context) (int, int) { return 1, 2 }
