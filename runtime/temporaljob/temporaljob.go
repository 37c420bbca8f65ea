// Package temporaljob is the command line of a job binary that may run on
// Temporal. Work in progress: it runs the job locally, as runtime/jobmain
// does, until the Temporal runner lands.
package temporaljob

import (
	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain"
)

// Settings are the job's Temporal settings from the config.
type Settings struct {
	// Pinned runs every activity of a run on the worker that ran the
	// handler's Setup (the config's "temporal": {"pinned": true}).
	Pinned bool
}

// Main runs the job binary and returns its exit code.
func Main(job *runtime.Job, s Settings, args []string) int {
	return jobmain.Main(job, args)
}
