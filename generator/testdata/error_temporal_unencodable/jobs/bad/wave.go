package bad

import "context"

type Wave struct{}

func (Wave) Run(ctx context.Context) (Signal, error) { panic("never run") }
