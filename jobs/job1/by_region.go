package job1

import "context"

// ByRegion totals the sales by region.
type ByRegion struct{}

// Run returns the value of the sales of each region.
func (ByRegion) Run(ctx context.Context, sales []Sale) (RegionTotals, error) {
	totals := make(RegionTotals)
	for _, s := range sales {
		totals[s.Region] += s.AmountCents()
	}
	return totals, nil
}
