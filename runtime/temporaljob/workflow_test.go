package temporaljob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// sumTask is the type of the tasks of the test jobs: its Run method gives
// the argument and result types (every task takes ints and returns one);
// what a task does is its own TaskFunc.
type sumTask struct{}

func (*sumTask) Run(ctx context.Context, xs ...int) (int, error) { return 0, nil }

// spec describes one task of a test job.
type spec struct {
	name    string
	deps    []int
	retries int
	timeout time.Duration
	// run is what the task does; nil: return 1 + the sum of its arguments.
	run func(ctx context.Context, attempt int, args []int) (int, error)
}

// testJob builds a job of specs; calls records every attempt's arguments.
type testJob struct {
	job   *runtime.Job
	mu    sync.Mutex
	calls map[string][][]int
}

func newTestJob(name string, specs []spec) *testJob {
	tj := &testJob{calls: map[string][][]int{}}
	tasks := make([]runtime.Task, len(specs))
	level := make([]int, len(specs))
	var levels [][]int
	for i, s := range specs {
		for _, d := range s.deps {
			level[i] = max(level[i], level[d]+1)
		}
		for len(levels) <= level[i] {
			levels = append(levels, nil)
		}
		levels[level[i]] = append(levels[level[i]], i)
		s := s
		attempts := 0
		tasks[i] = runtime.Task{Name: s.name, Deps: s.deps, Args: s.deps, Retries: s.retries, Timeout: s.timeout, Impl: (*sumTask)(nil),
			Run: func(ctx context.Context, args []any) (any, error) {
				xs := make([]int, len(args))
				for k, a := range args {
					xs[k] = a.(int)
				}
				tj.mu.Lock()
				tj.calls[s.name] = append(tj.calls[s.name], xs)
				attempts++
				n := attempts
				tj.mu.Unlock()
				if s.run != nil {
					return s.run(ctx, n, xs)
				}
				sum := 1
				for _, x := range xs {
					sum += x
				}
				return sum, nil
			}}
	}
	tj.job = &runtime.Job{Name: name, Tasks: tasks, Levels: levels, Fingerprint: "test-" + name}
	return tj
}

// runWorkflow runs the job's workflow in the SDK's test environment, with
// continue-as-new followed, and returns the output and the workflow's
// last error (nil on success).
func runWorkflow(t *testing.T, tj *testJob, s Settings, in Input, setup func(env *testsuite.TestWorkflowEnvironment)) (*Output, error, int) {
	t.Helper()
	wf, err := NewWorkflow(tj.job, s)
	require.NoError(t, err)
	acts, err := NewActivities(tj.job, s, "", 100)
	require.NoError(t, err)
	acts.grace = 200 * time.Millisecond
	runs := 0
	for {
		runs++
		var suite testsuite.WorkflowTestSuite
		suite.SetLogger(quietLogger)
		env := suite.NewTestWorkflowEnvironment()
		env.SetTestTimeout(30 * time.Second)
		Register(env, wf, acts)
		if setup != nil {
			setup(env)
		}
		env.ExecuteWorkflow(tj.job.Name, in)
		require.True(t, env.IsWorkflowCompleted())
		err := env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			require.Less(t, runs, 100, "continue-as-new without end")
			in = Input{}
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			continue
		}
		if err == nil {
			var out Output
			require.NoError(t, env.GetWorkflowResult(&out))
			return &out, nil, runs
		}
		out := new(Output)
		var app *temporal.ApplicationError
		var canceled *temporal.CanceledError
		switch {
		case errors.As(err, &app) && app.HasDetails():
			require.NoError(t, app.Details(out))
		case errors.As(err, &canceled) && canceled.HasDetails():
			require.NoError(t, canceled.Details(out))
		default:
			out = nil
		}
		return out, err, runs
	}
}

// quietLogger keeps the SDK's logs out of the test output.
var quietLogger = sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))

// states returns the final state of every task by name.
func states(t *testing.T, tj *testJob, out *Output) map[string]string {
	t.Helper()
	require.NotNil(t, out)
	rep, err := out.Report(tj.job, 1)
	require.NoError(t, err)
	m := map[string]string{}
	for _, tr := range rep.Tasks {
		m[tr.Name] = tr.State.String()
	}
	return m
}

var schedules = []string{"levels", "eager"}

