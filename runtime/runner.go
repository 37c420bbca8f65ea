package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// runner is the state of one run between Setup and Teardown, shared by
// both schedulers (levels.go, eager.go).
//
// Workers write a task's entry of reps (all of it at once, in finish, to
// touch the memory once, but for Start, written before the task starts);
// the level barrier (or, in eager mode, the dependency counters) publishes
// the entries to the tasks that read them, and each worker's slot says,
// for abandon, which task it runs and which entries are final. When the
// run gives up on tasks that ignore their cancelled context (see abandon
// in levels.go and eager.go), it copies reps to a new slice that only the
// coordinator writes, so that a late write by an abandoned worker goes to
// the old slice, which nobody reads any more.
//
// The results of the tasks live in cols during the run, one store per
// kind of result (see plan.loc), so that a typed result passes to the
// tasks that take it without being boxed into an interface; the report
// gets the results it keeps (see kept) boxed, when the task ends.
//
// The per-task path avoids what it can (see docs/performance.md): flags
// says in one atomic load whether anything unusual happened (a stop, a task
// that did not succeed); while it is zero, a claimed task runs without
// looking at its dependencies' states, which all succeeded. With the
// [GenericJobHandler] and no Observer or Logger (fast), a task is called
// directly, not through Execute, and a panic in it unwinds to its
// worker's loop, which records it (see worker.protect), instead of each
// call paying for a deferred recover.
type runner struct {
	job    *Job
	p      *plan
	levels [][]int // the job's, or the plan's if the job has none (see plan.own)
	params any     // the run's inputs, for arguments bound to ParamsArg
	// takers is p.takers, or, in a run that leaves tasks out (see preset),
	// how many of the tasks that run take each result.
	takers []int32
	// skip, when not nil, marks the tasks that do not run in this run:
	// they were restored or left out, and are final before the schedulers
	// start (see preset).
	skip    []bool
	opts    Options
	h       Handler
	generic bool // h is GenericJobHandler, whose Execute only calls run
	watched bool // an Observer or a Logger is set
	fast    bool // generic && !watched
	eager   bool // opts.Schedule is ScheduleEager
	log     *slog.Logger
	ctx     context.Context // the tasks' context; canceled on the first failure unless KeepGoing
	cancel  context.CancelCauseFunc
	done    <-chan struct{} // ctx.Done()
	start   time.Time       // the run's start: times are kept as offsets from it (see since)
	rep     *Report
	reps    []TaskReport
	cols    []store // the results, by kind (see plan.loc)
	workers []*worker
	flags   atomic.Uint32
	// abandoned is set when the run gave up on its workers: a worker
	// that comes back late only finishes its task into the old reps.
	abandoned atomic.Bool
}

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

// since returns the time elapsed since the run's start, from the
// monotonic clock: the one clock reading a task costs (the end of a task
// is the start of the next one on its worker).
func (r *runner) since() int64 { return int64(time.Since(r.start)) }

// at returns the time at offset ns from the run's start.
func (r *runner) at(ns int64) time.Time { return r.start.Add(time.Duration(ns)) }

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

// newStores makes the stores of the results of a run.
func (p *plan) newStores() []store {
	cols := make([]store, len(p.kinds))
	if p.counts[0] > 0 {
		cols[0] = &column[any]{v: make([]any, p.counts[0])}
	}
	for k := 1; k < len(p.kinds); k++ {
		cols[k] = p.kinds[k].column(int(p.counts[k]))
	}
	return cols
}

// put stores res, a boxed result, as the result of task i in cols.
func (p *plan) put(cols []store, i int, res any) error {
	l := p.loc[i]
	if l.kind < 0 {
		return nil
	}
	return cols[l.kind].set(l.slot, res)
}

// value returns the result of task a, boxed (nil for an action), or the
// run's inputs for ParamsArg.
func (r *runner) value(a int) any {
	if a == ParamsArg {
		return r.params
	}
	l := r.p.loc[a]
	if l.kind < 0 {
		return nil
	}
	return r.cols[l.kind].get(l.slot)
}

// put stores res, a boxed result, as the result of task i.
func (r *runner) put(i int, res any) error { return r.p.put(r.cols, i, res) }

// drop releases the result of task a: the tasks that take it have ended.
func (r *runner) drop(a int) {
	if l := r.p.loc[a]; l.kind >= 0 {
		r.cols[l.kind].clear(l.slot)
	}
}

