package etl

import "context"

// Rows are what Extract reads.
type Rows []string

type Extract struct{}

func (Extract) Run(ctx context.Context) (Rows, error) { return Rows{"a", " b "}, nil }
