package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	goruntime "runtime"
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
	// Schedule says when each task starts: [ScheduleLevels] (the zero
	// value) or [ScheduleEager]. Both give every task the same final state
	// for the same outcomes of its dependencies.
	Schedule Schedule
	// TeardownTimeout bounds [Handler.Teardown]: its context ends after
	// that. Zero or less means 30s.
	TeardownTimeout time.Duration
	// Grace is how long the run waits for a task that ignores its cancelled
	// context, or for a Teardown that ignores its context once
	// TeardownTimeout has passed, before it abandons it and reports it with
	// an error wrapping [ErrAbandoned]. Zero or less means 5s.
	Grace time.Duration
	// Logger receives one record per task when it reaches its final state
	// (attributes job, task, graph_level (the task's topological level),
	// attempt, state, duration, error): at error level for a task that
	// failed, panicked or timed out, at warn level for one that did not
	// run to its end, and at debug level for a success. It also receives
	// one record per Setup or Teardown failure (error), one per retry
	// (warn) and one per attempt start (debug); and it is what
	// [Logger] returns to the tasks. Nil means no logging.
	Logger *slog.Logger
	// Observer, if not nil, receives the events of the run as they happen
	// (see [Event]), from the run's goroutines. Nil costs nothing.
	Observer Observer
	// Params is the run's inputs, for a job that declares a params type
	// ([Job.Params]): every parameter bound to [ParamsArg] receives it. It
	// must have the dynamic type of Job.Params; nil means Job.Params, the
	// zero value. runtime/jobmain fills it from the binary's input flags.
	Params any
	// Restored holds, by task index, results kept from an earlier run
	// (runtime/jobmain's --state): such a task does not run, ends in state
	// [Restored], and its dependents take the result as if it had just
	// succeeded. Each result must have the dynamic type the task's Run
	// returns. The report keeps restored results.
	Restored map[int]any
	// Only, if not nil, lists the tasks to run, by index; every other task
	// not in Restored ends in state [NotSelected] without running. A task
	// that is to run with a dependency that neither runs nor is restored
	// makes Run fail before anything runs.
	Only []int
	// KeepResults keeps the result of every task that succeeded in the
	// [Report]. By default the report keeps only the results no task
	// takes as an argument (the sinks', those of tasks that are only
	// ordering dependencies, and those whose takers do not run in this
	// run): a result that tasks take is dropped once they have all ended
	// (in level mode, once the level of the last of them ended), so that a
	// pipeline passing large values down does not hold all of them until
	// the run ends. The results the run still holds when it ends, because
	// it stopped first, are kept as well. Observers see every result, on
	// TaskEnd ([Event.Result]).
	KeepResults bool
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

	// Which results the report holds (see Options.KeepResults), for
	// [Result]: takers is nil if it holds all; otherwise it holds those of
	// the tasks no task takes (takers[i] == 0), and those held[i] says the
	// run still held when it stopped.
	takers []int32
	held   []bool
}

// holds reports whether rep holds the result of task i, if it succeeded.
func (rep *Report) holds(i int) bool {
	return rep.takers == nil || rep.takers[i] == 0 || (rep.held != nil && rep.held[i])
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
	// Result is the task's result if it succeeded and the report keeps it
	// (see [Options.KeepResults]).
	Result any
}

