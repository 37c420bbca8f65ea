package daily

import (
	"context"
	"fmt"
	"time"
)

type Describe struct{}

func (Describe) Run(ctx context.Context, in Inputs) (string, error) {
	return fmt.Sprintf("name=%q verbose=%t count=%d small=%d big=%d ratio=%g every=%v on=%s level=%d tag=%q",
		in.Name, in.Verbose, in.Count, in.Small, in.Big, in.Ratio, in.Every, in.Day.Format(time.DateOnly), in.Level, in.Tag), nil
}
