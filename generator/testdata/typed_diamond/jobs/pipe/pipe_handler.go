package pipe

import (
	"context"
	"fmt"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

type key struct{}

type PipeHandler struct {
	runtime.GenericJobHandler
}

func (PipeHandler) Setup(ctx context.Context, job runtime.JobInfo) (context.Context, error) {
	return context.WithValue(ctx, key{}, "done"), nil
}

func (PipeHandler) Teardown(ctx context.Context, job runtime.JobInfo, err error) error {
	fmt.Println("pipe: teardown, error:", err)
	return nil
}
