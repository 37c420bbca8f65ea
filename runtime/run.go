package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	goruntime "runtime"
	"sync/atomic"
	"time"
)

// Options tunes [Job.Run]. The zero value is ready to use.
type Options struct {
	// Workers is the most tasks that run at once. Zero or less means
	// runtime.GOMAXPROCS(0).
	Workers int
	// KeepGoing runs every task whose dependencies all succeeded, even
	// after a failure. By default (false) the first failure cancels the run:
	// no further task starts.
	KeepGoing bool
	// TeardownTimeout bounds [Handler.Teardown]. Zero or less means 30s.
	TeardownTimeout time.Duration
	// Grace is how long the run waits for a task that ignores its cancelled
	// context before it abandons the task and reports it. Zero or less
	// means 5s.
	Grace time.Duration
	// Logger receives one record per task when it reaches its final state
	// (attributes job, task, level, attempt, state, duration, error), and
	// one per Setup or Teardown failure. Nil means no logging.
	Logger *slog.Logger
}

// Report is the outcome of one [Job.Run].
type Report struct {
	// Job is the job's name.
	Job string
	// Start is when the run started; Duration covers Setup to Teardown.
	Start    time.Time
	Duration time.Duration
	// Workers is the effective size of the worker pool.
	Workers int
	// Tasks has one entry per task, in the order of [Job.Tasks].
	Tasks []TaskReport
	// SetupErr and TeardownErr are the handler's errors, wrapping
	// [ErrSetup] and [ErrTeardown].
	SetupErr, TeardownErr error
	// Err is the error Run returned.
	Err error
}

// TaskReport is the outcome of one task in a [Report].
type TaskReport struct {
	// Name, Index and Level identify the task in the job.
	Name         string
	Index, Level int
	// State is the task's final state.
	State State
	// Attempts is how many times the task was started (0 if it never ran).
	Attempts int
	// Start is when the first attempt started; Duration runs from there to
	// the end of the last attempt, backoff pauses included.
	Start    time.Time
	Duration time.Duration
	// Err is the last attempt's error; nil unless the task ran and did not
	// succeed.
	Err error
	// Result is the task's result if it succeeded.
	Result any
}

var (
	// backoffBase is the pause before the first retry; each further retry
	// doubles it, up to backoffCap. A variable so that tests can shrink it.
	backoffBase = 100 * time.Millisecond
	backoffCap  = 10 * time.Second
)

