package bad

import "context"

type Pointer struct{}

func (Pointer) Run(ctx context.Context) (Raw, error) { panic("never run") }
