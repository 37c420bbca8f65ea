package runtime

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// plan is what Run derives from a job's table, once: the table checked,
// the level of each task, where each result is kept during a run, when it
// may be dropped, and, for eager runs, the graph of dependents. A Job
// keeps its plan (a Job of [Table.Job] starts with its table's), and a run
// reuses it after checking, at the cost of a comparison per index, that
// the table still is the one the plan was derived from (see matches): a
// caller may have changed Tasks or Levels since.
type plan struct {
	n     int
	level []int32 // the level of each task
	width int     // the most tasks in a level
	// levels are the levels the plan was derived from: the Job's, or, for
	// a Job built by hand that left them nil, those [Levels] computed
	// (own).
	levels    [][]int
	own       bool
	hasParams bool // the Job has a Params type

	// Results. loc[i] says where the result of task i is kept during a
	// run: in slot loc[i].slot of the store of kind loc[i].kind, which
	// holds counts[kind] results, the results of the tasks of Sig
	// kinds[kind]; kind 0 holds those of tasks without a Sig, as any, and
	// an action's kind is -1 (no result).
	loc    []loc
	kinds  []*sigCore
	counts []int32
	// takers[i] is how many times tasks take the result of task i as an
	// argument. In level mode, release[releaseOff[k]:releaseOff[k+1]] are
	// where the results that no task above level k takes are: they are
	// dropped once level k has ended.
	takers     []int32
	lastTaker  []int32 // the highest level of a task that takes each result, -1 if none
	releaseOff []int32
	release    []loc // where the results released after each level are

	// What the plan was derived from, for matches: each task's Sig, then
	// for each task the length and entries of Deps and of Args, then for
	// each level its length and entries; for the plan of a template (see
	// matchesTemplate), the lengths of each task's Deps and Args instead.
	sig   []*sigCore
	edges []int
	lens  []int32

	eagerOnce sync.Once
	eager     *eagerPlan
}

type loc struct{ kind, slot int32 }

// planOf returns the plan of j: the one it keeps if j's table still
// matches it, or a new one, which j keeps. The error says what is wrong
// with an invalid table.
func (j *Job) planOf() (*plan, error) {
	if p, _ := j.plan.Load().(*plan); p != nil && p.matches(j) {
		return p, nil
	}
	p, err := newPlan(j)
	if err != nil {
		return nil, err
	}
	j.plan.Store(p)
	return p, nil
}

// Validate checks that the task table and the levels are consistent: every
// dependency and argument index is in range, every argument is also a
// dependency (or the run's inputs, [ParamsArg], of a job with a Params
// type), every task is in exactly one level, every dependency is in a
// strictly lower level than its dependent, and every task has a Run
// function (or the Run method of a generated table). A nil Levels is
// computed with [Levels], as [Job.Run] does, without changing j. The error
// joins one line per problem, each naming its task.
func (j *Job) Validate() error {
	_, err := newPlan(j)
	return err
}

// newTemplatePlan is newPlan for the template of a [Table]: its Jobs are
// checked with matchesTemplate.
func newTemplatePlan(j *Job) (*plan, error) { return derivePlan(j, true) }

// newPlan checks j's table and derives its plan.
func newPlan(j *Job) (*plan, error) { return derivePlan(j, false) }

