package runtime_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// diamond is a -> b, a -> c, (b, c) -> d over ints: a is 1, b adds 10, c
// adds 100, d sums b and c. It records which tasks ran.
func diamond(ran *sync.Map) *runtime.Job {
	note := func(name string, f func(args []any) int) runtime.TaskFunc {
		return func(_ context.Context, args []any) (any, error) {
			ran.Store(name, true)
			return f(args), nil
		}
	}
	return newJob(
		runtime.Task{Name: "a", Run: note("a", func([]any) int { return 1 })},
		runtime.Task{Name: "b", Deps: []int{0}, Args: []int{0}, Run: note("b", func(a []any) int { return a[0].(int) + 10 })},
		runtime.Task{Name: "c", Deps: []int{0}, Args: []int{0}, Run: note("c", func(a []any) int { return a[0].(int) + 100 })},
		runtime.Task{Name: "d", Deps: []int{1, 2}, Args: []int{1, 2}, Run: note("d", func(a []any) int { return a[0].(int) + a[1].(int) })},
	)
}

func ranNames(ran *sync.Map) []string {
	var names []string
	ran.Range(func(k, _ any) bool { names = append(names, k.(string)); return true })
	slices.Sort(names)
	return names
}

func taskStates(rep *runtime.Report) []string {
	var s []string
	for _, t := range rep.Tasks {
		s = append(s, t.Name+"="+t.State.String())
	}
	return s
}

func TestPartialRuns(t *testing.T) {
	for _, sched := range []runtime.Schedule{runtime.ScheduleLevels, runtime.ScheduleEager} {
		t.Run(sched.String(), func(t *testing.T) {
			t.Run("restored results feed their dependents", func(t *testing.T) {
				var ran sync.Map
				var events []runtime.Event
				var mu sync.Mutex
				obs := runtime.ObserverFunc(func(e runtime.Event) {
					mu.Lock()
					defer mu.Unlock()
					if e.Kind == runtime.TaskEnd {
						events = append(events, e)
					}
				})
				rep, err := diamond(&ran).Run(context.Background(), runtime.Options{
					Schedule: sched, Observer: obs, Workers: 2,
					Restored: map[int]any{0: 5, 1: 15},
				})
				require.NoError(t, err)
				assert.Equal(t, []string{"c", "d"}, ranNames(&ran))
				assert.Equal(t, []string{"a=restored", "b=restored", "c=succeeded", "d=succeeded"}, taskStates(rep))
				assert.Equal(t, 15+105, rep.Tasks[3].Result, "d sums the restored b and the c computed from the restored a")
				assert.Equal(t, 5, rep.Tasks[0].Result)
				assert.Zero(t, rep.Tasks[0].Attempts)
				require.Len(t, events, 4)
				byName := map[string]runtime.Event{}
				for _, e := range events {
					byName[e.Task.Name] = e
				}
				assert.Equal(t, 5, byName["a"].Result, "a restored task's TaskEnd carries its result")
				assert.Equal(t, 120, byName["d"].Result, "a succeeded task's TaskEnd carries its result")
			})
			t.Run("only runs the listed tasks", func(t *testing.T) {
				var ran sync.Map
				rep, err := diamond(&ran).Run(context.Background(), runtime.Options{
					Schedule: sched, Only: []int{2}, Restored: map[int]any{0: 7},
				})
				require.NoError(t, err)
				assert.Equal(t, []string{"c"}, ranNames(&ran))
				assert.Equal(t, []string{"a=restored", "b=not_selected", "c=succeeded", "d=not_selected"}, taskStates(rep))
				assert.Equal(t, 107, rep.Tasks[2].Result)
			})
			t.Run("only without restored dependencies fails before anything runs", func(t *testing.T) {
				var ran sync.Map
				rep, err := diamond(&ran).Run(context.Background(), runtime.Options{Schedule: sched, Only: []int{3, 1}, Restored: map[int]any{2: 100}})
				require.Error(t, err)
				assert.Nil(t, rep)
				assert.Contains(t, err.Error(), `task "b" is to run, but its dependency "a" neither runs nor is restored`)
				assert.Empty(t, ranNames(&ran))
			})
			t.Run("only a source and its downstream", func(t *testing.T) {
				var ran sync.Map
				rep, err := diamond(&ran).Run(context.Background(), runtime.Options{Schedule: sched, Only: []int{0, 1, 2, 3}, Restored: map[int]any{}})
				require.NoError(t, err)
				assert.Equal(t, []string{"a", "b", "c", "d"}, ranNames(&ran))
				assert.Equal(t, 112, rep.Tasks[3].Result)
			})
			t.Run("everything restored runs nothing", func(t *testing.T) {
				var ran sync.Map
				rep, err := diamond(&ran).Run(context.Background(), runtime.Options{Schedule: sched, Restored: map[int]any{0: 1, 1: 2, 2: 3, 3: 4}})
				require.NoError(t, err)
				assert.Empty(t, ranNames(&ran))
				assert.Equal(t, 4, rep.Tasks[3].Result)
			})
			t.Run("a failure downstream of restored tasks", func(t *testing.T) {
				var ran sync.Map
				job := diamond(&ran)
				job.Tasks[2].Run = fail(fmt.Errorf("boom"))
				rep, err := job.Run(context.Background(), runtime.Options{Schedule: sched, Restored: map[int]any{0: 1}})
				require.Error(t, err)
				assert.Equal(t, "a=restored", taskStates(rep)[0])
				assert.Equal(t, "c=failed", taskStates(rep)[2])
				assert.Equal(t, "d=upstream_failed", taskStates(rep)[3])
			})
		})
	}
}

func TestPartialRunBadIndices(t *testing.T) {
	var ran sync.Map
	_, err := diamond(&ran).Run(context.Background(), runtime.Options{Only: []int{9}, Restored: map[int]any{-1: 0}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Options.Only: task index 9 out of range [0, 4)")
	assert.Contains(t, err.Error(), "Options.Restored: task index -1 out of range [0, 4)")
}

type testParams struct{ Region string }

func TestParams(t *testing.T) {
	var got []any
	var mu sync.Mutex
	take := func(_ context.Context, args []any) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, args...)
		return nil, nil
	}
	job := newJob(
		runtime.Task{Name: "src", Run: succeed},
		runtime.Task{Name: "use", Deps: []int{0}, Args: []int{runtime.ParamsArg, 0}, Run: take},
	)
	require.ErrorContains(t, job.Validate(), `task "use": argument 0 takes the run's inputs, but the job has no Params type`)

	job.Params = testParams{}
	require.NoError(t, job.Validate())
	_, err := job.Run(context.Background(), runtime.Options{Params: testParams{Region: "EU"}})
	require.NoError(t, err)
	assert.Equal(t, []any{testParams{Region: "EU"}, nil}, got)

	got = nil
	_, err = job.Run(context.Background(), runtime.Options{})
	require.NoError(t, err)
	assert.Equal(t, []any{testParams{}, nil}, got, "no Params: the zero value")

	_, err = job.Run(context.Background(), runtime.Options{Params: &testParams{}})
	assert.EqualError(t, err, `runtime: job "test" takes params of type runtime_test.testParams, but Options.Params is a *runtime_test.testParams`)

	job.Params = nil
	job.Tasks[1].Args = []int{0}
	_, err = job.Run(context.Background(), runtime.Options{Params: testParams{}})
	assert.EqualError(t, err, `runtime: job "test" takes no params, but Options.Params is a runtime_test.testParams`)
}