func TestWorkflowPassesTypedResults(t *testing.T) {
	for _, sched := range schedules {
		t.Run(sched, func(t *testing.T) {
			tj := newTestJob("diamond", []spec{
				{name: "a"},
				{name: "b", deps: []int{0}},
				{name: "c", deps: []int{0}},
				{name: "d", deps: []int{1, 2}},
			})
			out, err, _ := runWorkflow(t, tj, Settings{}, Input{Schedule: sched}, nil)
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"a": "succeeded", "b": "succeeded", "c": "succeeded", "d": "succeeded"}, states(t, tj, out))
			assert.Equal(t, [][]int{{1}}, tj.calls["b"])
			assert.Equal(t, [][]int{{2, 2}}, tj.calls["d"], "d takes the results of b and c, in Args order")
			assert.Equal(t, 4, out.Counts["succeeded"])
		})
	}
}

func TestWorkflowFailurePolicy(t *testing.T) {
	boom := func(ctx context.Context, _ int, _ []int) (int, error) { return 0, errors.New("boom") }
	slow := func(ctx context.Context, _ int, _ []int) (int, error) {
		<-ctx.Done() // until the run stops it
		return 0, ctx.Err()
	}
	quick := func(ctx context.Context, _ int, _ []int) (int, error) {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
			return 7, nil
		}
	}
	specs := []spec{
		{name: "a"},
		{name: "fails", deps: []int{0}, run: func(ctx context.Context, n int, xs []int) (int, error) {
			time.Sleep(20 * time.Millisecond) // after "slow" started
			return boom(ctx, n, xs)
		}},
		{name: "slow", deps: []int{0}, run: slow},
		{name: "after_fail", deps: []int{1}},
		{name: "after_slow", deps: []int{2}},
		{name: "both", deps: []int{1, 4}}, // downstream of a failure and of a task that never ran
	}
	// localStates runs the same job in-process: a run on Temporal must
	// give every task the state a local run gives it.
	localStates := func(t *testing.T, specs []spec, sched string, keepGoing bool) map[string]string {
		tj := newTestJob("local", specs)
		var s runtime.Schedule
		require.NoError(t, s.UnmarshalText([]byte(sched)))
		rep, _ := tj.job.Run(context.Background(), runtime.Options{Schedule: s, KeepGoing: keepGoing, Workers: 4})
		m := map[string]string{}
		for _, tr := range rep.Tasks {
			m[tr.Name] = tr.State.String()
		}
		return m
	}
	for _, sched := range schedules {
		t.Run("fail-fast/"+sched, func(t *testing.T) {
			tj := newTestJob("ff", specs)
			out, err, _ := runWorkflow(t, tj, Settings{}, Input{Schedule: sched}, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "fails: boom")
			want := map[string]string{"a": "succeeded", "fails": "failed", "slow": "cancelled", "after_fail": "upstream_failed", "after_slow": "not_started", "both": "upstream_failed"}
			assert.Equal(t, want, states(t, tj, out))
			assert.Equal(t, want, localStates(t, specs, sched, false))
		})
		t.Run("keep-going/"+sched, func(t *testing.T) {
			kspecs := append([]spec(nil), specs...)
			kspecs[2].run = quick
			tj := newTestJob("kg", kspecs)
			yes := true
			out, err, _ := runWorkflow(t, tj, Settings{}, Input{Schedule: sched, KeepGoing: &yes}, nil)
			require.Error(t, err)
			want := map[string]string{"a": "succeeded", "fails": "failed", "slow": "succeeded", "after_fail": "upstream_failed", "after_slow": "succeeded", "both": "upstream_failed"}
			assert.Equal(t, want, states(t, tj, out))
			assert.Equal(t, want, localStates(t, kspecs, sched, true))
			assert.Equal(t, [][]int{{7}}, tj.calls["after_slow"])
		})
	}
}

