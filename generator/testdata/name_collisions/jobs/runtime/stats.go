// Package runtime is a job named like the orchestrator's runtime package
// and the standard library's, whose task Job is named like the generated
// function.
package runtime

import (
	"context"
	goruntime "runtime"
)

// Stats returns a standard library runtime type.
type Stats struct{}

// Run returns a MemStats with one field set.
func (Stats) Run(context.Context) (goruntime.MemStats, error) {
	return goruntime.MemStats{NumGC: 7}, nil
}