// Run runs the job: it validates the table (computing the levels with
// [Levels] when j.Levels is nil), calls the handler's Setup, runs
// the tasks on at most opts.Workers goroutines, level after level or, with
// [ScheduleEager], each as soon as its dependencies succeeded, then calls
// Teardown if Setup succeeded. A Teardown that ignores its context for
// opts.Grace after opts.TeardownTimeout is abandoned: the run ends with an
// error wrapping [ErrTeardown] and [ErrAbandoned].
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
// The report is nil only if the job is invalid (see [Job.Validate]) or
// opts.Schedule is unknown; otherwise it is complete even when the run
// failed, and holds the results of the tasks that succeeded that it keeps
// (see [Options.KeepResults]).
//
// Run validates the table on its first run and keeps what it derived in
// the Job; see [Job].
func (j *Job) Run(ctx context.Context, opts Options) (*Report, error) {
	p, err := j.planOf()
	if err != nil {
		return nil, err
	}
	if opts.Schedule > ScheduleEager {
		return nil, fmt.Errorf("runtime: unknown schedule %v", opts.Schedule)
	}
	params, err := j.params(opts.Params)
	if err != nil {
		return nil, err
	}
	sel, err := j.selection(opts)
	if err != nil {
		return nil, err
	}
	cols := p.newStores()
	for i, res := range opts.Restored {
		if err := p.put(cols, i, res); err != nil {
			return nil, fmt.Errorf("runtime: Options.Restored: task %q: %w", j.Tasks[i].Name, err)
		}
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
	levels := j.Levels
	if p.own {
		levels = p.levels
	}
	info := JobInfo{Name: j.Name, Tasks: len(j.Tasks), Levels: len(levels), Workers: opts.Workers}
	obs := opts.Observer
	if obs != nil {
		obs.Observe(Event{Kind: RunStart, Time: rep.Start, Job: info})
		observeJob(obs, SetupStart, rep.Start, info, nil)
	}

	taskCtx, err := setup(withRunLogger(ctx, log), h, info)
	if obs != nil {
		observeJob(obs, SetupEnd, rep.Start, info, err)
	}
	if err != nil {
		for i := range rep.Tasks {
			rep.Tasks[i] = TaskReport{Name: j.Tasks[i].Name, Index: i, Level: int(p.level[i])}
		}
		rep.SetupErr = fmt.Errorf("%w: %w", ErrSetup, err)
		if log != nil {
			log.ErrorContext(ctx, "setup failed", "error", err)
		}
		rep.Err = rep.SetupErr
		rep.Duration = time.Since(rep.Start)
		if obs != nil {
			observeEnd(obs, rep, info)
		}
		return rep, rep.Err
	}

	if !opts.KeepResults {
		rep.takers = p.takers
	}
	r := &runner{job: j, p: p, levels: levels, opts: opts, h: h, log: log, start: rep.Start, reps: rep.Tasks, rep: rep, cols: cols, params: params, takers: p.takers}
	_, r.generic = h.(GenericJobHandler)
	r.watched = obs != nil || log != nil
	r.fast = r.generic && !r.watched
	r.eager = opts.Schedule == ScheduleEager
	r.ctx, r.cancel = context.WithCancelCause(taskCtx)
	r.done = r.ctx.Done()
	if sel != nil {
		r.preset(sel, opts.Restored)
	}
	unwatch := context.AfterFunc(r.ctx, func() { r.flags.Or(flagStopped) })
	if r.eager {
		r.runEager()
	} else {
		r.runLevels()
	}
	unwatch()
	r.cancel(nil)
	rep.Tasks = r.reps
	var runErr error
	if r.flags.Load() != 0 { // otherwise every task succeeded
		runErr = runError(ctx, rep.Tasks)
	}

	if obs != nil {
		observeJob(obs, TeardownStart, rep.Start, info, nil)
	}
	err = teardownWithin(taskCtx, h, info, runErr, opts.TeardownTimeout, opts.Grace)
	if obs != nil {
		observeJob(obs, TeardownEnd, rep.Start, info, err)
	}
	if err != nil {
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
	if obs != nil {
		observeEnd(obs, rep, info)
	}
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
		ok = ok && t.State.OK()
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

// teardownWithin calls h.Teardown on its own goroutine with a fresh
// context that keeps the values of ctx and ends after limit, and waits for
// it at most grace longer: a Teardown that ignores its context for longer
// is abandoned (its goroutine left running) with an error wrapping
// [ErrAbandoned], so that the run still ends.
func teardownWithin(ctx context.Context, h Handler, info JobInfo, runErr error, limit, grace time.Duration) error {
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	defer cancel()
	ended := make(chan error, 1)
	go func() {
		err := errors.New("Teardown called runtime.Goexit")
		defer func() { ended <- err }()
		err = teardown(tctx, h, info, runErr)
	}()
	select {
	case err := <-ended:
		return err
	case <-tctx.Done():
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-ended:
		return err
	case <-t.C:
		return abandonedError(fmt.Sprintf("teardown abandoned: it ignored its context for %v after its %v limit", grace, limit))
	}
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
