package ledger

import (
	"context"
	"math/big"
	"time"
)

type Fetch struct{}

func (Fetch) Run(ctx context.Context) ([]Entry, error) {
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	return []Entry{
		{At: day, Amount: big.NewInt(250), Tags: map[Tag]int{"eu": 1}},
		{At: day.Add(time.Hour), Amount: big.NewInt(100)},
	}, nil
}
