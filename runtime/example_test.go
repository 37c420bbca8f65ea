package runtime_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// A job is a task table with its levels. Generated code builds one from the
// config, calling each task's typed Run method (see runtime.Table); here
// it is written by hand, with TaskFuncs: Args says which results fill the
// arguments of each. KeepResults keeps the results of name and punctuation
// in the report, which drops by default the results that other tasks
// take once they ran.
func ExampleJob_Run() {
	job := &runtime.Job{
		Name: "greet",
		Tasks: []runtime.Task{
			{Name: "name", Run: func(context.Context, []any) (any, error) {
				return "world", nil
			}},
			{Name: "punctuation", Run: func(context.Context, []any) (any, error) {
				return "!", nil
			}},
			{Name: "greeting", Deps: []int{0, 1}, Args: []int{0, 1}, Run: func(_ context.Context, args []any) (any, error) {
				name, mark := args[0].(string), args[1].(string)
				return "hello, " + name + mark, nil
			}},
		},
		Levels: [][]int{{0, 1}, {2}},
	}
	rep, err := job.Run(context.Background(), runtime.Options{Workers: 2, KeepResults: true})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, t := range rep.Tasks {
		fmt.Printf("%s (level %d): %s %q\n", t.Name, t.Level, t.State, t.Result)
	}
	// Output:
	// name (level 0): succeeded "world"
	// punctuation (level 0): succeeded "!"
	// greeting (level 1): succeeded "hello, world!"
}

// By default the first failure stops the run: tasks downstream of the
// failed one are upstream_failed, and tasks that had not started stay
// not_started. The returned error names the task.
func ExampleJob_Run_failFast() {
	errBadInput := errors.New("bad input")
	job := &runtime.Job{
		Name: "etl",
		Tasks: []runtime.Task{
			{Name: "extract", Run: func(context.Context, []any) (any, error) { return nil, errBadInput }},
			{Name: "audit", Run: func(context.Context, []any) (any, error) { return nil, nil }},
			{Name: "load", Deps: []int{0}, Run: func(context.Context, []any) (any, error) { return nil, nil }},
		},
		Levels: [][]int{{0, 1}, {2}},
	}
	rep, err := job.Run(context.Background(), runtime.Options{Workers: 1})
	for _, t := range rep.Tasks {
		fmt.Println(t.Name, t.State)
	}
	fmt.Println(err)
	fmt.Println(errors.Is(err, errBadInput))
	// Output:
	// extract failed
	// audit not_started
	// load upstream_failed
	// task "extract": bad input
	// true
}

// A task with retries is tried again after a failure, unless its error is
// marked Permanent.
func ExamplePermanent() {
	attempts := 0
	job := &runtime.Job{
		Name: "upload",
		Tasks: []runtime.Task{{Name: "put", Retries: 5, Run: func(context.Context, []any) (any, error) {
			attempts++
			return nil, runtime.Permanent(errors.New("access denied"))
		}}},
		Levels: [][]int{{0}},
	}
	rep, err := job.Run(context.Background(), runtime.Options{})
	fmt.Println(rep.Tasks[0].State, rep.Tasks[0].Attempts, attempts)
	fmt.Println(err)
	// Output:
	// failed 1 1
	// task "put": access denied
}

// A task that spreads its work over goroutines starts them with a Group:
// a panic in one of them becomes the task's error, with that goroutine's
// stack, instead of ending the process.
func ExampleGroup() {
	sumSquares := func(ctx context.Context, _ []any) (any, error) {
		xs := []int{1, 2, 3}
		squares := make([]int, len(xs))
		g, ctx := runtime.NewGroup(ctx)
		for i := range len(xs) + 1 { // a bug: one goroutine too many
			g.Go(func() error {
				if err := ctx.Err(); err != nil {
					return err
				}
				squares[i] = xs[i] * xs[i]
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return 0, err
		}
		return squares[0] + squares[1] + squares[2], nil
	}
	job := &runtime.Job{
		Name:   "squares",
		Tasks:  []runtime.Task{{Name: "sum_squares", Run: sumSquares}},
		Levels: [][]int{{0}},
	}
	rep, err := job.Run(context.Background(), runtime.Options{})
	var p *runtime.PanicError
	fmt.Println(rep.Tasks[0].State, errors.As(err, &p))
	fmt.Println(p.Value)
	// Output:
	// panicked true
	// runtime error: index out of range [3] with length 3
}
