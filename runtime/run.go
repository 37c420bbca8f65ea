package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"sync"
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
	// returns.
	Restored map[int]any
	// Only, if not nil, lists the tasks to run, by index; every other task
	// not in Restored ends in state [NotSelected] without running. A task
	// that is to run with a dependency that neither runs nor is restored
	// makes Run fail before anything runs.
	Only []int
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
// failed, and holds the results of the tasks that succeeded.
func (j *Job) Run(ctx context.Context, opts Options) (*Report, error) {
	j, err := j.withLevels()
	if err != nil {
		return nil, err
	}
	levels, err := j.levelOf()
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
			rep.Tasks[i] = TaskReport{Name: j.Tasks[i].Name, Index: i, Level: levels[i]}
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

	r := &runner{job: j, opts: opts, h: h, log: log, start: rep.Start, levels: levels, reps: rep.Tasks, phase: make([]atomic.Int32, len(j.Tasks)), params: params}
	_, r.generic = h.(GenericJobHandler)
	r.watched = obs != nil || log != nil
	r.eager = opts.Schedule == ScheduleEager
	r.ctx, r.cancel = context.WithCancelCause(taskCtx)
	r.done = r.ctx.Done()
	if sel != nil {
		r.preset(sel, opts.Restored)
	}
	unwatch := context.AfterFunc(r.ctx, func() { r.flags.Or(flagStopped) })
	if r.eager {
		newEager(r).run()
	} else {
		r.run()
	}
	unwatch()
	r.cancel(nil)
	rep.Tasks = r.reps
	runErr := runError(ctx, rep.Tasks)

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

// runner is the state of one run between Setup and Teardown.
//
// Workers write a task's entry of reps (all of it at once, in finish, to
// touch the memory once); the level barrier (or, in eager mode, the
// dependency counters) publishes the entries to the tasks that read them,
// and, for abandon, the worker's slot (level mode, see work) or the task's
// phase (eager mode) says which entries are final. When the run gives up on tasks that
// ignore their cancelled context (see abandon), it copies reps to a new
// slice that only the coordinator writes, so that a late write by an
// abandoned worker goes to the old slice, which nobody reads any more.
//
// The per-task path avoids what it can (see docs/performance.md): flags
// says in one atomic load whether anything unusual happened (a stop, a task
// that did not succeed); while it is zero, a claimed task runs without
// looking at its dependencies' states, which all succeeded. With the
// [GenericJobHandler] and no observer or logger, a task is called without
// going through Execute.
type runner struct {
	job     *Job
	opts    Options
	h       Handler
	generic bool // h is GenericJobHandler, whose Execute only calls run
	watched bool // an Observer or a Logger is set
	eager   bool // opts.Schedule is ScheduleEager
	log     *slog.Logger
	ctx     context.Context // the tasks' context; canceled on the first failure unless KeepGoing
	cancel  context.CancelCauseFunc
	done    <-chan struct{} // ctx.Done()
	start   time.Time       // the run's start, the origin of r.now
	levels  []int           // the level of each task
	params  any             // the run's inputs, for arguments bound to ParamsArg
	// skip, when not nil, marks the tasks that do not run in this run: they
	// were restored or left out (see preset), and r.job.Levels lists only
	// the others.
	skip  []bool
	reps  []TaskReport
	calls []*call // calls[w] is reused by worker w of every level
	// finished is closed when the last level is done (level mode), and
	// current is the level being run. over, under mu, is set when run
	// returns, so that a late worker does not start a level.
	finished chan struct{}
	current  atomic.Pointer[level]
	mu       sync.Mutex
	over     bool
	// In eager mode, phase[i] is 0 while task i is idle, the number of the
	// running attempt while it runs, and phaseDone once reps[i] is final.
	// In level mode, where the workers' slots say what runs (see work),
	// only attempts after the first are stored.
	phase []atomic.Int32
	flags atomic.Uint32
}

const phaseDone = -1

// The bits of runner.flags. Once set, a bit stays set.
const (
	// flagStopped: the tasks' context ended (a failure under fail-fast, or
	// the caller's context). Set by finish, and by a context.AfterFunc for
	// a stop from outside, so a task claimed in the moment after the
	// context ended may still start, as if it had been claimed just before.
	flagStopped = 1 << iota
	// flagUnclean: a task ended in another state than succeeded, so a
	// task's dependencies must be checked before it starts.
	flagUnclean
)

// level is one level being run. Its workers claim tasks with next; the
// last one to finish starts the next level (see advance).
type level struct {
	k      int
	tasks  []int
	reps   []TaskReport // the slice the workers write; see abandon
	next   atomic.Int64
	active atomic.Int32
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

// call returns the call of worker w, which the worker reuses for every
// task it runs.
func (r *runner) call(w int) *call {
	for len(r.calls) <= w {
		c := newCall()
		c.worker = len(r.calls)
		r.calls = append(r.calls, c)
	}
	return r.calls[w]
}

// run runs the levels one after another on a pool of long-lived workers,
// one per task of the widest level up to opts.Workers. The coordinator
// (the goroutine of Run) only starts the first level: the last worker to
// finish a level starts the next one, and takes part in it, so that a
// level costs no round trip through the coordinator, and a chain of
// one-task levels runs on one worker without waking any other. The
// coordinator waits until the last level is done, or until the run was
// stopped and some tasks still ran opts.Grace later (see abandon).
func (r *runner) run() {
	width := 0
	for _, tasks := range r.job.Levels {
		width = max(width, len(tasks))
	}
	n := min(r.opts.Workers, width)
	for w := range n {
		c := r.call(w)
		c.start = make(chan *level, 1)
		go r.serve(c, nil, 0, 0)
	}
	defer func() {
		r.mu.Lock()
		r.over = true
		for _, c := range r.calls[:n] {
			close(c.start)
		}
		r.mu.Unlock()
	}()
	r.finished = make(chan struct{})
	r.advance(-1, r.reps, nil)
	select {
	case <-r.finished:
		return
	case <-r.done:
	}
	t := time.NewTimer(r.opts.Grace)
	defer t.Stop()
	select {
	case <-r.finished:
	case <-t.C:
		r.abandon(r.current.Load())
	}
}

// advance starts the first level after level k that has tasks, or, once
// the run is stopped, ends the tasks of the remaining levels without
// running them; after the last level it closes r.finished. self is the
// call of the worker that finished level k (nil for the coordinator):
// advance hands the level to the other workers that take part in it, and
// returns it if self takes part too, nil otherwise.
func (r *runner) advance(k int, reps []TaskReport, self *call) *level {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.over {
		return nil // a worker that returns after the run gave up on it
	}
	for k++; k < len(r.job.Levels); k++ {
		if r.stopped() {
			r.flags.Or(flagStopped)
			for ; k < len(r.job.Levels); k++ {
				for _, i := range r.job.Levels[k] {
					r.finish(reps, i, r.skipState(reps, i), 0, 0, nil, nil)
				}
			}
			break
		}
		tasks := r.job.Levels[k]
		if len(tasks) == 0 {
			continue
		}
		lv := &level{k: k, tasks: tasks, reps: reps}
		n := min(r.opts.Workers, len(tasks))
		lv.active.Store(int32(n))
		r.current.Store(lv)
		for w := range n {
			if self == nil || w != self.worker {
				r.calls[w].start <- lv
			}
		}
		if self != nil && self.worker < n {
			return lv
		}
		return nil
	}
	close(r.finished)
	return nil
}

// serve is the loop of a level-mode worker: it finishes the positions pos
// to end-1 of lv (if lv is not nil), then runs each level it receives on
// c.start or starts itself, until c.start is closed.
func (r *runner) serve(c *call, lv *level, pos, end int) {
	for {
		if lv != nil {
			r.work(lv, c, pos, end)
			pos, end = 0, 0
			if lv.active.Add(-1) == 0 {
				if lv = r.advance(lv.k, lv.reps, c); lv != nil {
					continue
				}
			}
		}
		var ok bool
		if lv, ok = <-c.start; !ok {
			return
		}
	}
}

// work is one worker of a level: it runs the tasks at positions pos to
// end-1 of the level, then claims more until none is left. c is the
// worker's call, which nobody else uses while it runs.
//
// Before it runs the task at position p, the worker writes the task's
// Start and stores [p, end) into c.slot: the task at p is running, the
// ones after it up to end are claimed but not started; it stores 0 when it
// exits. A worker announces a claim in its slot (marked slotClaiming)
// before it makes it. So
// every position below lv.next and outside every slot has ended, and its
// entry of reps was published by the store that moved the slot past it:
// abandon relies on this, and the workers need no other synchronization
// per task. While tasks are short, a worker claims chunks of up to
// maxChunk positions, so that the shared counter is touched once per
// chunk; a task that is not short brings the chunk back to one position,
// so that long tasks spread over the workers one at a time.
func (r *runner) work(lv *level, c *call, pos, end int) {
	cur := -1
	defer func() {
		if cur < 0 {
			c.slot.Store(0)
			return
		}
		// Only runtime.Goexit in the task (or in Execute) gets here: record
		// the task and hand this worker's place, with the rest of its chunk,
		// to a new goroutine, since this one cannot be stopped from exiting.
		start := lv.reps[cur].Start
		r.finish(lv.reps, cur, Failed, max(1, int(r.phase[cur].Load())), time.Since(start), errGoexit, nil)
		go r.serve(c, lv, pos+1, end)
	}()
	// now is the last clock reading; a task starts when the previous one
	// ended, which saves a clock reading per task.
	now := r.now()
	for {
		if pos == end {
			var ok bool
			if pos, end, ok = r.claim(lv, c, c.chunk); !ok {
				cur = -1
				return
			}
		}
		cur = lv.tasks[pos]
		lv.reps[cur].Start = now
		c.slot.Store(slotOf(pos, end))
		start := now
		now = r.runTask(lv.reps, c, cur, now)
		pos++
		if now.Sub(start) < shortTask {
			c.chunk = min(2*c.chunk, maxChunk)
		} else {
			c.chunk = 1
		}
	}
}

const (
	// maxChunk is the most positions a worker claims at once.
	maxChunk = 16
	// shortTask is the duration under which a task counts as short for
	// chunked claims: the whole chunk then holds only microseconds of work.
	shortTask = time.Microsecond
)

// claim claims the next chunk of at most size positions of the level for
// the worker of c, announcing it in c.slot first, and returns its bounds;
// ok is false when no position is left.
func (r *runner) claim(lv *level, c *call, size int) (pos, end int, ok bool) {
	for {
		n := lv.next.Load()
		left := int64(len(lv.tasks)) - n
		if left <= 0 {
			return 0, 0, false
		}
		// At most a quarter of a fair share of what is left, as in guided
		// self-scheduling: should the tasks turn out long after all, the
		// chunk still holds little of the level's work.
		m := n + max(1, min(int64(size), left/int64(4*r.opts.Workers)))
		c.slot.Store(slotOf(int(n), int(m)) | slotClaiming)
		if lv.next.CompareAndSwap(n, m) {
			return int(n), int(m), true
		}
	}
}

// slotOf packs the range [pos, end) of level positions for call.slot; 0
// is no range.
func slotOf(pos, end int) uint64 { return uint64(pos+1)<<32 | uint64(end) }

// slotClaiming marks a slot whose range the worker is claiming: none of it
// has started (not even the Start of its first task is written).
const slotClaiming = 1 << 63

func unslot(s uint64) (pos, end int) { return int(s&^slotClaiming>>32) - 1, int(s & (1<<32 - 1)) }

// upstream returns Succeeded if every dependency of task i succeeded,
// UpstreamFailed if one failed (failed, panicked, timed_out or
// upstream_failed), and NotStarted otherwise: a dependency did not run, or
// was cancelled, because the run stopped.
func (r *runner) upstream(reps []TaskReport, i int) State {
	state := Succeeded
	for _, d := range r.job.Tasks[i].Deps {
		switch reps[d].State {
		case Succeeded, Restored:
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

// runTask runs task i, claimed by the worker that owns c, with its
// retries, and records the outcome in reps. now is the time to use as the
// task's start, which the caller wrote into reps[i].Start; runTask returns
// the time the task ended.
func (r *runner) runTask(reps []TaskReport, c *call, i int, now time.Time) time.Time {
	t := &r.job.Tasks[i]
	if r.flags.Load() != 0 {
		if s := r.upstream(reps, i); s != Succeeded || r.stopped() {
			r.finish(reps, i, r.skipState(reps, i), 0, 0, nil, nil)
			return now
		}
	}
	// The arguments go in the worker's buffer: a TaskFunc must not keep
	// args (see TaskFunc), and an attempt on its own goroutine gets a copy.
	args := c.buf[:0]
	for _, a := range t.Args {
		if a == ParamsArg {
			args = append(args, r.params)
			continue
		}
		args = append(args, reps[a].Result)
	}
	c.buf = args
	start := now // the caller wrote it into reps[i].Start
	info := TaskInfo{Name: t.Name, Index: i, Level: r.levels[i]}
	for {
		info.Attempt++
		if r.eager || info.Attempt > 1 {
			// In eager mode, the store publishes Start too; see abandon.
			r.phase[i].Store(int32(info.Attempt))
		}
		var at time.Time // the attempt's start; the task's for the first
		if r.watched {
			at = start
			if info.Attempt > 1 {
				at = r.now()
			}
			r.attemptStart(info, c.worker, at)
		}
		var res any
		var err error
		state := Succeeded
		actx := withTaskLogger(r.ctx, r.log, info) // r.ctx without a Logger
		if t.Timeout > 0 {
			res, state, err = r.attemptWithTimeout(actx, t, info, slices.Clone(args))
		} else {
			c.fn, c.args = t.Run, args
			if r.generic {
				err = c.invoke(actx) // what GenericJobHandler.Execute does
			} else {
				err = r.execute(actx, info, c)
			}
			res, c.res = c.res, nil
			if err != nil {
				state = r.classify(r.ctx, err)
			}
		}
		if r.opts.Observer != nil {
			r.attemptEnd(info, c.worker, at, state, err)
		}
		if err != nil && info.Attempt <= t.Retries && r.retryable(state, err) {
			pause := backoff(info.Attempt)
			if r.log != nil {
				r.logRetry(info, state, err, pause)
			}
			if r.sleep(pause) {
				continue
			}
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
	return Retryable(state, err) && !r.stopped()
}

// classify gives the state of an attempt that had context ctx and
// returned err.
func (r *runner) classify(ctx context.Context, err error) State {
	return classify(ctx, err, r.stopped)
}

// classify gives the state of an attempt that had context ctx and
// returned err; stopped reports whether the run is stopping, which makes a
// context error a cancellation.
func classify(ctx context.Context, err error, stopped func() bool) State {
	switch {
	case err == nil:
		return Succeeded
	case isPanic(err):
		return Panicked
	case context.Cause(ctx) == errTaskTimeout:
		return TimedOut
	case stopped() && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		return Cancelled
	default:
		return Failed
	}
}

// attemptWithTimeout runs one attempt of a task that has a timeout on its
// own goroutine, so that the worker can abandon it if it ignores its
// context for longer than opts.Grace. parent is the run's context, or the
// attempt's logging context made from it.
func (r *runner) attemptWithTimeout(parent context.Context, t *Task, info TaskInfo, args []any) (any, State, error) {
	return attempt(parent, r.h, t, info, args, r.opts.Grace, r.stopped)
}

// attempt runs one attempt of t with args through h on its own goroutine,
// bounded by t.Timeout if it has one, and abandons it if it ignores its
// ended context for longer than grace. stopped reports whether the run is
// stopping (see [classify]).
func attempt(parent context.Context, h Handler, t *Task, info TaskInfo, args []any, grace time.Duration, stopped func() bool) (any, State, error) {
	ctx, cancel := context.WithCancel(parent)
	if t.Timeout > 0 {
		ctx, cancel = context.WithTimeoutCause(parent, t.Timeout, errTaskTimeout)
	}
	defer cancel()
	c := newCall()
	c.fn, c.args = t.Run, args
	ended := make(chan error, 1)
	go func() {
		err := errGoexit
		defer func() { ended <- err }()
		err = execute(ctx, h, info, c)
	}()
	var err error
	select {
	case err = <-ended:
	case <-ctx.Done():
		timer := time.NewTimer(grace)
		defer timer.Stop()
		select {
		case err = <-ended:
		case <-timer.C:
			err = fmt.Errorf("%w: it ignored its cancelled context for %v: %w", ErrAbandoned, grace, ctx.Err())
			if context.Cause(ctx) == errTaskTimeout {
				return nil, TimedOut, fmt.Errorf("timed out after %v: %w", t.Timeout, err)
			}
			return nil, Cancelled, err
		}
	}
	state := classify(ctx, err, stopped)
	if state == TimedOut {
		err = fmt.Errorf("timed out after %v: %w", t.Timeout, err)
	}
	return c.res, state, err
}

// execute runs one attempt through the handler, turning a panic in Execute
// into a [*PanicError] (panics in the task itself are recovered by
// [call.invoke], so that Execute sees them as errors).
func (r *runner) execute(ctx context.Context, info TaskInfo, c *call) error {
	return execute(ctx, r.h, info, c)
}

// execute calls h.Execute with c.run, turning a panic into a
// [*PanicError]. An Execute that returns nil without calling run fails the
// attempt: nothing ran, so nothing may count as a success. (The fast path
// of runTask, which calls a [GenericJobHandler]'s task directly, does not
// come here: that Execute always calls run.)
func execute(ctx context.Context, h Handler, info TaskInfo, c *call) (err error) {
	c.ran.Store(false)
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	err = h.Execute(ctx, info, c.run)
	if err == nil && !c.ran.Load() {
		err = fmt.Errorf("handler %T: Execute returned nil without calling run, so the task never ran", h)
	}
	return err
}

// RunAttempt runs one attempt of task t outside [Job.Run], for runners
// that spread a job over several processes (runtime/temporaljob): it calls
// t.Run with args through h.Execute (a nil h means [GenericJobHandler]),
// bounded by t.Timeout, and returns the result, the state the attempt ended
// in and its error, with the semantics of an attempt of Job.Run: a panic
// becomes a [*PanicError] (Panicked), an expired t.Timeout is TimedOut, an
// error after ctx ended is Cancelled, and an attempt that ignores its
// cancelled context for longer than grace (zero or less: 5s) is abandoned
// with an error wrapping [ErrAbandoned], its goroutine left running. An
// Execute that returns nil without calling run fails the attempt: nothing
// ran, so nothing may count as a success. RunAttempt does not retry; see
// [Retryable].
func RunAttempt(ctx context.Context, h Handler, t *Task, info TaskInfo, args []any, grace time.Duration) (any, State, error) {
	if h == nil {
		h = GenericJobHandler{}
	}
	if grace <= 0 {
		grace = 5 * time.Second
	}
	res, state, err := attempt(ctx, h, t, info, args, grace, func() bool { return ctx.Err() != nil })
	if state != Succeeded {
		res = nil
	}
	return res, state, err
}

// Retryable reports whether an attempt that ended in state with err is
// worth another one, as [Job.Run] decides it: failures and timeouts are,
// unless err wraps a [Permanent] error, the attempt was abandoned or called
// runtime.Goexit. Panics are bugs and are never retried. (Job.Run also
// stops retrying once the run is stopping.)
func Retryable(state State, err error) bool {
	return (state == Failed || state == TimedOut) && !isPermanent(err) &&
		!errors.Is(err, ErrAbandoned) && !errors.Is(err, errGoexit)
}

// Backoff is the pause [Job.Run] makes before retry n (1 for the first),
// without its jitter: 100ms doubled for each further retry, at most 10s.
func Backoff(n int) time.Duration {
	d := backoffBase
	for i := 1; i < n && d < backoffCap; i++ {
		d *= 2
	}
	return min(d, backoffCap)
}

// call is one attempt's task function, arguments and result. A worker
// reuses one call for all the attempts it runs itself, so that passing
// c.run to Handler.Execute does not allocate.
type call struct {
	worker int // the index of the worker that owns the call
	fn     TaskFunc
	args   []any
	res    any
	run    func(context.Context) error // c.tracked, passed to Handler.Execute
	ran    atomic.Bool                 // run was called; see execute
	// Buffers the worker reuses: the arguments of its tasks and, in eager
	// mode, the tasks it makes ready or ends.
	buf          []any
	ready, ended []int32
	// start hands a level-mode worker its next level; see serve. chunk
	// is the size of its next claim; see work.
	start chan *level
	chunk int
	// slot is the range of level positions the worker holds; see work.
	// The padding keeps it off the cache lines of other workers' calls.
	_    [64]byte
	slot atomic.Uint64
	_    [56]byte
}

func newCall() *call {
	c := &call{chunk: 1}
	c.run = c.tracked
	return c
}

// tracked is invoke, recording that Execute called it.
func (c *call) tracked(ctx context.Context) error {
	c.ran.Store(true)
	return c.invoke(ctx)
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
	d := Backoff(n)
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
	if attempts == 0 {
		tr.Start = time.Time{}
	}
	if state == Succeeded || state == Restored {
		tr.Result = res
	} else {
		r.flags.Or(flagUnclean)
	}
	if r.eager {
		r.phase[i].Store(phaseDone)
	}
	if (state == Failed || state == Panicked || state == TimedOut) && !r.opts.KeepGoing {
		r.cancel(fmt.Errorf("task %q: %w", tr.Name, err))
		r.flags.Or(flagStopped)
	}
	if r.log != nil {
		r.logTask(tr)
	}
	if r.opts.Observer != nil {
		r.observeTask(tr)
	}
}

func (r *runner) logTask(tr *TaskReport) {
	LogTask(r.ctx, r.log, tr)
}

// LogTask writes the record [Job.Run] logs when a task reaches its final
// state: "task end" with the task, graph_level, attempt, state, duration
// and error, at debug level for a success (no news: quiet at the default
// level), error for a failure, panic or timeout, and warn otherwise.
// Runners that run a job elsewhere (runtime/temporaljob) log with it, so
// that their records are the same.
func LogTask(ctx context.Context, log *slog.Logger, tr *TaskReport) {
	lvl := slog.LevelDebug
	switch tr.State {
	case Succeeded, Restored, NotSelected:
	case Failed, Panicked, TimedOut:
		lvl = slog.LevelError
	default:
		lvl = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("task", tr.Name),
		slog.Int("graph_level", tr.Level),
		slog.Int("attempt", tr.Attempts),
		slog.String("state", tr.State.String()),
		slog.Duration("duration", tr.Duration),
	}
	if tr.Err != nil {
		attrs = append(attrs, slog.Any("error", tr.Err))
	}
	log.LogAttrs(ctx, lvl, "task end", attrs...)
}

// abandon gives up on the tasks that still run opts.Grace after the run
// was stopped: those of lv in level mode, of any level in eager mode (lv
// nil). Tasks that ended keep their outcome; tasks still running become
// cancelled with an error wrapping [ErrAbandoned]; the others are not
// started. The report moves to a fresh slice so that the abandoned workers
// cannot race with the caller reading it. In level mode, the levels below
// lv are final, and those above it are not started.
func (r *runner) abandon(lv *level) {
	old := r.reps
	reps := make([]TaskReport, len(old))
	r.reps = reps
	now := r.now()
	if lv == nil {
		for _, tasks := range r.job.Levels {
			for _, i := range tasks {
				switch p := r.phase[i].Load(); p {
				case phaseDone:
					reps[i] = old[i]
				case 0:
					r.finish(reps, i, r.skipState(reps, i), 0, 0, nil, nil)
				default:
					r.abandonTask(old, reps, i, int(p), now)
				}
			}
		}
		return
	}
	for _, tasks := range r.job.Levels[:lv.k] {
		for _, i := range tasks {
			reps[i] = old[i]
		}
	}
	r.abandonLevel(lv, old, reps, now)
	for _, tasks := range r.job.Levels[lv.k+1:] {
		for _, i := range tasks {
			r.finish(reps, i, r.skipState(reps, i), 0, 0, nil, nil)
		}
	}
}

// abandonLevel records in reps the outcome of the tasks of lv when the run
// gives up on it; old is the slice its workers write. The slots of the
// workers, read after lv.next, tell which tasks ended (see work).
func (r *runner) abandonLevel(lv *level, old, reps []TaskReport, now time.Time) {
	const (
		ended = iota
		running
		idle
	)
	what := make([]uint8, len(lv.tasks))
	for p := int(min(lv.next.Load(), int64(len(lv.tasks)))); p < len(lv.tasks); p++ {
		what[p] = idle
	}
	for w := range min(r.opts.Workers, len(lv.tasks)) {
		if s := r.calls[w].slot.Load(); s != 0 {
			pos, end := unslot(s)
			what[pos] = running
			if s&slotClaiming != 0 {
				what[pos] = idle
			}
			for p := pos + 1; p < end; p++ {
				what[p] = idle
			}
		}
	}
	for p, i := range lv.tasks {
		switch what[p] {
		case ended:
			reps[i] = old[i]
		case idle:
			r.finish(reps, i, r.skipState(reps, i), 0, 0, nil, nil)
		default:
			r.abandonTask(old, reps, i, max(1, int(r.phase[i].Load())), now)
		}
	}
}

// abandonTask records in reps that the run gave up on task i, which was
// running its given attempt; old holds its Start.
func (r *runner) abandonTask(old, reps []TaskReport, i, attempt int, now time.Time) {
	start := old[i].Start
	reps[i].Start = start
	err := fmt.Errorf("%w: it ignored its cancelled context for %v: %w", ErrAbandoned, r.opts.Grace, r.ctx.Err())
	r.finish(reps, i, Cancelled, attempt, now.Sub(start), err, nil)
}
