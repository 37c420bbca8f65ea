package runtime

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// Logger returns the logger for code running under ctx. In a run with an
// [Options.Logger], the context a task's Run (and [Handler.Execute])
// receives gives the run's logger with the attributes job, task,
// graph_level and attempt attached, so that what a task logs sits in the
// run's log stream, in its format, beside the run's own records; the
// contexts of Setup and Teardown give it with job attached. Anywhere else
// (no run, or a run without a Logger) Logger returns [slog.Default].
//
// A task logs with
//
//	runtime.Logger(ctx).Info("loaded", "rows", n)
//
// The job binaries of runtime/jobmain also route [slog.Default] (and the
// standard log package) through the run's logger while a job runs, so
// slog.Info in a task lands in the same stream, only without the task's
// attributes.
func Logger(ctx context.Context) *slog.Logger {
	if lc, ok := ctx.Value(logKey{}).(*logContext); ok {
		return lc.logger()
	}
	return slog.Default()
}

// logKey is the context key of a *logContext.
type logKey struct{}

// logContext is a context that carries the run's logger, and the task
// whose attempt runs under it. A type of its own rather than
// context.WithValue so that an attempt costs one allocation.
type logContext struct {
	context.Context
	log     *slog.Logger // the run's, with job attached
	info    TaskInfo
	task    bool // info is set: this is an attempt's context
	derived atomic.Pointer[slog.Logger]
}

// Value returns lc for logKey, and asks the parent otherwise.
func (lc *logContext) Value(key any) any {
	if key == (logKey{}) {
		return lc
	}
	return lc.Context.Value(key)
}

// logger returns the run's logger with the task's attributes, built on
// first use.
func (lc *logContext) logger() *slog.Logger {
	if !lc.task {
		return lc.log
	}
	if l := lc.derived.Load(); l != nil {
		return l
	}
	l := lc.log.With(slog.String("task", lc.info.Name), slog.Int("graph_level", lc.info.Level), slog.Int("attempt", lc.info.Attempt))
	lc.derived.Store(l)
	return l
}

// withRunLogger returns ctx carrying log for [Logger], or ctx itself when
// log is nil.
func withRunLogger(ctx context.Context, log *slog.Logger) context.Context {
	if log == nil {
		return ctx
	}
	return &logContext{Context: ctx, log: log}
}

// withTaskLogger returns ctx carrying log and the attempt info for
// [Logger], or ctx itself when log is nil.
func withTaskLogger(ctx context.Context, log *slog.Logger, info TaskInfo) context.Context {
	if log == nil {
		return ctx
	}
	return &logContext{Context: ctx, log: log, info: info, task: true}
}
