package job2

import "context"

// Task4 produces the number the other tasks work on.
type Task4 struct{}

// Run returns 4.
func (Task4) Run(ctx context.Context) (int, error) {
	return 4, nil
}