// kept reports whether the report keeps the result of task i: every
// result with [Options.KeepResults], and otherwise those no task takes.
func (r *runner) kept(i int) bool {
	return r.opts.KeepResults || r.takers[i] == 0
}

// keepHeld puts into the report the results the run still holds when it
// ends: those of tasks that succeeded and whose takers did not all end,
// because the run stopped; released(a) says whether the result of task a
// was dropped.
func (r *runner) keepHeld(released func(a int) bool) {
	if r.opts.KeepResults || r.flags.Load() == 0 {
		return
	}
	for i := range r.reps {
		tr := &r.reps[i]
		if tr.State == Succeeded && r.takers[i] > 0 && !released(i) {
			tr.Result = r.value(i)
			if r.rep.held == nil {
				r.rep.held = make([]bool, len(r.reps))
			}
			r.rep.held[i] = true
		}
	}
}

// worker is the state of one worker goroutine of a run. A worker reuses
// what it can for every task it runs.
type worker struct {
	r    *runner
	id   int          // 0 to Workers-1
	reps []TaskReport // the slice it writes: the run's, until abandon
	now  int64        // its last clock reading (see runner.since)
	c    Call         // the typed call of its tasks
	exec execCall     // the call it passes to Handler.Execute
	buf  []any        // the arguments of a task with a TaskFunc

	// The task it runs (-1 if none), its attempt and its start: what
	// protect records if the task panics or calls runtime.Goexit.
	task    int32
	attempt int32
	tstart  int64

	// Level mode: the level it runs, the positions [pos, end) of it that
	// it holds, its next step, and the channel it waits on for a level.
	k, pos, end int
	state       int
	wake        chan struct{}
	// ran counts the tasks it ran, and mean is their mean duration,
	// weighted to the last ones (see worker.observe).
	ran, mean int64
	// Eager mode: pos and end index claimed, the ready tasks it took from
	// the queue; ready holds those it made ready since; done is a task
	// that ended and whose dependents it has not released yet (-1 if
	// none); log lists the tasks it ended (see eagerRun.abandon).
	claimed []int32
	ready   []int32
	ended   []int32
	done    int32
	log     taskLog
	// chunk is the size of its next claim (see claimSize).
	chunk int

	// retry is the attempt the worker runs when it is above 1, for
	// abandon. slot is what the worker publishes of what it runs (see
	// levels.go and eager.go); the padding keeps it off the cache lines
	// of other workers.
	retry atomic.Int32
	_     [64]byte
	slot  atomic.Uint64
	_     [56]byte
}

// newWorkers makes the run's n workers.
func (r *runner) newWorkers(n int) []*worker {
	ws := make([]*worker, n)
	for k := range ws {
		w := &worker{r: r, id: k, reps: r.reps, task: -1, done: -1, chunk: 1}
		w.exec.run = w.exec.tracked
		w.exec.w = w
		ws[k] = w
	}
	r.workers = ws
	return ws
}

// serve runs loop on the worker's goroutine until loop returns.
func (w *worker) serve(loop func(*worker)) {
	w.now = w.r.since()
	for !w.protect(loop) {
	}
}

// protect runs loop, and reports whether it returned. On the fast path a
// task is called without a deferred recover of its own: a panic in it
// unwinds to here, where it becomes the task's outcome, and serve calls
// loop again, which goes on where the worker was. A task (or Execute) that
// calls runtime.Goexit ends the goroutine, which no recover can stop: the
// task fails, and a new goroutine takes the worker's place. A panic
// anywhere else is a bug, and goes on.
func (w *worker) protect(loop func(*worker)) (returned bool) {
	defer func() {
		if returned {
			return
		}
		v := recover()
		if v == nil { // runtime.Goexit
			if w.task >= 0 {
				w.taskEnded(Failed, errGoexit)
			}
			go w.serve(loop)
			return
		}
		if w.task < 0 || !w.r.fast {
			panic(v)
		}
		w.taskEnded(Panicked, newPanicError(v))
	}()
	loop(w)
	return true
}

// taskEnded records that the task the worker ran ended with err, out of
// the normal path (a panic, runtime.Goexit).
func (w *worker) taskEnded(state State, err error) {
	r, i := w.r, int(w.task)
	clear(w.buf)
	w.buf = w.buf[:0]
	w.now = r.since()
	r.finish(w.reps, i, state, int(w.attempt), time.Duration(w.now-w.tstart), err)
	if w.attempt > 1 {
		w.retry.Store(0)
	}
	w.task = -1
	if r.eager {
		w.log.add(int32(i))
		w.done = int32(i)
	}
}

