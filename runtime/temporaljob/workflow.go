package temporaljob

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// Defaults of [Input].
const (
	defaultMaxInFlight        = 200
	maxMaxInFlight            = 1000
	defaultHeartbeatTimeout   = 5 * time.Second
	defaultContinueAsNewAfter = 10000
	// defaultStartToClose bounds an attempt of a task without a timeout:
	// heartbeats, not this, find a lost worker.
	defaultStartToClose = 24 * time.Hour
	// workerLosses is how often one attempt may lose its worker before the
	// task fails: a task that kills its worker every time must not loop.
	workerLosses = 5
	// pinnedRestarts is how often a pinned run starts again on another
	// worker after losing its own.
	pinnedRestarts = 3
	// batchBytes caps the argument bytes one workflow task schedules, and
	// maxArgBytes the arguments of one task, below gRPC's 4 MB message
	// limit, which a workflow task's reply must not exceed (a larger reply
	// hangs the workflow).
	batchBytes  = 2 << 20
	maxArgBytes = 3 << 20
	// teardownTimeout and grace bound Teardown as runtime.Options does.
	teardownTimeout = 30 * time.Second
	grace           = 5 * time.Second
)

// queryProgress is the name of the workflow's progress query.
const queryProgress = "progress"

// SetupActivity and TeardownActivity name the activities that run a job's
// handler; each task's activity is named by the task.
func SetupActivity(job string) string    { return job + ".setup" }
func TeardownActivity(job string) string { return job + ".teardown" }

// Workflow is the workflow of one job: a deterministic walk of the job's
// compiled-in task table. Register its Run method under the job's name
// (see [Register]).
type Workflow struct {
	job      *runtime.Job
	settings Settings
	levels   []int   // level of each task
	users    [][]int // dependents of each task
	handler  bool    // the job has a handler of its own (Setup and Teardown run)
}

// NewWorkflow returns the workflow of job.
func NewWorkflow(job *runtime.Job, s Settings) (*Workflow, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	w := &Workflow{job: job, settings: s, levels: make([]int, len(job.Tasks)), users: make([][]int, len(job.Tasks))}
	for k, l := range job.Levels {
		for _, i := range l {
			w.levels[i] = k
		}
	}
	for i, t := range job.Tasks {
		for _, d := range t.Deps {
			w.users[d] = append(w.users[d], i)
		}
	}
	_, generic := job.Handler.(runtime.GenericJobHandler)
	w.handler = job.Handler != nil && !generic
	return w, nil
}

// flow is the state of one workflow run.
type flow struct {
	*Workflow
	in          Input
	keepGoing   bool
	eager       bool
	maxInFlight int
	hb          time.Duration
	start       time.Time
	runs        int
	restarts    int
	setupDone   bool
	session     string
	queue       string // where tasks go: the shared queue or the pinned worker's

	cols      Columns
	errs      []string
	results   []*converter.RawValue
	pending   []int   // dependencies of each task without a final state
	open      []int   // tasks without a final state, per level
	ready     [][]int // tasks whose dependencies all succeeded, per level (eager: all in ready[0])
	cur       int     // the level being run (levels schedule)
	running   []bool
	retrying  []bool
	inFlight  int
	timers    int
	last      []byte // the state of each task's last failed attempt, while it waits for a retry
	stopping  bool   // no new task starts: fail-fast, cancellation or a lost pinned worker
	cancelled bool
	lost      bool // the pinned worker is gone
	quiesce   bool // continue as new once nothing is in flight
	sent      int  // argument bytes scheduled in this workflow task
}

// completion is what the goroutine of an activity or a retry timer sends
// to the main loop.
type completion struct {
	task    int
	attempt int
	timer   bool // a retry pause ended (or was cancelled)
	result  converter.RawValue
	err     error
}

