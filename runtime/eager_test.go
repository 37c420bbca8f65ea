package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// In eager mode a task starts as soon as its own dependencies are done,
// while a task of the level before it still runs: here a waits until c has
// started, which would never happen level by level.
func TestRunEagerNoBarrier(t *testing.T) { synctest.Test(t, testRunEagerNoBarrier) }

func testRunEagerNoBarrier(t *testing.T) {
	cStarted := make(chan struct{})
	job := newJob(
		runtime.Task{Name: "a", Run: func(context.Context, []any) (any, error) {
			select {
			case <-cStarted:
				return nil, nil
			case <-time.After(5 * time.Second):
				return nil, errors.New("c did not start while a ran")
			}
		}},
		runtime.Task{Name: "b", Run: succeed},
		runtime.Task{Name: "c", Deps: []int{1}, Run: func(context.Context, []any) (any, error) { close(cStarted); return nil, nil }},
	)
	_, err := job.Run(context.Background(), runtime.Options{Workers: 2, Schedule: runtime.ScheduleEager})
	require.NoError(t, err)
}

// With one worker, the order tasks run in shows the priority: the ready
// task with the longest remaining path first, then config order.
func TestRunEagerLongestPathFirst(t *testing.T) {
	var mu sync.Mutex
	var order []string
	task := func(name string) runtime.TaskFunc {
		return func(context.Context, []any) (any, error) {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return nil, nil
		}
	}
	job := newJob(
		runtime.Task{Name: "x", Run: task("x")},
		runtime.Task{Name: "y", Run: task("y")},
		runtime.Task{Name: "z", Deps: []int{1}, Run: task("z")},
		runtime.Task{Name: "w", Deps: []int{2}, Run: task("w")},
		runtime.Task{Name: "v", Run: task("v")},
	)
	for _, tt := range []struct {
		sched runtime.Schedule
		want  []string
	}{
		{runtime.ScheduleLevels, []string{"x", "y", "v", "z", "w"}},
		// y heads the chain y -> z -> w (rank 3); once it ran, z (rank 2)
		// beats x and v (rank 1); w (rank 1) came ready after them.
		{runtime.ScheduleEager, []string{"y", "z", "x", "v", "w"}},
	} {
		order = nil
		_, err := job.Run(context.Background(), runtime.Options{Workers: 1, Schedule: tt.sched})
		require.NoError(t, err)
		assert.Equal(t, tt.want, order, tt.sched.String())
	}
}

// randomJob returns a job of n tasks in about n/width levels: each task
// depends on up to three tasks of earlier levels, takes the results of all
// of them as ...int, and returns their sum plus one. The tasks in fail
// fail.
func randomJob(rng *rand.Rand, n, width int, fail map[int]bool) *runtime.Job {
	var tasks []runtime.Task
	for i := range n {
		t := runtime.Task{Name: fmt.Sprint("t", i)}
		if i >= width {
			for range 1 + rng.IntN(3) {
				d := rng.IntN(i - i%width) // a task of an earlier level
				if !contains(t.Deps, d) {
					t.Deps = append(t.Deps, d)
				}
			}
		}
		t.Args = t.Deps
		failing := fail[i]
		t.Run = funcV0(func(_ context.Context, xs ...int) (int, error) {
			if failing {
				return 0, errors.New("planned failure")
			}
			sum := 1
			for _, x := range xs {
				sum += x
			}
			return sum, nil
		})
		tasks = append(tasks, t)
	}
	return newJob(tasks...)
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Under KeepGoing the final state and result of every task depend only on
// which tasks fail, so both schedules must agree exactly; under fail-fast
// they depend on timing, but every state must be consistent with the
// states of the task's dependencies.
func TestRunSchedulesAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		n := 50 + rng.IntN(300)
		fail := map[int]bool{}
		for range rng.IntN(4) {
			fail[rng.IntN(n)] = true
		}
		job := randomJob(rng, n, 1+rng.IntN(20), fail)
		workers := 1 + rng.IntN(8)
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			var reports [2]*runtime.Report
			for k, sched := range schedules {
				rep, err := job.Run(context.Background(), runtime.Options{Workers: workers, KeepGoing: true, Schedule: sched})
				assert.Equal(t, len(fail) > 0, err != nil, "%v", err)
				reports[k] = rep
				checkConsistent(t, job, rep)
			}
			for i := range job.Tasks {
				a, b := reports[0].Tasks[i], reports[1].Tasks[i]
				require.Equal(t, a.State, b.State, "task %d", i)
				require.Equal(t, a.Result, b.Result, "task %d", i)
			}
			for _, sched := range schedules {
				rep, _ := job.Run(context.Background(), runtime.Options{Workers: workers, Schedule: sched})
				checkConsistent(t, job, rep)
			}
		})
	}
}

