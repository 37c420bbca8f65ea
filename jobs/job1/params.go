package job1

import "time"

// Params are job1's run inputs: which sales the report covers. Each field
// is a flag of bin/job1 (--since, --until, --region), also settable as
// JOB1_SINCE and so on or from a --params file.
type Params struct {
	Since  time.Time `flag:"since" help:"first day of the sales to include (empty: from the first)"`
	Until  time.Time `flag:"until" help:"last day of the sales to include (empty: up to the last)"`
	Region string    `help:"only the sales of this region (east, north, south or west; empty: all)"`
}

// Keep reports whether the report covers sale s.
func (p Params) Keep(s Sale) bool {
	switch {
	case !p.Since.IsZero() && s.Date.Before(p.Since):
		return false
	case !p.Until.IsZero() && s.Date.After(p.Until):
		return false
	case p.Region != "" && s.Region != p.Region:
		return false
	}
	return true
}
