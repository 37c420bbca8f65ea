package bad

import "context"

type Scores struct{}

func (Scores) Run(ctx context.Context) (Table, error) { panic("never run") }