// checkConsistent checks the state of every task against the states of
// its dependencies.
func checkConsistent(t *testing.T, job *runtime.Job, rep *runtime.Report) {
	t.Helper()
	for i, task := range job.Tasks {
		tr := rep.Tasks[i]
		failedDep, unfinishedDep := false, false
		for _, d := range task.Deps {
			switch rep.Tasks[d].State {
			case runtime.Succeeded:
			case runtime.NotStarted, runtime.Cancelled:
				unfinishedDep = true
			default:
				failedDep = true
			}
		}
		switch tr.State {
		case runtime.Succeeded, runtime.Failed:
			require.False(t, failedDep || unfinishedDep, "task %d ran in state %v without all its dependencies", i, tr.State)
		case runtime.UpstreamFailed:
			require.True(t, failedDep, "task %d upstream_failed without a failed dependency", i)
		case runtime.NotStarted:
			require.False(t, failedDep, "task %d not_started but a dependency failed", i)
		default:
			t.Fatalf("task %d: unexpected state %v", i, tr.State)
		}
	}
}

// When the run gives up on a task that ignores its cancelled context, the
// tasks that ended keep their outcome, in both modes: in level mode, also
// those its worker ran earlier in the same chunk of short tasks, and the
// rest of the chunk is not started.
func TestRunAbandonKeepsEndedTasks(t *testing.T) {
	for _, sched := range schedules {
		t.Run(sched.String(), bubble(func(t *testing.T) {
			const n, stuck, failing = 60, 30, 45
			var ended [n]atomic.Bool
			started, release := make(chan struct{}), make(chan struct{})
			defer close(release)
			var tasks []runtime.Task
			for i := range n {
				run := func(context.Context, []any) (any, error) { ended[i].Store(true); return i, nil }
				switch i {
				case stuck:
					run = func(context.Context, []any) (any, error) { close(started); <-release; return nil, nil }
				case failing:
					run = func(context.Context, []any) (any, error) {
						<-started
						ended[i].Store(true)
						return nil, errors.New("boom")
					}
				}
				tasks = append(tasks, runtime.Task{Name: fmt.Sprint("t", i), Run: run})
			}
			tasks = append(tasks, runtime.Task{Name: "after", Deps: []int{stuck}, Run: succeed})
			rep, err := newJob(tasks...).Run(context.Background(), runtime.Options{Workers: 2, Grace: 20 * time.Millisecond, Schedule: sched})
			require.ErrorIs(t, err, runtime.ErrAbandoned)
			assert.Equal(t, runtime.Cancelled, rep.Tasks[stuck].State)
			assert.Equal(t, runtime.Failed, rep.Tasks[failing].State)
			assert.Equal(t, runtime.NotStarted, rep.Tasks[n].State)
			for i := range n {
				switch {
				case i == stuck || i == failing:
				case ended[i].Load():
					assert.Equal(t, runtime.Succeeded, rep.Tasks[i].State, "task %d ended", i)
					assert.Equal(t, i, rep.Tasks[i].Result, "task %d", i)
				default:
					assert.Equal(t, runtime.NotStarted, rep.Tasks[i].State, "task %d never ran", i)
				}
			}
		}))
	}
}
