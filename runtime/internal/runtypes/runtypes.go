// Package runtypes reads the Go types of a task's Run method from its task
// value ([runtime.Task.Impl]), for the runners that move results out of
// the process: as JSON to a --state folder (runtime/jobmain) or to other
// machines (runtime/temporaljob).
package runtypes

import (
	"fmt"
	"reflect"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// Of returns the type each argument of t (each entry of t.Args) takes, and
// the type of its result, nil for a Run that returns only an error.
func Of(t *runtime.Task) (args []reflect.Type, result reflect.Type, err error) {
	if t.Impl == nil {
		return nil, nil, fmt.Errorf("task %q: no task value to learn its types from (Task.Impl is nil); generate the job with jobgen", t.Name)
	}
	m := reflect.ValueOf(t.Impl).MethodByName("Run")
	if !m.IsValid() {
		return nil, nil, fmt.Errorf("task %q: %T has no Run method", t.Name, t.Impl)
	}
	ft := m.Type()
	if ft.NumOut() == 2 {
		result = ft.Out(0)
	}
	fixed := ft.NumIn() - 1 // after ctx
	if ft.IsVariadic() {
		fixed--
	}
	args = make([]reflect.Type, len(t.Args))
	for k := range t.Args {
		switch {
		case k < fixed:
			args[k] = ft.In(1 + k)
		case ft.IsVariadic():
			args[k] = ft.In(ft.NumIn() - 1).Elem()
		default:
			return nil, nil, fmt.Errorf("task %q: %d arguments, but %T.Run takes %d", t.Name, len(t.Args), t.Impl, fixed)
		}
	}
	return args, result, nil
}
