package pipe

import "context"

type Evens struct{}

func (Evens) Run(ctx context.Context, xs []int) (EvenNumbers, error) {
	var out EvenNumbers
	for _, x := range xs {
		if x%2 == 0 {
			out = append(out, x)
		}
	}
	return out, nil
}
