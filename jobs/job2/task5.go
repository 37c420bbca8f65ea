package job2

import (
	"context"
	"fmt"
)

// Task5 turns Task4's number into a message.
type Task5 struct{}

// Run returns a message built from n.
func (Task5) Run(ctx context.Context, n int) (string, error) {
	return fmt.Sprintf("task5 received %d from task4", n), nil
}
