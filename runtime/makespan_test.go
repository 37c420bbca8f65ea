package runtime_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// makespanDAG is a layered DAG of levels x width tasks: each task of a
// level after the first depends on one to three random tasks of the level
// before. Each task sleeps for a heavy-tailed duration: Pareto with
// minimum 1ms and shape 1.5 (mean 3ms, a few tasks tens of times longer),
// capped at 50ms.
func makespanDAG(levels, width int, seed uint64) (deps [][]int, lv [][]int, sleep []time.Duration) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for k := range levels {
		var level []int
		for j := range width {
			i := k*width + j
			level = append(level, i)
			var d []int
			if k > 0 {
				for range 1 + rng.IntN(3) {
					p := (k-1)*width + rng.IntN(width)
					if !contains(d, p) {
						d = append(d, p)
					}
				}
			}
			deps = append(deps, d)
			x := 1 / math.Pow(1-rng.Float64(), 1/1.5) // Pareto, minimum 1
			sleep = append(sleep, time.Duration(min(x, 50)*float64(time.Millisecond)))
		}
		lv = append(lv, level)
	}
	return deps, lv, sleep
}

// criticalPath returns the longest path through the DAG, weighting each
// task by its duration.
func criticalPath(deps [][]int, d []time.Duration) time.Duration {
	finish := make([]time.Duration, len(d)) // tasks are listed after their dependencies
	var cp time.Duration
	for i := range d {
		var ready time.Duration
		for _, p := range deps[i] {
			ready = max(ready, finish[p])
		}
		finish[i] = ready + d[i]
		cp = max(cp, finish[i])
	}
	return cp
}

// lowerBound is max(critical path, total work / workers): no schedule on
// that many workers can do better.
func lowerBound(deps [][]int, d []time.Duration, workers int) time.Duration {
	var work time.Duration
	for _, x := range d {
		work += x
	}
	return max(criticalPath(deps, d), work/time.Duration(workers))
}

// levelBound is what the best level-by-level schedule can do at most: a
// level cannot end before its longest task, nor before its work spread
// over the workers, and levels do not overlap.
func levelBound(levels [][]int, d []time.Duration, workers int) time.Duration {
	var total time.Duration
	for _, level := range levels {
		var longest, work time.Duration
		for _, i := range level {
			longest = max(longest, d[i])
			work += d[i]
		}
		total += max(longest, work/time.Duration(workers))
	}
	return total
}

// listSchedule returns the makespan of level-by-level list scheduling with
// no overhead: within each level, tasks taken in order (or, with lpt,
// longest first) each go to the worker that is free first. In order, it is
// what level mode does, minus its costs; longest first, it is what a
// level-by-level scheduler that knew the durations in advance could do
// (LPT, within 4/3 of the best packing of each level).
func listSchedule(levels [][]int, d []time.Duration, workers int, lpt bool) time.Duration {
	var total time.Duration
	free := make([]time.Duration, workers)
	for _, level := range levels {
		order := slices.Clone(level)
		if lpt {
			slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(d[b], d[a]) })
		}
		clear(free)
		var end time.Duration
		for _, i := range order {
			w := 0
			for k := range free {
				if free[k] < free[w] {
					w = k
				}
			}
			free[w] += d[i]
			end = max(end, free[w])
		}
		total += end
	}
	return total
}

func TestMakespanBounds(t *testing.T) {
	ms := time.Millisecond
	// a(4) -> c(1); b(1) -> d(2) -> e(1), levels {a, b} {c, d} {e}.
	deps := [][]int{nil, nil, {0}, {1}, {3}}
	d := []time.Duration{4 * ms, ms, ms, 2 * ms, ms}
	levels := [][]int{{0, 1}, {2, 3}, {4}}
	assert.Equal(t, 5*ms, criticalPath(deps, d))
	assert.Equal(t, 9*ms, lowerBound(deps, d, 1))
	assert.Equal(t, 5*ms, lowerBound(deps, d, 2))
	assert.Equal(t, (4+2+1)*ms, levelBound(levels, d, 2)) // levels: max(4, 5/2), max(2, 3/2), 1
	assert.Equal(t, (5+3+1)*ms, levelBound(levels, d, 1))
	// Level {3, 1, 1, 3} on 2 workers: in order, the last task goes after
	// the two short ones and ends at 5; longest first, at 4. Level
	// {1, 1, 2}: in order 3, longest first 2.
	levels = [][]int{{0, 1, 2, 3}, {4, 5, 6}}
	d = []time.Duration{3 * ms, ms, ms, 3 * ms, ms, ms, 2 * ms}
	assert.Equal(t, (5+3)*ms, listSchedule(levels, d, 2, false))
	assert.Equal(t, (4+2)*ms, listSchedule(levels, d, 2, true))
}

// BenchmarkMakespan runs a layered DAG of 10,000 tasks of heavy-tailed
// durations (see makespanDAG) in both schedules at 2, 8 and 64 workers,
// and reports the makespan (ms) and its ratio to lower bounds computed
// from the durations the tasks actually had, measured inside each task:
// time.Sleep rounds short sleeps up (to about 1ms on Linux), and the bounds
// take that into account. The tasks sleep rather than spin so that 64 of
// them can run at once on a machine with fewer cores.
//
//   - ratio: makespan / max(critical path, total work / W), which no
//     schedule can beat;
//   - level-ratio: makespan / the level bound, the sum over levels of
//     max(longest task, level work / W), which no level-by-level schedule
//     can beat;
//   - greedy-ratio: makespan / the makespan of level-by-level list
//     scheduling in level order with no overhead (see listSchedule): how
//     much of level mode's makespan is the runtime rather than its policy;
//   - lpt-ratio: makespan / the makespan of the same with the longest task
//     of each level first, which a scheduler that knew the durations
//     could do.
func BenchmarkMakespan(b *testing.B) {
	deps, levels, sleep := makespanDAG(100, 100, 7)
	for _, w := range []int{2, 8, 64} {
		for _, sched := range schedules {
			b.Run(fmt.Sprintf("W=%d/%s", w, sched), func(b *testing.B) {
				actual := make([]time.Duration, len(sleep))
				job := &runtime.Job{Name: "makespan", Levels: levels}
				for i := range sleep {
					job.Tasks = append(job.Tasks, runtime.Task{Name: fmt.Sprint("t", i), Deps: deps[i], Run: func(context.Context, []any) (any, error) {
						start := time.Now()
						time.Sleep(sleep[i])
						actual[i] = time.Since(start)
						return nil, nil
					}})
				}
				var makespan, bound, lbound, greedy, lpt time.Duration
				for b.Loop() {
					start := time.Now()
					if _, err := job.Run(context.Background(), runtime.Options{Workers: w, Schedule: sched}); err != nil {
						b.Fatal(err)
					}
					makespan = time.Since(start)
					bound, lbound = lowerBound(deps, actual, w), levelBound(levels, actual, w)
					greedy, lpt = listSchedule(levels, actual, w, false), listSchedule(levels, actual, w, true)
				}
				b.ReportMetric(float64(makespan)/float64(time.Millisecond), "makespan-ms")
				b.ReportMetric(float64(bound)/float64(time.Millisecond), "bound-ms")
				b.ReportMetric(float64(makespan)/float64(bound), "ratio")
				b.ReportMetric(float64(makespan)/float64(lbound), "level-ratio")
				b.ReportMetric(float64(makespan)/float64(greedy), "greedy-ratio")
				b.ReportMetric(float64(makespan)/float64(lpt), "lpt-ratio")
			})
		}
	}
}
