package report

import "context"

// Summry is misspelt: the config names jobs.report.summary, type Summary.
type Summry struct{}

func (Summry) Run(ctx context.Context, xs []int) error { return nil }
