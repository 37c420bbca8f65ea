package pipe

import (
	"context"
	"fmt"
)

type PrintSums struct{}

// Run's parameter order differs from the dependency order in the config:
// binding is by type.
func (PrintSums) Run(ctx context.Context, evens EvenNumbers, odds OddNumbers) error {
	fmt.Println("pipe: evens", sum(evens), "odds", sum(odds), "setup", ctx.Value(key{}))
	return nil
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
