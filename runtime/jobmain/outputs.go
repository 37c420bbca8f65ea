package jobmain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"strings"
	"syscall"

	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/progress"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/summary"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/trace"
)

// parseLevel parses --log-level.
func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", s)
}

// outputs are what a run shows and writes besides the summary: the logs,
// the live progress, the --report and --trace files.
type outputs struct {
	logger   *slog.Logger
	progress *progress.Display // nil when off
	trace    *trace.Recorder   // nil without --trace
	report   *os.File          // nil without --report
	traceOut *os.File          // nil without --trace
}

// newOutputs prepares the outputs of a run of job. It creates the --report
// and --trace files first, so that a path that cannot be written stops the
// run before it starts.
func newOutputs(job *runtime.Job, cfg config, stderr io.Writer) (*outputs, error) {
	o := new(outputs)
	var err error
	if cfg.reportPath != "" {
		if o.report, err = os.Create(cfg.reportPath); err != nil {
			return nil, fmt.Errorf("--report: %w", err)
		}
	}
	if cfg.tracePath != "" {
		if o.traceOut, err = os.Create(cfg.tracePath); err != nil {
			o.close()
			return nil, fmt.Errorf("--trace: %w", err)
		}
		o.trace = new(trace.Recorder)
	}
	logOut := stderr
	if !cfg.noProgress && progress.IsTerminal(stderr) {
		var opts progress.Options
		if cfg.process {
			// What the tasks print goes above the bars instead of under
			// them; stdout only when it is a terminal too, so that
			// ./bin/job1 > out.txt still fills out.txt.
			opts.Capture = []**os.File{&os.Stderr}
			if progress.IsTerminal(os.Stdout) {
				opts.Capture = append(opts.Capture, &os.Stdout)
			}
		}
		o.progress = progress.New(stderr, job, opts)
		logOut = o.progress.Writer()
	}
	level, _ := parseLevel(cfg.logLevel) // checked with the flags
	hopts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(logOut, hopts)
	if cfg.logFormat == "json" {
		h = slog.NewJSONHandler(logOut, hopts)
	}
	o.logger = slog.New(h)
	return o, nil
}

// observer returns the observer of the run: nil when nothing observes it,
// so that the run pays nothing.
func (o *outputs) observer() runtime.Observer {
	switch {
	case o.progress != nil && o.trace != nil:
		return runtime.ObserverFunc(func(e runtime.Event) {
			o.trace.Observe(e)
			o.progress.Observe(e)
		})
	case o.progress != nil:
		return o.progress
	case o.trace != nil:
		return o.trace
	}
	return nil
}

// finish stops the progress display (if the run did not) and writes the
// --report and --trace files of a run summed up by sum; a nil sum (no run)
// removes them.
func (o *outputs) finish(sum *summary.Report) error {
	if o.progress != nil {
		o.progress.Stop()
	}
	var errs []error
	if o.report != nil && sum != nil {
		if err := sum.WriteJSON(o.report); err != nil {
			errs = append(errs, fmt.Errorf("--report: %w", err))
		}
	}
	if o.traceOut != nil && sum != nil {
		if _, err := o.trace.WriteTo(o.traceOut); err != nil {
			errs = append(errs, fmt.Errorf("--trace: %w", err))
		}
	}
	errs = append(errs, o.close())
	if sum == nil { // the job was invalid: leave no empty files behind
		for _, f := range []*os.File{o.report, o.traceOut} {
			if f != nil {
				os.Remove(f.Name())
			}
		}
	}
	return errors.Join(errs...)
}

// close closes the files.
func (o *outputs) close() error {
	var errs []error
	for _, f := range []*os.File{o.report, o.traceOut} {
		if f != nil {
			if err := f.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// routeDefaultLogger makes l the default logger of log/slog, and so of
// the standard log package, until the returned function puts back what
// was there: what a task writes with slog.Info or log.Printf then goes
// through the run's handler, in its format, above the progress display.
func routeDefaultLogger(l *slog.Logger) (restore func()) {
	prev, w, flags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(l)
	return func() {
		slog.SetDefault(prev)
		log.SetOutput(w)
		log.SetFlags(flags)
	}
}

// stopping tells the progress display, if there is one, why the run stops
// once ctx, the run's context, ends; the returned function stops watching.
func (o *outputs) stopping(ctx context.Context) (stop func() bool) {
	if o.progress == nil {
		return func() bool { return false }
	}
	return context.AfterFunc(ctx, func() {
		why := "cancelled"
		var sig interrupted
		switch cause := context.Cause(ctx); {
		case errors.As(cause, &sig):
			why = signalName(sig.sig)
		case errors.Is(cause, errTimeout):
			why = "--timeout expired"
		}
		o.progress.Stopping(why)
	})
}

// signalName is the conventional name of sig: SIGINT, SIGTERM.
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}
