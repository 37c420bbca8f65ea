package flow

import "context"

// Source produces the numbers.
type Source struct{}

// Run returns 1 to 10.
func (Source) Run(ctx context.Context) (Numbers, error) {
	n := Numbers{Label: "one to ten"}
	for i := 1; i <= 10; i++ {
		n.Values = append(n.Values, i)
	}
	return n, nil
}
