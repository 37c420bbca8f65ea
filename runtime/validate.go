package runtime

import (
	"errors"
	"fmt"
)

// Validate checks that the task table and the levels are consistent: every
// dependency and argument index is in range, every argument is also a
// dependency, every task is in exactly one level, every dependency is in a
// strictly lower level than its dependent, and every task has a Run
// function. A nil Levels is computed with [Levels], as [Job.Run] does.
// The error joins one line per problem, each naming its task.
func (j *Job) Validate() error {
	j, err := j.withLevels()
	if err != nil {
		return err
	}
	_, err = j.levelOf()
	return err
}

// withLevels returns j, or, when j has tasks but no Levels (a job built by
// hand), a copy of j with the levels computed by [Levels]: j itself is
// never changed, so that runs of one Job may overlap.
func (j *Job) withLevels() (*Job, error) {
	if j.Levels != nil || len(j.Tasks) == 0 {
		return j, nil
	}
	levels, err := Levels(j.Tasks)
	if err != nil {
		return nil, err
	}
	c := *j
	c.Levels = levels
	return &c, nil
}

// levelOf validates the job and returns the level of each task.
func (j *Job) levelOf() ([]int, error) {
	var errs []error
	bad := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("task %q: %s", j.Tasks[i].Name, fmt.Sprintf(format, args...)))
	}
	n := len(j.Tasks)
	level := make([]int, n)
	for i := range level {
		level[i] = -1
	}
	// isDep[d] == i+1 while checking task i means that d is a dependency
	// of i: so checking the arguments costs one step each.
	isDep := make([]int32, n)
	for k, tasks := range j.Levels {
		for _, i := range tasks {
			switch {
			case i < 0 || i >= n:
				errs = append(errs, fmt.Errorf("level %d: task index %d out of range [0, %d)", k, i, n))
			case level[i] >= 0:
				bad(i, "in more than one level (%d and %d)", level[i], k)
			default:
				level[i] = k
			}
		}
	}
	for i := range j.Tasks {
		t := &j.Tasks[i]
		if t.Run == nil {
			bad(i, "Run is nil")
		}
		if t.Retries < 0 {
			bad(i, "negative retries %d", t.Retries)
		}
		if t.Timeout < 0 {
			bad(i, "negative timeout %v", t.Timeout)
		}
		if level[i] < 0 {
			bad(i, "not in any level")
		}
		for _, d := range t.Deps {
			switch {
			case d < 0 || d >= n:
				bad(i, "dependency index %d out of range [0, %d)", d, n)
				continue
			case level[i] >= 0 && level[d] >= level[i]:
				bad(i, "depends on %q in level %d, not below its own level %d", j.Tasks[d].Name, level[d], level[i])
			}
			isDep[d] = int32(i + 1)
		}
		for k, a := range t.Args {
			if a == ParamsArg {
				if j.Params == nil {
					bad(i, "argument %d takes the run's inputs, but the job has no Params type", k)
				}
				continue
			}
			if a < 0 || a >= n || isDep[a] != int32(i+1) {
				bad(i, "argument %d (task index %d) is not a dependency", k, a)
			}
		}
	}
	return level, errors.Join(errs...)
}
