package jobmain

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/taskorchestrator/taskorchestrator/internal/text"
	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/state"
)

// findTask returns the index of the task a command line names: its full
// name (jobs.job1.by_region) or the part after the job's package
// (by_region). An unknown name is a usage error with the closest name.
func findTask(job *runtime.Job, flag, name string) (int, error) {
	var cands []string // what a typo of name is likely a typo of
	for i, t := range job.Tasks {
		s := shortName(t.Name)
		if t.Name == name || s == name {
			return i, nil
		}
		if strings.Contains(name, ".") {
			s = t.Name
		}
		cands = append(cands, s)
	}
	return 0, usageError{fmt.Errorf("%s: job %s has no task %s%s; --list lists them", flag, job.Name, text.Quote(name), text.Suggest(name, cands))}
}

// shortName is a task's name after the last dot.
func shortName(name string) string {
	return name[strings.LastIndexByte(name, '.')+1:]
}

// selection is the part of a job a command line asks to run.
type selection struct {
	run []bool // nil: every task
}

// selectTasks resolves --only and --from.
func selectTasks(job *runtime.Job, only []string, from string) (selection, error) {
	var sel selection
	switch {
	case len(only) > 0 && from != "":
		return sel, usageError{fmt.Errorf("--only and --from do not combine: give the tasks to run with one of them")}
	case len(only) > 0:
		sel.run = make([]bool, len(job.Tasks))
		for _, arg := range only {
			for name := range strings.SplitSeq(arg, ",") {
				i, err := findTask(job, "--only", strings.TrimSpace(name))
				if err != nil {
					return sel, err
				}
				sel.run[i] = true
			}
		}
	case from != "":
		i, err := findTask(job, "--from", from)
		if err != nil {
			return sel, err
		}
		sel.run = make([]bool, len(job.Tasks))
		sel.run[i] = true
		for _, level := range job.Levels { // dependents are in higher levels
			for _, k := range level {
				for _, d := range job.Tasks[k].Deps {
					if sel.run[d] {
						sel.run[k] = true
					}
				}
			}
		}
	}
	return sel, nil
}

// indices lists the selected tasks; nil for every task.
func (s selection) indices() []int {
	if s.run == nil {
		return nil
	}
	var idx []int
	for i, r := range s.run {
		if r {
			idx = append(idx, i)
		}
	}
	return idx
}

// selected reports whether task i is to run, unless it is restored.
func (s selection) selected(i int) bool { return s.run == nil || s.run[i] }

// missing lists the dependencies of the selected tasks that run which are
// neither selected nor restored: the run could not give them their
// arguments.
func (s selection) missing(job *runtime.Job, restored map[int]any) []int {
	var out []int
	for i := range job.Tasks {
		if !s.selected(i) {
			continue
		}
		if _, r := restored[i]; r {
			continue
		}
		for _, d := range job.Tasks[i].Deps {
			if _, r := restored[d]; !s.selected(d) && !r && !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return out
}

// listTasks prints the tasks of job: name, level and dependencies.
func listTasks(job *runtime.Job, w io.Writer) error {
	levels := make([]int, len(job.Tasks))
	for k, l := range job.Levels {
		for _, i := range l {
			levels[i] = k
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tLEVEL\tDEPENDS ON")
	for i, t := range job.Tasks {
		var deps []string
		for _, d := range t.Deps {
			deps = append(deps, shortName(job.Tasks[d].Name))
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", shortName(t.Name), levels[i], strings.Join(deps, ", "))
	}
	return tw.Flush()
}

// partialPlan is what a run of a selection with a state folder does.
type partialPlan struct {
	only     []int          // runtime.Options.Only
	restored map[int]any    // runtime.Options.Restored
	notes    []string       // why tasks that could have been restored run
	why      map[int]string // by task: why its stored result cannot be restored
}

// planRun decides, for a run of sel with the state folder st (nil without
// --state) and --resume, which tasks run and which are restored, and
// returns a usage error naming each missing dependency.
func planRun(job *runtime.Job, sel selection, st *state.Store, resume bool) (partialPlan, error) {
	p := partialPlan{only: sel.indices()}
	if st != nil {
		// Restore what the selected tasks take from the others and, with
		// --resume, the selected tasks themselves; the rest are not needed.
		needed := make([]bool, len(job.Tasks))
		for i := range job.Tasks {
			if sel.selected(i) {
				for _, d := range job.Tasks[i].Deps {
					needed[d] = needed[d] || !sel.selected(d)
				}
			}
		}
		want := func(i int) bool { return needed[i] || resume && sel.selected(i) }
		lp, err := st.Load(want)
		if err != nil {
			return p, err
		}
		p.restored, p.why = lp.Restored, lp.Why
	}
	if miss := sel.missing(job, p.restored); len(miss) > 0 {
		var lines []string
		for _, d := range miss {
			reason := "it is not selected, and there is no --state to restore its result from"
			if st != nil {
				reason = "it is not selected, and its result cannot be restored: " + p.why[d]
			}
			lines = append(lines, fmt.Sprintf("  %s: %s", job.Tasks[d].Name, reason))
		}
		return p, usageError{fmt.Errorf("the selected tasks need the results of %d more:\n%s\n(select them too, or run them once with --state DIR)", len(miss), strings.Join(lines, "\n"))}
	}
	if resume {
		for i := range job.Tasks {
			if _, r := p.restored[i]; r || !sel.selected(i) {
				continue
			}
			p.notes = append(p.notes, fmt.Sprintf("  %s: %s", job.Tasks[i].Name, p.why[i]))
		}
	}
	return p, nil
}
