package ledger

import "context"

type Total struct{}

func (Total) Run(ctx context.Context, entries []Entry) (Sum, error) {
	var s Sum
	for _, e := range entries {
		s.Money.cents += e.Amount.Int64()
	}
	return s, nil
}
