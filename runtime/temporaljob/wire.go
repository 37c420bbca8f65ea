package temporaljob

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// Input is the argument of a job's workflow. Every field is optional, so
// that a run can be started from the Temporal UI or CLI with the input {}:
//
//	temporal workflow start --type job1 --task-queue job1 --input '{}'
type Input struct {
	// Fingerprint is the [runtime.Job.Fingerprint] of the binary that
	// submitted the run. A worker whose job table differs fails the run at
	// once rather than run tasks it does not have. Empty accepts the
	// workers' table.
	Fingerprint string `json:"fingerprint,omitempty"`
	// KeepGoing overrides the job's failure policy; nil keeps the config's
	// keep_going.
	KeepGoing *bool `json:"keep_going,omitempty"`
	// Schedule is "levels" (the default) or "eager".
	Schedule string `json:"schedule,omitempty"`
	// MaxInFlight caps the activities (tasks) in flight at once; 0 means
	// 200. At most 1,000: Temporal struggles with more pending activities.
	MaxInFlight int `json:"max_in_flight,omitempty"`
	// HeartbeatTimeout is how long a worker may go silent before its task
	// is started again elsewhere, as a Go duration; "" means 5s.
	HeartbeatTimeout string `json:"heartbeat_timeout,omitempty"`
	// ContinueAsNewAfter is the history length (events) at which the
	// workflow continues as new at the next quiet point; 0 means 10,000,
	// well below Temporal's limit of about 51,200.
	ContinueAsNewAfter int `json:"continue_as_new_after,omitempty"`
	// Params are the run's inputs as a JSON object, for a job with a params
	// type ([runtime.Job.Params]): the tasks that take them decode it into
	// that type. Absent: the zero value (the binary's flag defaults apply
	// only to runs it submits).
	Params json.RawMessage `json:"params,omitempty"`
	// Carry is the state a run hands to its continuation; nil for a new run.
	Carry *Carry `json:"carry,omitempty"`
}

// Carry is what a workflow run hands over when it continues as new: the
// state of every task and the results that tasks still to run will take.
// Its slices have one entry per task.
type Carry struct {
	Runs      int       `json:"runs"` // workflow runs before this one
	Restarts  int       `json:"restarts,omitempty"`
	Start     time.Time `json:"start"`
	SetupDone bool      `json:"setup_done,omitempty"`
	Session   string    `json:"session,omitempty"`
	Queue     string    `json:"queue,omitempty"`
	Columns
	Results []CarriedResult `json:"results,omitempty"`
}

// CarriedResult is one encoded result carried over continue-as-new.
type CarriedResult struct {
	Task     int               `json:"task"`
	Metadata map[string][]byte `json:"metadata,omitempty"`
	Data     []byte            `json:"data,omitempty"`
}

// Columns are the per-task fields of a run, one entry per task, compact
// enough for 20,000 tasks to fit in a payload.
type Columns struct {
	// States holds a [runtime.State] per task, or stateIdle for a task that
	// has not reached its final state.
	States []byte `json:"states"`
	// Attempts holds how many attempts each task made.
	Attempts []byte `json:"attempts"`
	// StartUS and DurationUS are each task's start (microseconds after the
	// run's start, -1 if it never ran) and duration, as the workflow saw
	// them.
	StartUS    []int64 `json:"start_us"`
	DurationUS []int64 `json:"duration_us"`
	// Errors holds the error of each task that did not succeed.
	Errors []TaskError `json:"errors,omitempty"`
}

// TaskError is the error of one task.
type TaskError struct {
	Task  int    `json:"task"`
	Name  string `json:"name"`
	Error string `json:"error"`
}

// Output is the outcome of a run: the workflow's result when every task
// succeeded, and the details of its failure or cancellation otherwise.
type Output struct {
	Job         string         `json:"job"`
	Fingerprint string         `json:"fingerprint"`
	Start       time.Time      `json:"start"`
	ElapsedUS   int64          `json:"elapsed_us"` // the whole run, Setup to Teardown
	Counts      map[string]int `json:"counts"`     // tasks by final state
	// Runs is the number of workflow runs (1 + continue-as-new count);
	// Restarts the number of times a pinned run started again on another
	// worker after losing its own.
	Runs     int `json:"runs"`
	Restarts int `json:"restarts,omitempty"`
	Columns
	SetupError    string `json:"setup_error,omitempty"`
	TeardownError string `json:"teardown_error,omitempty"`
	Cancelled     bool   `json:"cancelled,omitempty"`
}

// stateIdle marks a task without a final state in [Columns.States].
const stateIdle = 255

