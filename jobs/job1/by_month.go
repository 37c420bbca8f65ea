package job1

import "context"

// ByMonth totals the sales by calendar month.
type ByMonth struct{}

// Run returns the value of the sales of each month.
func (ByMonth) Run(ctx context.Context, sales []Sale) (MonthTotals, error) {
	totals := make(MonthTotals)
	for _, s := range sales {
		totals[s.Date.Format("2006-01")] += s.AmountCents()
	}
	return totals, nil
}
