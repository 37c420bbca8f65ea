package runtime_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// BenchmarkRun measures the runtime's overhead per task on no-op tasks at
// 8 workers: one wide level, and a layered DAG where each task depends on
// one task of the level before (ordering only).
func BenchmarkRun(b *testing.B) {
	noop := runtime.Action0(func(context.Context) error { return nil })
	wide := func(n int) *runtime.Job {
		job := &runtime.Job{Name: "wide", Tasks: make([]runtime.Task, n), Levels: [][]int{make([]int, n)}}
		for i := range n {
			job.Tasks[i] = runtime.Task{Name: fmt.Sprint("t", i), Run: noop}
			job.Levels[0][i] = i
		}
		return job
	}
	layered := func(levels, width int) *runtime.Job {
		job := &runtime.Job{Name: "layered", Levels: make([][]int, levels)}
		for k := range levels {
			for range width {
				i := len(job.Tasks)
				t := runtime.Task{Name: fmt.Sprint("t", i), Run: noop}
				if k > 0 {
					t.Deps = []int{i - width}
				}
				job.Tasks = append(job.Tasks, t)
				job.Levels[k] = append(job.Levels[k], i)
			}
		}
		return job
	}
	benchmarks := []struct {
		name string
		job  *runtime.Job
	}{
		{"wide/10000", wide(10000)},
		{"layered/100x100", layered(100, 100)},
		{"layered/1000x10", layered(1000, 10)},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				if _, err := bm.job.Run(ctx, runtime.Options{Workers: 8}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bm.job.Tasks)), "ns/task")
		})
	}
}