func TestWorkflowRetriesPanicsTimeouts(t *testing.T) {
	flaky := func(ctx context.Context, n int, _ []int) (int, error) {
		if n < 3 {
			return 0, fmt.Errorf("attempt %d failed", n)
		}
		return 5, nil
	}
	tj := newTestJob("retry", []spec{
		{name: "flaky", retries: 2, run: flaky},
		{name: "permanent", retries: 3, run: func(context.Context, int, []int) (int, error) {
			return 0, runtime.Permanent(errors.New("bad input"))
		}},
		{name: "panics", retries: 3, run: func(context.Context, int, []int) (int, error) { panic("oops") }},
		{name: "times_out", retries: 1, timeout: 50 * time.Millisecond, run: func(ctx context.Context, _ int, _ []int) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		}},
		{name: "uses_flaky", deps: []int{0}},
	})
	yes := true
	out, err, _ := runWorkflow(t, tj, Settings{}, Input{KeepGoing: &yes}, nil)
	require.Error(t, err)
	assert.Equal(t, map[string]string{"flaky": "succeeded", "permanent": "failed", "panics": "panicked", "times_out": "timed_out", "uses_flaky": "succeeded"}, states(t, tj, out))
	rep, rerr := out.Report(tj.job, 1)
	require.NoError(t, rerr)
	attempts := map[string]int{}
	msgs := map[string]string{}
	for _, tr := range rep.Tasks {
		attempts[tr.Name] = tr.Attempts
		if tr.Err != nil {
			msgs[tr.Name] = tr.Err.Error()
		}
	}
	assert.Equal(t, map[string]int{"flaky": 3, "permanent": 1, "panics": 1, "times_out": 2, "uses_flaky": 1}, attempts, "retries = attempts - 1; Permanent and panics are not retried")
	assert.Equal(t, [][]int{{5}}, tj.calls["uses_flaky"])
	assert.Contains(t, msgs["permanent"], "bad input")
	assert.Contains(t, msgs["panics"], "panic: oops")
	assert.Contains(t, msgs["times_out"], "timed out after 50ms")
}

func TestWorkflowCapsTasksInFlight(t *testing.T) {
	var running, peak atomic.Int32
	specs := []spec{{name: "root"}}
	for i := range 40 {
		specs = append(specs, spec{name: fmt.Sprintf("w%02d", i), deps: []int{0}, run: func(ctx context.Context, _ int, xs []int) (int, error) {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			return xs[0], nil
		}})
	}
	for _, sched := range schedules {
		t.Run(sched, func(t *testing.T) {
			peak.Store(0)
			tj := newTestJob("wide", specs)
			out, err, _ := runWorkflow(t, tj, Settings{}, Input{Schedule: sched, MaxInFlight: 4}, nil)
			require.NoError(t, err)
			assert.Equal(t, 41, out.Counts["succeeded"])
			assert.LessOrEqual(t, peak.Load(), int32(4))
			assert.Positive(t, peak.Load())
		})
	}
}

func TestWorkflowContinuesAsNew(t *testing.T) {
	var specs []spec
	for i := range 30 {
		s := spec{name: fmt.Sprintf("c%02d", i)}
		if i > 0 {
			s.deps = []int{i - 1}
		}
		if i == 10 {
			s.deps = []int{0, i - 1} // a result that must survive several runs
		}
		specs = append(specs, s)
	}
	for _, sched := range schedules {
		t.Run(sched, func(t *testing.T) {
			tj := newTestJob("chain", specs)
			// The test environment keeps no history: say it is long.
			out, err, runs := runWorkflow(t, tj, Settings{}, Input{Schedule: sched, ContinueAsNewAfter: 40}, func(env *testsuite.TestWorkflowEnvironment) {
				env.SetCurrentHistoryLength(41)
			})
			require.NoError(t, err)
			assert.Greater(t, runs, 2, "a run past its history budget continues as new")
			assert.Equal(t, runs, out.Runs)
			assert.Equal(t, 30, out.Counts["succeeded"])
			assert.Equal(t, [][]int{{1, 10}}, tj.calls["c10"], "c00's result was carried to c10")
			assert.Equal(t, [][]int{{30}}, tj.calls["c29"])
		})
	}
}

// recordingHandler keeps what Setup, Execute and Teardown saw in rec. It
// is a value type, so every run shares rec (a pointer handler would be a
// new zero value per run on a worker).
type recordingHandler struct {
	runtime.GenericJobHandler
	rec *record
}

type record struct {
	mu        sync.Mutex
	setups    int
	executes  []string
	teardowns []string
}

type wsKey struct{}

func (h recordingHandler) Setup(ctx context.Context, job runtime.JobInfo) (context.Context, error) {
	h.rec.mu.Lock()
	h.rec.setups++
	h.rec.mu.Unlock()
	return context.WithValue(ctx, wsKey{}, "workspace-of-"+job.Name), nil
}

