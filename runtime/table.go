package runtime

import (
	"fmt"
	"reflect"
	"slices"
	"time"
)

// TaskDef is one row of a task table as generated code declares it: a
// [Task] whose Run is not a function yet but a task type and the way to
// bind its Run method. A table of TaskDefs is plain data, which the Go
// compiler builds at a small, linear cost per task, where a table of calls
// (one adapter call per task) or a function per task grows much faster
// than the number of tasks. [NewTasks] turns it into the tasks of a [Job].
type TaskDef struct {
	// Name, Deps, Args, Timeout and Retries are as in [Task].
	Name    string
	Deps    []int
	Args    []int
	Timeout time.Duration
	Retries int
	// Bind returns the TaskFunc of a value of the task type, e.g.
	// BindFunc1[[]Sale, RegionTotals].
	Bind func(task any) TaskFunc
	// Impl is a nil pointer to the task type, e.g. (*ByRegion)(nil):
	// NewTasks binds the Run method of a new zero value of that type.
	Impl any
}

// NewTasks returns the tasks of the table defs: each task's Run is
// def.Bind of a new zero value of the type def.Impl points to, as
// new(T).Run would be, and its Deps and Args are copies, so that the
// caller owns the result. It panics if a def's Impl is not a pointer type
// or Bind does not fit it: a bug in the code that wrote the table.
func NewTasks(defs []TaskDef) []Task {
	n := 0
	for i := range defs {
		n += len(defs[i].Deps) + len(defs[i].Args)
	}
	ints := make([]int, 0, n)
	tasks := make([]Task, len(defs))
	for i := range defs {
		d, t := &defs[i], &tasks[i]
		t.Name, t.Timeout, t.Retries = d.Name, d.Timeout, d.Retries
		if len(d.Deps) > 0 {
			ints = append(ints, d.Deps...)
			t.Deps = ints[len(ints)-len(d.Deps) : len(ints) : len(ints)]
		}
		if len(d.Args) > 0 {
			ints = append(ints, d.Args...)
			t.Args = ints[len(ints)-len(d.Args) : len(ints) : len(ints)]
		}
		typ := reflect.TypeOf(d.Impl)
		if typ == nil || typ.Kind() != reflect.Pointer || d.Bind == nil {
			panic(fmt.Sprintf("runtime.NewTasks: task %q: Impl must be a nil pointer to the task type, such as (*T)(nil), and Bind must be set", d.Name))
		}
		t.Impl = reflect.New(typ.Elem()).Interface()
		t.Run = d.Bind(t.Impl)
	}
	return tasks
}

// CopyLevels returns a deep copy of levels, for a [Job] its caller may
// change.
func CopyLevels(levels [][]int) [][]int {
	n := 0
	for _, l := range levels {
		n += len(l)
	}
	ints := make([]int, 0, n)
	out := make([][]int, len(levels))
	for k, l := range levels {
		ints = append(ints, l...)
		out[k] = ints[len(ints)-len(l) : len(ints) : len(ints)]
	}
	return out
}

// Levels computes the levels of a task table from its Deps, as the
// generator does: a task without dependencies is in level 0, any other one
// level above its deepest dependency, and each level lists its tasks in
// table order. [Job.Run] calls it when a Job built by hand leaves Levels
// nil. It fails, naming a task, on a dependency index out of range or a
// dependency cycle. It takes time linear in the tasks and dependencies.
func Levels(tasks []Task) ([][]int, error) {
	n := len(tasks)
	// Kahn's algorithm over the dependents of each task, kept in one
	// slice: users[start[d]:start[d+1]] are the tasks that depend on d.
	start := make([]int, n+1)
	missing := make([]int, n) // dependencies not yet placed in a level
	for i := range tasks {
		for _, d := range tasks[i].Deps {
			if d < 0 || d >= n {
				return nil, fmt.Errorf("task %q: dependency index %d out of range [0, %d)", tasks[i].Name, d, n)
			}
			start[d+1]++
			missing[i]++
		}
	}
	for d := range n {
		start[d+1] += start[d]
	}
	users := make([]int, start[n])
	next := slices.Clone(start[:n])
	for i := range tasks {
		for _, d := range tasks[i].Deps {
			users[next[d]] = i
			next[d]++
		}
	}
	var levels [][]int
	var ready []int
	for i := range n {
		if missing[i] == 0 {
			ready = append(ready, i)
		}
	}
	placed := 0
	for len(ready) > 0 {
		levels = append(levels, ready)
		placed += len(ready)
		var after []int
		for _, d := range ready {
			for _, u := range users[start[d]:start[d+1]] {
				if missing[u]--; missing[u] == 0 {
					after = append(after, u)
				}
			}
		}
		slices.Sort(after)
		ready = after
	}
	if placed == n {
		return levels, nil
	}
	// Every task left has a dependency left: walking them from any one
	// must come back to a task already seen, which is on a cycle.
	at := slices.IndexFunc(missing, func(m int) bool { return m > 0 })
	seen := make(map[int]bool)
	for !seen[at] {
		seen[at] = true
		for _, d := range tasks[at].Deps {
			if missing[d] > 0 {
				at = d
				break
			}
		}
	}
	return nil, fmt.Errorf("task %q: on a dependency cycle", tasks[at].Name)
}
