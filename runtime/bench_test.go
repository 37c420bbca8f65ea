package runtime_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// The runtime's cost beside hand-written Go, through the code jobgen
// generates for a job written as a user writes one (one task type per
// task), is measured by BenchmarkOverhead in cmd/jobgen (make
// bench-overhead; see docs/performance.md). The benchmarks here measure
// the runtime alone, as targets for -cpuprofile.

// inc is the task of the tables of BenchmarkRun: every task has this one
// type, so the calls of its Run method do not miss the instruction cache as
// those of a job of distinct types do.
type inc struct{}

func (inc) Run(_ context.Context, xs ...uint64) (uint64, error) {
	s := uint64(1000)
	for _, x := range xs {
		s += x
	}
	return s/uint64(len(xs)+1) + 1, nil
}

type incRunner interface {
	Run(context.Context, ...uint64) (uint64, error)
}

var (
	incSig = runtime.Sig[incRunner, uint64]{Call: func(c *runtime.Call) error {
		r, err := (*c.Task().(*incRunner)).Run(c.Context(), runtime.Args[uint64](c, 0)...)
		return runtime.Return(c, r, err)
	}}
	incValue incRunner = &inc{}
)

// benchTable returns a table of n tasks in levels of width tasks (1 is a
// chain, n one wide level), each task after the first level taking the
// results of two tasks of the level before.
func benchTable(n, width int) *runtime.Table {
	t := &runtime.Table{Name: "bench"}
	for i := range n {
		k, p := i/width, i%width
		d := runtime.TaskDef{Name: fmt.Sprint("t", i), Sig: &incSig, Value: &incValue}
		if k > 0 {
			d.Deps = []int{(k-1)*width + p}
			if width > 1 {
				d.Deps = append(d.Deps, (k-1)*width+(p+1)%width)
			}
			d.Args = d.Deps
		}
		t.Tasks = append(t.Tasks, d)
		if p == 0 {
			t.Levels = append(t.Levels, nil)
		}
		t.Levels[k] = append(t.Levels[k], i)
	}
	return t
}

// BenchmarkRun runs typed tables of 10,000 no-op tasks (a chain, levels of
// 100, one wide level) with Job() and Run, as a job binary does.
func BenchmarkRun(b *testing.B) {
	const n = 10_000
	for _, shape := range []struct {
		name  string
		width int
	}{{"chain", 1}, {"layered", 100}, {"wide", n}} {
		table := benchTable(n, shape.width)
		for _, sched := range schedules {
			for _, w := range []int{1, 2, 8} {
				b.Run(fmt.Sprintf("%s/%s/W=%d", shape.name, sched, w), func(b *testing.B) {
					b.ReportAllocs()
					opts := runtime.Options{Workers: w, Schedule: sched}
					for b.Loop() {
						if _, err := table.Job().Run(context.Background(), opts); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
				})
			}
		}
	}
}

var sinkDuration time.Duration

// BenchmarkClock measures what the one clock reading a task costs
// (time.Since, the monotonic clock: what the runtime reads), beside a
// cheaper clock it does not use: a coarse time that a goroutine of its
// own updates every 100µs, read with one atomic load. A task's start and
// duration from the coarse clock would be off by up to its period, and by
// much more while the workers keep every core busy and the updating
// goroutine waits for one.
func BenchmarkClock(b *testing.B) {
	start := time.Now()
	b.Run("monotonic", func(b *testing.B) {
		for b.Loop() {
			sinkDuration = time.Since(start)
		}
	})
	b.Run("coarse", func(b *testing.B) {
		var now atomic.Int64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			t := time.NewTicker(100 * time.Microsecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					now.Store(int64(time.Since(start)))
				}
			}
		}()
		for b.Loop() {
			sinkDuration = time.Duration(now.Load())
		}
		close(stop)
		<-done
	})
}
