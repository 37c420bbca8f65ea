package job2

import (
	"context"
	"fmt"
	"os"
)

// Task6 prints what Task4 and Task5 produced.
type Task6 struct{}

// Run prints n and msg.
func (Task6) Run(ctx context.Context, n int, msg string) error {
	_, err := fmt.Fprintf(os.Stdout, "task6: %s; %d squared is %d\n", msg, n, n*n)
	return err
}
