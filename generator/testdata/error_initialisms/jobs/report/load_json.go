package report

import "context"

type LoadJsOn struct{}

func (LoadJsOn) Run(ctx context.Context) error { return nil }
