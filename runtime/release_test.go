package runtime_test

import (
	"context"
	"errors"
	goruntime "runtime"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// big is a large result.
type big struct{ data [1 << 16]byte }

// A result that tasks take is dropped once they have all ended: while the
// task after them runs, nothing holds it any more (the collector frees
// it), and the report does not have it. KeepResults keeps every result.
func TestRunReleasesTakenResults(t *testing.T) {
	for _, sched := range schedules {
		for _, keep := range []bool{false, true} {
			var held weak.Pointer[big]
			collected := false
			job := newJob(
				runtime.Task{Name: "a", Run: func(context.Context, []any) (any, error) {
					b := &big{}
					held = weak.Make(b)
					return b, nil
				}},
				runtime.Task{Name: "b", Deps: []int{0}, Args: []int{0}, Run: func(_ context.Context, args []any) (any, error) {
					return len(args[0].(*big).data), nil
				}},
				runtime.Task{Name: "c", Deps: []int{1}, Args: []int{1}, Run: func(_ context.Context, args []any) (any, error) {
					goruntime.GC()
					collected = held.Value() == nil
					return args[0], nil
				}},
			)
			rep, err := job.Run(context.Background(), runtime.Options{Schedule: sched, KeepResults: keep})
			require.NoError(t, err)
			assert.Equal(t, !keep, collected, "%v, KeepResults %v: a's result freed while c ran", sched, keep)
			assert.Equal(t, 1<<16, rep.Tasks[2].Result, "c's result: no task takes it")
			if keep {
				assert.NotNil(t, rep.Tasks[0].Result)
				assert.Equal(t, 1<<16, rep.Tasks[1].Result)
			} else {
				assert.Nil(t, rep.Tasks[0].Result, "%v: taken by b", sched)
				assert.Nil(t, rep.Tasks[1].Result, "%v: taken by c", sched)
			}
		}
	}
}

// A result whose takers did not all end, because the run stopped, is in
// the report: Result finds it. In level mode, b's level never ended; in
// eager mode b ends (upstream_failed) as soon as f failed, so that a's
// result was dropped.
func TestRunKeepsResultsItStillHolds(t *testing.T) {
	for _, sched := range schedules {
		job := newJob(
			runtime.Task{Name: "a", Run: value(7)},
			runtime.Task{Name: "f", Run: fail(errors.New("boom"))},
			runtime.Task{Name: "b", Deps: []int{0, 1}, Args: []int{0}, Run: succeed},
		)
		ref := runtime.TaskRef[func(context.Context) (int, error), int]{Job: "test", Name: "a", Index: 0, Adapt: func0[int]}
		rep, err := job.Run(context.Background(), runtime.Options{Workers: 1, Schedule: sched})
		require.Error(t, err)
		assert.Equal(t, runtime.UpstreamFailed, rep.Tasks[2].State)
		got, ok := runtime.Result(rep, ref)
		if sched == runtime.ScheduleEager {
			assert.False(t, ok, "eager: b ended, so a's result was dropped")
			continue
		}
		assert.True(t, ok, "levels: b's level never ended, so a's result is still held")
		assert.Equal(t, 7, got)
	}
}

// A level that its starting worker runs alone, because its tasks were
// short so far, still gets the other workers when a task waits for
// another of its level: a timer wakes them. The same in eager mode, where
// a task waits for another that is ready.
func TestRunShortLevelStillGetsHelp(t *testing.T) {
	for _, sched := range schedules {
		var tasks []runtime.Task
		for range 50 { // short tasks: the workers learn that tasks are short
			tasks = append(tasks, runtime.Task{Name: "short", Run: succeed})
		}
		n := len(tasks)
		ready := make(chan struct{})
		var once sync.Once
		tasks = append(tasks,
			runtime.Task{Name: "src", Deps: []int{0}, Run: succeed},
			runtime.Task{Name: "waits", Deps: []int{n}, Run: func(ctx context.Context, _ []any) (any, error) {
				select {
				case <-ready:
					return nil, nil
				case <-time.After(10 * time.Second):
					return nil, errors.New("the other task never started")
				}
			}},
			runtime.Task{Name: "wakes", Deps: []int{n}, Run: func(context.Context, []any) (any, error) {
				once.Do(func() { close(ready) })
				return nil, nil
			}},
		)
		rep, err := newJob(tasks...).Run(context.Background(), runtime.Options{Workers: 2, Schedule: sched})
		require.NoError(t, err, "%v", sched)
		assert.Equal(t, runtime.Succeeded, rep.Tasks[n+1].State)
	}
}