// Run runs the job: it validates the table, calls the handler's Setup, runs
// the levels one after another, each on at most opts.Workers goroutines,
// then calls Teardown if Setup succeeded.
//
// A task runs only if all its dependencies succeeded; each attempt goes
// through [Handler.Execute]. The returned error joins the error of every
// task that ran and did not succeed (as `task "name": ...`), the error and
// cause of ctx if ctx ended before all tasks succeeded, and the Setup and
// Teardown errors. So
// errors.Is(err, context.DeadlineExceeded) or errors.Is(err,
// context.Canceled) tells that the run was stopped from outside, and
// errors.Is(err, [ErrSetup]) that no task ran.
//
// The report is nil only if the job is invalid (see [Job.Validate]);
// otherwise it is complete even when the run failed, and holds the results
// of the tasks that succeeded.
func (j *Job) Run(ctx context.Context, opts Options) (*Report, error) {
	levels, err := j.levelOf()
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	h := j.Handler
	if h == nil {
		h = GenericJobHandler{}
	}
	rep := &Report{Job: j.Name, Start: time.Now(), Workers: opts.Workers, Tasks: make([]TaskReport, len(j.Tasks))}
	log := opts.Logger
	if log != nil {
		log = log.With("job", j.Name)
	}
	info := JobInfo{Name: j.Name, Tasks: len(j.Tasks), Levels: len(j.Levels), Workers: opts.Workers}

	taskCtx, err := setup(ctx, h, info)
	if err != nil {
		for i := range rep.Tasks {
			rep.Tasks[i] = TaskReport{Name: j.Tasks[i].Name, Index: i, Level: levels[i]}
		}
		rep.SetupErr = fmt.Errorf("%w: %w", ErrSetup, err)
		if log != nil {
			log.ErrorContext(ctx, "setup failed", "error", err)
		}
		rep.Err = rep.SetupErr
		rep.Duration = time.Since(rep.Start)
		return rep, rep.Err
	}

	r := &runner{job: j, opts: opts, h: h, log: log, start: rep.Start, levels: levels, reps: rep.Tasks, phase: make([]atomic.Int32, len(j.Tasks))}
	r.ctx, r.cancel = context.WithCancelCause(taskCtx)
	r.done = r.ctx.Done()
	r.run()
	r.cancel(nil)
	rep.Tasks = r.reps
	runErr := runError(ctx, rep.Tasks)

	tctx, cancel := context.WithTimeout(context.WithoutCancel(taskCtx), opts.TeardownTimeout)
	defer cancel()
	if err := teardown(tctx, h, info, runErr); err != nil {
		rep.TeardownErr = fmt.Errorf("%w: %w", ErrTeardown, err)
		if log != nil {
			log.ErrorContext(ctx, "teardown failed", "error", err)
		}
	}
	rep.Err = runErr
	if rep.TeardownErr != nil {
		rep.Err = errors.Join(runErr, rep.TeardownErr)
	}
	rep.Duration = time.Since(rep.Start)
	return rep, rep.Err
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = goruntime.GOMAXPROCS(0)
	}
	if o.TeardownTimeout <= 0 {
		o.TeardownTimeout = 30 * time.Second
	}
	if o.Grace <= 0 {
		o.Grace = 5 * time.Second
	}
	return o
}

// runError joins the errors of the tasks, each prefixed with the task's
// name, after the error of ctx if ctx ended and a task did not succeed.
func runError(ctx context.Context, tasks []TaskReport) error {
	var errs []error
	ok := true
	for i := range tasks {
		t := &tasks[i]
		ok = ok && t.State == Succeeded
		if t.Err != nil {
			errs = append(errs, fmt.Errorf("task %q: %w", t.Name, t.Err))
		}
	}
	if err := stopErr(ctx); err != nil && !ok {
		errs = append([]error{err}, errs...)
	}
	return errors.Join(errs...)
}

// stopErr returns nil if ctx has not ended, and otherwise its error,
// together with its cause if that is a different error.
func stopErr(ctx context.Context) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, err) {
		return fmt.Errorf("%w: %w", err, cause)
	}
	return err
}

// setup calls h.Setup, turning a panic into a [*PanicError].
func setup(ctx context.Context, h Handler, info JobInfo) (tctx context.Context, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	tctx, err = h.Setup(ctx, info)
	if err == nil && tctx == nil {
		tctx = ctx
	}
	return tctx, err
}

// teardown calls h.Teardown, turning a panic into a [*PanicError].
func teardown(ctx context.Context, h Handler, info JobInfo, runErr error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	return h.Teardown(ctx, info, runErr)
}

// runner is the state of one run between Setup and Teardown.
//
// Workers write a task's entry of reps (all of it at once, in finish, to
// touch the memory once), then store phaseDone into its phase; the level
// barrier publishes the entries to the next level. When
// the run gives up on a level (see abandon), it copies reps to a new slice
// that only the coordinator writes, so that a late write by an abandoned
// worker goes to the old slice, which nobody reads any more.
type runner struct {
	job    *Job
	opts   Options
	h      Handler
	log    *slog.Logger
	ctx    context.Context // the tasks' context; canceled on the first failure unless KeepGoing
	cancel context.CancelCauseFunc
	done   <-chan struct{} // ctx.Done()
	start  time.Time       // the run's start, the origin of r.now
	levels []int           // the level of each task
	reps   []TaskReport
	calls  []*call // calls[w] is reused by worker w of every level
	// phase[i] is 0 while task i is idle, the number of the running
	// attempt while it runs, and phaseDone once reps[i] is final.
	phase []atomic.Int32
}

