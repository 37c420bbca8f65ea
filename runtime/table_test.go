package runtime_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

type seven struct{}

func (seven) Run(context.Context) (int, error) { return 7, nil }

// counter has a pointer receiver and state: each Job gets its own.
type counter struct{ calls int }

func (c *counter) Run(_ context.Context, x int) (int, error) {
	c.calls++
	return x * 10 * c.calls, nil
}

// sum takes a variadic parameter.
type sum struct{}

func (sum) Run(_ context.Context, xs ...int) (int, error) {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s, nil
}

// What generated code declares for these tasks: an interface and a Sig
// per Run signature, an array of task values per signature, the rows and
// the levels.
type (
	run0 interface {
		Run(context.Context) (int, error)
	}
	run1 interface {
		Run(context.Context, int) (int, error)
	}
	runV interface {
		Run(context.Context, ...int) (int, error)
	}
)

var (
	sig0 = runtime.Sig[run0, int]{Call: func(c *runtime.Call) error {
		r, err := (*c.Task().(*run0)).Run(c.Context())
		return runtime.Return(c, r, err)
	}}
	sig1 = runtime.Sig[run1, int]{Call: func(c *runtime.Call) error {
		r, err := (*c.Task().(*run1)).Run(c.Context(), runtime.Arg[int](c, 0))
		return runtime.Return(c, r, err)
	}}
	sigV = runtime.Sig[runV, int]{Call: func(c *runtime.Call) error {
		r, err := (*c.Task().(*runV)).Run(c.Context(), runtime.Args[int](c, 0)...)
		return runtime.Return(c, r, err)
	}}
)

var (
	run0Tasks = [...]run0{&seven{}}
	run1Tasks = [...]run1{&counter{}}
	runVTasks = [...]runV{&sum{}}
)

var table = runtime.Table{
	Name: "table",
	Tasks: []runtime.TaskDef{
		{Name: "seven", Sig: &sig0, Value: &run0Tasks[0]},
		{Name: "times", Deps: []int{0}, Args: []int{0}, Retries: 1, Sig: &sig1, Value: &run1Tasks[0]},
		{Name: "sum", Deps: []int{0, 1}, Args: []int{0, 1, 0}, Sig: &sigV, Value: &runVTasks[0]},
	},
	Levels: [][]int{{0}, {1}, {2}},
}

func TestTableJob(t *testing.T) {
	job := table.Job()
	require.Len(t, job.Tasks, 3)
	assert.Equal(t, "times", job.Tasks[1].Name)
	assert.Equal(t, []int{0}, job.Tasks[1].Deps)
	assert.Equal(t, 1, job.Tasks[1].Retries)
	assert.IsType(t, &counter{}, job.Tasks[1].Impl)
	assert.Nil(t, job.Tasks[1].Run, "a generated task runs its Run method")
	for _, sched := range schedules {
		job := table.Job()
		for _, want := range []int{70, 140} { // the same counter: its state persists
			rep, err := job.Run(context.Background(), runtime.Options{Schedule: sched, KeepResults: true})
			require.NoError(t, err)
			assert.Equal(t, want, rep.Tasks[1].Result)
			assert.Equal(t, 7+want+7, rep.Tasks[2].Result)
		}
	}
	// A new Job has new values of task types that have state, and slices
	// of its own.
	again := table.Job()
	assert.NotSame(t, job.Tasks[1].Impl, again.Tasks[1].Impl)
	assert.Same(t, job.Tasks[0].Impl, again.Tasks[0].Impl, "a zero-size value has nothing to share")
	again.Tasks[1].Deps[0] = 5
	again.Levels[2][0] = 9
	assert.Equal(t, 0, table.Tasks[1].Deps[0])
	assert.Equal(t, 0, job.Tasks[1].Deps[0])
	assert.Equal(t, [][]int{{0}, {1}, {2}}, table.Levels)
	assert.Equal(t, [][]int{{0}, {1}, {2}}, table.Job().Levels)
	assert.Equal(t, 0, table.Job().Tasks[1].Deps[0])

	// A generated task can be replaced by a TaskFunc, and its result still
	// reaches the tasks that take it.
	job = table.Job()
	job.Tasks[0].Run = func(context.Context, []any) (any, error) { return 1, nil }
	rep, err := job.Run(context.Background(), runtime.Options{})
	require.NoError(t, err)
	assert.Nil(t, rep.Tasks[1].Result, "taken by a task that ran: not kept")
	assert.Equal(t, 1+10+1, rep.Tasks[2].Result)
}

