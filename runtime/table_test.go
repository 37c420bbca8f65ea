package runtime_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

type seven struct{}

func (seven) Run(context.Context) (int, error) { return 7, nil }

// counter has a pointer receiver and state: each table gets its own.
type counter struct{ calls int }

func (c *counter) Run(_ context.Context, x int) (int, error) {
	c.calls++
	return x * 10 * c.calls, nil
}

// What generated code declares for these two tasks.
var defs = [...]runtime.TaskDef{
	{Name: "seven", Bind: runtime.BindFunc0[int], Impl: (*seven)(nil)},
	{Name: "times", Deps: []int{0}, Args: []int{0}, Retries: 1, Bind: runtime.BindFunc1[int, int], Impl: (*counter)(nil)},
}

type (
	_ = runtime.CheckFunc0[*seven, int]
	_ = runtime.CheckFunc1[*counter, int, int]
)

func TestNewTasks(t *testing.T) {
	tasks := runtime.NewTasks(defs[:])
	require.Len(t, tasks, 2)
	assert.Equal(t, "times", tasks[1].Name)
	assert.Equal(t, []int{0}, tasks[1].Deps)
	assert.Equal(t, 1, tasks[1].Retries)
	job := &runtime.Job{Name: "table", Tasks: tasks, Levels: runtime.CopyLevels([][]int{{0}, {1}})}
	for want := range []int{70, 140} { // the same counter: its state persists
		rep, err := job.Run(context.Background(), runtime.Options{})
		require.NoError(t, err)
		assert.Equal(t, []int{70, 140}[want], rep.Tasks[1].Result)
	}
	// A new table has new task values, and its slices are its own.
	again := runtime.NewTasks(defs[:])
	again[1].Deps[0] = 5
	assert.Equal(t, 0, defs[1].Deps[0])
	assert.Equal(t, 0, tasks[1].Deps[0])
	res, err := again[1].Run(context.Background(), []any{1})
	require.NoError(t, err)
	assert.Equal(t, 10, res)

	assert.PanicsWithValue(t, `runtime.NewTasks: task "bad": Impl must be a nil pointer to the task type, such as (*T)(nil), and Bind must be set`, func() {
		runtime.NewTasks([]runtime.TaskDef{{Name: "bad", Bind: runtime.BindFunc0[int], Impl: seven{}}})
	})
}

func TestCopyLevels(t *testing.T) {
	levels := [][]int{{0, 1}, {}, {2}}
	c := runtime.CopyLevels(levels)
	assert.Equal(t, [][]int{{0, 1}, {}, {2}}, c)
	c[0][0] = 9
	c[0] = append(c[0], 4)
	assert.Equal(t, [][]int{{0, 1}, {}, {2}}, levels)
	assert.Equal(t, []int{2}, c[2])
}
