package job1

import "time"

// Sale is one line of the sales dataset.
type Sale struct {
	Date           time.Time
	Region         string
	Product        string
	Units          int64
	UnitPriceCents int64
}

// AmountCents is the sale's value in cents.
func (s Sale) AmountCents() int64 { return s.Units * s.UnitPriceCents }

// RegionTotals maps a region to the value of its sales, in cents.
type RegionTotals map[string]int64

// MonthTotals maps a month ("2025-06") to the value of its sales, in cents.
type MonthTotals map[string]int64
