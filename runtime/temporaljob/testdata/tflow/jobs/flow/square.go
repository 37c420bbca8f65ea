package flow

import (
	"context"
	"fmt"
)

// Square squares the numbers.
type Square struct{}

// Run maps each number to its square.
func (Square) Run(ctx context.Context, n Numbers) (Squares, error) {
	sq := Squares{}
	for _, v := range n.Values {
		sq[fmt.Sprintf("v%d", v)] = v * v
	}
	return sq, nil
}