const phaseDone = -1

// level is one level being run. Its workers claim tasks with next; the last
// worker to exit closes done.
type level struct {
	k      int
	tasks  []int
	reps   []TaskReport
	next   atomic.Int64
	active atomic.Int32
	done   chan struct{}
}

// now returns the current time. It reads only the monotonic clock, which
// can cost a tenth of what time.Now does.
func (r *runner) now() time.Time {
	return r.start.Add(time.Since(r.start))
}

// stopped reports whether the run is stopping: its context ended, after a
// failure (unless KeepGoing) or from outside. It does not lock, unlike
// ctx.Err on some contexts.
func (r *runner) stopped() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// run runs the levels one after another. Once the run is stopped, the
// tasks of the remaining levels are marked without starting workers.
func (r *runner) run() {
	for k, tasks := range r.job.Levels {
		if r.stopped() {
			for _, i := range tasks {
				r.finish(r.reps, i, r.skipState(r.reps, i), 0, 0, nil, nil)
			}
			continue
		}
		if len(tasks) > 0 {
			r.runLevel(&level{k: k, tasks: tasks, reps: r.reps, done: make(chan struct{})})
		}
	}
}

// runLevel runs one level and returns when all its tasks are done, or when
// the run was stopped and some tasks still ran opts.Grace later.
func (r *runner) runLevel(lv *level) {
	n := min(r.opts.Workers, len(lv.tasks))
	lv.active.Store(int32(n))
	for w := range n {
		if w == len(r.calls) {
			r.calls = append(r.calls, newCall())
		}
		go r.work(lv, r.calls[w])
	}
	select {
	case <-lv.done:
		return
	case <-r.done:
	}
	t := time.NewTimer(r.opts.Grace)
	defer t.Stop()
	select {
	case <-lv.done:
	case <-t.C:
		r.abandon(lv)
	}
}

// work is one worker of a level: it claims and runs tasks until none is
// left. c is the worker's call, which nobody else uses while it runs.
func (r *runner) work(lv *level, c *call) {
	cur := -1
	defer func() {
		if cur < 0 {
			if lv.active.Add(-1) == 0 {
				close(lv.done)
			}
			return
		}
		// Only runtime.Goexit in the task (or in Execute) gets here: record
		// the task and hand this worker's place in the level to a new
		// goroutine, since this one cannot be stopped from exiting.
		start := lv.reps[cur].Start
		r.finish(lv.reps, cur, Failed, int(r.phase[cur].Load()), time.Since(start), errGoexit, nil)
		go r.work(lv, c)
	}()
	// now is the last clock reading; a task starts when the previous one
	// ended, which saves a clock reading per task.
	now := r.now()
	for {
		n := int(lv.next.Add(1) - 1)
		if n >= len(lv.tasks) {
			cur = -1
			return
		}
		cur = lv.tasks[n]
		now = r.runTask(lv, c, cur, now)
	}
}

// upstream returns Succeeded if every dependency of task i succeeded,
// UpstreamFailed if one failed (failed, panicked, timed_out or
// upstream_failed), and NotStarted otherwise: a dependency did not run, or
// was cancelled, because the run stopped.
func (r *runner) upstream(reps []TaskReport, i int) State {
	state := Succeeded
	for _, d := range r.job.Tasks[i].Deps {
		switch reps[d].State {
		case Succeeded:
		case NotStarted, Cancelled:
			state = NotStarted
		default:
			return UpstreamFailed
		}
	}
	return state
}

// skipState is the state of task i when the run stopped before it.
func (r *runner) skipState(reps []TaskReport, i int) State {
	if s := r.upstream(reps, i); s != Succeeded {
		return s
	}
	return NotStarted
}