// Run is the workflow function.
func (w *Workflow) Run(ctx workflow.Context, in Input) (*Output, error) {
	f, err := w.newFlow(ctx, in)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), errTypeBadInput, nil)
	}
	if err := workflow.SetQueryHandler(ctx, queryProgress, f.progress); err != nil {
		return nil, err
	}
	for {
		if !f.setupDone && w.handler {
			if err := f.setup(ctx); err != nil {
				return f.finish(ctx, err.Error())
			}
		}
		if can := f.runTasks(ctx); can != nil {
			return nil, can
		}
		if !f.lost {
			break
		}
		if f.restarts >= pinnedRestarts {
			f.failRemaining(fmt.Sprintf("the pinned worker was lost %d times", f.restarts+1))
			break
		}
		f.restart()
	}
	return f.finish(ctx, "")
}

func (w *Workflow) newFlow(ctx workflow.Context, in Input) (*flow, error) {
	n := len(w.job.Tasks)
	f := &flow{Workflow: w, in: in, keepGoing: w.job.KeepGoing, maxInFlight: in.MaxInFlight, hb: defaultHeartbeatTimeout, start: workflow.Now(ctx)}
	if in.Fingerprint != "" && in.Fingerprint != w.job.Fingerprint {
		return nil, fmt.Errorf("job %q: the run was submitted by a binary whose job table has fingerprint %s, but this worker's has %s: run workers built from the same config and code", w.job.Name, in.Fingerprint, w.job.Fingerprint)
	}
	if in.KeepGoing != nil {
		f.keepGoing = *in.KeepGoing
	}
	if in.Schedule != "" {
		var s runtime.Schedule
		if err := s.UnmarshalText([]byte(in.Schedule)); err != nil {
			return nil, err
		}
		f.eager = s == runtime.ScheduleEager
	}
	switch {
	case f.maxInFlight == 0:
		f.maxInFlight = defaultMaxInFlight
	case f.maxInFlight < 0 || f.maxInFlight > maxMaxInFlight:
		return nil, fmt.Errorf("max_in_flight must be between 1 and %d, not %d", maxMaxInFlight, f.maxInFlight)
	}
	if in.HeartbeatTimeout != "" {
		d, err := time.ParseDuration(in.HeartbeatTimeout)
		if err != nil || d < time.Second {
			return nil, fmt.Errorf("heartbeat_timeout must be a Go duration of at least 1s, not %q", in.HeartbeatTimeout)
		}
		f.hb = d
	}
	f.cols = Columns{States: make([]byte, n), Attempts: make([]byte, n), StartUS: make([]int64, n), DurationUS: make([]int64, n)}
	for i := range f.cols.States {
		f.cols.States[i], f.cols.StartUS[i] = stateIdle, -1
	}
	f.errs = make([]string, n)
	f.results = make([]*converter.RawValue, n)
	if c := in.Carry; c != nil {
		if len(c.States) != n || len(c.Attempts) != n || len(c.StartUS) != n || len(c.DurationUS) != n {
			return nil, fmt.Errorf("carried state has %d tasks, the job %d", len(c.States), n)
		}
		f.runs, f.restarts, f.start, f.setupDone, f.session, f.queue = c.Runs, c.Restarts, c.Start, c.SetupDone, c.Session, c.Queue
		f.cols = c.Columns
		f.cols.Errors = nil
		for _, e := range c.Errors {
			if e.Task >= 0 && e.Task < n {
				f.errs[e.Task] = e.Error
			}
		}
		for _, r := range c.Results {
			if r.Task >= 0 && r.Task < n {
				v := converter.NewRawValue(&commonpb.Payload{Metadata: r.Metadata, Data: r.Data})
				f.results[r.Task] = &v
			}
		}
	}
	f.runs++
	f.index()
	return f, nil
}