// call runs one attempt of task i (t) on the worker's goroutine with ctx:
// its TaskFunc, or its Run method through its signature's adapter, and
// keeps its result. It does not recover a panic.
func (w *worker) call(ctx context.Context, t *Task, i int) error {
	r := w.r
	if t.Run != nil {
		args := w.buf[:0]
		for _, a := range t.Args {
			args = append(args, r.value(a))
		}
		w.buf = args
		res, err := t.Run(ctx, args)
		clear(args)
		if err == nil {
			err = r.put(i, res)
		}
		return err
	}
	c, b := &w.c, t.bind
	c.ctx, c.task, c.r, c.args = ctx, b.bound, r, t.Args
	c.out = nil
	if l := r.p.loc[i]; l.kind >= 0 {
		c.out, c.slot = r.cols[l.kind], l.slot
	}
	return b.sig.call(c)
}

// finish records the final state of task i in reps, cancels the run on a
// failure unless KeepGoing, and logs and reports the task.
//
// Its Start is not written here: the worker sets it before the first
// attempt, and abandon may read it concurrently.
func (r *runner) finish(reps []TaskReport, i int, state State, attempts int, d time.Duration, err error) {
	tr := &reps[i]
	tr.Name, tr.Index, tr.Level = r.job.Tasks[i].Name, i, int(r.p.level[i])
	tr.State, tr.Attempts, tr.Duration, tr.Err = state, attempts, d, err
	if attempts == 0 {
		tr.Start = time.Time{}
	}
	switch {
	case state == Succeeded && r.kept(i), state == Restored:
		tr.Result = r.value(i)
	case !state.OK():
		r.flags.Or(flagUnclean)
	}
	if (state == Failed || state == Panicked || state == TimedOut) && !r.opts.KeepGoing {
		r.cancel(fmt.Errorf("task %q: %w", tr.Name, err))
		r.flags.Or(flagStopped)
	}
	if r.log != nil {
		LogTask(r.ctx, r.log, tr)
	}
	if r.opts.Observer != nil {
		r.observeTask(tr)
	}
}

// succeed records that task i succeeded after one attempt from start to
// end, on the fast path: what finish does, minus what the fast path has
// not (a logger, an observer, a failure).
func (r *runner) succeed(reps []TaskReport, i int, start, end int64) {
	tr := &reps[i]
	tr.Name, tr.Index, tr.Level = r.job.Tasks[i].Name, i, int(r.p.level[i])
	tr.State, tr.Attempts, tr.Duration = Succeeded, 1, time.Duration(end-start)
	if r.kept(i) {
		tr.Result = r.value(i)
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

// abandonTask records in reps that the run gave up on task i, which was
// running its given attempt; old holds its Start.
func (r *runner) abandonTask(old, reps []TaskReport, i, attempt int, now int64) {
	start := old[i].Start
	reps[i].Start = start
	err := fmt.Errorf("%w: it ignored its cancelled context for %v: %w", ErrAbandoned, r.opts.Grace, r.ctx.Err())
	r.finish(reps, i, Cancelled, attempt, r.at(now).Sub(start), err)
}

// taskLog is the list of the tasks an eager worker ended, in chunks that
// never move, so that abandon can read the first n entries once the
// worker's slot published n.
type taskLog struct {
	head, tail *logChunk
	n          int
}

const logChunkSize = 512

type logChunk struct {
	ids  [logChunkSize]int32
	next *logChunk
}

func (l *taskLog) add(i int32) {
	switch {
	case l.head == nil:
		l.head = new(logChunk)
		l.tail = l.head
	case l.n%logChunkSize == 0:
		c := new(logChunk)
		l.tail.next = c
		l.tail = c
	}
	l.tail.ids[l.n%logChunkSize] = i
	l.n++
}

// each calls f with each of the first n entries.
func (l *taskLog) each(n int, f func(i int32)) {
	if n <= 0 {
		return // before reading head, which the worker may be writing
	}
	for c := l.head; ; c = c.next {
		for _, i := range c.ids[:min(n, logChunkSize)] {
			f(i)
		}
		if n -= logChunkSize; n <= 0 {
			return // before reading c.next, which the worker may be writing
		}
	}
}