// runTask runs task i with its retries and records the outcome. now is the
// time to use as the task's start; runTask returns the time it ended.
func (r *runner) runTask(lv *level, c *call, i int, now time.Time) time.Time {
	t := &r.job.Tasks[i]
	reps := lv.reps
	if s := r.upstream(reps, i); s != Succeeded || r.stopped() {
		r.finish(reps, i, r.skipState(reps, i), 0, 0, nil, nil)
		return now
	}
	var args []any
	if len(t.Args) > 0 {
		args = make([]any, len(t.Args))
		for k, a := range t.Args {
			args[k] = reps[a].Result
		}
	}
	start := now
	reps[i].Start = start // written before phase turns non-zero; see abandon
	info := TaskInfo{Name: t.Name, Index: i, Level: lv.k}
	for {
		info.Attempt++
		r.phase[i].Store(int32(info.Attempt))
		var res any
		var err error
		var state State
		if t.Timeout > 0 {
			res, state, err = r.attemptWithTimeout(t, info, args)
		} else {
			c.fn, c.args, c.res = t.Run, args, nil
			err = r.execute(r.ctx, info, c)
			res, state = c.res, r.classify(r.ctx, err)
		}
		if info.Attempt <= t.Retries && r.retryable(state, err) && r.sleep(backoff(info.Attempt)) {
			continue
		}
		now = r.now()
		r.finish(reps, i, state, info.Attempt, now.Sub(start), err, res)
		return now
	}
}

// retryable reports whether an attempt that ended in state with err is
// worth another one: errors and timeouts are, unless the error is
// [Permanent], the attempt was abandoned or called runtime.Goexit, or the
// run is stopping. Panics are bugs, and are not retried.
func (r *runner) retryable(state State, err error) bool {
	return (state == Failed || state == TimedOut) && !isPermanent(err) &&
		!errors.Is(err, ErrAbandoned) && !errors.Is(err, errGoexit) && !r.stopped()
}

// classify gives the state of an attempt that had context ctx and
// returned err.
func (r *runner) classify(ctx context.Context, err error) State {
	switch {
	case err == nil:
		return Succeeded
	case isPanic(err):
		return Panicked
	case context.Cause(ctx) == errTaskTimeout:
		return TimedOut
	case r.stopped() && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		return Cancelled
	default:
		return Failed
	}
}

// attemptWithTimeout runs one attempt of a task that has a timeout on its
// own goroutine, so that the worker can abandon it if it ignores its
// context for longer than opts.Grace.
func (r *runner) attemptWithTimeout(t *Task, info TaskInfo, args []any) (any, State, error) {
	ctx, cancel := context.WithTimeoutCause(r.ctx, t.Timeout, errTaskTimeout)
	defer cancel()
	c := newCall()
	c.fn, c.args = t.Run, args
	ended := make(chan error, 1)
	go func() {
		err := errGoexit
		defer func() { ended <- err }()
		err = r.execute(ctx, info, c)
	}()
	var err error
	select {
	case err = <-ended:
	case <-ctx.Done():
		grace := time.NewTimer(r.opts.Grace)
		defer grace.Stop()
		select {
		case err = <-ended:
		case <-grace.C:
			err = fmt.Errorf("%w: it ignored its cancelled context for %v: %w", ErrAbandoned, r.opts.Grace, ctx.Err())
			if context.Cause(ctx) == errTaskTimeout {
				return nil, TimedOut, fmt.Errorf("timed out after %v: %w", t.Timeout, err)
			}
			return nil, Cancelled, err
		}
	}
	state := r.classify(ctx, err)
	if state == TimedOut {
		err = fmt.Errorf("timed out after %v: %w", t.Timeout, err)
	}
	return c.res, state, err
}

