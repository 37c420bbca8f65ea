// Package bench is the driver of the overhead benchmark (testmod.Overhead
// copies it into a module of its own, where a main per job calls it, so
// that each job runs in a process of its own, as a job binary does): it
// runs a job's generated code (Job() and Job.Run, as a user does) and
// hand-written runners of the same DAG, interleaved, and prints its
// measurements as JSON lines, which BenchmarkOverhead (cmd/jobgen) puts
// into the tables of docs/performance.md.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	taskrt "github.com/taskorchestrator/taskorchestrator/runtime"
)

// Entry is a generated job: its shape, its size and its Job function.
type Entry struct {
	Shape string
	N     int
	Job   func() *taskrt.Job
}

// The Run methods of the tasks, as the hand-written runners call them.
type (
	run0 interface {
		Run(context.Context) (uint64, error)
	}
	run1 interface {
		Run(context.Context, uint64) (uint64, error)
	}
	runV interface {
		Run(context.Context, ...uint64) (uint64, error)
	}
)

// btask is a task of a hand-written runner: exactly one of f0, f1, fv is
// set, and a (for f1) or args (for fv) say which results it takes.
type btask struct {
	f0   run0
	f1   run1
	fv   runV
	a    int32
	args []int32
}

// base is the hand-written code for one DAG: a table of direct calls of
// the tasks' Run methods on the results of their dependencies, kept in a
// []uint64.
type base struct {
	tasks   []btask
	levels  [][]int32
	succOff []int32 // succ[succOff[i]:succOff[i+1]] are the dependents of task i
	succ    []int32
	indeg   []int32
	sources []int32
}

// newBase builds the hand-written runner of job's DAG, from the task
// values of its table (setting up is not measured).
func newBase(job *taskrt.Job) (*base, error) {
	n := len(job.Tasks)
	b := &base{tasks: make([]btask, n), succOff: make([]int32, n+1), indeg: make([]int32, n)}
	for i := range job.Tasks {
		t := &job.Tasks[i]
		bt := &b.tasks[i]
		switch impl := t.Impl.(type) {
		case run0:
			bt.f0 = impl
		case run1:
			bt.f1 = impl
			bt.a = int32(t.Args[0])
		case runV:
			bt.fv = impl
			for _, a := range t.Args {
				bt.args = append(bt.args, int32(a))
			}
		default:
			return nil, fmt.Errorf("task %s: unexpected type %T", t.Name, t.Impl)
		}
		b.indeg[i] = int32(len(t.Deps))
		if len(t.Deps) == 0 {
			b.sources = append(b.sources, int32(i))
		}
		for _, d := range t.Deps {
			b.succOff[d+1]++
		}
	}
	for i := range n {
		b.succOff[i+1] += b.succOff[i]
	}
	b.succ = make([]int32, b.succOff[n])
	fill := slices.Clone(b.succOff[:n])
	for i := range job.Tasks {
		for _, d := range job.Tasks[i].Deps {
			b.succ[fill[d]] = int32(i)
			fill[d]++
		}
	}
	for _, l := range job.Levels {
		lv := make([]int32, len(l))
		for k, i := range l {
			lv[k] = int32(i)
		}
		b.levels = append(b.levels, lv)
	}
	return b, nil
}

// call runs task i on the results in res; buf is the caller's buffer for
// the arguments of a variadic Run (a hand-written runner knows these tasks
// do not keep it).
func (b *base) call(ctx context.Context, i int32, res []uint64, buf *[]uint64) (uint64, error) {
	t := &b.tasks[i]
	switch {
	case t.f0 != nil:
		return t.f0.Run(ctx)
	case t.f1 != nil:
		return t.f1.Run(ctx, res[t.a])
	}
	s := (*buf)[:0]
	for _, a := range t.args {
		s = append(s, res[a])
	}
	*buf = s
	return t.fv.Run(ctx, s...)
}

// failure keeps the first error of a run.
type failure struct {
	stop  atomic.Bool
	mu    sync.Mutex
	first error
}

func (f *failure) fail(err error) {
	f.mu.Lock()
	if f.first == nil {
		f.first = err
	}
	f.mu.Unlock()
	f.stop.Store(true)
}

// levels runs the levels one after another: a level of one task inline,
// a wider one on min(workers, width) goroutines that claim tasks with an
// atomic counter. The first error stops the run. It returns the result of
// the last task.
func (b *base) runLevels(ctx context.Context, workers int) (uint64, error) {
	res := make([]uint64, len(b.tasks))
	var f failure
	var buf []uint64
	for _, level := range b.levels {
		if len(level) == 1 {
			i := level[0]
			v, err := b.call(ctx, i, res, &buf)
			if err != nil {
				return 0, err
			}
			res[i] = v
			continue
		}
		level := level // not the loop's: only this branch's goroutines capture it
		var next atomic.Int64
		var wg sync.WaitGroup
		n := min(workers, len(level))
		wg.Add(n)
		for range n {
			go func() {
				defer wg.Done()
				var buf []uint64
				for {
					k := int(next.Add(1) - 1)
					if k >= len(level) || f.stop.Load() {
						return
					}
					i := level[k]
					v, err := b.call(ctx, i, res, &buf)
					if err != nil {
						f.fail(err)
						return
					}
					res[i] = v
				}
			}()
		}
		wg.Wait()
		if f.stop.Load() {
			return 0, f.first
		}
	}
	return res[len(res)-1], nil
}

