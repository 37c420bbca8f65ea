package runtime_test

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// newJob builds a job named "test" from tasks listed after their
// dependencies, computing the levels.
func newJob(tasks ...runtime.Task) *runtime.Job {
	level := make([]int, len(tasks))
	var levels [][]int
	for i, t := range tasks {
		for _, d := range t.Deps {
			level[i] = max(level[i], level[d]+1)
		}
		for len(levels) <= level[i] {
			levels = append(levels, nil)
		}
		levels[level[i]] = append(levels[level[i]], i)
	}
	return &runtime.Job{Name: "test", Tasks: tasks, Levels: levels}
}

func succeed(context.Context, []any) (any, error) { return nil, nil }

func fail(err error) runtime.TaskFunc {
	return func(context.Context, []any) (any, error) { return nil, err }
}

// waitCtx returns the context's error once it is done.
func waitCtx(ctx context.Context, _ []any) (any, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// testHandler counts the handler calls and fails where told to.
type testHandler struct {
	runtime.GenericJobHandler
	setupErr, teardownErr error
	panicIn               string // "setup", "execute" or "teardown"
	skipRun               bool   // Execute returns nil without calling run

	setups, teardowns atomic.Int32
	teardownRunErr    error // the run error Teardown received
	teardownCtxErr    error // the error of Teardown's context on entry
}

func (h *testHandler) Setup(ctx context.Context, job runtime.JobInfo) (context.Context, error) {
	h.setups.Add(1)
	if h.panicIn == "setup" {
		panic("setup exploded")
	}
	return ctx, h.setupErr
}

func (h *testHandler) Execute(ctx context.Context, task runtime.TaskInfo, run func(context.Context) error) error {
	if h.panicIn == "execute" {
		panic("execute exploded")
	}
	if h.skipRun {
		return nil
	}
	return run(ctx)
}

func (h *testHandler) Teardown(ctx context.Context, job runtime.JobInfo, err error) error {
	h.teardowns.Add(1)
	h.teardownRunErr, h.teardownCtxErr = err, ctx.Err()
	if h.panicIn == "teardown" {
		panic("teardown exploded")
	}
	return h.teardownErr
}

// bubble returns a test that runs f in a synctest bubble, where time
// moves only when every goroutine of the bubble is blocked: timeouts,
// grace periods and sleeps then end in the order of their lengths, after
// everything that could run before them ran, however loaded the machine.
func bubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

// schedules are the modes every behaviour test runs in.
var schedules = []runtime.Schedule{runtime.ScheduleLevels, runtime.ScheduleEager}

func states(rep *runtime.Report) []runtime.State {
	s := make([]runtime.State, len(rep.Tasks))
	for i, t := range rep.Tasks {
		s[i] = t.State
	}
	return s
}

func TestRunConcurrencyBound(t *testing.T) {
	for _, sched := range schedules {
		for _, workers := range []int{1, 2, 3, 8} {
			t.Run(fmt.Sprint(sched, "/workers=", workers), bubble(func(t *testing.T) {
				var running, peak atomic.Int32
				task := func(ctx context.Context, _ []any) (any, error) {
					n := running.Add(1)
					defer running.Add(-1)
					for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
					}
					// Stay until the pool has been full once (or for at most
					// a while), so that the wide level reaches the bound. In
					// the bubble, the clock moves on only once every worker
					// is blocked: in a task, or with nothing to claim.
					for deadline := time.Now().Add(2 * time.Second); peak.Load() < int32(workers) && time.Now().Before(deadline); {
						time.Sleep(100 * time.Microsecond)
					}
					return nil, nil
				}
				tasks := make([]runtime.Task, 40)
				for i := range tasks {
					tasks[i] = runtime.Task{Name: fmt.Sprint("t", i), Run: task}
				}
				rep, err := newJob(tasks...).Run(context.Background(), runtime.Options{Workers: workers, Schedule: sched})
				require.NoError(t, err)
				assert.Equal(t, workers, rep.Workers)
				assert.Equal(t, int32(workers), peak.Load(), "most tasks running at once")
			}))
		}
	}
}

