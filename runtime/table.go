package runtime

import (
	"fmt"
	"reflect"
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