func (h recordingHandler) Execute(ctx context.Context, task runtime.TaskInfo, run func(context.Context) error) error {
	ws, _ := ctx.Value(wsKey{}).(string)
	h.rec.mu.Lock()
	h.rec.executes = append(h.rec.executes, task.Name+"@"+ws)
	h.rec.mu.Unlock()
	return run(ctx)
}

func (h recordingHandler) Teardown(ctx context.Context, job runtime.JobInfo, err error) error {
	h.rec.mu.Lock()
	defer h.rec.mu.Unlock()
	msg := "ok"
	if err != nil {
		msg = err.Error()
	}
	h.rec.teardowns = append(h.rec.teardowns, msg)
	return nil
}

func TestWorkflowPinnedHandler(t *testing.T) {
	for _, pinned := range []bool{true, false} {
		t.Run(fmt.Sprint("pinned=", pinned), func(t *testing.T) {
			tj := newTestJob("handled", []spec{{name: "a"}, {name: "b", deps: []int{0}}})
			rec := new(record)
			tj.job.Handler = recordingHandler{rec: rec}
			_, err, _ := runWorkflow(t, tj, Settings{Pinned: pinned}, Input{}, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, rec.setups, "Setup runs once")
			assert.Equal(t, []string{"ok"}, rec.teardowns, "Teardown runs once, with the run's error")
			ws := ""
			if pinned {
				ws = "workspace-of-handled" // the tasks of a pinned run see Setup's context
			}
			assert.Equal(t, []string{"a@" + ws, "b@" + ws}, rec.executes)
		})
	}
}

func TestWorkflowTeardownGetsRunError(t *testing.T) {
	tj := newTestJob("handled", []spec{{name: "a", run: func(context.Context, int, []int) (int, error) { return 0, errors.New("nope") }}})
	rec := new(record)
	tj.job.Handler = recordingHandler{rec: rec}
	_, err, _ := runWorkflow(t, tj, Settings{Pinned: true}, Input{}, nil)
	require.Error(t, err)
	require.Len(t, rec.teardowns, 1)
	assert.Equal(t, `task "a": nope`, rec.teardowns[0])
}

func TestWorkflowCancelled(t *testing.T) {
	tj := newTestJob("cancel", []spec{
		{name: "waits", run: func(ctx context.Context, _ int, _ []int) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		}},
		{name: "after", deps: []int{0}},
	})
	rec := new(record)
	tj.job.Handler = recordingHandler{rec: rec}
	out, err, _ := runWorkflow(t, tj, Settings{}, Input{}, func(env *testsuite.TestWorkflowEnvironment) {
		env.RegisterDelayedCallback(env.CancelWorkflow, 100*time.Millisecond)
	})
	var canceled *temporal.CanceledError
	require.ErrorAs(t, err, &canceled)
	assert.True(t, out.Cancelled)
	assert.Equal(t, map[string]string{"waits": "cancelled", "after": "not_started"}, states(t, tj, out))
	assert.Empty(t, out.TeardownError)
	assert.Len(t, rec.teardowns, 1, "Teardown ran after the cancellation")
}

func TestWorkflowRefusesWhatItCannotRun(t *testing.T) {
	tj := newTestJob("big", []spec{{name: "huge", run: nil}})
	_, err, _ := runWorkflow(t, tj, Settings{}, Input{Fingerprint: "another binary"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "fingerprint another binary")

	bigJob := newTestJob("big", []spec{{name: "a"}})
	bigJob.job.Tasks[0].Run = func(context.Context, []any) (any, error) { return strings.Repeat("x", MaxResultBytes+1), nil }
	bigJob.job.Tasks[0].Impl = (*bigTask)(nil)
	out, err, _ := runWorkflow(t, bigJob, Settings{}, Input{}, nil)
	require.Error(t, err)
	rep, rerr := out.Report(bigJob.job, 1)
	require.NoError(t, rerr)
	assert.Equal(t, runtime.Failed, rep.Tasks[0].State)
	assert.Contains(t, rep.Tasks[0].Err.Error(), "more than the 1048576 bytes a result may have on Temporal")
}

type bigTask struct{}

func (*bigTask) Run(context.Context) (string, error) { return "", nil }
