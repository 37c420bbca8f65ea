package bad

import "context"

type Stream struct{}

func (Stream) Run(ctx context.Context) (Flow, error) { panic("never run") }
