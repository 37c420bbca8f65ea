package bad

import "context"

type Wrapped struct{}

func (Wrapped) Run(ctx context.Context) (Boxed, error) { panic("never run") }