func TestRunLevelOrder(t *testing.T) {
	var seq atomic.Int64
	var mu sync.Mutex
	started := map[int]int64{}
	ended := map[int]int64{}
	task := func(i int) runtime.TaskFunc {
		return func(context.Context, []any) (any, error) {
			mu.Lock()
			started[i] = seq.Add(1)
			mu.Unlock()
			time.Sleep(time.Duration(i%3) * time.Millisecond)
			mu.Lock()
			ended[i] = seq.Add(1)
			mu.Unlock()
			return nil, nil
		}
	}
	// Three levels of four tasks; each task of level k depends on one task
	// of level k-1 only, so only the barrier orders it after the others.
	var tasks []runtime.Task
	for i := range 12 {
		tk := runtime.Task{Name: fmt.Sprint("t", i), Run: task(i)}
		if i >= 4 {
			tk.Deps = []int{i - 4}
		}
		tasks = append(tasks, tk)
	}
	job := newJob(tasks...)
	_, err := job.Run(context.Background(), runtime.Options{Workers: 3})
	require.NoError(t, err)
	for k := 1; k < len(job.Levels); k++ {
		for _, i := range job.Levels[k] {
			for _, prev := range job.Levels[k-1] {
				assert.Greater(t, started[i], ended[prev], "t%d (level %d) started before t%d (level %d) ended", i, k, prev, k-1)
			}
		}
	}
}

func TestRunResultsFlow(t *testing.T) {
	var gotErr error = errors.New("not called")
	job := newJob(
		runtime.Task{Name: "two", Run: func0(func(context.Context) (int, error) { return 2, nil })},
		runtime.Task{Name: "three", Run: func0(func(context.Context) (int, error) { return 3, nil })},
		runtime.Task{Name: "label", Run: func0(func(context.Context) (string, error) { return "sum", nil })},
		runtime.Task{Name: "nil_error", Run: func0(func(context.Context) (error, error) { return nil, nil })},
		runtime.Task{Name: "sum", Deps: []int{2, 0, 1}, Args: []int{2, 0, 1},
			Run: funcV1(func(_ context.Context, label string, xs ...int) (string, error) {
				total := 0
				for _, x := range xs {
					total += x
				}
				return fmt.Sprintf("%s=%d", label, total), nil
			})},
		runtime.Task{Name: "check", Deps: []int{4, 3}, Args: []int{4, 3},
			Run: func2(func(_ context.Context, s string, e error) ([]string, error) {
				gotErr = e
				return strings.Split(s, "="), nil
			})},
	)
	for _, sched := range schedules {
		rep, err := job.Run(context.Background(), runtime.Options{Workers: 2, Schedule: sched, KeepResults: true})
		require.NoError(t, err)
		assert.Equal(t, 2, rep.Tasks[0].Result)
		assert.Nil(t, rep.Tasks[3].Result, "interface-typed nil result")
		assert.Equal(t, "sum=5", rep.Tasks[4].Result)
		assert.Equal(t, []string{"sum", "5"}, rep.Tasks[5].Result)
		assert.NoError(t, gotErr, "nil error passed to a parameter of interface type")
		for _, tr := range rep.Tasks {
			assert.Equal(t, runtime.Succeeded, tr.State, tr.Name)
			assert.Equal(t, 1, tr.Attempts, tr.Name)
		}

		// By default, the report keeps only the result no task takes.
		rep, err = job.Run(context.Background(), runtime.Options{Workers: 2, Schedule: sched})
		require.NoError(t, err)
		for i, tr := range rep.Tasks[:5] {
			assert.Nil(t, tr.Result, "task %d", i)
		}
		assert.Equal(t, []string{"sum", "5"}, rep.Tasks[5].Result)
	}
}

