package runtime

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

var (
	// backoffBase is the pause before the first retry; each further retry
	// doubles it, up to backoffCap. A variable so that tests can shrink it.
	backoffBase = 100 * time.Millisecond
	backoffCap  = 10 * time.Second
)

// runTask runs task i, which worker w claimed, with its retries, and
// records its outcome in w.reps. start is when the task starts (see
// runner.since), which the caller wrote into its report entry; runTask
// returns when it ended.
func (r *runner) runTask(w *worker, i int, start int64) int64 {
	t := &r.job.Tasks[i]
	reps := w.reps
	if r.flags.Load() != 0 {
		if s := r.upstream(reps, i); s != Succeeded || r.stopped() {
			r.finish(reps, i, r.skipState(reps, i), 0, 0, nil)
			return start
		}
	}
	w.task, w.attempt, w.tstart = int32(i), 1, start
	var err error
	fastFirst := r.fast && t.Timeout == 0
	if fastFirst {
		// The fast path: a panic unwinds to the worker's loop (see
		// worker.protect).
		if err = w.call(r.ctx, t, i); err == nil {
			end := r.since()
			r.succeed(reps, i, start, end)
			w.task = -1
			return end
		}
	}
	info := TaskInfo{Name: t.Name, Index: i, Level: int(r.p.level[i])}
	for {
		info.Attempt++
		w.attempt = int32(info.Attempt)
		if info.Attempt > 1 {
			w.retry.Store(int32(info.Attempt))
		}
		at := start // the attempt's start; the task's for the first
		if r.watched {
			if info.Attempt > 1 {
				at = r.since()
			}
			r.attemptStart(info, w.id, at)
		}
		state := Succeeded
		switch {
		case fastFirst:
			fastFirst = false // err is the first attempt's
		case t.Timeout > 0:
			state, err = r.attemptWithTimeout(t, i, info)
		case r.fast:
			err = w.call(r.ctx, t, i)
		default:
			err = execute(withTaskLogger(r.ctx, r.log, info), r.h, info, w.prepare(t, i))
		}
		if err != nil && state == Succeeded {
			state = r.classify(r.ctx, err)
		}
		if r.opts.Observer != nil {
			r.attemptEnd(info, w.id, at, state, err)
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
		end := r.since()
		r.finish(reps, i, state, info.Attempt, time.Duration(end-start), err)
		if info.Attempt > 1 {
			w.retry.Store(0)
		}
		w.task = -1
		return end
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

// attemptWithTimeout runs one attempt of task i (t), which has a timeout,
// on its own goroutine, so that the worker can abandon it if it ignores
// its context for longer than opts.Grace, and keeps its result. The
// attempt gets its arguments boxed, and gives its result boxed: it may
// outlive the run's results.
func (r *runner) attemptWithTimeout(t *Task, i int, info TaskInfo) (State, error) {
	args := make([]any, len(t.Args))
	for k, a := range t.Args {
		args[k] = r.value(a)
	}
	res, state, err := attempt(withTaskLogger(r.ctx, r.log, info), r.h, t, info, args, r.opts.Grace, r.stopped)
	if state == Succeeded {
		if err := r.put(i, res); err != nil {
			return Failed, err
		}
	}
	return state, err
}

// taskFunc returns the TaskFunc of t: its Run, or its Run method through
// its signature's adapter, with boxed arguments and result.
func taskFunc(t *Task) TaskFunc {
	if t.Run != nil {
		return t.Run
	}
	b := t.bind
	return func(ctx context.Context, args []any) (any, error) {
		return b.sig.callBoxed(ctx, b.bound, args)
	}
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
	c := &execCall{fn: taskFunc(t), args: args}
	c.run = c.tracked
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

// execCall is one attempt as [Handler.Execute] runs it: run (c.tracked)
// calls the task. A worker reuses its own for every attempt it runs on
// its goroutine, so that passing run to Execute does not allocate; an
// attempt on a goroutine of its own gets a new one, with the task's
// TaskFunc and boxed arguments.
type execCall struct {
	run func(context.Context) error // c.tracked, passed to Handler.Execute
	ran atomic.Bool                 // run was called; see execute
	// Either the worker and its task ...
	w *worker
	t *Task
	i int
	// ... or a TaskFunc with its arguments, and its result.
	fn   TaskFunc
	args []any
	res  any
}

// prepare returns the worker's execCall for an attempt of task i (t).
func (w *worker) prepare(t *Task, i int) *execCall {
	w.exec.t, w.exec.i = t, i
	return &w.exec
}

// tracked is invoke, recording that Execute called it.
func (c *execCall) tracked(ctx context.Context) error {
	c.ran.Store(true)
	return c.invoke(ctx)
}

// invoke calls the task, turning a panic into a [*PanicError].
func (c *execCall) invoke(ctx context.Context) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = newPanicError(v)
		}
	}()
	if c.w != nil {
		return c.w.call(ctx, c.t, c.i)
	}
	c.res, err = c.fn(ctx, c.args)
	return err
}

// execute calls h.Execute with c.run, turning a panic into a
// [*PanicError] (panics in the task itself are recovered by
// [execCall.invoke], so that Execute sees them as errors). An Execute that
// returns nil without calling run fails the attempt: nothing ran, so
// nothing may count as a success. (The fast path of runTask, which calls
// a [GenericJobHandler]'s task directly, does not come here: that Execute
// always calls run.)
func execute(ctx context.Context, h Handler, info TaskInfo, c *execCall) (err error) {
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
// the task (its Run method, or t.Run if set) with args through h.Execute
// (a nil h means [GenericJobHandler]), bounded by t.Timeout, and returns
// the result, the state the attempt ended in and its error, with the
// semantics of an attempt of Job.Run: a panic becomes a [*PanicError]
// (Panicked), an expired t.Timeout is TimedOut, an error after ctx ended
// is Cancelled, and an attempt that ignores its cancelled context for
// longer than grace (zero or less: 5s) is abandoned with an error
// wrapping [ErrAbandoned], its goroutine left running. An Execute that
// returns nil without calling run fails the attempt: nothing ran, so
// nothing may count as a success. RunAttempt does not retry; see
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

// backoff returns the pause before retry n (1 for the first): backoffBase
// doubled n-1 times, at most backoffCap, with jitter: a random duration
// between half of that and all of it.
func backoff(n int) time.Duration {
	d := Backoff(n)
	return d/2 + rand.N(d/2+1)
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
