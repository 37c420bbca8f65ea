package fan

import "context"

type PartA struct{}

func (PartA) Run(ctx context.Context) (Part, error) { return Part{Name: "a"}, nil }
