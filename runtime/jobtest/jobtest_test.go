package jobtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobtest"
)

// A job as gen/<job> declares it, by hand: two tasks, the second doubling
// the first's result, with their signatures' adapters, task values and
// refs.
type (
	source struct{}
	double struct{}
)

func (source) Run(context.Context) (int, error)          { return 1, nil }
func (double) Run(_ context.Context, n int) (int, error) { return 2 * n, nil }

type (
	sig0Runner interface {
		Run(context.Context) (int, error)
	}
	sig1Runner interface {
		Run(context.Context, int) (int, error)
	}
	sig0Func func(context.Context) (int, error)
	sig1Func func(context.Context, int) (int, error)
)

func (f sig0Func) Run(ctx context.Context) (int, error)         { return f(ctx) }
func (f sig1Func) Run(ctx context.Context, a0 int) (int, error) { return f(ctx, a0) }

var (
	sig0Adapter = runtime.Sig[sig0Runner, int]{Call: func(c *runtime.Call) error {
		res, err := (*c.Task().(*sig0Runner)).Run(c.Context())
		return runtime.Return(c, res, err)
	}}
	sig1Adapter = runtime.Sig[sig1Runner, int]{Call: func(c *runtime.Call) error {
		res, err := (*c.Task().(*sig1Runner)).Run(c.Context(), runtime.Arg[int](c, 0))
		return runtime.Return(c, res, err)
	}}
	sig0Tasks = [...]sig0Runner{&source{}}
	sig1Tasks = [...]sig1Runner{&double{}}
	jobTable  = runtime.Table{
		Name: "j",
		Tasks: []runtime.TaskDef{
			{Name: "source", Retries: 2, Sig: &sig0Adapter, Value: &sig0Tasks[0]},
			{Name: "double", Deps: []int{0}, Args: []int{0}, Sig: &sig1Adapter, Value: &sig1Tasks[0]},
		},
		Levels: [][]int{{0}, {1}},
	}
	sourceTask = runtime.TaskRef[func(context.Context) (int, error), int]{Job: "j", Name: "source", Index: 0,
		Adapt: func(f func(context.Context) (int, error)) runtime.TaskFunc { return sig0Adapter.Func(sig0Func(f)) }}
	doubleTask = runtime.TaskRef[func(context.Context, int) (int, error), int]{Job: "j", Name: "double", Index: 1,
		Adapt: func(f func(context.Context, int) (int, error)) runtime.TaskFunc { return sig1Adapter.Func(sig1Func(f)) }}
)

func newJob() *runtime.Job { return jobTable.Job() }

func TestRunKeepsEveryResult(t *testing.T) {
	job := newJob()
	rep := jobtest.Run(t, job, runtime.Options{})
	got, ok := runtime.Result(rep, sourceTask)
	assert.True(t, ok, "the result of a task another takes")
	assert.Equal(t, 1, got)
	got, ok = runtime.Result(rep, doubleTask)
	assert.True(t, ok)
	assert.Equal(t, 2, got)

	rep, err := job.Run(context.Background(), runtime.Options{})
	require.NoError(t, err)
	_, ok = runtime.Result(rep, sourceTask)
	assert.False(t, ok, "outside jobtest, a result other tasks took is dropped by default")
}

func TestReplace(t *testing.T) {
	job := newJob()
	tries := 0
	src := jobtest.Replace(t, job, sourceTask, func(context.Context) (int, error) {
		if tries++; tries == 1 {
			return 0, errors.New("flaky")
		}
		return 21, nil
	})
	dbl := jobtest.Replace(t, job, doubleTask, func(_ context.Context, n int) (int, error) { return 2 * n, nil })
	rep := jobtest.Run(t, job, runtime.Options{})

	got, ok := runtime.Result(rep, doubleTask)
	assert.True(t, ok)
	assert.Equal(t, 42, got)
	assert.Equal(t, []jobtest.Call{{Attempt: 1}, {Attempt: 2}}, src.Calls())
	assert.Equal(t, []jobtest.Call{{Attempt: 1, Args: []any{21}}}, dbl.Calls())
}

func TestTryReportsDownstreamStates(t *testing.T) {
	job := newJob()
	job.Tasks[0].Retries = 0
	jobtest.Replace(t, job, sourceTask, func(context.Context) (int, error) { return 0, errors.New("no data") })
	dbl := jobtest.Replace(t, job, doubleTask, func(_ context.Context, n int) (int, error) { return n, nil })
	rep, err := jobtest.Try(t, job, runtime.Options{})
	require.Error(t, err)
	assert.Equal(t, map[string]runtime.State{"source": runtime.Failed, "double": runtime.UpstreamFailed}, jobtest.States(rep))
	assert.Empty(t, dbl.Calls())
	sum := jobtest.Summary(rep)
	assert.Contains(t, sum, "source: failed after 1 attempt(s): no data")
	assert.Contains(t, sum, "double: upstream_failed after 0 attempt(s)")
}

// fakeT records a fatal failure instead of ending the test.
type fakeT struct {
	testing.TB
	msg string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

func fatal(t *testing.T, fn func(tb testing.TB)) string {
	t.Helper()
	ft := &fakeT{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != ft {
				panic(r)
			}
		}()
		fn(ft)
	}()
	return ft.msg
}

func TestReplaceOtherJob(t *testing.T) {
	other := newJob()
	other.Name = "k"
	msg := fatal(t, func(tb testing.TB) {
		jobtest.Replace(tb, other, sourceTask, func(context.Context) (int, error) { return 0, nil })
	})
	assert.Equal(t, `jobtest.Replace: task "source" of job "j" is not in job "k"`, msg)
}

func TestRunFailsWithEveryTask(t *testing.T) {
	job := newJob()
	job.Tasks[0].Retries = 0
	jobtest.Replace(t, job, sourceTask, func(context.Context) (int, error) { return 0, errors.New("no data") })
	msg := fatal(t, func(tb testing.TB) { jobtest.Run(tb, job, runtime.Options{}) })
	assert.True(t, strings.HasPrefix(msg, `job "j" failed: task "source": no data`), msg)
	assert.Contains(t, msg, "\n  source: failed after 1 attempt(s): no data\n  double: upstream_failed after 0 attempt(s)\n")
}
