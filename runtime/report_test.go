package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// value returns a task that succeeds with v.
func value(v any) runtime.TaskFunc {
	return func(context.Context, []any) (any, error) { return v, nil }
}

// TestReportKeepsFinishedResults checks that the report of a failed,
// cancelled or badly torn down run still holds the result, state, attempts,
// start and duration of every task that finished.
func TestReportKeepsFinishedResults(t *testing.T) {
	errA := errors.New("a failed")
	tests := []struct {
		name     string
		tasks    func(cancel context.CancelFunc) []runtime.Task
		opts     runtime.Options
		handler  runtime.Handler
		want     []runtime.State
		results  map[int]any // index -> result of a task that succeeded
		wantErrs []error
	}{
		{
			name: "fail fast after earlier levels succeeded",
			tasks: func(context.CancelFunc) []runtime.Task {
				return []runtime.Task{
					{Name: "x", Run: value(1)},
					{Name: "y", Deps: []int{0}, Args: []int{0}, Run: value("two")},
					{Name: "a", Deps: []int{1}, Run: fail(errA)},
					{Name: "z", Deps: []int{2}, Run: succeed},
				}
			},
			opts:     runtime.Options{Workers: 1, KeepResults: true},
			want:     []runtime.State{runtime.Succeeded, runtime.Succeeded, runtime.Failed, runtime.UpstreamFailed},
			results:  map[int]any{0: 1, 1: "two"},
			wantErrs: []error{errA},
		},
		{
			name: "keep going",
			tasks: func(context.CancelFunc) []runtime.Task {
				return []runtime.Task{
					{Name: "a", Run: fail(errA)},
					{Name: "x", Run: value(1)},
					{Name: "y", Deps: []int{1}, Run: value(2.5)},
					{Name: "z", Deps: []int{0, 2}, Run: succeed},
				}
			},
			opts:     runtime.Options{Workers: 1, KeepGoing: true, KeepResults: true},
			want:     []runtime.State{runtime.Failed, runtime.Succeeded, runtime.Succeeded, runtime.UpstreamFailed},
			results:  map[int]any{1: 1, 2: 2.5},
			wantErrs: []error{errA},
		},
		{
			name: "cancelled run",
			tasks: func(cancel context.CancelFunc) []runtime.Task {
				return []runtime.Task{
					{Name: "x", Run: value([]string{"kept"})},
					{Name: "w", Deps: []int{0}, Run: func(ctx context.Context, args []any) (any, error) { cancel(); return waitCtx(ctx, args) }},
					{Name: "z", Deps: []int{1}, Run: succeed},
				}
			},
			want:     []runtime.State{runtime.Succeeded, runtime.Cancelled, runtime.NotStarted},
			results:  map[int]any{0: []string{"kept"}},
			wantErrs: []error{context.Canceled},
		},
		{
			name: "teardown fails",
			tasks: func(context.CancelFunc) []runtime.Task {
				return []runtime.Task{{Name: "x", Run: value(7)}, {Name: "y", Deps: []int{0}, Run: value(8)}}
			},
			handler:  &testHandler{teardownErr: errA},
			want:     []runtime.State{runtime.Succeeded, runtime.Succeeded},
			results:  map[int]any{0: 7, 1: 8},
			wantErrs: []error{runtime.ErrTeardown, errA},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			job := newJob(tt.tasks(cancel)...)
			job.Handler = tt.handler
			rep, err := job.Run(ctx, tt.opts)
			require.NotNil(t, rep)
			for _, target := range tt.wantErrs {
				assert.ErrorIs(t, err, target)
			}
			assert.Equal(t, tt.want, states(rep))
			for i, tr := range rep.Tasks {
				assert.Equal(t, job.Tasks[i].Name, tr.Name)
				assert.Equal(t, i, tr.Index)
				want, succeeded := tt.results[i]
				if !succeeded {
					assert.Nil(t, tr.Result, "%s: a task that did not succeed has no result", tr.Name)
					continue
				}
				assert.Equal(t, runtime.Succeeded, tr.State, tr.Name)
				assert.Equal(t, want, tr.Result, tr.Name)
				assert.Equal(t, 1, tr.Attempts, tr.Name)
				assert.NoError(t, tr.Err, tr.Name)
				assert.False(t, tr.Start.Before(rep.Start), "%s: start", tr.Name)
				assert.GreaterOrEqual(t, tr.Duration, time.Duration(0), tr.Name)
			}
		})
	}
}

// TestFailureMarksAllDownstream checks that one failure marks every task
// downstream of it upstream_failed, however deep, and nothing else.
func TestFailureMarksAllDownstream(t *testing.T) {
	errA := errors.New("a failed")
	for _, keepGoing := range []bool{false, true} {
		t.Run(fmt.Sprint("keep going=", keepGoing), func(t *testing.T) {
			// A chain of 30 tasks below the failing root, a diamond joining
			// the chain with a healthy branch, and the healthy branch.
			tasks := []runtime.Task{{Name: "root", Run: fail(errA)}, {Name: "healthy", Run: succeed}}
			for i := range 30 {
				deps := []int{len(tasks) - 1}
				if i == 0 {
					deps = []int{0}
				}
				tasks = append(tasks, runtime.Task{Name: fmt.Sprint("chain", i), Deps: deps, Run: succeed})
			}
			last := len(tasks) - 1
			tasks = append(tasks, runtime.Task{Name: "join", Deps: []int{1, last}, Run: succeed})
			tasks = append(tasks, runtime.Task{Name: "after_healthy", Deps: []int{1}, Run: succeed})
			job := newJob(tasks...)
			// healthy runs first, so that fail-fast stops nothing it needs.
			job.Levels[0] = []int{1, 0}
			rep, err := job.Run(context.Background(), runtime.Options{Workers: 1, KeepGoing: keepGoing})
			assert.ErrorIs(t, err, errA)
			assert.Equal(t, runtime.Failed, rep.Tasks[0].State)
			assert.Equal(t, runtime.Succeeded, rep.Tasks[1].State)
			for i := 2; i <= last+1; i++ {
				assert.Equal(t, runtime.UpstreamFailed, rep.Tasks[i].State, rep.Tasks[i].Name)
				assert.Zero(t, rep.Tasks[i].Attempts, rep.Tasks[i].Name)
			}
			want := runtime.NotStarted // fail-fast: the run stopped first
			if keepGoing {
				want = runtime.Succeeded
			}
			assert.Equal(t, want, rep.Tasks[last+2].State, "after_healthy")
		})
	}
}
