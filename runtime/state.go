package runtime

import "strconv"

// State is the final state of a task in a run. Every task ends in exactly
// one state.
type State uint8

// The states a task can end in.
const (
	// NotStarted: the task never ran, because the run stopped first (a
	// failure under fail-fast, a cancelled context, or a failed Setup), or
	// because a dependency of it did not run or was cancelled.
	NotStarted State = iota
	// Succeeded: the last attempt returned a nil error.
	Succeeded
	// Failed: the last attempt returned an error (or called runtime.Goexit).
	Failed
	// Panicked: the last attempt panicked; its error is a [*PanicError].
	Panicked
	// TimedOut: the last attempt outlived the task's own [Task.Timeout].
	TimedOut
	// Cancelled: the run's context ended while the task was running and the
	// task returned the context's error (or was abandoned).
	Cancelled
	// UpstreamFailed: a dependency of the task failed, panicked, timed out
	// or was itself upstream_failed, so the task did not run.
	UpstreamFailed
	// Restored: the task did not run; its result comes from an earlier run
	// (see [Options.Restored]), and its dependents took it as if it had
	// just succeeded.
	Restored
	// NotSelected: the task was left out of the run (see [Options.Only]).
	NotSelected
)

var stateNames = [...]string{
	NotStarted:     "not_started",
	Succeeded:      "succeeded",
	Failed:         "failed",
	Panicked:       "panicked",
	TimedOut:       "timed_out",
	Cancelled:      "cancelled",
	UpstreamFailed: "upstream_failed",
	Restored:       "restored",
	NotSelected:    "not_selected",
}

// OK reports whether the state is one a successful run leaves a task in:
// succeeded, restored from an earlier run, or not selected.
func (s State) OK() bool {
	return s == Succeeded || s == Restored || s == NotSelected
}

// String returns the state's snake_case name, e.g. "upstream_failed".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText returns the state's name, so that a State reads well in JSON
// and in structured logs.
func (s State) MarshalText() ([]byte, error) {
	return []byte(s.String()), nil
}
