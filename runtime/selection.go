package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// params checks the run's inputs against the job's params type and returns
// the value the tasks receive.
func (j *Job) params(p any) (any, error) {
	switch {
	case j.Params == nil && p != nil:
		return nil, fmt.Errorf("runtime: job %q takes no params, but Options.Params is a %T", j.Name, p)
	case p == nil:
		return j.Params, nil
	case reflect.TypeOf(p) != reflect.TypeOf(j.Params):
		return nil, fmt.Errorf("runtime: job %q takes params of type %T, but Options.Params is a %T", j.Name, j.Params, p)
	}
	return p, nil
}

// selection returns, for a run that leaves tasks out (opts.Only or
// opts.Restored set), which tasks do not run; nil for a run of every
// task. It checks that every task that runs has each dependency either
// running or restored.
func (j *Job) selection(opts Options) ([]bool, error) {
	if opts.Only == nil && len(opts.Restored) == 0 {
		return nil, nil
	}
	n := len(j.Tasks)
	skip := make([]bool, n)
	var errs []error
	if opts.Only != nil {
		for i := range skip {
			skip[i] = true
		}
		for _, i := range opts.Only {
			if i < 0 || i >= n {
				errs = append(errs, fmt.Errorf("runtime: Options.Only: task index %d out of range [0, %d)", i, n))
				continue
			}
			skip[i] = false
		}
	}
	for i := range opts.Restored {
		if i < 0 || i >= n {
			errs = append(errs, fmt.Errorf("runtime: Options.Restored: task index %d out of range [0, %d)", i, n))
			continue
		}
		skip[i] = true
	}
	for i := range j.Tasks {
		if skip[i] {
			continue
		}
		for _, d := range j.Tasks[i].Deps {
			if _, ok := opts.Restored[d]; skip[d] && !ok {
				errs = append(errs, fmt.Errorf("runtime: task %q is to run, but its dependency %q neither runs nor is restored", j.Tasks[i].Name, j.Tasks[d].Name))
			}
		}
	}
	return skip, errors.Join(errs...)
}

// preset ends the tasks that do not run in this run, restored or left
// out, before the schedulers start, which skip them (see skipped); the
// results of the restored ones are in the run's stores already. A result
// that only tasks that do not run take counts as taken by none: the
// report keeps it.
func (r *runner) preset(skip []bool, restored map[int]any) {
	r.skip = skip
	r.takers = slices.Clone(r.p.takers)
	for i, s := range skip {
		if s {
			for _, a := range r.job.Tasks[i].Args {
				if a != ParamsArg {
					r.takers[a]--
				}
			}
		}
	}
	for i, s := range skip {
		if !s {
			continue
		}
		if _, ok := restored[i]; ok {
			r.finish(r.reps, i, Restored, 0, 0, nil)
		} else {
			r.finish(r.reps, i, NotSelected, 0, 0, nil)
		}
	}
}

// skipped reports whether task i does not run in this run: it was final
// before the schedulers started.
func (r *runner) skipped(i int) bool { return r.skip != nil && r.skip[i] }