func TestRunFaults(t *testing.T) {
	errA := errors.New("a failed")
	errB := errors.New("b failed")
	const (
		ns = runtime.NotStarted
		ok = runtime.Succeeded
		fa = runtime.Failed
		pa = runtime.Panicked
		to = runtime.TimedOut
		ca = runtime.Cancelled
		uf = runtime.UpstreamFailed
	)
	type want struct {
		states      []runtime.State
		eagerStates []runtime.State // if set, the states in eager mode
		attempts    []int           // if set, the attempts of each task
		errIs       []error         // each must be in the returned error
		errText     []string        // each must be in the returned error's text
		teardowns   int32           // Teardown calls (Setup is always called once)
	}
	tests := []struct {
		name    string
		job     func(t *testing.T) *runtime.Job
		handler *testHandler
		opts    runtime.Options
		timeout time.Duration // of the whole run, if set
		want    want
	}{
		{
			name: "error fails fast",
			job: func(*testing.T) *runtime.Job {
				return newJob(
					runtime.Task{Name: "a", Run: fail(errA)},
					runtime.Task{Name: "c", Run: succeed},
					runtime.Task{Name: "b", Deps: []int{0}, Run: succeed},
					runtime.Task{Name: "d", Deps: []int{1}, Run: succeed},
				)
			},
			opts: runtime.Options{Workers: 1},
			want: want{states: []runtime.State{fa, ns, uf, ns}, errIs: []error{errA}, errText: []string{`task "a": a failed`}, teardowns: 1},
		},
		{
			name: "failure cancels running tasks",
			job: func(*testing.T) *runtime.Job {
				started := make(chan struct{})
				return newJob(
					runtime.Task{Name: "a", Run: func(context.Context, []any) (any, error) { <-started; return nil, errA }},
					runtime.Task{Name: "b", Run: func(ctx context.Context, args []any) (any, error) { close(started); return waitCtx(ctx, args) }},
				)
			},
			opts: runtime.Options{Workers: 2},
			want: want{states: []runtime.State{fa, ca}, errIs: []error{errA, context.Canceled}, teardowns: 1},
		},
		{
			name: "panic",
			job: func(*testing.T) *runtime.Job {
				return newJob(
					runtime.Task{Name: "a", Retries: 3, Run: func(context.Context, []any) (any, error) { panic("boom") }},
					runtime.Task{Name: "b", Deps: []int{0}, Run: succeed},
				)
			},
			want: want{states: []runtime.State{pa, uf}, attempts: []int{1, 0}, errText: []string{`task "a": panic: boom`, "run_test.go"}, teardowns: 1},
		},
		{
			name: "panic(nil)",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Run: func(context.Context, []any) (any, error) { panic(nil) }})
			},
			want: want{states: []runtime.State{pa}, errText: []string{"panic: panic called with nil argument"}, teardowns: 1},
		},
		{
			name: "runtime.Goexit",
			job: func(*testing.T) *runtime.Job {
				return newJob(
					runtime.Task{Name: "a", Run: func(context.Context, []any) (any, error) { goruntime.Goexit(); return nil, nil }},
					runtime.Task{Name: "b", Run: succeed},
					runtime.Task{Name: "c", Run: succeed},
				)
			},
			opts: runtime.Options{Workers: 1, KeepGoing: true}, // the worker's replacement runs b and c
			want: want{states: []runtime.State{fa, ok, ok}, errText: []string{`task "a": task called runtime.Goexit`}, teardowns: 1},
		},
		{
			name: "runtime.Goexit in a task with a timeout",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Timeout: time.Minute, Retries: 2, Run: func(context.Context, []any) (any, error) { goruntime.Goexit(); return nil, nil }})
			},
			want: want{states: []runtime.State{fa}, attempts: []int{1}, errText: []string{"runtime.Goexit"}, teardowns: 1},
		},
		{
			name: "timeout, retried",
			job: func(*testing.T) *runtime.Job {
				return newJob(
					runtime.Task{Name: "a", Timeout: 10 * time.Millisecond, Retries: 1, Run: waitCtx},
					runtime.Task{Name: "b", Deps: []int{0}, Run: succeed},
				)
			},
			want: want{states: []runtime.State{to, uf}, attempts: []int{2, 0}, errIs: []error{context.DeadlineExceeded},
				errText: []string{`task "a": timed out after 10ms`}, teardowns: 1},
		},
		{
			name: "retries then success",
			job: func(*testing.T) *runtime.Job {
				var calls atomic.Int32
				return newJob(runtime.Task{Name: "a", Retries: 3, Run: func(context.Context, []any) (any, error) {
					if calls.Add(1) < 3 {
						return nil, errA
					}
					return "done", nil
				}})
			},
			want: want{states: []runtime.State{ok}, attempts: []int{3}, teardowns: 1},
		},
		{
			name: "retries exhausted",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Retries: 2, Run: fail(errA)})
			},
			want: want{states: []runtime.State{fa}, attempts: []int{3}, errIs: []error{errA}, teardowns: 1},
		},
		{
			name: "permanent error not retried",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Retries: 5, Run: fail(fmt.Errorf("wrapped: %w", runtime.Permanent(errA)))})
			},
			want: want{states: []runtime.State{fa}, attempts: []int{1}, errIs: []error{errA}, teardowns: 1},
		},
		{
			name: "ignored cancellation abandoned after grace",
			job: func(t *testing.T) *runtime.Job {
				started, release := make(chan struct{}), make(chan struct{})
				t.Cleanup(func() { close(release) })
				return newJob(
					runtime.Task{Name: "a", Run: func(context.Context, []any) (any, error) { <-started; return nil, errA }},
					runtime.Task{Name: "b", Run: func(context.Context, []any) (any, error) { close(started); <-release; return nil, nil }},
					runtime.Task{Name: "c", Deps: []int{1}, Run: succeed},
				)
			},
			opts: runtime.Options{Workers: 2, Grace: 20 * time.Millisecond},
			want: want{states: []runtime.State{fa, ca, ns}, errIs: []error{errA, runtime.ErrAbandoned, context.Canceled}, teardowns: 1},
		},
		{
			name: "ignored timeout abandoned after grace",
			job: func(t *testing.T) *runtime.Job {
				release := make(chan struct{})
				t.Cleanup(func() { close(release) })
				return newJob(
					runtime.Task{Name: "a", Timeout: 10 * time.Millisecond, Retries: 2, Run: func(context.Context, []any) (any, error) { <-release; return nil, nil }},
					runtime.Task{Name: "b", Run: succeed},
				)
			},
			opts: runtime.Options{Workers: 1, KeepGoing: true, Grace: 20 * time.Millisecond},
			want: want{states: []runtime.State{to, ok}, attempts: []int{1, 1}, errIs: []error{runtime.ErrAbandoned, context.DeadlineExceeded}, teardowns: 1},
		},
		{
			name: "setup fails",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Run: succeed}, runtime.Task{Name: "b", Deps: []int{0}, Run: succeed})
			},
			handler: &testHandler{setupErr: errA},
			want:    want{states: []runtime.State{ns, ns}, attempts: []int{0, 0}, errIs: []error{runtime.ErrSetup, errA}, teardowns: 0},
		},
		{
			name: "setup panics",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Run: succeed})
			},
			handler: &testHandler{panicIn: "setup"},
			want:    want{states: []runtime.State{ns}, errIs: []error{runtime.ErrSetup}, errText: []string{"panic: setup exploded"}, teardowns: 0},
		},
		{
			name: "execute panics",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Run: succeed})
			},
			handler: &testHandler{panicIn: "execute"},
			want:    want{states: []runtime.State{pa}, errText: []string{"panic: execute exploded"}, teardowns: 1},
		},
		{
			name: "execute returns nil without calling run",
			job: func(*testing.T) *runtime.Job {
				return newJob(
					runtime.Task{Name: "a", Run: succeed},
					runtime.Task{Name: "b", Timeout: time.Minute, Run: succeed},
					runtime.Task{Name: "c", Deps: []int{0}, Run: succeed},
				)
			},
			handler: &testHandler{skipRun: true},
			opts:    runtime.Options{KeepGoing: true},
			want: want{states: []runtime.State{fa, fa, uf},
				errText: []string{`task "a": handler *runtime_test.testHandler: Execute returned nil without calling run`, `task "b": handler`}, teardowns: 1},
		},
		{
			name: "teardown fails",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Run: succeed})
			},
			handler: &testHandler{teardownErr: errB},
			want:    want{states: []runtime.State{ok}, errIs: []error{runtime.ErrTeardown, errB}, teardowns: 1},
		},
		{
			name: "teardown panics",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Run: succeed})
			},
			handler: &testHandler{panicIn: "teardown"},
			want:    want{states: []runtime.State{ok}, errIs: []error{runtime.ErrTeardown}, errText: []string{"panic: teardown exploded"}, teardowns: 1},
		},
		{
			name: "task and teardown fail, both reported",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Run: fail(errA)})
			},
			handler: &testHandler{teardownErr: errB},
			want:    want{states: []runtime.State{fa}, errIs: []error{errA, runtime.ErrTeardown, errB}, teardowns: 1},
		},
		{
			name: "two failures at once",
			job: func(*testing.T) *runtime.Job {
				var both sync.WaitGroup
				both.Add(2)
				meet := func(err error) runtime.TaskFunc {
					return func(context.Context, []any) (any, error) { both.Done(); both.Wait(); return nil, err }
				}
				return newJob(
					runtime.Task{Name: "a", Run: meet(errA)},
					runtime.Task{Name: "b", Run: meet(errB)},
					runtime.Task{Name: "c", Deps: []int{0, 1}, Run: succeed},
				)
			},
			opts: runtime.Options{Workers: 2},
			want: want{states: []runtime.State{fa, fa, uf}, errIs: []error{errA, errB}, teardowns: 1},
		},
		{
			name: "keep going",
			job: func(*testing.T) *runtime.Job {
				return newJob(
					runtime.Task{Name: "a", Run: fail(errA)},
					runtime.Task{Name: "b", Run: succeed},
					runtime.Task{Name: "c", Deps: []int{0}, Run: succeed},
					runtime.Task{Name: "d", Deps: []int{1}, Run: succeed},
					runtime.Task{Name: "e", Deps: []int{2, 3}, Run: succeed},
				)
			},
			opts: runtime.Options{Workers: 1, KeepGoing: true},
			want: want{states: []runtime.State{fa, ok, uf, ok, uf}, errIs: []error{errA}, teardowns: 1},
		},
		{
			name: "whole-run timeout",
			job: func(*testing.T) *runtime.Job {
				return newJob(runtime.Task{Name: "a", Run: waitCtx}, runtime.Task{Name: "b", Run: succeed}, runtime.Task{Name: "c", Deps: []int{1}, Run: succeed})
			},
			opts:    runtime.Options{Workers: 1},
			timeout: 20 * time.Millisecond,
			// In eager mode b goes first: it has the longer remaining path.
			want: want{states: []runtime.State{ca, ns, ns}, eagerStates: []runtime.State{ca, ok, ns},
				errIs: []error{context.DeadlineExceeded}, teardowns: 1},
		},
	}
	// Each case runs with a handler that counts its calls, which goes
	// through Execute, and, when the case needs no handler of its own, with
	// the GenericJobHandler too: its tasks are called directly, and a panic
	// is recovered by the worker's loop rather than around the call.
	for _, sched := range schedules {
		for _, tt := range tests {
			for _, generic := range []bool{false, true} {
				if generic && tt.handler != nil {
					continue
				}
				name := sched.String() + "/" + tt.name
				if generic {
					name += "/generic"
				}
				t.Run(name, bubble(func(t *testing.T) {
					h := new(testHandler)
					if c := tt.handler; c != nil { // a fresh one per schedule: it counts calls
						h = &testHandler{setupErr: c.setupErr, teardownErr: c.teardownErr, panicIn: c.panicIn, skipRun: c.skipRun}
					}
					job := tt.job(t)
					job.Handler = h
					if generic {
						job.Handler = nil
					}
					ctx := context.Background()
					if tt.timeout > 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, tt.timeout)
						defer cancel()
					}
					opts := tt.opts
					opts.Schedule = sched
					rep, err := job.Run(ctx, opts)
					require.NotNil(t, rep)
					wantStates := tt.want.states
					if sched == runtime.ScheduleEager && tt.want.eagerStates != nil {
						wantStates = tt.want.eagerStates
					}
					assert.Equal(t, wantStates, states(rep))
					if tt.want.attempts != nil {
						var attempts []int
						for _, tr := range rep.Tasks {
							attempts = append(attempts, tr.Attempts)
						}
						assert.Equal(t, tt.want.attempts, attempts)
					}
					if len(tt.want.errIs) == 0 && len(tt.want.errText) == 0 {
						assert.NoError(t, err)
					}
					for _, target := range tt.want.errIs {
						assert.ErrorIs(t, err, target)
					}
					for _, text := range tt.want.errText {
						require.Error(t, err)
						assert.Contains(t, err.Error(), text)
					}
					assert.Equal(t, err, rep.Err)
					assert.Equal(t, errors.Is(err, runtime.ErrSetup), rep.SetupErr != nil, "SetupErr")
					assert.Equal(t, errors.Is(err, runtime.ErrTeardown), rep.TeardownErr != nil, "TeardownErr")
					if !generic {
						assert.Equal(t, int32(1), h.setups.Load(), "Setup calls")
						assert.Equal(t, tt.want.teardowns, h.teardowns.Load(), "Teardown calls")
					}
					for _, tr := range rep.Tasks {
						ranAndFailed := tr.Attempts > 0 && tr.State != runtime.Succeeded
						assert.Equal(t, ranAndFailed, tr.Err != nil, "%s: error %v in state %v", tr.Name, tr.Err, tr.State)
					}
				}))
			}
		}
	}
}