// index builds the scheduling state from the tasks' states.
func (f *flow) index() {
	n := len(f.job.Tasks)
	f.pending = make([]int, n)
	f.open = make([]int, len(f.job.Levels))
	f.ready = make([][]int, len(f.job.Levels)+1)
	f.running = make([]bool, n)
	f.retrying = make([]bool, n)
	f.last = make([]byte, n)
	f.cur = 0
	for _, l := range f.job.Levels { // levels order: dependencies first
		for _, i := range l {
			if f.final(i) {
				continue
			}
			f.open[f.levels[i]]++
			for _, d := range f.job.Tasks[i].Deps {
				if !f.final(d) {
					f.pending[i]++
				}
			}
			if f.pending[i] == 0 {
				f.decide(i)
			}
		}
	}
}

func (f *flow) final(i int) bool { return f.cols.States[i] != stateIdle }

// decide is called when every dependency of task i is final: it makes the
// task ready if they all succeeded, and otherwise gives it its final state
// as runtime.Job.Run would.
func (f *flow) decide(i int) {
	if state := f.upstream(i); state != runtime.Succeeded {
		f.end(i, state, "")
		return
	}
	f.requeue(i)
}

// upstream is runtime.Job.Run's rule for a task whose dependencies are
// final: Succeeded if they all succeeded, UpstreamFailed if one failed
// (failed, panicked, timed_out or upstream_failed), and NotStarted
// otherwise (one did not run, or was cancelled).
func (f *flow) upstream(i int) runtime.State {
	state := runtime.Succeeded
	for _, d := range f.job.Tasks[i].Deps {
		switch runtime.State(f.cols.States[d]) {
		case runtime.Succeeded:
		case runtime.NotStarted, runtime.Cancelled:
			state = runtime.NotStarted
		default:
			return runtime.UpstreamFailed
		}
	}
	return state
}

// end gives task i its final state and decides the tasks waiting for it.
func (f *flow) end(i int, state runtime.State, msg string) {
	f.cols.States[i] = byte(state)
	f.errs[i] = msg
	f.open[f.levels[i]]--
	for _, u := range f.users[i] {
		f.pending[u]--
		if f.pending[u] == 0 && !f.final(u) {
			f.decide(u)
		}
	}
	for _, d := range f.job.Tasks[i].Deps {
		f.release(d)
	}
	if !f.keepGoing && (state == runtime.Failed || state == runtime.Panicked || state == runtime.TimedOut) {
		f.stopping = true
	}
}

// release drops the result of task d once every task that takes it is
// final, so that neither the workflow nor a continuation keeps it.
func (f *flow) release(d int) {
	if f.results[d] == nil {
		return
	}
	for _, u := range f.users[d] {
		if !f.final(u) {
			return
		}
	}
	f.results[d] = nil
}

// next returns the next task to start, if any may start now.
func (f *flow) next() (int, bool) {
	if !f.eager {
		for f.cur < len(f.open) && f.open[f.cur] == 0 {
			f.cur++
		}
		if f.cur >= len(f.open) {
			return 0, false
		}
	}
	k := f.cur
	if f.eager {
		k = 0
	}
	if len(f.ready[k]) == 0 {
		return 0, false
	}
	i := f.ready[k][0]
	f.ready[k] = f.ready[k][1:]
	return i, true
}

// runTasks runs the tasks until none is left to run, or until the run
// must continue as new: it then returns the continue-as-new error.
func (f *flow) runTasks(ctx workflow.Context) error {
	runCtx, cancelRun := workflow.WithCancel(ctx)
	defer cancelRun()
	done := workflow.NewChannel(ctx)
	cancelled := false
	for {
		if f.stopping {
			cancelRun()
		}
		if !f.stopping && !f.quiesce {
			f.sent = 0
			for f.inFlight+f.timers < f.maxInFlight {
				i, ok := f.next()
				if !ok {
					break
				}
				if !f.launch(runCtx, done, i) {
					break // this workflow task has sent enough bytes
				}
			}
		}
		if f.inFlight == 0 && f.timers == 0 { // nothing can change any more
			if f.quiesce && !f.stopping && f.unfinished() {
				return workflow.NewContinueAsNewError(ctx, f.job.Name, f.continuation())
			}
			return nil
		}
		var c completion
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(done, func(ch workflow.ReceiveChannel, _ bool) { ch.Receive(ctx, &c) })
		if !cancelled {
			sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
		}
		sel.Select(ctx)
		if !cancelled && ctx.Err() != nil {
			cancelled, f.cancelled, f.stopping = true, true, true
			continue
		}
		f.handle(runCtx, done, c)
		if !f.quiesce && workflow.GetInfo(ctx).GetCurrentHistoryLength() >= f.continueAfter() {
			f.quiesce = true
		}
	}
}

