package bad

import "context"

type Load struct{}

func (Load) Run(ctx context.Context) ([]Sale, error) { panic("never run") }
