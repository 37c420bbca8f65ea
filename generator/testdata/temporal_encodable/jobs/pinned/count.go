package pinned

import (
	"context"
	"fmt"
)

type Count struct{}

func (Count) Run(ctx context.Context) (int, error) {
	fmt.Println("pinned: counted 3")
	return 3, nil
}
