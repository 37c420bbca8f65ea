package runtime_test

import (
	"context"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// Typed functions as TaskFuncs, for the tables the tests build by hand
// (generated tables call Run methods through their signatures' adapters
// instead; see table_test.go).

func arg[T any](v any) T {
	if v == nil { // a nil result is T's zero value
		var zero T
		return zero
	}
	return v.(T)
}

func func0[R any](f func(context.Context) (R, error)) runtime.TaskFunc {
	return func(ctx context.Context, _ []any) (any, error) { return f(ctx) }
}

func func1[A, R any](f func(context.Context, A) (R, error)) runtime.TaskFunc {
	return func(ctx context.Context, args []any) (any, error) { return f(ctx, arg[A](args[0])) }
}

func func2[A, B, R any](f func(context.Context, A, B) (R, error)) runtime.TaskFunc {
	return func(ctx context.Context, args []any) (any, error) { return f(ctx, arg[A](args[0]), arg[B](args[1])) }
}

func funcV0[V, R any](f func(context.Context, ...V) (R, error)) runtime.TaskFunc {
	return func(ctx context.Context, args []any) (any, error) {
		vs := make([]V, len(args))
		for i, a := range args {
			vs[i] = arg[V](a)
		}
		return f(ctx, vs...)
	}
}

func funcV1[A, V, R any](f func(context.Context, A, ...V) (R, error)) runtime.TaskFunc {
	return func(ctx context.Context, args []any) (any, error) {
		vs := make([]V, len(args)-1)
		for i, a := range args[1:] {
			vs[i] = arg[V](a)
		}
		return f(ctx, arg[A](args[0]), vs...)
	}
}

func action0(f func(context.Context) error) runtime.TaskFunc {
	return func(ctx context.Context, _ []any) (any, error) { return nil, f(ctx) }
}
