package pipe

import "context"

// Odds has a pointer receiver, which the wiring must handle too.
type Odds struct{ calls int }

func (o *Odds) Run(ctx context.Context, xs []int) (OddNumbers, error) {
	o.calls++
	var out OddNumbers
	for _, x := range xs {
		if x%2 == 1 {
			out = append(out, x)
		}
	}
	return out, nil
}
