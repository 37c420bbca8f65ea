package report

// Fetch's Run forgets its context.
type Fetch struct{}

func (Fetch) Run() ([]int, error) { return []int{1, 2}, nil }
