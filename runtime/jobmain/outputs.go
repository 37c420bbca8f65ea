package jobmain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

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
	report   *outFile          // nil without --report
	traceOut *outFile          // nil without --trace
}

// newOutputs prepares the outputs of a run of job. It creates the --report
// and --trace files first (see [createOut]), so that a path that cannot be
// written stops the run before it starts. exit, if not nil, is told about
// them (see [onExit]).
func newOutputs(job *runtime.Job, cfg config, stderr io.Writer, exit *onExit) (*outputs, error) {
	o := new(outputs)
	var err error
	if cfg.reportPath != "" {
		if o.report, err = createOut("--report", cfg.reportPath, exit); err != nil {
			return nil, err
		}
	}
	if cfg.tracePath != "" {
		if o.traceOut, err = createOut("--trace", cfg.tracePath, exit); err != nil {
			o.report.discard()
			return nil, err
		}
		o.trace = new(trace.Recorder)
	}
	if err := errors.Join(o.report.clear(), o.traceOut.clear()); err != nil {
		o.report.discard()
		o.traceOut.discard()
		return nil, err
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
// leaves no file.
func (o *outputs) finish(sum *summary.Report) error {
	if o.progress != nil {
		o.progress.Stop()
	}
	if sum == nil {
		o.report.discard()
		o.traceOut.discard()
		return nil
	}
	var errs []error
	if o.report != nil {
		errs = append(errs, o.report.commit(sum.WriteJSON))
	}
	if o.traceOut != nil {
		errs = append(errs, o.traceOut.commit(func(w io.Writer) error { _, err := o.trace.WriteTo(w); return err }))
	}
	return errors.Join(errs...)
}

// outFile is a --report or --trace file being written. Its content goes to
// a temporary file in the same folder (".<name>.tmp-<n>"), which commit
// renames into place once it is written, synced and closed: a reader sees
// the whole file or none, and a process that ends before commit leaves no
// file at the path. So that an earlier run's file cannot pass for this
// run's, createOut removes it. An existing path that is neither a regular
// file nor a folder (a device such as /dev/stdout, a named pipe) is written
// in place.
type outFile struct {
	flag string // "--report" or "--trace"
	arg  string // the path the flag gave
	path string // the file's path, symbolic links resolved
	f    *os.File
	temp bool    // f is a temporary file, renamed to path by commit
	exit *onExit // told about a temporary file; may be nil
}

// staleTempAge is how old a temporary --report or --trace file must be for
// a later run to remove it: the run that wrote it was killed before it
// could rename or remove it (a second signal or SIGKILL), or a run that
// writes the same path still runs, which makes the file young.
const staleTempAge = 5 * time.Minute

// removeStaleTemps removes the temporary files of base in dir that are
// older than staleTempAge.
func removeStaleTemps(dir, base string) {
	if dir == "" {
		dir = "."
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "."+base+".tmp-") || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTempAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// createOut prepares the file of flag at path; an error means that it
// cannot be written, and names flag.
func createOut(flag, path string, exit *onExit) (*outFile, error) {
	o := &outFile{flag: flag, arg: path, path: path, exit: exit}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return nil, fmt.Errorf("%s: %s is a folder", flag, path)
		}
		if o.f, err = os.OpenFile(path, os.O_WRONLY, 0); err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		return o, nil
	}
	for range 40 { // replace the file a link points to, not the link
		target, err := os.Readlink(o.path)
		if err != nil {
			break // not a link
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(o.path), target)
		}
		o.path = target
	}
	var err error
	dir, base := filepath.Split(o.path)
	removeStaleTemps(dir, base)
	for range 100 {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64N(1e9), 10))
		o.f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	o.temp = true
	exit.add(o)
	return o, nil
}

// clear removes the file an earlier run left at the path, if o is a
// temporary file. A nil o does nothing.
func (o *outFile) clear() error {
	if o == nil || !o.temp {
		return nil
	}
	if err := os.Remove(o.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", o.flag, err)
	}
	return nil
}

// commit writes the file with write and puts it in place; on an error it
// leaves no file at the path.
func (o *outFile) commit(write func(io.Writer) error) error {
	err := write(o.f)
	if err == nil && o.temp {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if o.temp {
		o.exit.done(o, func() {
			if err == nil {
				err = os.Rename(o.f.Name(), o.path)
			}
			if err != nil {
				os.Remove(o.f.Name())
			}
		})
	}
	if err != nil {
		return fmt.Errorf("%s: %w", o.flag, err)
	}
	return nil
}

// discard closes the file and removes it if it is a temporary one. A nil
// o does nothing.
func (o *outFile) discard() {
	if o == nil {
		return
	}
	o.f.Close()
	if o.temp {
		o.exit.done(o, func() { os.Remove(o.f.Name()) })
	}
}

// onExit is what [Main] does before a second signal ends the process: it
// removes the temporary files of the --report and --trace files being
// written, and says which of them will not be written. The zero value is
// ready to use, and a nil *onExit does nothing.
type onExit struct {
	mu    sync.Mutex
	files []*outFile
}

func (e *onExit) add(o *outFile) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.files = append(e.files, o)
}

// done calls fn, which renames or removes the temporary file of o, and
// forgets o, so that the process cannot exit in the middle.
func (e *onExit) done(o *outFile, fn func()) {
	if e == nil {
		fn()
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	fn()
	e.files = slices.DeleteFunc(e.files, func(f *outFile) bool { return f == o })
}

// exit removes the temporary files and returns what will not be written,
// e.g. "; --report run.json not written". It holds the lock until the
// process ends, so that no rename starts after it.
func (e *onExit) exit() string {
	e.mu.Lock()
	var b strings.Builder
	for _, o := range e.files {
		os.Remove(o.f.Name())
		fmt.Fprintf(&b, "; %s %s not written", o.flag, o.arg)
	}
	return b.String()
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
