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

// preset ends the tasks that do not run in this run, restored or left out,
// before the schedulers start, and points r.job at a copy of the job whose
// levels list only the tasks that run.
func (r *runner) preset(skip []bool, restored map[int]any) {
	r.skip = skip
	for i, s := range skip {
		if !s {
			continue
		}
		if res, ok := restored[i]; ok {
			r.finish(r.reps, i, Restored, 0, 0, nil, res)
		} else {
			r.finish(r.reps, i, NotSelected, 0, 0, nil, nil)
		}
	}
	job := *r.job
	job.Levels = nil
	for _, tasks := range r.job.Levels {
		kept := slices.DeleteFunc(slices.Clone(tasks), func(i int) bool { return skip[i] })
		if len(kept) > 0 {
			job.Levels = append(job.Levels, kept)
		}
	}
	r.job = &job
}
