package summary

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// Version is the version of the JSON format, in [Report.Version]. It
// changes only when a field changes meaning or goes away; new fields may
// appear in any version.
const Version = 1

// Report is a run's outcome in the form of the --report file.
type Report struct {
	Version int    `json:"version"`
	Job     string `json:"job"`
	// Outcome is "succeeded", or what went wrong: "failed", "setup failed",
	// "teardown failed", "timed out" or "interrupted"; ExitCode is the
	// binary's exit code.
	Outcome  string    `json:"outcome"`
	ExitCode int       `json:"exit_code"`
	Start    time.Time `json:"start"`
	// DurationNS runs from the start of Setup to the end of Teardown.
	DurationNS int64 `json:"duration_ns"`
	Workers    int   `json:"workers"`
	Levels     int   `json:"levels"`
	// Counts is the number of tasks in each state that occurs.
	Counts        map[string]int `json:"counts"`
	Error         *string        `json:"error"`
	SetupError    *string        `json:"setup_error"`
	TeardownError *string        `json:"teardown_error"`
	CriticalPath  Path           `json:"critical_path"`
	// Tasks are sorted by level, then name.
	Tasks []Task `json:"tasks"`
	// Params are the run's inputs, for a job that takes some; the binary's
	// --params flag reads this object back.
	Params any `json:"params,omitempty"`
}

// Task is one task of a [Report].
type Task struct {
	Name     string `json:"name"`
	Index    int    `json:"index"`
	Level    int    `json:"level"`
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
	// StartNS is when the first attempt started, from the start of the
	// run; nil if the task never ran.
	StartNS *int64 `json:"start_ns"`
	// DurationNS covers every attempt, with the pauses between them.
	DurationNS   int64    `json:"duration_ns"`
	Dependencies []string `json:"dependencies"`
	Error        *string  `json:"error"`
}

// Path is a chain of dependencies: each task depends on the one before.
type Path struct {
	// Tasks are the names of the chain's tasks, first task first.
	Tasks []string `json:"tasks"`
	// DurationNS is the sum of their durations.
	DurationNS int64 `json:"duration_ns"`
}

// New builds the report of a run of job. rep must be the report of
// job.Run, whose tasks match job.Tasks; outcome and exitCode are how the
// binary judged the run ("" for success).
func New(job *runtime.Job, rep *runtime.Report, outcome string, exitCode int) Report {
	r := Report{
		Version:       Version,
		Job:           rep.Job,
		Outcome:       cmp.Or(outcome, "succeeded"),
		ExitCode:      exitCode,
		Start:         rep.Start,
		DurationNS:    rep.Duration.Nanoseconds(),
		Workers:       rep.Workers,
		Levels:        len(job.Levels),
		Counts:        map[string]int{},
		Error:         errText(rep.Err),
		SetupError:    errText(rep.SetupErr),
		TeardownError: errText(rep.TeardownErr),
		CriticalPath:  CriticalPath(job, rep.Tasks),
		Tasks:         make([]Task, 0, len(rep.Tasks)),
	}
	for _, t := range byLevel(rep.Tasks) {
		r.Counts[t.State.String()]++
		task := Task{
			Name:         t.Name,
			Index:        t.Index,
			Level:        t.Level,
			State:        t.State.String(),
			Attempts:     t.Attempts,
			DurationNS:   t.Duration.Nanoseconds(),
			Dependencies: []string{},
			Error:        errText(t.Err),
		}
		if t.Attempts > 0 && !t.Start.IsZero() {
			off := t.Start.Sub(rep.Start).Nanoseconds()
			task.StartNS = &off
		}
		if t.Index >= 0 && t.Index < len(job.Tasks) {
			for _, d := range job.Tasks[t.Index].Deps {
				task.Dependencies = append(task.Dependencies, job.Tasks[d].Name)
			}
		}
		r.Tasks = append(r.Tasks, task)
	}
	return r
}

// WriteJSON writes r as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// errText returns err's text, or nil.
func errText(err error) *string {
	if err == nil {
		return nil
	}
	s := err.Error()
	return &s
}

// byLevel returns the tasks sorted by level, then name.
func byLevel(tasks []runtime.TaskReport) []runtime.TaskReport {
	sorted := slices.Clone(tasks)
	slices.SortFunc(sorted, func(a, b runtime.TaskReport) int {
		return cmp.Or(cmp.Compare(a.Level, b.Level), strings.Compare(a.Name, b.Name))
	})
	return sorted
}

