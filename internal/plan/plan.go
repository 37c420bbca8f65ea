// Package plan describes how a job runs level by level before it runs: the
// levels and their widths, the critical path, and whether the worker pool
// is narrower than the widest level. `jobgen plan` and a job binary's
// --dry-run both print it, as text or as JSON.
package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// Plan is the shape of one job's run.
type Plan struct {
	Job   string `json:"job"`
	Tasks int    `json:"tasks"`
	// Workers is the size of the worker pool; 0 means not known.
	Workers int     `json:"workers,omitempty"`
	Levels  []Level `json:"levels"`
	// MaxWidth is the number of tasks of the widest level, and WidestLevel
	// the first level that wide.
	MaxWidth    int `json:"max_width"`
	WidestLevel int `json:"widest_level"`
	// CriticalPath is a longest chain of dependencies, first task first:
	// no schedule can finish in fewer steps than it has tasks.
	CriticalPath []string `json:"critical_path"`
	// Notes are remarks on the plan, such as a pool narrower than a level.
	Notes []string `json:"notes,omitempty"`
}

// Level is one level of a [Plan].
type Level struct {
	Level int    `json:"level"`
	Width int    `json:"width"`
	Tasks []Task `json:"tasks"` // sorted by name
}

// Task is one task of a [Level].
type Task struct {
	Name  string   `json:"name"`
	After []string `json:"after,omitempty"` // its dependencies, in config order
}

// Unpack returns the name of every task and the indices of its
// dependencies, as [New] and the generator's graph checks take them; task
// tells the two of one task. It is the one place that turns a job's task
// list, whatever its type, into those lists.
func Unpack[T any](tasks []T, task func(T) (name string, deps []int)) (names []string, deps [][]int) {
	names = make([]string, len(tasks))
	deps = make([][]int, len(tasks))
	for i, t := range tasks {
		names[i], deps[i] = task(t)
	}
	return names, deps
}

// New computes the plan of a job from its task names, the dependencies of
// each task (indices into names), its levels (indices into names; every
// dependency of a task at level k is at a lower level, and one is at level
// k-1) and the size of the worker pool (0 if not known). It does not check
// its input: give it a job that passed validation.
func New(job string, names []string, deps [][]int, levels [][]int, workers int) *Plan {
	p := &Plan{Job: job, Tasks: len(names), Workers: workers, CriticalPath: []string{}}
	level := make([]int, len(names))
	for k, l := range levels {
		lv := Level{Level: k, Width: len(l)}
		for _, i := range l {
			level[i] = k
			t := Task{Name: names[i]}
			for _, d := range deps[i] {
				t.After = append(t.After, names[d])
			}
			lv.Tasks = append(lv.Tasks, t)
		}
		slices.SortFunc(lv.Tasks, func(a, b Task) int { return strings.Compare(a.Name, b.Name) })
		if lv.Width > p.MaxWidth {
			p.MaxWidth, p.WidestLevel = lv.Width, k
		}
		p.Levels = append(p.Levels, lv)
	}
	p.CriticalPath = criticalPath(names, deps, levels, level)
	if workers > 0 && workers < p.MaxWidth {
		rounds := (p.MaxWidth + workers - 1) / workers
		p.Notes = append(p.Notes, fmt.Sprintf("--workers %d is below the width of the widest level (level %d, %d tasks): it runs in %d rounds of at most %d %s",
			workers, p.WidestLevel, p.MaxWidth, rounds, workers, text.Plural(workers, "task", "tasks")))
	}
	return p
}

// criticalPath returns a longest chain of dependencies: it starts from the
// first task by name of the last level and steps down to the first
// dependency by name one level below, until level 0.
func criticalPath(names []string, deps [][]int, levels [][]int, level []int) []string {
	if len(levels) == 0 || len(levels[len(levels)-1]) == 0 {
		return []string{}
	}
	byName := func(a, b int) int { return strings.Compare(names[a], names[b]) }
	at := slices.MinFunc(levels[len(levels)-1], byName)
	path := []string{names[at]}
	for level[at] > 0 {
		var below []int
		for _, d := range deps[at] {
			if level[d] == level[at]-1 {
				below = append(below, d)
			}
		}
		if len(below) == 0 { // not a longest-path levelling: stop rather than loop
			break
		}
		at = slices.MinFunc(below, byName)
		path = append(path, names[at])
	}
	slices.Reverse(path)
	return path
}

// WriteText prints the plan for people.
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d %s in %d %s", p.Job, p.Tasks, text.Plural(p.Tasks, "task", "tasks"), len(p.Levels), text.Plural(len(p.Levels), "level", "levels"))
	if p.Workers > 0 {
		fmt.Fprintf(&b, ", %d %s", p.Workers, text.Plural(p.Workers, "worker", "workers"))
	}
	b.WriteByte('\n')
	for _, l := range p.Levels {
		fmt.Fprintf(&b, "level %d (width %d):\n", l.Level, l.Width)
		for _, t := range l.Tasks {
			b.WriteString("  " + t.Name)
			if len(t.After) > 0 {
				b.WriteString(" (after " + strings.Join(t.After, ", ") + ")")
			}
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "critical path (%d %s): %s\n", len(p.CriticalPath), text.Plural(len(p.CriticalPath), "task", "tasks"), strings.Join(p.CriticalPath, " -> "))
	for _, n := range p.Notes {
		b.WriteString("note: " + n + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the plan as one indented JSON object.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}
