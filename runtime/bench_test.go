package runtime_test

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// The tasks of the overhead benchmarks: no-op tasks that pass an int to
// their dependents. The results stay above 255 (they average their inputs
// rather than add them up, which would overflow to 0 in a deep DAG), so
// that boxing one in an interface allocates, as it would for most real
// results.
func benchSource(context.Context) (int, error)          { return 1000, nil }
func benchInc(_ context.Context, x int) (int, error)    { return x + 1, nil }
func benchAdd(_ context.Context, x, y int) (int, error) { return (x+y)/2 + 1, nil }
func benchSum(_ context.Context, xs ...int) (int, error) {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s/len(xs) + 1, nil
}

// benchDAG is a task graph with the kind of each task: 's' source, 'i'
// inc (one argument), 'a' add (two), 'v' sum (variadic, over its
// dependencies, which are consecutive tasks).
type benchDAG struct {
	deps   [][]int
	kind   []byte
	levels [][]int
}

func (g *benchDAG) add(kind byte, level int, deps ...int) {
	i := len(g.kind)
	g.kind = append(g.kind, kind)
	g.deps = append(g.deps, deps)
	for len(g.levels) <= level {
		g.levels = append(g.levels, nil)
	}
	g.levels[level] = append(g.levels[level], i)
}

// benchShapes builds the DAGs of n tasks the overhead benchmarks run.
var benchShapes = []struct {
	name  string
	build func(n int) *benchDAG
}{
	{"wide", func(n int) *benchDAG { // one level of n sources
		g := &benchDAG{}
		for range n {
			g.add('s', 0)
		}
		return g
	}},
	{"chain", func(n int) *benchDAG { // n levels of one task each
		g := &benchDAG{}
		g.add('s', 0)
		for i := 1; i < n; i++ {
			g.add('i', i, i-1)
		}
		return g
	}},
	{"layered", func(n int) *benchDAG { // levels of 100; each task adds two of the level before
		const w = 100
		g := &benchDAG{}
		for i := range n {
			k, j := i/w, i%w
			if k == 0 {
				g.add('s', 0)
				continue
			}
			g.add('a', k, (k-1)*w+j, (k-1)*w+(j+1)%w)
		}
		return g
	}},
	{"fanio", func(n int) *benchDAG { // a hub fans out to 100 tasks, which fan in to the next hub
		const w = 100
		g := &benchDAG{}
		g.add('s', 0)
		hub, level := 0, 0
		for len(g.kind) < n {
			first := len(g.kind)
			for range min(w, n-len(g.kind)) {
				g.add('i', level+1, hub)
			}
			if len(g.kind) == n {
				break
			}
			var deps []int
			for d := first; d < len(g.kind); d++ {
				deps = append(deps, d)
			}
			hub, level = len(g.kind), level+2
			g.add('v', level, deps...)
		}
		return g
	}},
}

// job returns the graph as a runtime job, each task wrapped in the typed
// adapter of its shape as generated code does. As in generated code, the
// names and dependency lists are not separate heap objects (there they are
// static data), so that the garbage collector has as little to scan.
func (g *benchDAG) job() *runtime.Job {
	job := &runtime.Job{Name: "bench", Tasks: make([]runtime.Task, len(g.kind)), Levels: g.levels}
	var names strings.Builder
	var ends []int
	var flat []int
	for i := range g.kind {
		fmt.Fprint(&names, "jobs.bench.t", i)
		ends = append(ends, names.Len())
		flat = append(flat, g.deps[i]...)
	}
	all, start, at := names.String(), 0, 0
	for i, k := range g.kind {
		d := flat[at : at+len(g.deps[i]) : at+len(g.deps[i])]
		at += len(d)
		t := runtime.Task{Name: all[start:ends[i]], Deps: d, Args: d}
		start = ends[i]
		switch k {
		case 's':
			t.Run = func0[int](benchSource)
		case 'i':
			t.Run = func1[int, int](benchInc)
		case 'a':
			t.Run = func2[int, int, int](benchAdd)
		case 'v':
			t.Run = funcV0[int, int](benchSum)
		}
		job.Tasks[i] = t
	}
	return job
}

// baseline is what a careful engineer would write by hand for one DAG:
// each task a direct call of its typed function on the results of its
// dependencies, kept in a []int; the levels run one after another, each on
// min(W, width) goroutines that claim tasks with an atomic counter; the
// first error stops the run.
type baseline struct {
	calls  []func(ctx context.Context, res []int) (int, error)
	levels [][]int
	n      int
}

func (g *benchDAG) baseline() *baseline {
	b := &baseline{levels: g.levels, n: len(g.kind)}
	for i, k := range g.kind {
		d := g.deps[i]
		var f func(ctx context.Context, res []int) (int, error)
		switch k {
		case 's':
			f = func(ctx context.Context, _ []int) (int, error) { return benchSource(ctx) }
		case 'i':
			a := d[0]
			f = func(ctx context.Context, res []int) (int, error) { return benchInc(ctx, res[a]) }
		case 'a':
			a, c := d[0], d[1]
			f = func(ctx context.Context, res []int) (int, error) { return benchAdd(ctx, res[a], res[c]) }
		case 'v':
			lo, hi := d[0], d[len(d)-1]+1
			f = func(ctx context.Context, res []int) (int, error) { return benchSum(ctx, res[lo:hi]...) }
		}
		b.calls = append(b.calls, f)
	}
	return b
}

