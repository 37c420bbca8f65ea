package jobmain_test

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/urfave/cli/v2"

	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain"
)

// faultHandler fails or panics in Setup or Teardown when told to, and
// counts Teardown calls.
type faultHandler struct {
	runtime.GenericJobHandler
	setupErr, teardownErr    error
	setupPanic, tearPanic    bool
	executePanic             bool
	skipRun                  bool // Execute returns nil without calling run
	teardowns                atomic.Int32
	setupCalls, executeCalls atomic.Int32
}

func (h *faultHandler) Setup(ctx context.Context, _ runtime.JobInfo) (context.Context, error) {
	h.setupCalls.Add(1)
	if h.setupPanic {
		panic("setup exploded")
	}
	return ctx, h.setupErr
}

func (h *faultHandler) Execute(ctx context.Context, _ runtime.TaskInfo, run func(context.Context) error) error {
	h.executeCalls.Add(1)
	if h.executePanic {
		panic("execute exploded")
	}
	if h.skipRun {
		return nil
	}
	return run(ctx)
}

func (h *faultHandler) Teardown(context.Context, runtime.JobInfo, error) error {
	h.teardowns.Add(1)
	if h.tearPanic {
		panic("teardown exploded")
	}
	return h.teardownErr
}

func okTask(context.Context, []any) (any, error) { return "ok", nil }

func failWith(err error) runtime.TaskFunc {
	return func(context.Context, []any) (any, error) { return nil, err }
}