func TestTableBadRows(t *testing.T) {
	bad := runtime.Table{Name: "bad", Tasks: []runtime.TaskDef{{Name: "nosig"}}, Levels: [][]int{{0}}}
	assert.PanicsWithValue(t, `runtime.Table.Job: task "nosig": Sig and Value must be set`, func() { bad.Job() })
	wrong := runtime.Table{Name: "wrong", Tasks: []runtime.TaskDef{{Name: "w", Sig: &sig0, Value: &run1Tasks[0]}}, Levels: [][]int{{0}}}
	assert.PanicsWithValue(t, `runtime.Table.Job: task "w": Value *runtime_test.run1 does not fit its Sig`, func() { wrong.Job() })
	// An invalid table gives Jobs that do not run, with the reason.
	cycle := runtime.Table{Name: "cycle", Tasks: []runtime.TaskDef{{Name: "a", Deps: []int{0}, Sig: &sig0, Value: &run0Tasks[0]}}, Levels: [][]int{{0}}}
	_, err := cycle.Job().Run(context.Background(), runtime.Options{})
	assert.ErrorContains(t, err, `task "a": depends on "a" in level 0, not below its own level 0`)
}

// double is stateless, unlike counter.
type double struct{}

func (double) Run(_ context.Context, x int) (int, error) { return 2 * x, nil }

var (
	statelessTasks = [...]run1{&double{}}
	stateless      = runtime.Table{
		Name: "stateless",
		Tasks: []runtime.TaskDef{
			{Name: "seven", Sig: &sig0, Value: &run0Tasks[0]},
			{Name: "double", Deps: []int{0}, Args: []int{0}, Sig: &sig1, Value: &statelessTasks[0]},
			{Name: "sum", Deps: []int{0, 1}, Args: []int{0, 1, 0}, Sig: &sigV, Value: &runVTasks[0]},
		},
		Levels: [][]int{{0}, {1}, {2}},
	}
)

// A Job keeps what Run derived from its table, and checks on every run
// that the table is still the same: a run after a change of Deps, Args or
// Levels, in place or not, follows the new table, or fails if it is
// invalid.
func TestRunAfterTableChanges(t *testing.T) {
	handBuilt := func() *runtime.Job {
		return newJob(
			runtime.Task{Name: "a", Run: value(1)},
			runtime.Task{Name: "b", Run: value(2)},
			runtime.Task{Name: "c", Deps: []int{0}, Args: []int{0}, Run: func(_ context.Context, args []any) (any, error) { return args[0], nil }},
		)
	}
	tests := []struct {
		name    string
		job     func() *runtime.Job
		change  func(j *runtime.Job)
		want    any    // the result of the last task
		wantErr string // or the validation error
	}{
		{"unchanged", handBuilt, func(*runtime.Job) {}, 1, ""},
		{"argument changed in place", handBuilt, func(j *runtime.Job) { j.Tasks[2].Deps[0], j.Tasks[2].Args[0] = 1, 1 }, 2, ""},
		{"dependency made invalid in place", handBuilt, func(j *runtime.Job) { j.Tasks[2].Deps[0] = 2 }, nil, `task "c": depends on "c" in level 1`},
		{"new Args slice", handBuilt, func(j *runtime.Job) { j.Tasks[2].Args = []int{0, 1} }, nil, `task "c": argument 1`},
		{"level changed in place", handBuilt, func(j *runtime.Job) { j.Levels[1][0] = 0 }, nil, `task "a": in more than one level`},
		{"task appended", handBuilt, func(j *runtime.Job) { j.Tasks = append(j.Tasks, runtime.Task{Name: "d", Run: succeed}) }, nil, `task "d": not in any level`},
		{"Run removed", handBuilt, func(j *runtime.Job) { j.Tasks[0].Run = nil }, nil, `task "a": Run is nil`},
		{"negative retries", handBuilt, func(j *runtime.Job) { j.Tasks[0].Retries = -1 }, nil, `task "a": negative retries -1`},
		{"generated, unchanged", stateless.Job, func(*runtime.Job) {}, 7 + 14 + 7, ""},
		{"generated, argument changed in place", stateless.Job, func(j *runtime.Job) { j.Tasks[2].Args[2] = 1 }, 7 + 14 + 14, ""},
		{"generated, dependency made invalid in place", stateless.Job, func(j *runtime.Job) { j.Tasks[1].Deps[0] = 2 }, nil, `task "double": depends on "sum" in level 2`},
		{"generated, levels replaced", stateless.Job, func(j *runtime.Job) { j.Levels = [][]int{{0}, {1, 2}} }, nil, `task "sum": depends on "double" in level 1`},
		{"generated, task replaced by a hand-built one", stateless.Job, func(j *runtime.Job) {
			j.Tasks[2] = runtime.Task{Name: "sum", Deps: []int{0, 1}, Args: []int{1}, Run: func(_ context.Context, args []any) (any, error) { return args[0], nil }}
		}, 14, ""},
	}
	for _, tt := range tests {
		for _, sched := range schedules {
			t.Run(tt.name+"/"+sched.String(), func(t *testing.T) {
				job := tt.job()
				_, err := job.Run(context.Background(), runtime.Options{Schedule: sched})
				require.NoError(t, err)
				tt.change(job)
				rep, err := job.Run(context.Background(), runtime.Options{Schedule: sched})
				if tt.wantErr != "" {
					assert.ErrorContains(t, err, tt.wantErr)
					assert.Nil(t, rep)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tt.want, rep.Tasks[len(rep.Tasks)-1].Result)
			})
		}
	}
}

