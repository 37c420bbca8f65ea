package runtime

import (
	"context"
	"fmt"
	goruntime "runtime"
)

// Job is a task type named like the generated Job function.
type Job struct{}

// Run prints the field Stats set.
func (Job) Run(_ context.Context, m goruntime.MemStats) error {
	fmt.Println("numgc", m.NumGC)
	return nil
}
