package plain

import "context"

// Answer is a func, which could not cross machines: this job does not opt
// in to Temporal, so jobgen does not check it.
type Answer func() int

type Produce struct{}

func (Produce) Run(ctx context.Context) (Answer, error) {
	return func() int { return 42 }, nil
}
