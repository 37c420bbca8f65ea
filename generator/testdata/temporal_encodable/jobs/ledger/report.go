package ledger

import (
	"context"
	"fmt"
)

type Report struct{}

func (Report) Run(ctx context.Context, s Sum, entries []Entry) error {
	fmt.Println("ledger:", len(entries), "entries, total", s.Money.cents)
	return nil
}