func (b *baseline) run(ctx context.Context, workers int) ([]int, error) {
	res := make([]int, b.n)
	var (
		stop  atomic.Bool
		mu    sync.Mutex
		first error
	)
	for _, level := range b.levels {
		if stop.Load() {
			break
		}
		var wg sync.WaitGroup
		var next atomic.Int64
		n := min(workers, len(level))
		wg.Add(n)
		for range n {
			go func() {
				defer wg.Done()
				for {
					k := int(next.Add(1) - 1)
					if k >= len(level) || stop.Load() {
						return
					}
					i := level[k]
					v, err := b.calls[i](ctx, res)
					if err != nil {
						mu.Lock()
						first = cmpOr(first, err)
						mu.Unlock()
						stop.Store(true)
						return
					}
					res[i] = v
				}
			}()
		}
		wg.Wait()
	}
	return res, first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// allocsPerRun runs f once and returns the heap allocations and bytes it
// made.
func allocsPerRun(f func()) (allocs, bytes uint64) {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	f()
	goruntime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs, after.TotalAlloc - before.TotalAlloc
}

// BenchmarkOverhead runs the hand-written baseline and the runtime side by
// side on the same DAG of no-op tasks, alternating one run of each per
// iteration so that both see the same machine, and reports per task: the
// median time of each (base-ns/task, rt-ns/task), their ratio, and the
// allocations and bytes of one run of each. The runtime runs with the
// GenericJobHandler and no Logger or Observer. A sub-benchmark named
// "observer" adds a no-op Observer.
func BenchmarkOverhead(b *testing.B) {
	type variant struct {
		name string
		opts runtime.Options
	}
	nop := runtime.ObserverFunc(func(runtime.Event) {})
	for _, shape := range benchShapes {
		for _, n := range []int{10_000, 100_000} {
			g := shape.build(n)
			job, base := g.job(), g.baseline()
			want, err := base.run(context.Background(), 1)
			if err != nil {
				b.Fatal(err)
			}
			for _, w := range []int{2, 8, 64} {
				variants := []variant{
					{"levels", runtime.Options{Workers: w}},
					{"eager", runtime.Options{Workers: w, Schedule: runtime.ScheduleEager}},
				}
				if n == 10_000 && w == 8 {
					variants = append(variants, variant{"observer", runtime.Options{Workers: w, Observer: nop}})
				}
				for _, v := range variants {
					name := fmt.Sprintf("%s/n=%d/W=%d/%s", shape.name, n, w, v.name)
					b.Run(name, func(b *testing.B) {
						benchOverhead(b, job, base, want, w, v.opts)
					})
				}
			}
		}
	}
}

func benchOverhead(b *testing.B, job *runtime.Job, base *baseline, want []int, workers int, opts runtime.Options) {
	ctx := context.Background()
	n := float64(len(job.Tasks))
	runRT := func() {
		rep, err := job.Run(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		if got := rep.Tasks[len(want)-1].Result; got != want[len(want)-1] {
			b.Fatalf("last result %v, want %d", got, want[len(want)-1])
		}
	}
	runBase := func() {
		if _, err := base.run(ctx, workers); err != nil {
			b.Fatal(err)
		}
	}
	rtAllocs, rtBytes := allocsPerRun(runRT)
	baseAllocs, baseBytes := allocsPerRun(runBase)
	var baseTimes, rtTimes []time.Duration
	for b.Loop() {
		t0 := time.Now()
		runBase()
		t1 := time.Now()
		runRT()
		t2 := time.Now()
		baseTimes = append(baseTimes, t1.Sub(t0))
		rtTimes = append(rtTimes, t2.Sub(t1))
	}
	baseNs, rtNs := float64(median(baseTimes))/n, float64(median(rtTimes))/n
	b.ReportMetric(baseNs, "base-ns/task")
	b.ReportMetric(rtNs, "rt-ns/task")
	b.ReportMetric(rtNs/baseNs, "ratio")
	b.ReportMetric(float64(rtAllocs)/n, "rt-allocs/task")
	b.ReportMetric(float64(rtBytes)/n, "rt-B/task")
	b.ReportMetric(float64(baseAllocs)/n, "base-allocs/task")
	b.ReportMetric(float64(baseBytes)/n, "base-B/task")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// The baseline must compute what the runtime computes, and stop at the
// first error.
func TestBaseline(t *testing.T) {
	for _, shape := range benchShapes {
		g := shape.build(1000)
		want, err := g.baseline().run(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{1, 3, 8} {
			got, err := g.baseline().run(context.Background(), w)
			if err != nil || !slices.Equal(want, got) {
				t.Fatalf("%s: workers=%d: results differ (%v)", shape.name, w, err)
			}
			for _, sched := range schedules {
				rep, err := g.job().Run(context.Background(), runtime.Options{Workers: w, Schedule: sched, KeepResults: true})
				if err != nil {
					t.Fatal(err)
				}
				for i, tr := range rep.Tasks {
					if tr.Result != want[i] {
						t.Fatalf("%s: %v: task %d: result %v, want %d", shape.name, sched, i, tr.Result, want[i])
					}
				}
			}
		}
	}
	b := (&benchDAG{levels: [][]int{{0, 1}}, kind: []byte{'s', 's'}, deps: [][]int{nil, nil}}).baseline()
	boom := errors.New("boom")
	b.calls[0] = func(context.Context, []int) (int, error) { return 0, boom }
	if _, err := b.run(context.Background(), 2); !errors.Is(err, boom) {
		t.Fatalf("baseline error %v, want %v", err, boom)
	}
}

// BenchmarkRun runs only the runtime, on the DAGs of BenchmarkOverhead at
// 100,000 tasks, with one worker and with eight: a target for -cpuprofile
// (see docs/performance.md).
func BenchmarkRun(b *testing.B) {
	for _, shape := range benchShapes {
		job := shape.build(100_000).job()
		for _, w := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/W=%d", shape.name, w), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := job.Run(context.Background(), runtime.Options{Workers: w}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(job.Tasks)), "ns/task")
			})
		}
	}
}