func untilDone(ctx context.Context, _ []any) (any, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// faultJob is a, b in level 0 (a first), c after a, d after c, e after b.
// fa fills a and fb fills b.
func faultJob(fa, fb runtime.TaskFunc) *runtime.Job {
	return &runtime.Job{
		Name: "faults",
		Tasks: []runtime.Task{
			{Name: "jobs.faults.a", Run: fa},
			{Name: "jobs.faults.b", Run: fb},
			{Name: "jobs.faults.c", Deps: []int{0}, Run: okTask},
			{Name: "jobs.faults.d", Deps: []int{2}, Run: okTask},
			{Name: "jobs.faults.e", Deps: []int{1}, Run: okTask},
		},
		Levels: [][]int{{0, 1}, {2, 4}, {3}},
	}
}

// TestFaultExitCodes injects one fault per case into a job run through the
// job binaries' command line, and checks the exit code, the state of every
// task in the summary, and how often Teardown ran.
func TestFaultExitCodes(t *testing.T) {
	errA, errB := errors.New("a broke"), errors.New("b broke")
	const (
		ns = "not_started"
		ok = "succeeded"
		fa = "failed"
		pa = "panicked"
		to = "timed_out"
		ca = "cancelled"
		uf = "upstream_failed"
	)
	tests := []struct {
		name      string
		fa, fb    runtime.TaskFunc // nil: succeed
		timeoutA  time.Duration    // the Timeout of task a
		handler   *faultHandler
		args      []string
		wantCode  int
		states    [5]string // of a, b, c, d, e
		teardowns int32
		output    []string // regexps the summary must match
	}{
		{name: "error, fail fast", fa: failWith(errA), args: []string{"--workers", "1"}, wantCode: jobmain.ExitFailed,
			states: [5]string{fa, ns, uf, uf, ns}, teardowns: 1, output: []string{`jobs\.faults\.a\s.*a broke`}},
		{name: "error, keep going", fa: failWith(errA), args: []string{"--workers", "1", "--keep-going"}, wantCode: jobmain.ExitFailed,
			states: [5]string{fa, ok, uf, uf, ok}, teardowns: 1},
		{name: "panic", fa: func(context.Context, []any) (any, error) { panic("boom") }, args: []string{"--workers", "1", "--keep-going"},
			wantCode: jobmain.ExitFailed, states: [5]string{pa, ok, uf, uf, ok}, teardowns: 1, output: []string{`jobs\.faults\.a\s.*panic: boom`}},
		{name: "panic(nil)", fa: func(context.Context, []any) (any, error) { panic(nil) }, args: []string{"--workers", "1", "--keep-going"},
			wantCode: jobmain.ExitFailed, states: [5]string{pa, ok, uf, uf, ok}, teardowns: 1},
		{name: "runtime.Goexit", fa: func(context.Context, []any) (any, error) { goruntime.Goexit(); return nil, nil }, args: []string{"--workers", "1", "--keep-going"},
			wantCode: jobmain.ExitFailed, states: [5]string{fa, ok, uf, uf, ok}, teardowns: 1, output: []string{`runtime\.Goexit`}},
		{name: "task timeout", fa: untilDone, timeoutA: 5 * time.Millisecond, args: []string{"--workers", "1", "--keep-going"},
			wantCode: jobmain.ExitFailed, states: [5]string{to, ok, uf, uf, ok}, teardowns: 1, output: []string{`jobs\.faults\.a\s.*timed out after 5ms`}},
		{name: "two failures at once", args: []string{"--workers", "2"}, wantCode: jobmain.ExitFailed,
			states: [5]string{fa, fa, uf, uf, uf}, teardowns: 1, output: []string{`a broke`, `b broke`}},
		{name: "setup fails", handler: &faultHandler{setupErr: errA}, wantCode: jobmain.ExitSetup,
			states: [5]string{ns, ns, ns, ns, ns}, teardowns: 0},
		{name: "setup panics", handler: &faultHandler{setupPanic: true}, wantCode: jobmain.ExitSetup,
			states: [5]string{ns, ns, ns, ns, ns}, teardowns: 0},
		{name: "execute panics", handler: &faultHandler{executePanic: true}, args: []string{"--workers", "1"}, wantCode: jobmain.ExitFailed,
			states: [5]string{pa, ns, uf, uf, ns}, teardowns: 1},
		{name: "execute skips run", handler: &faultHandler{skipRun: true}, args: []string{"--workers", "1"}, wantCode: jobmain.ExitFailed,
			states: [5]string{fa, ns, uf, uf, ns}, teardowns: 1, output: []string{`jobs\.faults\.a\s.*handler \*jobmain_test\.faultHandler: Execute returned nil without calling run`}},
		{name: "teardown fails", handler: &faultHandler{teardownErr: errB}, wantCode: jobmain.ExitTeardown,
			states: [5]string{ok, ok, ok, ok, ok}, teardowns: 1},
		{name: "teardown panics", handler: &faultHandler{tearPanic: true}, wantCode: jobmain.ExitTeardown,
			states: [5]string{ok, ok, ok, ok, ok}, teardowns: 1},
		{name: "task and teardown fail", fa: failWith(errA), handler: &faultHandler{teardownErr: errB}, args: []string{"--workers", "1", "--keep-going"},
			wantCode: jobmain.ExitFailed, states: [5]string{fa, ok, uf, uf, ok}, teardowns: 1},
		{name: "whole-run timeout", fa: untilDone, args: []string{"--workers", "1", "--timeout", "10ms"}, wantCode: jobmain.ExitTimeout,
			states: [5]string{ca, ns, ns, ns, ns}, teardowns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, inBubble(func(t *testing.T) {
			fa, fb := tt.fa, tt.fb
			if tt.name == "two failures at once" {
				// a and b fail only once both run, so that neither stops the other.
				var both sync.WaitGroup
				both.Add(2)
				meet := func(err error) runtime.TaskFunc {
					return func(context.Context, []any) (any, error) { both.Done(); both.Wait(); return nil, err }
				}
				fa, fb = meet(errA), meet(errB)
			}
			if fa == nil {
				fa = okTask
			}
			if fb == nil {
				fb = okTask
			}
			job := faultJob(fa, fb)
			job.Tasks[0].Timeout = tt.timeoutA
			h := tt.handler
			if h == nil {
				h = new(faultHandler)
			}
			job.Handler = h
			var stdout, stderr bytes.Buffer
			code := jobmain.Run(context.Background(), job, append([]string{"faults"}, tt.args...), &stdout, &stderr)
			out := stdout.String()
			assert.Equal(t, tt.wantCode, code, "stdout:\n%s\nstderr:\n%s", out, &stderr)
			for i, state := range tt.states {
				name := regexp.QuoteMeta(job.Tasks[i].Name)
				assert.Regexp(t, `(?m)^\d+\s+`+name+`\s+`+state+`\b`, out, "state of %s", job.Tasks[i].Name)
			}
			for _, re := range tt.output {
				assert.Regexp(t, re, out)
			}
			assert.Equal(t, int32(1), h.setupCalls.Load(), "Setup calls")
			assert.Equal(t, tt.teardowns, h.teardowns.Load(), "Teardown calls")
		}))
	}
}

// inBubble returns a test that runs f in a synctest bubble, where the
// clock moves only when every goroutine of the bubble is blocked: a
// --timeout then passes once the tasks wait, never before they started,
// however loaded the machine.
func inBubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
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

// A Teardown that ignores its context cannot hang the binary: it is
// abandoned after its limit plus the grace period (shortened here through
// an Extension), and the binary exits 4, or 1 if a task failed too.
func TestTeardownAbandoned(t *testing.T) {
	short := jobmain.Extension{Runner: func(*cli.Context) (jobmain.RunFunc, error) {
		return func(ctx context.Context, job *runtime.Job, opts runtime.Options) (*runtime.Report, error) {
			opts.TeardownTimeout, opts.Grace = 10*time.Millisecond, 10*time.Millisecond
			return job.Run(ctx, opts)
		}, nil
	}}
	tests := []struct {
		name     string
		fa       runtime.TaskFunc
		wantCode int
	}{
		{name: "tasks succeeded", fa: okTask, wantCode: jobmain.ExitTeardown},
		{name: "a task failed", fa: failWith(errors.New("a broke")), wantCode: jobmain.ExitFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := stuckTeardown{release: make(chan struct{})}
			defer close(h.release)
			job := faultJob(tt.fa, okTask)
			job.Handler = h
			var stdout, stderr bytes.Buffer
			done := make(chan int, 1)
			go func() {
				done <- jobmain.RunWith(context.Background(), job, []string{"faults"}, &stdout, &stderr, short)
			}()
			var code int
			select {
			case code = <-done:
			case <-time.After(time.Minute): // far above the 20ms it takes
				t.Fatal("the binary hung in a Teardown that ignores its context")
			}
			assert.Equal(t, tt.wantCode, code, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
			assert.Contains(t, stderr.String(), "faults: teardown failed: teardown abandoned: it ignored its context for 10ms after its 10ms limit")
		})
	}
}
