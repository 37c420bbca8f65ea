package jobtest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// Call is one call of a faked task: one attempt.
type Call struct {
	// Attempt counts the calls of the fake, from 1: with retries, the
	// attempt of the task.
	Attempt int
	// Args holds the arguments after ctx, in parameter order (a variadic
	// parameter's values one by one).
	Args []any
}

// Fake records the calls of a task that [Replace] replaced.
type Fake struct {
	mu    sync.Mutex
	calls []Call
}

// Calls returns the calls of the fake so far, in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Replace makes fn the Run of the task ref names in job, and returns a
// [Fake] that records each call. fn has exactly the type of the task's Run
// method, so the compiler rejects a fake of another signature, and refs
// exist only for the tasks of a job (gen/<job>'s <Type>Task), so it
// rejects a task the job does not have. It fails the test if job is not the
// job ref belongs to.
func Replace[F, R any](t testing.TB, job *runtime.Job, ref runtime.TaskRef[F, R], fn F) *Fake {
	t.Helper()
	if job == nil || job.Name != ref.Job || ref.Index < 0 || ref.Index >= len(job.Tasks) || job.Tasks[ref.Index].Name != ref.Name {
		name := "<nil>"
		if job != nil {
			name = job.Name
		}
		t.Fatalf("jobtest.Replace: task %q of job %q is not in job %q", ref.Name, ref.Job, name)
	}
	f := &Fake{}
	run := ref.Adapt(fn)
	job.Tasks[ref.Index].Run = func(ctx context.Context, args []any) (any, error) {
		f.mu.Lock()
		f.calls = append(f.calls, Call{Attempt: len(f.calls) + 1, Args: append([]any(nil), args...)})
		f.mu.Unlock()
		return run(ctx, args)
	}
	return f
}

// Run runs job with opts and returns its report; it fails the test, with
// the state, attempts and error of every task, if the run fails. Unless
// opts.Logger is set, the run logs to t.Log. See [Try] for a run that is
// meant to fail.
func Run(t testing.TB, job *runtime.Job, opts runtime.Options) *runtime.Report {
	t.Helper()
	rep, err := Try(t, job, opts)
	if err != nil {
		t.Fatalf("job %q failed: %v\n%s", job.Name, err, Summary(rep))
	}
	return rep
}

// Try runs job with opts like [Run] but leaves the outcome to the test:
// it returns the report and the run's error. It fails the test only if the
// job is invalid (no report).
//
// Run and Try set opts.KeepResults: the report keeps the result of every
// task that succeeded, so that a test reads any of them with
// [runtime.Result], not only those no task takes.
func Try(t testing.TB, job *runtime.Job, opts runtime.Options) (*runtime.Report, error) {
	t.Helper()
	opts.KeepResults = true
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(newTestWriter(t), &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	rep, err := job.Run(context.Background(), opts)
	if rep == nil {
		t.Fatalf("job %q did not run: %v", job.Name, err)
	}
	return rep, err
}

// Summary renders the state, attempts and error of every task of rep, one
// task a line, in table order.
func Summary(rep *runtime.Report) string {
	if rep == nil {
		return "no report\n"
	}
	var b strings.Builder
	for _, tr := range rep.Tasks {
		fmt.Fprintf(&b, "  %s: %s after %d attempt(s)", tr.Name, tr.State, tr.Attempts)
		if tr.Err != nil {
			fmt.Fprintf(&b, ": %v", tr.Err)
		}
		b.WriteByte('\n')
	}
	if rep.SetupErr != nil {
		fmt.Fprintf(&b, "  setup: %v\n", rep.SetupErr)
	}
	if rep.TeardownErr != nil {
		fmt.Fprintf(&b, "  teardown: %v\n", rep.TeardownErr)
	}
	return b.String()
}

// States returns the final state of every task of rep by name, for
// comparing with an expected map.
func States(rep *runtime.Report) map[string]runtime.State {
	m := make(map[string]runtime.State, len(rep.Tasks))
	for _, tr := range rep.Tasks {
		m[tr.Name] = tr.State
	}
	return m
}

// testWriter sends each write to t.Log until the test ends: a task the
// run abandoned may still log after that, when t.Log would panic.
type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func newTestWriter(t testing.TB) *testWriter {
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return w
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}
