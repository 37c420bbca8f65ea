package fan

import "context"

type PartB struct{}

func (PartB) Run(ctx context.Context) (Part, error) { return Part{Name: "b"}, nil }