// CriticalPath returns the chain of dependencies of job whose durations,
// as measured in tasks (the report of a run of job, in the order of
// job.Tasks), add up to the most: the run could not have been shorter
// than it, whatever the number of workers. Among equal chains it picks the
// one that ends first by level, then name, and steps back through the
// first dependency by name. Tasks that did not run count as zero, and a
// chain never starts with one. It is empty if no task took any time.
func CriticalPath(job *runtime.Job, tasks []runtime.TaskReport) Path {
	n := len(job.Tasks)
	if len(tasks) != n {
		return Path{Tasks: []string{}}
	}
	total := make([]time.Duration, n) // the longest chain ending at each task
	prev := make([]int, n)
	order := make([]int, 0, n) // tasks by level, then name
	for _, level := range job.Levels {
		sorted := slices.Clone(level)
		slices.SortFunc(sorted, func(a, b int) int { return strings.Compare(job.Tasks[a].Name, job.Tasks[b].Name) })
		order = append(order, sorted...)
	}
	for _, i := range order {
		prev[i] = -1
		deps := slices.Clone(job.Tasks[i].Deps)
		slices.SortFunc(deps, func(a, b int) int { return strings.Compare(job.Tasks[a].Name, job.Tasks[b].Name) })
		for _, d := range deps {
			if total[d] > 0 && (prev[i] < 0 || total[d] > total[prev[i]]) {
				prev[i] = d
			}
		}
		total[i] = tasks[i].Duration
		if prev[i] >= 0 {
			total[i] += total[prev[i]]
		}
	}
	end := -1
	for _, i := range order {
		if total[i] > 0 && (end < 0 || total[i] > total[end]) {
			end = i
		}
	}
	p := Path{Tasks: []string{}}
	if end < 0 {
		return p
	}
	p.DurationNS = total[end].Nanoseconds()
	for i := end; i >= 0; i = prev[i] {
		p.Tasks = append(p.Tasks, job.Tasks[i].Name)
	}
	slices.Reverse(p.Tasks)
	return p
}

// WriteTable writes the report for people: a header, one line per task
// (level, name, state, attempts, start from the run's start, duration and
// the first line of the error), the critical path, and a closing line with
// the counts and the run's duration.
func WriteTable(w io.Writer, r Report) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LEVEL\tTASK\tSTATE\tATTEMPTS\tSTART\tDURATION\tERROR")
	byName := map[string]Task{}
	for _, t := range r.Tasks {
		byName[t.Name] = t
		start, dur := "-", "-"
		if t.StartNS != nil {
			start = "+" + Round(time.Duration(*t.StartNS)).String()
			dur = Round(time.Duration(t.DurationNS)).String()
		}
		errLine := ""
		if t.Error != nil {
			errLine, _, _ = strings.Cut(*t.Error, "\n")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", t.Level, t.Name, t.State, t.Attempts, start, dur, errLine)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	table := b.String() // without the padding after the last column
	b.Reset()
	for line := range strings.Lines(table) {
		b.WriteString(strings.TrimRight(line, " \n") + "\n")
	}
	if cp := r.CriticalPath; len(cp.Tasks) > 0 {
		steps := make([]string, len(cp.Tasks))
		for k, name := range cp.Tasks {
			steps[k] = fmt.Sprintf("%s (%v)", name, Round(time.Duration(byName[name].DurationNS)))
		}
		fmt.Fprintf(&b, "critical path: %s = %v\n", strings.Join(steps, " -> "), Round(time.Duration(cp.DurationNS)))
	}
	writeLine(&b, r)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteLine writes the closing line of [WriteTable] alone: the job, its
// outcome, the counts of tasks by state and the run's duration, e.g.
// "job1: 4 succeeded in 1.714ms".
func WriteLine(w io.Writer, r Report) error {
	var b strings.Builder
	writeLine(&b, r)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeLine(b *strings.Builder, r Report) {
	d := Round(time.Duration(r.DurationNS))
	if r.Outcome == "succeeded" && r.Counts[runtime.Succeeded.String()] == len(r.Tasks) {
		fmt.Fprintf(b, "%s: %d succeeded in %v\n", r.Job, len(r.Tasks), d)
	} else if r.Outcome == "succeeded" {
		var parts []string
		for _, s := range []runtime.State{runtime.Succeeded, runtime.Restored, runtime.NotSelected} {
			if n := r.Counts[s.String()]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, s))
			}
		}
		fmt.Fprintf(b, "%s: %s in %v\n", r.Job, strings.Join(parts, ", "), d)
	} else {
		var parts []string
		for _, s := range []runtime.State{runtime.Failed, runtime.Panicked, runtime.TimedOut, runtime.Cancelled,
			runtime.UpstreamFailed, runtime.NotStarted, runtime.Succeeded, runtime.Restored, runtime.NotSelected} {
			if n := r.Counts[s.String()]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, s))
			}
		}
		fmt.Fprintf(b, "%s: %s: %s in %v\n", r.Job, r.Outcome, strings.Join(parts, ", "), d)
	}
}

// Round shortens a duration for display: to the microsecond from a
// millisecond on, to the millisecond from a second on.
func Round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d
}