func TestRunPanicError(t *testing.T) {
	job := newJob(runtime.Task{Name: "a", Run: func(context.Context, []any) (any, error) { panic("boom") }})
	_, err := job.Run(context.Background(), runtime.Options{})
	var p *runtime.PanicError
	require.ErrorAs(t, err, &p)
	assert.Equal(t, "boom", p.Value)
	assert.Contains(t, string(p.Stack), "TestRunPanicError", "the stack shows where the task panicked")
}

func TestRunTeardownOnce(t *testing.T) {
	errA := errors.New("a failed")
	tests := []struct {
		name    string
		run     runtime.TaskFunc
		cancel  bool // cancel the run's context while the task runs
		wantErr error
	}{
		{name: "success", run: succeed},
		{name: "task error", run: fail(errA), wantErr: errA},
		{name: "task panic", run: func(context.Context, []any) (any, error) { panic(errA) }, wantErr: errA},
		{name: "cancelled run", run: waitCtx, cancel: true, wantErr: context.Canceled},
	}
	for _, sched := range schedules {
		for _, tt := range tests {
			t.Run(sched.String()+"/"+tt.name, func(t *testing.T) {
				h := new(testHandler)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				run := tt.run
				if tt.cancel {
					run = func(c context.Context, args []any) (any, error) { cancel(); return tt.run(c, args) }
				}
				job := newJob(runtime.Task{Name: "a", Run: run}, runtime.Task{Name: "b", Deps: []int{0}, Run: succeed})
				job.Handler = h
				rep, err := job.Run(ctx, runtime.Options{TeardownTimeout: time.Minute, Schedule: sched})
				assert.Equal(t, int32(1), h.teardowns.Load())
				assert.Equal(t, err, h.teardownRunErr, "Teardown receives the run's error")
				assert.Equal(t, rep.Err, err)
				assert.NoError(t, h.teardownCtxErr, "Teardown's context is live even when the run's is not")
				if tt.wantErr == nil {
					assert.NoError(t, err)
				} else {
					assert.ErrorIs(t, err, tt.wantErr)
				}
			})
		}
	}
}

