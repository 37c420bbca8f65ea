package etl

import "context"

// Load takes the clean rows; its dependency on extract is only an ordering,
// so its Rows result is dropped: jobgen warns about it.
type Load struct{}

func (Load) Run(ctx context.Context, rows CleanRows) error { return nil }