func (f *flow) continueAfter() int {
	if f.in.ContinueAsNewAfter > 0 {
		return f.in.ContinueAsNewAfter
	}
	return defaultContinueAsNewAfter
}

// unfinished reports whether a task has no final state yet.
func (f *flow) unfinished() bool {
	for _, o := range f.open {
		if o > 0 {
			return true
		}
	}
	return false
}

// launch starts the next attempt of task i; it reports false, starting
// nothing, when the arguments would make this workflow task's reply too
// large (the task is put back and starts in a later workflow task).
func (f *flow) launch(ctx workflow.Context, done workflow.Channel, i int) bool {
	t := &f.job.Tasks[i]
	size := 0
	args := make([]any, 0, 1+len(t.Args))
	args = append(args, taskInput{Fingerprint: f.job.Fingerprint, Attempt: int(f.cols.Attempts[i]) + 1, Session: f.session})
	for _, a := range t.Args {
		if a == runtime.ParamsArg {
			p := f.in.Params
			if p == nil {
				p = json.RawMessage("null")
			}
			size += len(p)
			args = append(args, p)
			continue
		}
		r := f.results[a]
		if r == nil { // cannot happen: a succeeded dependency's result is kept until its users end
			f.end(i, runtime.Failed, fmt.Sprintf("the result of dependency %q is missing", f.job.Tasks[a].Name))
			return true
		}
		size += r.Payload().Size()
		args = append(args, *r)
	}
	if size > maxArgBytes {
		f.end(i, runtime.Failed, fmt.Sprintf("its arguments are %d bytes, more than the %d bytes a Temporal workflow task can send: pass a reference (a path, an object key) instead of the data", size, maxArgBytes))
		return true
	}
	if f.sent > 0 && f.sent+size > batchBytes {
		k := f.readyQueue(i)
		f.ready[k] = append([]int{i}, f.ready[k]...) // first again next time
		return false
	}
	f.sent += size + 1 // +1: a batch of empty arguments is still a batch
	attempt := int(f.cols.Attempts[i]) + 1
	f.cols.Attempts[i] = byte(attempt)
	now := workflow.Now(ctx)
	if attempt == 1 {
		f.cols.StartUS[i] = now.Sub(f.start).Microseconds()
	}
	f.running[i] = true
	f.inFlight++
	actx := workflow.WithActivityOptions(ctx, f.taskOptions(t))
	fut := workflow.ExecuteActivity(actx, t.Name, args...)
	workflow.Go(ctx, func(gctx workflow.Context) {
		c := completion{task: i, attempt: attempt}
		c.err = fut.Get(gctx, &c.result)
		done.Send(gctx, c)
	})
	return true
}

// taskOptions are the activity options of an attempt of t.
func (f *flow) taskOptions(t *runtime.Task) workflow.ActivityOptions {
	o := workflow.ActivityOptions{
		TaskQueue:           f.queue,
		StartToCloseTimeout: defaultStartToClose,
		HeartbeatTimeout:    f.hb,
		WaitForCancellation: true,
		// Only a lost worker (a heartbeat or start-to-close timeout) is
		// retried by Temporal: the task's own failures come back as
		// non-retryable errors, and the workflow retries them itself, so
		// that a lost worker never uses up one of the task's retries.
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 5 * time.Second, MaximumAttempts: 1 + workerLosses},
	}
	if t.Timeout > 0 {
		o.StartToCloseTimeout = t.Timeout + grace + f.hb
	}
	if f.queue != "" {
		// A pinned run's queue has one poller: if it is gone, nothing
		// starts the activity, and this tells.
		o.ScheduleToStartTimeout = 3 * f.hb
	}
	return o
}

