package bad

import "context"

type Callback struct{}

func (Callback) Run(ctx context.Context) (Hook, error) { panic("never run") }
