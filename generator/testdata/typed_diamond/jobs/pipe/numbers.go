package pipe

import "context"

type Numbers struct{}

func (Numbers) Run(ctx context.Context) ([]int, error) { return []int{1, 2, 3, 4, 5, 6}, nil }