func derivePlan(j *Job, template bool) (*plan, error) {
	levels, own := j.Levels, false
	if levels == nil && len(j.Tasks) > 0 {
		var err error
		if levels, err = Levels(j.Tasks); err != nil {
			return nil, err
		}
		own = true
	}
	level, err := j.check(levels)
	if err != nil {
		return nil, err
	}
	n := len(j.Tasks)
	p := &plan{n: n, level: level, levels: levels, own: own, hasParams: j.Params != nil,
		loc: make([]loc, n), takers: make([]int32, n), sig: make([]*sigCore, n)}
	for _, l := range levels {
		p.width = max(p.width, len(l))
	}
	if template {
		p.lens = make([]int32, 2*n)
	} else {
		size := 0
		for i := range j.Tasks {
			size += 2 + len(j.Tasks[i].Deps) + len(j.Tasks[i].Args)
		}
		for _, l := range levels {
			size += 1 + len(l)
		}
		p.edges = make([]int, 0, size)
	}
	kindOf := map[*sigCore]int32{}
	p.kinds, p.counts = []*sigCore{nil}, []int32{0}
	last := make([]int32, n) // the highest level of a task that takes each result
	for i := range last {
		last[i] = -1
	}
	p.lastTaker = last
	for i := range j.Tasks {
		t := &j.Tasks[i]
		sig := t.sig()
		p.sig[i] = sig
		if template {
			p.lens[2*i], p.lens[2*i+1] = int32(len(t.Deps)), int32(len(t.Args))
		} else {
			p.edges = append(p.edges, len(t.Deps))
			p.edges = append(p.edges, t.Deps...)
			p.edges = append(p.edges, len(t.Args))
			p.edges = append(p.edges, t.Args...)
		}
		for _, a := range t.Args {
			if a != ParamsArg {
				p.takers[a]++
				last[a] = max(last[a], level[i])
			}
		}
		switch {
		case sig == nil:
			p.loc[i] = loc{0, p.counts[0]}
			p.counts[0]++
		case sig.column == nil:
			p.loc[i] = loc{-1, 0}
		default:
			k, ok := kindOf[sig]
			if !ok {
				k = int32(len(p.kinds))
				kindOf[sig] = k
				p.kinds = append(p.kinds, sig)
				p.counts = append(p.counts, 0)
			}
			p.loc[i] = loc{k, p.counts[k]}
			p.counts[k]++
		}
	}
	if !template && !own {
		for _, l := range levels {
			p.edges = append(p.edges, len(l))
			p.edges = append(p.edges, l...)
		}
	}
	p.releaseOff = make([]int32, len(levels)+1)
	for _, k := range last {
		if k >= 0 {
			p.releaseOff[k+1]++
		}
	}
	for k := range levels {
		p.releaseOff[k+1] += p.releaseOff[k]
	}
	p.release = make([]loc, p.releaseOff[len(levels)])
	fill := make([]int32, len(levels))
	for a, k := range last {
		if k >= 0 {
			p.release[p.releaseOff[k]+fill[k]] = p.loc[a]
			fill[k]++
		}
	}
	return p, nil
}

// matches reports whether j's table is still the one p was derived from,
// and valid in what p does not cover (Run, Retries and Timeout).
func (p *plan) matches(j *Job) bool {
	if len(j.Tasks) != p.n || (j.Params != nil) != p.hasParams || (j.Levels == nil) != p.own {
		return false
	}
	if tm := j.tmpl; tm != nil && tm.plan == p {
		return p.matchesTemplate(j, tm)
	}
	e, ok := p.edges, true
	for i := range j.Tasks {
		t := &j.Tasks[i]
		if sig := t.sig(); sig != p.sig[i] || (t.Run == nil && sig == nil) || t.Retries < 0 || t.Timeout < 0 {
			return false
		}
		if e, ok = prefix(e, t.Deps); !ok {
			return false
		}
		if e, ok = prefix(e, t.Args); !ok {
			return false
		}
	}
	if !p.own {
		for _, l := range j.Levels {
			if e, ok = prefix(e, l); !ok {
				return false
			}
		}
	}
	return len(e) == 0
}

// matchesTemplate is matches for a Job of Table.Job: its Deps, Args and
// Levels are checked in bulk, where Job put them, against the template's.
func (p *plan) matchesTemplate(j *Job, tm *template) bool {
	off := 0
	for i := range j.Tasks {
		t := &j.Tasks[i]
		if t.bind == nil || t.bind.sig != p.sig[i] || t.Retries < 0 || t.Timeout < 0 ||
			!at(t.Deps, int(p.lens[2*i]), j.edges, &off) || !at(t.Args, int(p.lens[2*i+1]), j.edges, &off) {
			return false
		}
	}
	if len(j.Levels) != len(tm.levels) {
		return false
	}
	off = 0
	for k, l := range j.Levels {
		if !at(l, len(tm.levels[k]), j.levelInts, &off) {
			return false
		}
	}
	return slices.Equal(j.edges, tm.edges) && slices.Equal(j.levelInts, tm.levelInts)
}

