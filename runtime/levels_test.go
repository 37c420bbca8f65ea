package runtime_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

func TestLevels(t *testing.T) {
	tests := []struct {
		name    string
		deps    [][]int // of each task
		want    [][]int
		wantErr string
	}{
		{name: "empty"},
		{name: "one", deps: [][]int{nil}, want: [][]int{{0}}},
		{name: "chain listed backwards", deps: [][]int{{1}, {2}, nil}, want: [][]int{{2}, {1}, {0}}},
		// d is one level above its deepest dependency, c, not above a.
		{name: "longest path", deps: [][]int{nil, {0}, {1}, {0, 2}}, want: [][]int{{0}, {1}, {2}, {3}}},
		{name: "table order within a level", deps: [][]int{{3}, nil, {3}, nil, {0, 1, 2}}, want: [][]int{{1, 3}, {0, 2}, {4}}},
		{name: "a dependency listed twice", deps: [][]int{nil, {0, 0}}, want: [][]int{{0}, {1}}},
		{name: "out of range", deps: [][]int{nil, {2}}, wantErr: `task "t1": dependency index 2 out of range [0, 2)`},
		{name: "negative", deps: [][]int{{-1}}, wantErr: `task "t0": dependency index -1 out of range [0, 1)`},
		{name: "depends on itself", deps: [][]int{nil, {1}}, wantErr: `task "t1": on a dependency cycle`},
		// t0 only follows the cycle of t2 and t3; the error names a task on it.
		{name: "after a cycle", deps: [][]int{{2}, nil, {3}, {2, 1}}, wantErr: `task "t2": on a dependency cycle`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tasks := make([]runtime.Task, len(tt.deps))
			for i, d := range tt.deps {
				tasks[i] = runtime.Task{Name: "t" + string(rune('0'+i)), Deps: d, Run: succeed}
			}
			got, err := runtime.Levels(tasks)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// A Job built by hand may leave Levels nil: Run and Validate compute
// them, and the Job itself is left as it was.
func TestRunComputesMissingLevels(t *testing.T) {
	order := make(chan string, 3)
	record := func(name string) runtime.TaskFunc {
		return func(context.Context, []any) (any, error) { order <- name; return name, nil }
	}
	job := &runtime.Job{Name: "hand", Tasks: []runtime.Task{
		{Name: "last", Deps: []int{1, 2}, Args: []int{1, 2}, Run: func(_ context.Context, args []any) (any, error) {
			order <- "last"
			return args[0].(string) + "+" + args[1].(string), nil
		}},
		{Name: "first", Run: record("first")},
		{Name: "second", Deps: []int{1}, Run: record("second")},
	}}
	require.NoError(t, job.Validate())
	rep, err := job.Run(context.Background(), runtime.Options{Workers: 2})
	require.NoError(t, err)
	assert.Nil(t, job.Levels, "the caller's Job is not changed")
	close(order)
	var got []string
	for name := range order {
		got = append(got, name)
	}
	assert.Equal(t, []string{"first", "second", "last"}, got)
	assert.Equal(t, "first+second", rep.Tasks[0].Result)
	assert.Equal(t, []int{2, 0, 1}, []int{rep.Tasks[0].Level, rep.Tasks[1].Level, rep.Tasks[2].Level})

	cyclic := &runtime.Job{Name: "loop", Tasks: []runtime.Task{{Name: "a", Deps: []int{1}, Run: succeed}, {Name: "b", Deps: []int{0}, Run: succeed}}}
	assert.EqualError(t, cyclic.Validate(), `task "a": on a dependency cycle`)
	rep, err = cyclic.Run(context.Background(), runtime.Options{})
	assert.Nil(t, rep)
	assert.EqualError(t, err, `task "a": on a dependency cycle`)
}
