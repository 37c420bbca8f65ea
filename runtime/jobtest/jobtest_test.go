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

// A job as gen/<job> would declare it, by hand: two tasks, the second
// doubling the first's result, with their refs.
type (
	source struct{}
	double struct{}
)

func (source) Run(context.Context) (int, error)          { return 1, nil }
func (double) Run(_ context.Context, n int) (int, error) { return 2 * n, nil }

var (
	sourceTask = runtime.TaskRef[func(context.Context) (int, error), int]{Job: "j", Name: "source", Index: 0, Adapt: runtime.Func0[int]}
	doubleTask = runtime.TaskRef[func(context.Context, int) (int, error), int]{Job: "j", Name: "double", Index: 1, Adapt: runtime.Func1[int, int]}
)

func newJob() *runtime.Job {
	return &runtime.Job{
		Name: "j",
		Tasks: []runtime.Task{
			{Name: "source", Run: runtime.Func0(source{}.Run), Retries: 2},
			{Name: "double", Deps: []int{0}, Args: []int{0}, Run: runtime.Func1(double{}.Run)},
		},
		Levels: [][]int{{0}, {1}},
	}
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