type scaled struct{}

func (scaled) Run(_ context.Context, p tableParams, x int) (int, error) { return p.Factor * x, nil }

type tableParams struct{ Factor int }

type runP interface {
	Run(context.Context, tableParams, int) (int, error)
}

var (
	sigP = runtime.Sig[runP, int]{Call: func(c *runtime.Call) error {
		r, err := (*c.Task().(*runP)).Run(c.Context(), runtime.Arg[tableParams](c, 0), runtime.Arg[int](c, 1))
		return runtime.Return(c, r, err)
	}}
	runPTasks  = [...]runP{&scaled{}}
	withParams = runtime.Table{
		Name:   "params",
		Params: tableParams{},
		Tasks: []runtime.TaskDef{
			{Name: "seven", Sig: &sig0, Value: &run0Tasks[0]},
			{Name: "scaled", Deps: []int{0}, Args: []int{runtime.ParamsArg, 0}, Sig: &sigP, Value: &runPTasks[0]},
		},
		Levels: [][]int{{0}, {1}},
	}
)

// The typed adapters take the run's inputs and restored results as they
// take the results of the tasks that ran.
func TestTableParamsAndRestored(t *testing.T) {
	for _, sched := range schedules {
		rep, err := withParams.Job().Run(context.Background(), runtime.Options{Schedule: sched, Params: tableParams{Factor: 3}})
		require.NoError(t, err)
		assert.Equal(t, 21, rep.Tasks[1].Result)

		rep, err = withParams.Job().Run(context.Background(), runtime.Options{Schedule: sched, Params: tableParams{Factor: 2}, Restored: map[int]any{0: 5}})
		require.NoError(t, err)
		assert.Equal(t, runtime.Restored, rep.Tasks[0].State)
		assert.Equal(t, 5, rep.Tasks[0].Result, "the report keeps restored results")
		assert.Equal(t, 10, rep.Tasks[1].Result)

		rep, err = withParams.Job().Run(context.Background(), runtime.Options{Schedule: sched, Restored: map[int]any{0: "five"}})
		assert.Nil(t, rep)
		assert.EqualError(t, err, `runtime: Options.Restored: task "seven": result of type string, want int`)
	}
}

// keeper keeps the variadic arguments it receives, in kept. (Zero-size,
// as a task type with state gets a new zero value in each Job.)
type keeper struct{}

var (
	keptMu sync.Mutex
	kept   [][]int
)

func (keeper) Run(_ context.Context, xs ...int) (int, error) {
	keptMu.Lock()
	kept = append(kept, xs)
	keptMu.Unlock()
	return len(xs), nil
}

// A Run may keep its variadic parameter: no later call changes it.
func TestTableVariadicArgsAreTheTasks(t *testing.T) {
	values := make([]runV, 20)
	defs := []runtime.TaskDef{{Name: "one", Sig: &sig0, Value: &run0Tasks[0]}, {Name: "two", Sig: &sig0, Value: &run0Tasks[0]}}
	level := []int{}
	for i := range values {
		values[i] = &keeper{}
		defs = append(defs, runtime.TaskDef{Name: fmt.Sprint("k", i), Deps: []int{0, 1}, Args: []int{0, 1, 0}, Sig: &sigV, Value: &values[i]})
		level = append(level, 2+i)
	}
	table := &runtime.Table{Name: "keep", Tasks: defs, Levels: [][]int{{0, 1}, level}}
	for _, sched := range schedules {
		keptMu.Lock()
		kept = nil
		keptMu.Unlock()
		_, err := table.Job().Run(context.Background(), runtime.Options{Schedule: sched, Workers: 2})
		require.NoError(t, err)
		require.Len(t, kept, len(values))
		for _, xs := range kept {
			assert.Equal(t, []int{7, 7, 7}, xs)
			assert.Equal(t, len(xs), cap(xs), "appending to it cannot reach another's")
		}
	}
}
