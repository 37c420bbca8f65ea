package plain

import (
	"context"
	"fmt"
)

type Call struct{}

func (Call) Run(ctx context.Context, f Answer) error {
	fmt.Println("plain:", f())
	return nil
}