// execute runs one attempt through the handler, turning a panic in Execute
// into a [*PanicError] (panics in the task itself are recovered by
// [call.invoke], so that Execute sees them as errors).
func (r *runner) execute(ctx context.Context, info TaskInfo, c *call) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	return r.h.Execute(ctx, info, c.run)
}

// call is one attempt's task function, arguments and result. A worker
// reuses one call for all the attempts it runs itself, so that passing
// c.run to Handler.Execute does not allocate.
type call struct {
	fn   TaskFunc
	args []any
	res  any
	run  func(context.Context) error
}

func newCall() *call {
	c := new(call)
	c.run = c.invoke
	return c
}

// invoke calls the task function, turning a panic into a [*PanicError].
func (c *call) invoke(ctx context.Context) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	c.res, err = c.fn(ctx, c.args)
	return err
}

// sleep waits for d, or until the run stops; it reports whether the full
// pause elapsed.
func (r *runner) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.done:
		return false
	}
}

// backoff returns the pause before retry n (1 for the first): backoffBase
// doubled n-1 times, at most backoffCap, with jitter: a random duration
// between half of that and all of it.
func backoff(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffCap; i++ {
		d *= 2
	}
	d = min(d, backoffCap)
	return d/2 + rand.N(d/2+1)
}

// finish records the final state of task i in reps, cancels the run on a
// failure unless KeepGoing, and logs the task.
//
// Its Start is not written here: runTask sets it before the first attempt,
// and abandon may read it concurrently.
func (r *runner) finish(reps []TaskReport, i int, state State, attempts int, d time.Duration, err error, res any) {
	tr := &reps[i]
	tr.Name, tr.Index, tr.Level = r.job.Tasks[i].Name, i, r.levels[i]
	tr.State, tr.Attempts, tr.Duration, tr.Err = state, attempts, d, err
	if state == Succeeded {
		tr.Result = res
	}
	r.phase[i].Store(phaseDone)
	if (state == Failed || state == Panicked || state == TimedOut) && !r.opts.KeepGoing {
		r.cancel(fmt.Errorf("task %q: %w", tr.Name, err))
	}
	if r.log != nil {
		r.logTask(tr)
	}
}

func (r *runner) logTask(tr *TaskReport) {
	lvl := slog.LevelInfo
	switch tr.State {
	case Succeeded:
	case Failed, Panicked, TimedOut:
		lvl = slog.LevelError
	default:
		lvl = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("task", tr.Name),
		slog.Int("level", tr.Level),
		slog.Int("attempt", tr.Attempts),
		slog.String("state", tr.State.String()),
		slog.Duration("duration", tr.Duration),
	}
	if tr.Err != nil {
		attrs = append(attrs, slog.Any("error", tr.Err))
	}
	r.log.LogAttrs(r.ctx, lvl, "task end", attrs...)
}

// abandon gives up on a level whose tasks still run opts.Grace after the
// run was stopped. Tasks that finished keep their outcome; tasks still
// running become cancelled with an error wrapping [ErrAbandoned]; the
// others are not started. The report moves to a fresh slice so that the
// abandoned workers cannot race with the caller reading it.
func (r *runner) abandon(lv *level) {
	old := r.reps
	reps := make([]TaskReport, len(old))
	for k, tasks := range r.job.Levels {
		if k == lv.k {
			continue
		}
		for _, i := range tasks {
			reps[i] = old[i]
		}
	}
	r.reps = reps
	now := r.now()
	for _, i := range lv.tasks {
		p := r.phase[i].Load()
		if p == phaseDone {
			reps[i] = old[i]
			continue
		}
		if p == 0 {
			r.finish(reps, i, r.skipState(reps, i), 0, 0, nil, nil)
			continue
		}
		start := old[i].Start
		reps[i].Start = start
		err := fmt.Errorf("%w: it ignored its cancelled context for %v: %w", ErrAbandoned, r.opts.Grace, r.ctx.Err())
		r.finish(reps, i, Cancelled, int(p), now.Sub(start), err, nil)
	}
}
