package job1

import "context"

// HalfHandler lacks Execute and Teardown.
type HalfHandler struct{}

func (HalfHandler) Setup(ctx context.Context, job any) (context.Context, error) { return ctx, nil }