// at reports whether s has n entries and, unless it is empty, starts at
// base[*off], and moves *off past it.
func at(s []int, n int, base []int, off *int) bool {
	if len(s) != n {
		return false
	}
	if n > 0 {
		if *off+n > len(base) || &s[0] != &base[*off] {
			return false
		}
		*off += n
	}
	return true
}

// prefix reports whether e starts with len(s) and the entries of s, and
// returns what follows.
func prefix(e, s []int) ([]int, bool) {
	if len(e) < 1+len(s) || e[0] != len(s) {
		return nil, false
	}
	for k, x := range s {
		if e[1+k] != x {
			return nil, false
		}
	}
	return e[1+len(s):], true
}

// check validates j's table with levels and returns the level of each
// task.
func (j *Job) check(levels [][]int) ([]int32, error) {
	var errs []error
	bad := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("task %q: %s", j.Tasks[i].Name, fmt.Sprintf(format, args...)))
	}
	n := len(j.Tasks)
	level := make([]int32, n)
	for i := range level {
		level[i] = -1
	}
	// isDep[d] == i+1 while checking task i means that d is a dependency
	// of i: so checking the arguments costs one step each.
	isDep := make([]int32, n)
	for k, tasks := range levels {
		for _, i := range tasks {
			switch {
			case i < 0 || i >= n:
				errs = append(errs, fmt.Errorf("level %d: task index %d out of range [0, %d)", k, i, n))
			case level[i] >= 0:
				bad(i, "in more than one level (%d and %d)", level[i], k)
			default:
				level[i] = int32(k)
			}
		}
	}
	for i := range j.Tasks {
		t := &j.Tasks[i]
		if t.Run == nil && t.bind == nil {
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

// eagerPlan is the graph of dependents an eager run follows.
type eagerPlan struct {
	// succ[succOff[i]:succOff[i+1]] are the dependents of task i.
	succOff []int32
	succ    []int32
	indeg   []int32 // the number of dependencies of each task
	// rank[i] is the length in tasks of the longest chain of dependents
	// from task i on (1 for a task no task depends on), and top the
	// highest rank.
	rank []int32
	top  int32
	// rankOff[r]:rankOff[r+1] are the slots of the ready queue's bucket
	// of rank r: as many as tasks of that rank (see rankQueue).
	rankOff []int32
}

// eagerOf returns the graph of dependents of p's job j, built on first
// use.
func (p *plan) eagerOf(j *Job) *eagerPlan {
	levels := p.levels
	p.eagerOnce.Do(func() {
		tasks := j.Tasks
		n := len(tasks)
		e := &eagerPlan{succOff: make([]int32, n+1), indeg: make([]int32, n), rank: make([]int32, n)}
		for i := range tasks {
			e.indeg[i] = int32(len(tasks[i].Deps))
			for _, d := range tasks[i].Deps {
				e.succOff[d+1]++
			}
		}
		for i := range n {
			e.succOff[i+1] += e.succOff[i]
		}
		e.succ = make([]int32, e.succOff[n])
		fill := make([]int32, n)
		for i := range tasks {
			for _, d := range tasks[i].Deps {
				e.succ[e.succOff[d]+fill[d]] = int32(i)
				fill[d]++
			}
		}
		// Ranks, from the last level down: every dependent is in a higher one.
		for k := len(levels) - 1; k >= 0; k-- {
			for _, i := range levels[k] {
				rk := int32(1)
				for _, s := range e.succ[e.succOff[i]:e.succOff[i+1]] {
					rk = max(rk, e.rank[s]+1)
				}
				e.rank[i] = rk
				e.top = max(e.top, rk)
			}
		}
		e.rankOff = make([]int32, e.top+2)
		for _, rk := range e.rank {
			e.rankOff[rk+1]++
		}
		for k := range e.top + 1 {
			e.rankOff[k+1] += e.rankOff[k]
		}
		p.eager = e
	})
	return p.eager
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