// eager runs each task as soon as its dependencies are done, on workers
// goroutines: an atomic in-degree counter per task, a channel of ready
// tasks, and a worker runs the first dependent it makes ready itself. The
// first error stops the run.
func (b *base) runEager(ctx context.Context, workers int) (uint64, error) {
	n := len(b.tasks)
	res := make([]uint64, n)
	indeg := make([]atomic.Int32, n)
	for i, d := range b.indeg {
		indeg[i].Store(d)
	}
	// Room for every task and for a stop sign per worker: sends never
	// block, and the channel is closed only once every task ran.
	ready := make(chan int32, n+workers)
	for _, s := range b.sources {
		ready <- s
	}
	var left atomic.Int64
	left.Store(int64(n))
	var f failure
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			var buf []uint64
			for i := range ready {
				for i >= 0 {
					if f.stop.Load() {
						return
					}
					v, err := b.call(ctx, i, res, &buf)
					if err != nil {
						f.fail(err)
						for range workers {
							ready <- -1
						}
						return
					}
					res[i] = v
					next := int32(-1)
					for _, s := range b.succ[b.succOff[i]:b.succOff[i+1]] {
						if indeg[s].Add(-1) == 0 {
							if next < 0 {
								next = s
							} else {
								ready <- s
							}
						}
					}
					if left.Add(-1) == 0 {
						close(ready)
					}
					i = next
				}
			}
		}()
	}
	wg.Wait()
	if f.stop.Load() {
		return 0, f.first
	}
	return res[n-1], nil
}

// runtimeRun is what a user does: the generated Job(), then Run.
func runtimeRun(e Entry, opts taskrt.Options) (uint64, error) {
	job := reused
	if job == nil {
		job = e.Job()
	}
	rep, err := job.Run(context.Background(), opts)
	if err != nil {
		return 0, err
	}
	v, ok := rep.Tasks[len(rep.Tasks)-1].Result.(uint64)
	if !ok {
		return 0, errors.New("the last task has no uint64 result")
	}
	return v, nil
}

type variant struct {
	name string
	run  func() (uint64, error)
}

// only, if set, is the one variant measure runs (see -only).
var only string

// reused, if set, is the Job every run of the runtime runs (see -reuse):
// to tell the cost of Job() from that of Run.
var reused *taskrt.Job

type measured struct {
	ns, allocs, bytes float64 // per task
}

// measure runs the variants in rounds, in an order that turns from round
// to round so that none always follows the same one, for at least budget
// and at least minRounds rounds, and returns the median time of each per
// task, and the allocations and bytes of one run of each.
func measure(vs []variant, n int, want uint64, budget time.Duration) ([]measured, error) {
	check := func(v variant) error {
		got, err := v.run()
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		if got != want {
			return fmt.Errorf("%s: result %d, want %d", v.name, got, want)
		}
		return nil
	}
	out := make([]measured, len(vs))
	for k, v := range vs {
		if err := check(v); err != nil { // warm up
			return nil, err
		}
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		if err := check(v); err != nil {
			return nil, err
		}
		goruntime.ReadMemStats(&after)
		out[k].allocs = float64(after.Mallocs-before.Mallocs) / float64(n)
		out[k].bytes = float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
	}
	const minRounds = 7
	times := make([][]time.Duration, len(vs))
	start := time.Now()
	for round := 0; round < minRounds || time.Since(start) < budget; round++ {
		for j := range vs {
			k := (j + round) % len(vs)
			if only != "" && !slices.Contains(strings.Split(only, ","), vs[k].name) {
				times[k] = append(times[k], 1)
				continue
			}
			t0 := time.Now()
			if err := check(vs[k]); err != nil {
				return nil, err
			}
			times[k] = append(times[k], time.Since(t0))
		}
	}
	for k := range vs {
		slices.Sort(times[k])
		out[k].ns = float64(times[k][len(times[k])/2].Nanoseconds()) / float64(n)
	}
	return out, nil
}

// Record is one line of the driver's output.
type Record struct {
	Kind  string // "row", "job" or "peak"
	Shape string `json:",omitempty"`
	N     int    `json:",omitempty"`
	W     int    `json:",omitempty"`
	// A row: per task, the median time and the allocations and bytes of
	// one run of each variant (see Variants).
	NS, Allocs, Bytes []float64 `json:",omitempty"`
	// A job: the first call of Job() in the process and the least of five
	// more, ns per task.
	FirstJob, Job float64 `json:",omitempty"`
	// A peak: the schedule, the options, and the peak live heap in MiB.
	Schedule, Options string  `json:",omitempty"`
	MiB               float64 `json:",omitempty"`
}