// handle takes in one completion.
func (f *flow) handle(ctx workflow.Context, done workflow.Channel, c completion) {
	i := c.task
	if c.timer {
		// The retry starts when a task may start (not while quiescing for
		// continue-as-new, which carries it over), unless the run stops.
		f.timers--
		f.retrying[i] = false
		if f.stopping {
			f.end(i, f.lastState(i), f.errs[i])
		} else {
			f.requeue(i)
		}
		return
	}
	f.inFlight--
	f.running[i] = false
	now := workflow.Now(ctx)
	f.cols.DurationUS[i] = now.Sub(f.start).Microseconds() - f.cols.StartUS[i]
	if c.err == nil {
		r := c.result
		f.results[i] = &r
		f.end(i, runtime.Succeeded, "")
		f.release(i)
		return
	}
	state, msg, retryable, lost := f.classify(c.err)
	if lost {
		// The whole run starts again elsewhere (see restart).
		f.lost, f.stopping = true, true
		return
	}
	t := &f.job.Tasks[i]
	if retryable && int(f.cols.Attempts[i]) <= t.Retries && !f.stopping {
		f.errs[i] = msg
		f.last[i] = byte(state)
		f.retrying[i] = true
		f.timers++
		pause := backoff(i, int(f.cols.Attempts[i]))
		workflow.Go(ctx, func(gctx workflow.Context) {
			_ = workflow.Sleep(gctx, pause) // cancelled: handle ends the task
			done.Send(gctx, completion{task: i, timer: true})
		})
		return
	}
	f.end(i, state, msg)
}

// lastState is the state of the last attempt of task i, which waits for a
// retry.
func (f *flow) lastState(i int) runtime.State {
	if s := runtime.State(f.last[i]); s != runtime.NotStarted {
		return s
	}
	return runtime.Failed // a retry carried over continue-as-new
}

// requeue puts task i, ready or waiting for a retry, at the end of its
// ready queue.
func (f *flow) requeue(i int) {
	k := f.readyQueue(i)
	f.ready[k] = append(f.ready[k], i)
}

// readyQueue is the ready queue of task i: its level's, or the one queue of
// the eager schedule.
func (f *flow) readyQueue(i int) int {
	if f.eager {
		return 0
	}
	return f.levels[i]
}

// classify maps the error of an attempt to the state it ended in, its
// message, whether the workflow may retry it, and whether it means that
// the pinned worker of the run is gone.
func (f *flow) classify(err error) (state runtime.State, msg string, retryable, lost bool) {
	if err == nil {
		return runtime.Succeeded, "", false, false
	}
	var app *temporal.ApplicationError
	var canceled *temporal.CanceledError
	var timeout *temporal.TimeoutError
	switch {
	case errors.As(err, &app):
		for s := runtime.Failed; s <= runtime.Cancelled; s++ {
			if app.Type() == s.String() {
				retryable := false
				if app.HasDetails() {
					_ = app.Details(&retryable)
				}
				return s, app.Message(), retryable, false
			}
		}
		return runtime.Failed, app.Message(), false, app.Type() == errTypeSession
	case errors.As(err, &canceled):
		msg := "cancelled"
		if canceled.HasDetails() {
			_ = canceled.Details(&msg)
		}
		return runtime.Cancelled, msg, false, false
	case errors.As(err, &timeout):
		switch timeout.TimeoutType() {
		case enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START:
			return runtime.Cancelled, "the pinned worker stopped polling its task queue", false, true
		case enumspb.TIMEOUT_TYPE_HEARTBEAT:
			return runtime.Failed, fmt.Sprintf("its worker was lost %d times (no heartbeat for %v)", workerLosses+1, f.hb), false, false
		}
		return runtime.TimedOut, "the attempt outlived its start-to-close timeout: " + timeout.Error(), false, false
	}
	return runtime.Failed, err.Error(), false, false
}