func TestRunNilHandlerAndDefaults(t *testing.T) {
	job := newJob(runtime.Task{Name: "a", Run: succeed})
	rep, err := job.Run(context.Background(), runtime.Options{})
	require.NoError(t, err)
	assert.Equal(t, goruntime.GOMAXPROCS(0), rep.Workers)
	assert.Equal(t, "test", rep.Job)
	assert.Equal(t, runtime.TaskReport{Name: "a", Index: 0, Level: 0, State: runtime.Succeeded, Attempts: 1,
		Start: rep.Tasks[0].Start, Duration: rep.Tasks[0].Duration}, rep.Tasks[0])
	assert.False(t, rep.Tasks[0].Start.Before(rep.Start))
}

// An abandoned task that returns after Run did must not write to the
// returned report: the race detector watches the reads below. In the
// bubble, the task's sleep ends only after it was abandoned, however late
// the machine's timers fire.
func TestRunAbandonedTaskReturnsLate(t *testing.T) {
	errA := errors.New("a failed")
	tests := []struct {
		name      string
		timeout   time.Duration
		keepGoing bool
		want      runtime.State
	}{
		{name: "cancelled run", want: runtime.Cancelled},
		{name: "own timeout", timeout: 5 * time.Millisecond, keepGoing: true, want: runtime.TimedOut},
	}
	for _, sched := range schedules {
		for _, tt := range tests {
			t.Run(sched.String()+"/"+tt.name, bubble(func(t *testing.T) {
				started, returned := make(chan struct{}), make(chan struct{})
				sleepy := func(context.Context, []any) (any, error) {
					defer close(returned)
					close(started)
					time.Sleep(50 * time.Millisecond) // ignores ctx
					return "late", nil
				}
				job := newJob(
					runtime.Task{Name: "a", Run: func(context.Context, []any) (any, error) { <-started; return nil, errA }},
					runtime.Task{Name: "b", Timeout: tt.timeout, Run: sleepy},
				)
				rep, err := job.Run(context.Background(), runtime.Options{Workers: 2, KeepGoing: tt.keepGoing, Grace: 5 * time.Millisecond, Schedule: sched})
				assert.ErrorIs(t, err, runtime.ErrAbandoned)
				select {
				case <-returned:
					t.Fatal("Run returned after the abandoned task did")
				default:
				}
				<-returned
				synctest.Wait() // until the late worker is done with it
				b := rep.Tasks[1]
				assert.Equal(t, tt.want, b.State)
				assert.Nil(t, b.Result)
				assert.ErrorIs(t, b.Err, runtime.ErrAbandoned)
			}))
		}
	}
}