// Report turns the outcome of a run of job into a [runtime.Report], as
// [runtime.Job.Run] would have returned it, without the results. workers
// is the cap of tasks in flight.
func (o *Output) Report(job *runtime.Job, workers int) (*runtime.Report, error) {
	n := len(job.Tasks)
	if len(o.States) != n || len(o.Attempts) != n || len(o.StartUS) != n || len(o.DurationUS) != n {
		return nil, fmt.Errorf("the run's outcome has %d tasks, this binary's job %d: was it submitted by another version of the binary?", len(o.States), n)
	}
	levels := make([]int, n)
	for k, l := range job.Levels {
		for _, i := range l {
			levels[i] = k
		}
	}
	errs := make([]error, n)
	for _, e := range o.Errors {
		if e.Task >= 0 && e.Task < n {
			errs[e.Task] = errors.New(e.Error)
		}
	}
	rep := &runtime.Report{Job: job.Name, Start: o.Start, Duration: time.Duration(o.ElapsedUS) * time.Microsecond, Workers: workers, Tasks: make([]runtime.TaskReport, n)}
	var joined []error
	for i := range rep.Tasks {
		tr := runtime.TaskReport{Name: job.Tasks[i].Name, Index: i, Level: levels[i], State: runtime.State(o.States[i]), Attempts: int(o.Attempts[i]), Err: errs[i]}
		if o.States[i] == stateIdle {
			tr.State = runtime.NotStarted
		}
		if o.StartUS[i] >= 0 && tr.Attempts > 0 {
			tr.Start = o.Start.Add(time.Duration(o.StartUS[i]) * time.Microsecond)
			tr.Duration = time.Duration(o.DurationUS[i]) * time.Microsecond
		}
		if tr.Err != nil {
			joined = append(joined, fmt.Errorf("task %q: %w", tr.Name, tr.Err))
		}
		rep.Tasks[i] = tr
	}
	if o.SetupError != "" {
		rep.SetupErr = fmt.Errorf("%w: %s", runtime.ErrSetup, o.SetupError)
		joined = append(joined, rep.SetupErr)
	}
	if o.TeardownError != "" {
		rep.TeardownErr = fmt.Errorf("%w: %s", runtime.ErrTeardown, o.TeardownError)
		joined = append(joined, rep.TeardownErr)
	}
	rep.Err = errors.Join(joined...)
	return rep, nil
}

// Progress is what the workflow's "progress" query returns: the state of
// every task now, for the submitting binary's live display.
type Progress struct {
	// States holds, per task, a [runtime.State] once it is final, and
	// otherwise stateIdle, phaseRunning or phaseRetrying.
	States   []byte `json:"states"`
	Attempts []byte `json:"attempts"`
	Run      int    `json:"run"`
	// Errors holds the error of each final task that did not succeed.
	Errors []TaskError `json:"errors,omitempty"`
}

// The phases of a task without a final state in [Progress.States].
const (
	phaseRunning  = 254
	phaseRetrying = 253
)

// taskInput is the first argument of a task activity; the results of its
// dependencies follow, one argument each, in the order of [runtime.Task.Args].
type taskInput struct {
	Fingerprint string `json:"fingerprint"`
	Attempt     int    `json:"attempt"`
	Session     string `json:"session,omitempty"`
}

// setupInput is the argument of the setup activity.
type setupInput struct {
	Fingerprint string `json:"fingerprint"`
	Workers     int    `json:"workers"`
}

// setupOutput is the result of the setup activity.
type setupOutput struct {
	// Session names the handler and Setup context kept by the worker (pinned
	// jobs only).
	Session string `json:"session,omitempty"`
	// Queue is the worker's own task queue, where the rest of a pinned run
	// goes.
	Queue string `json:"queue,omitempty"`
}

// teardownInput is the argument of the teardown activity.
type teardownInput struct {
	Fingerprint string `json:"fingerprint"`
	Session     string `json:"session,omitempty"`
	Workers     int    `json:"workers"`
	RunError    string `json:"run_error,omitempty"`
}

// Error types of the application errors that cross between worker and
// workflow. A task's attempt fails with the name of its state as the type
// ("failed", "panicked", "timed_out", "cancelled") and whether it may be
// retried as the detail.
const (
	errTypeFingerprint = "FingerprintMismatch"
	errTypeUnknown     = "UnknownTask"
	errTypeDecode      = "DecodeArguments"
	errTypeTooLarge    = "ResultTooLarge"
	errTypeSession     = "SessionLost"
	errTypeJobFailed   = "JobFailed"
	errTypeSetup       = "SetupFailed"
	errTypeBadInput    = "BadInput"
)