// backoff is the pause before retry n of task i: runtime.Backoff with a
// jitter that is deterministic, as a workflow must be.
func backoff(i, n int) time.Duration {
	d := runtime.Backoff(n)
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d", i, n)
	return d/2 + time.Duration(h.Sum64()%uint64(d/2+1))
}

// setup runs the handler's Setup as an activity.
func (f *flow) setup(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, f.handlerOptions(""))
	var out setupOutput
	err := workflow.ExecuteActivity(actx, SetupActivity(f.job.Name), setupInput{Fingerprint: f.job.Fingerprint, Workers: f.maxInFlight}).Get(ctx, &out)
	if err != nil {
		_, msg, _, _ := f.classify(err)
		return errors.New(msg)
	}
	f.setupDone, f.session = true, out.Session
	if f.settings.Pinned {
		f.queue = out.Queue
	}
	return nil
}

// handlerOptions are the activity options of Setup and Teardown on queue
// ("" for the workflow's own).
func (f *flow) handlerOptions(queue string) workflow.ActivityOptions {
	o := workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    f.hb,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 5 * time.Second, MaximumAttempts: 1 + workerLosses},
	}
	if queue != "" {
		o.ScheduleToStartTimeout = 3 * f.hb
	}
	return o
}

// restart forgets everything a lost pinned worker held: the run starts
// again, Setup first, on another worker.
func (f *flow) restart() {
	f.restarts++
	n := len(f.job.Tasks)
	for i := range n {
		f.cols.States[i], f.cols.Attempts[i], f.cols.StartUS[i], f.cols.DurationUS[i] = stateIdle, 0, -1, 0
		f.errs[i], f.results[i] = "", nil
	}
	f.setupDone, f.session, f.queue = false, "", ""
	f.lost, f.stopping, f.quiesce = false, false, false
	f.index()
}

// failRemaining ends every task without a final state as cancelled.
func (f *flow) failRemaining(msg string) {
	for _, l := range f.job.Levels {
		for _, i := range l {
			if !f.final(i) {
				f.end(i, runtime.Cancelled, msg)
			}
		}
	}
}

// finish gives the tasks that never ran their final state, runs Teardown
// if Setup ran, and returns the run's outcome: the output on success, an
// error carrying it otherwise.
func (f *flow) finish(ctx workflow.Context, setupErr string) (*Output, error) {
	// In level order, so that a task's dependencies are final when its
	// turn comes: downstream of a failure it is upstream_failed, as in a
	// local run, and otherwise not_started.
	for _, l := range f.job.Levels {
		for _, i := range l {
			if !f.final(i) {
				state := f.upstream(i)
				if state == runtime.Succeeded {
					state = runtime.NotStarted
				}
				f.end(i, state, "")
			}
		}
	}
	out := f.output(ctx)
	out.SetupError = setupErr
	if f.setupDone {
		// A cancelled workflow still tears down, on a context of its own.
		tctx, cancel := workflow.NewDisconnectedContext(ctx)
		defer cancel()
		tctx = workflow.WithActivityOptions(tctx, f.handlerOptions(f.queue))
		in := teardownInput{Fingerprint: f.job.Fingerprint, Session: f.session, Workers: f.maxInFlight, RunError: f.runError()}
		if err := workflow.ExecuteActivity(tctx, TeardownActivity(f.job.Name), in).Get(tctx, nil); err != nil {
			_, msg, _, _ := f.classify(err)
			out.TeardownError = msg
		}
	}
	out.ElapsedUS = workflow.Now(ctx).Sub(f.start).Microseconds()
	switch {
	case f.cancelled:
		return nil, temporal.NewCanceledError(*out)
	case setupErr != "":
		return nil, temporal.NewNonRetryableApplicationError("job "+f.job.Name+": setup failed: "+setupErr, errTypeSetup, nil, *out)
	case out.Counts[runtime.Succeeded.String()] != len(f.job.Tasks):
		return nil, temporal.NewNonRetryableApplicationError(f.failureSummary(out), errTypeJobFailed, nil, *out)
	case out.TeardownError != "":
		return nil, temporal.NewNonRetryableApplicationError("job "+f.job.Name+": teardown failed: "+out.TeardownError, errTypeJobFailed, nil, *out)
	}
	return out, nil
}