// stuckTeardown is a handler whose Teardown ignores its context until
// release is closed.
type stuckTeardown struct {
	runtime.GenericJobHandler
	release chan struct{}
}

func (h stuckTeardown) Teardown(context.Context, runtime.JobInfo, error) error {
	<-h.release
	return nil
}

// A Teardown that ignores its context is abandoned after its limit plus
// the grace period: the run ends and reports it.
func TestRunTeardownAbandoned(t *testing.T) {
	for _, sched := range schedules {
		t.Run(sched.String(), func(t *testing.T) {
			h := stuckTeardown{release: make(chan struct{})}
			defer close(h.release)
			job := newJob(runtime.Task{Name: "a", Run: succeed})
			job.Handler = h
			var mu sync.Mutex
			var events []runtime.Event
			type result struct {
				rep *runtime.Report
				err error
			}
			done := make(chan result, 1)
			go func() {
				rep, err := job.Run(context.Background(), runtime.Options{
					Schedule: sched, TeardownTimeout: 10 * time.Millisecond, Grace: 10 * time.Millisecond,
					Observer: runtime.ObserverFunc(func(e runtime.Event) { mu.Lock(); events = append(events, e); mu.Unlock() }),
				})
				done <- result{rep, err}
			}()
			var res result
			select {
			case res = <-done:
			case <-time.After(time.Minute): // far above the 20ms it takes
				t.Fatal("Run did not return: the Teardown that ignores its context hung it")
			}
			require.NotNil(t, res.rep)
			assert.Equal(t, []runtime.State{runtime.Succeeded}, states(res.rep))
			assert.ErrorIs(t, res.err, runtime.ErrTeardown)
			assert.ErrorIs(t, res.err, runtime.ErrAbandoned)
			assert.ErrorIs(t, res.rep.TeardownErr, runtime.ErrAbandoned)
			assert.ErrorContains(t, res.err, "teardown failed: teardown abandoned: it ignored its context for 10ms after its 10ms limit")
			mu.Lock()
			defer mu.Unlock()
			require.NotEmpty(t, events)
			last := events[len(events)-2]
			assert.Equal(t, runtime.TeardownEnd, last.Kind)
			assert.ErrorIs(t, last.Err, runtime.ErrAbandoned)
		})
	}
}
