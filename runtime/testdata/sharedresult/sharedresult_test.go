// Package sharedresult shows the rule on results shared between
// dependents: TestMutateShared has two dependents of one task change its
// result in place at the same time, which `go test -race` reports as a
// data race; TestCloneFirst has them copy it first, which is safe.
// runtime's TestSharedResultRace runs these tests in a child go test.
package sharedresult

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// job is: load returns a slice; a and b, in one level, both receive it
// and meet before calling use on it, so that they run at once.
func job(use func([]int)) *runtime.Job {
	var both sync.WaitGroup
	both.Add(2)
	dependent := func(_ context.Context, args []any) (any, error) {
		xs := args[0].([]int)
		both.Done()
		both.Wait()
		use(xs)
		return len(xs), nil
	}
	return &runtime.Job{
		Name: "shared",
		Tasks: []runtime.Task{
			{Name: "load", Run: func(context.Context, []any) (any, error) { return []int{3, 1, 2}, nil }},
			{Name: "a", Deps: []int{0}, Args: []int{0}, Run: dependent},
			{Name: "b", Deps: []int{0}, Args: []int{0}, Run: dependent},
		},
		Levels: [][]int{{0}, {1, 2}},
	}
}

func run(t *testing.T, use func([]int)) {
	if _, err := job(use).Run(context.Background(), runtime.Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
}

func TestMutateShared(t *testing.T) {
	run(t, func(xs []int) { slices.Sort(xs) }) // both sort the one slice
}

func TestCloneFirst(t *testing.T) {
	run(t, func(xs []int) { slices.Sort(slices.Clone(xs)) })
}