// Variants are the names of what a row measures, in the order of its
// slices.
var Variants = []string{"hand-written", "levels", "hand-written eager", "eager"}

// flags of every driver
var (
	workers    = flag.String("workers", "2,8", "comma-separated worker counts")
	budget     = flag.Duration("budget", time.Second, "time to spend measuring each table row")
	cpuprofile = flag.String("cpuprofile", "", "write a CPU profile of the measurements to this file")
	reuse      = flag.Bool("reuse", false, "run one Job, made once, instead of a new Job() per run")
)

func init() {
	flag.StringVar(&only, "only", "", "measure only this variant (levels, eager, hand-written, hand-written eager), for profiles")
}

// Main measures the job e and prints its records.
func Main(e Entry) {
	main1(func(w *json.Encoder) error { return run(w, e) })
}

// BigChain prints the peak live heap of runs of the large-value chain
// job (see bigChain).
func BigChain(job func() *taskrt.Job, peak func() uint64, reset func()) {
	main1(func(w *json.Encoder) error { return bigChain(w, job, peak, reset) })
}

func main1(f func(*json.Encoder) error) {
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "overhead:", err)
			os.Exit(1)
		}
	}
	err := f(json.NewEncoder(os.Stdout))
	pprof.StopCPUProfile()
	if err != nil {
		fmt.Fprintln(os.Stderr, "overhead:", err)
		os.Exit(1)
	}
}

func run(enc *json.Encoder, e Entry) error {
	var ws []int
	for _, s := range strings.Split(*workers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-workers: %w", err)
		}
		ws = append(ws, n)
	}
	// The cost of Job(): the first call in the process, then the least of
	// five more.
	t0 := time.Now()
	job := e.Job()
	rec := Record{Kind: "job", Shape: e.Shape, N: e.N, FirstJob: float64(time.Since(t0).Nanoseconds()) / float64(e.N), Job: -1}
	for range 5 {
		t0 := time.Now()
		e.Job()
		if d := float64(time.Since(t0).Nanoseconds()) / float64(e.N); rec.Job < 0 || d < rec.Job {
			rec.Job = d
		}
	}
	if err := enc.Encode(rec); err != nil {
		return err
	}
	b, err := newBase(job)
	if err != nil {
		return err
	}
	if *reuse {
		reused = job
	}
	job = nil
	want, err := b.runLevels(context.Background(), 1)
	if err != nil {
		return err
	}
	for _, workers := range ws {
		vs := []variant{
			{Variants[0], func() (uint64, error) { return b.runLevels(context.Background(), workers) }},
			{Variants[1], func() (uint64, error) { return runtimeRun(e, taskrt.Options{Workers: workers}) }},
			{Variants[2], func() (uint64, error) { return b.runEager(context.Background(), workers) }},
			{Variants[3], func() (uint64, error) {
				return runtimeRun(e, taskrt.Options{Workers: workers, Schedule: taskrt.ScheduleEager})
			}},
		}
		m, err := measure(vs, e.N, want, *budget)
		if err != nil {
			return fmt.Errorf("%s, %d tasks, W=%d: %w", e.Shape, e.N, workers, err)
		}
		rec := Record{Kind: "row", Shape: e.Shape, N: e.N, W: workers}
		for _, x := range m {
			rec.NS = append(rec.NS, x.ns)
			rec.Allocs = append(rec.Allocs, x.allocs)
			rec.Bytes = append(rec.Bytes, x.bytes)
		}
		if err := enc.Encode(rec); err != nil {
			return err
		}
	}
	return nil
}

// bigChain reports the peak live heap of runs of the large-value chain,
// beyond the live heap before the run, with the default options and, if
// the runtime has it, KeepResults.
func bigChain(enc *json.Encoder, bigChainJob func() *taskrt.Job, bigChainPeak func() uint64, bigChainReset func()) error {
	for _, sched := range []taskrt.Schedule{taskrt.ScheduleLevels, taskrt.ScheduleEager} {
		for _, keep := range []bool{false, true} {
			opts := taskrt.Options{Workers: 2, Schedule: sched}
			label := "default"
			if keep {
				// Set by name, so that the driver also builds against a
				// runtime that has no such option.
				f := reflect.ValueOf(&opts).Elem().FieldByName("KeepResults")
				if !f.IsValid() {
					continue
				}
				f.SetBool(true)
				label = "KeepResults"
			}
			job := bigChainJob()
			var m goruntime.MemStats
			goruntime.GC()
			goruntime.ReadMemStats(&m)
			bigChainReset()
			rep, err := job.Run(context.Background(), opts)
			if err != nil {
				return err
			}
			peak := float64(bigChainPeak()-m.HeapAlloc) / (1 << 20)
			goruntime.KeepAlive(rep)
			if err := enc.Encode(Record{Kind: "peak", N: len(job.Tasks), Schedule: sched.String(), Options: label, MiB: peak}); err != nil {
				return err
			}
		}
	}
	return nil
}
