package report

import "context"

type WriteStatusCsv struct{}

func (WriteStatusCsv) Run(ctx context.Context) error { return nil }

type WriteStatusCSV struct{}

func (WriteStatusCSV) Run(ctx context.Context) error { return nil }