// output collects the run's outcome.
func (f *flow) output(ctx workflow.Context) *Output {
	out := &Output{Job: f.job.Name, Fingerprint: f.job.Fingerprint, Start: f.start, Counts: map[string]int{}, Runs: f.runs, Restarts: f.restarts, Columns: f.cols, Cancelled: f.cancelled}
	out.Errors = nil
	for i, s := range f.cols.States {
		out.Counts[runtime.State(s).String()]++
		if f.errs[i] != "" && runtime.State(s) != runtime.Succeeded {
			out.Errors = append(out.Errors, TaskError{Task: i, Name: f.job.Tasks[i].Name, Error: f.errs[i]})
		}
	}
	return out
}

// runError is the text of the error Teardown receives, "" on success.
func (f *flow) runError() string {
	var parts []string
	if f.cancelled {
		parts = append(parts, "context canceled: the workflow was cancelled")
	}
	for i, s := range f.cols.States {
		if runtime.State(s) != runtime.Succeeded && f.errs[i] != "" {
			parts = append(parts, fmt.Sprintf("task %q: %s", f.job.Tasks[i].Name, f.errs[i]))
		}
	}
	if len(parts) == 0 {
		for _, s := range f.cols.States {
			if runtime.State(s) != runtime.Succeeded {
				return "not every task succeeded"
			}
		}
	}
	return strings.Join(parts, "\n")
}

// failureSummary is the message of a failed run's error: the counts and
// the first failed tasks.
func (f *flow) failureSummary(out *Output) string {
	var b strings.Builder
	fmt.Fprintf(&b, "job %s:", f.job.Name)
	for s := runtime.NotStarted; s <= runtime.UpstreamFailed; s++ {
		if n := out.Counts[s.String()]; n > 0 {
			fmt.Fprintf(&b, " %d %s", n, s)
		}
	}
	for k, e := range out.Errors {
		if k == 3 {
			fmt.Fprintf(&b, "; and %d more", len(out.Errors)-k)
			break
		}
		msg, _, _ := strings.Cut(e.Error, "\n")
		fmt.Fprintf(&b, "; %s: %s", e.Name, msg)
	}
	return b.String()
}

// continuation is the input of the run that continues this one.
func (f *flow) continuation() Input {
	in := f.in
	c := &Carry{Runs: f.runs, Restarts: f.restarts, Start: f.start, SetupDone: f.setupDone, Session: f.session, Queue: f.queue, Columns: f.cols}
	c.Errors = nil
	for i, e := range f.errs {
		if e != "" {
			c.Errors = append(c.Errors, TaskError{Task: i, Name: f.job.Tasks[i].Name, Error: e})
		}
	}
	for i, r := range f.results {
		if r != nil {
			p := r.Payload()
			c.Results = append(c.Results, CarriedResult{Task: i, Metadata: p.GetMetadata(), Data: p.GetData()})
		}
	}
	in.Carry = c
	return in
}

// progress answers the progress query.
func (f *flow) progress() (Progress, error) {
	p := Progress{States: make([]byte, len(f.cols.States)), Attempts: f.cols.Attempts, Run: f.runs}
	for i, s := range f.cols.States {
		switch {
		case s != stateIdle:
			p.States[i] = s
		case f.running[i]:
			p.States[i] = phaseRunning
		case f.retrying[i]:
			p.States[i] = phaseRetrying
		default:
			p.States[i] = stateIdle
		}
		if s != stateIdle && runtime.State(s) != runtime.Succeeded && f.errs[i] != "" {
			p.Errors = append(p.Errors, TaskError{Task: i, Name: f.job.Tasks[i].Name, Error: f.errs[i]})
		}
	}
	return p, nil
}
