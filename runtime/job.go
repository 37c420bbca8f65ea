package runtime

import (
	"context"
	"sync/atomic"
	"time"
)

// TaskFunc is the shape of a task built by hand: it receives, in
// parameter order, the results of the dependencies named by [Task.Args],
// and returns its result. args is only valid during the call (the runtime
// reuses it), so a TaskFunc that needs the slice later must copy it. Tasks
// of a generated table do not need one: their Run methods are called
// through the typed adapters of the table (see [Table]), without boxing
// their arguments and results into interfaces.
type TaskFunc func(ctx context.Context, args []any) (any, error)

// Task is one row of a job's task table. Generated code fills it in (see
// [Table.Job]); a program that never runs the generator can build one by
// hand, with a [TaskFunc].
type Task struct {
	// Name is the task's full name from the config, e.g.
	// "jobs.job1.load_sales".
	Name string
	// Deps lists the indices (into [Job.Tasks]) of every dependency, in
	// config order. The task runs only after all of them succeeded.
	Deps []int
	// Args lists, for each parameter of Run after ctx, the index of the task
	// whose result fills it, or [ParamsArg] for the run's inputs. A variadic
	// parameter takes the trailing entries. Every other entry also appears
	// in Deps. The result itself fills it, not a
	// copy: every dependent of a task shares its result, and must not
	// change it while another may read it (see the package doc).
	Args []int
	// Timeout bounds one attempt of the task; zero means no limit.
	Timeout time.Duration
	// Retries is how many times a failed attempt is tried again.
	Retries int
	// Run, if set, is what an attempt of the task calls: the function of a
	// task built by hand, or a replacement of a generated task's Run
	// method (runtime/jobtest sets it). A task of a generated table leaves
	// it nil and runs its Run method.
	Run TaskFunc
	// Impl is the task value whose Run method the task runs (a pointer to
	// the task type), set by [Table.Job]; nil for a task built by hand.
	// Runners that move results between processes read the parameter and
	// result types of its Run method from it.
	Impl any

	bind *binding // how a task of a generated table runs its Run method
}

// binding is how a task of a generated table runs its Run method:
// sig.call with bound, the task value as its signature's interface (a *I
// of [Sig]). The Jobs of a table share the bindings of zero-size task
// values, which nothing can change.
type binding struct {
	sig   *sigCore
	bound any
}

// sig returns the signature of t's Run method, nil for a task built by
// hand.
func (t *Task) sig() *sigCore {
	if t.bind == nil {
		return nil
	}
	return t.bind.sig
}

// ParamsArg in [Task.Args] fills the parameter with the run's inputs,
// [Options.Params], instead of a dependency's result.
const ParamsArg = -1

// Job is a task graph with its precomputed topological levels.
//
// [Job.Run] checks the table once and keeps what it derived from it in
// the Job (for a Job of [Table.Job], the table's, checked when the program
// first asked for it): a later run only verifies, at a small cost per
// task, that Tasks' Deps and Args and the Levels are still what was
// checked, and checks them again if they changed. So a caller may change
// a Job between runs, but not while it runs.
type Job struct {
	// Name is the job's key in the config, e.g. "job1".
	Name string
	// Tasks is the task table; indices into it identify tasks.
	Tasks []Task
	// Levels groups task indices so that every dependency of a task in
	// level k is in a level below k. Levels run one after another.
	// Generated code sets them; nil means that [Job.Run] computes them
	// with [Levels].
	Levels [][]int
	// Handler wraps the run: Setup, Execute around each task, Teardown.
	// A nil Handler means [GenericJobHandler].
	Handler Handler
	// Fingerprint identifies the job's table: generated code sets it to a
	// hash of the task names, dependencies, argument bindings, options and
	// Run signatures, so that two binaries agree on a run only when they
	// were generated from the same config and task code. Empty for a job
	// built by hand.
	Fingerprint string
	// Params is the zero value of the job's input type (the config's
	// "params", e.g. job1.Params{}), or nil for a job that takes no inputs.
	// Its exported fields are the job binary's input flags (see
	// runtime/jobmain); a task takes the run's value through a parameter
	// bound to [ParamsArg].
	Params any
	// Unstorable says, by task index, why a task's result cannot be stored
	// as JSON (jobgen's check, with the position of the cause), for the
	// tasks whose result cannot: runtime/jobmain's --state refuses to run
	// such a job, since it could not resume it.
	Unstorable map[int]string
	// KeepGoing is the job's default failure policy (the config's
	// "keep_going"); runtime/jobmain uses it as the default of
	// --keep-going. [Job.Run] itself follows [Options.KeepGoing].
	KeepGoing bool

	// plan is the *plan Run derived from the table; see plan.matches. An
	// atomic.Value, which a copy of a Job may copy: the copy's run checks
	// the plan against its own table.
	plan atomic.Value
	// For a Job of Table.Job: its template, and the slices that hold the
	// entries of its tasks' Deps and Args, and of its Levels, laid out as
	// in the template's (see plan.matches).
	tmpl             *template
	edges, levelInts []int
}

// JobInfo describes a job to its [Handler].
type JobInfo struct {
	Name    string
	Tasks   int
	Levels  int
	Workers int
}

// TaskInfo describes one attempt of a task to its [Handler].
type TaskInfo struct {
	Name    string
	Index   int
	Level   int
	Attempt int
}

// Handler wraps a job's run. Setup runs first and may return a derived
// context for the tasks; Execute wraps every task attempt and must call run
// (or return an error explaining why it did not: an Execute that returns nil
// without calling run fails the attempt with an error naming the handler's
// type, since the task never ran); Teardown runs exactly once
// whenever Setup succeeded, whatever happened after, and receives the run's
// error (nil on success).
//
// Execute must call run at most once per call, on its own goroutine or on
// one it waits for, and must not keep run after it returns: the runtime
// reuses it. A panic in the task reaches Execute as a [*PanicError] returned
// by run; a panic in any Handler method is recovered into a [*PanicError]
// too.
type Handler interface {
	Setup(ctx context.Context, job JobInfo) (context.Context, error)
	Execute(ctx context.Context, task TaskInfo, run func(context.Context) error) error
	Teardown(ctx context.Context, job JobInfo, err error) error
}

// GenericJobHandler is the default [Handler]: Setup returns ctx unchanged,
// Execute calls run, Teardown does nothing. Custom handlers embed it and
// override what they need. Its zero value is ready to use.
type GenericJobHandler struct{}

// Setup returns ctx unchanged.
func (GenericJobHandler) Setup(ctx context.Context, _ JobInfo) (context.Context, error) {
	return ctx, nil
}

// Execute calls run with ctx.
func (GenericJobHandler) Execute(ctx context.Context, _ TaskInfo, run func(context.Context) error) error {
	return run(ctx)
}

// Teardown does nothing.
func (GenericJobHandler) Teardown(context.Context, JobInfo, error) error {
	return nil
}

var _ Handler = GenericJobHandler{}
