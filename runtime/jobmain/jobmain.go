package jobmain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/taskorchestrator/taskorchestrator/internal/clikit"
	"github.com/taskorchestrator/taskorchestrator/internal/plan"
	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/state"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/summary"
	"github.com/urfave/cli/v2"
)

// Exit codes of a job binary.
const (
	// ExitOK means every task succeeded.
	ExitOK = 0
	// ExitFailed means a task did not succeed.
	ExitFailed = 1
	// ExitUsage means the command line was wrong.
	ExitUsage = 2
	// ExitSetup means the handler's Setup failed or the job table is
	// invalid; no task ran.
	ExitSetup = 3
	// ExitTeardown means every task succeeded but Teardown failed.
	ExitTeardown = 4
	// ExitTimeout means the --timeout expired.
	ExitTimeout = 124
	// ExitInterrupted means the run was cancelled, by SIGINT when Main
	// runs it. SIGTERM gives 143 instead: 128 plus the signal's number.
	ExitInterrupted = 130
)

// Main runs the job binary with the process's signals and standard streams
// and returns the exit code for os.Exit. SIGINT or SIGTERM cancels the run:
// no new task starts, running tasks see ctx.Done(), Teardown runs, and Main
// returns 130 (SIGINT) or 143 (SIGTERM). A second signal ends the process
// at once with os.Exit from the signal goroutine, with the code of that
// signal, without waiting for the tasks or Teardown: it says so on stderr,
// and removes the --report and --trace files being written, which are then
// absent rather than a part of themselves.
//
// Main receives SIGPIPE, so that a write to a stdout or stderr that is a
// pipe nobody reads any more fails with an error (EPIPE) instead of
// killing the process (see os/signal, "SIGPIPE"): the run goes on,
// Teardown runs, and the exit code stays what the run earned. Receiving
// it, rather than ignoring it, keeps its default action for the processes
// the tasks start.
func Main(job *runtime.Job, args []string) int {
	return MainWith(job, args, Extension{})
}

// Extension adds to a job binary's command line, for packages that run a
// job elsewhere than in this process (runtime/temporaljob) without this
// package depending on them.
type Extension struct {
	// Flags are added to the binary's flags.
	Flags []cli.Flag
	// Commands are subcommands of the binary, such as "worker".
	Commands []*cli.Command
	// Runner, if not nil, is called after the flags are parsed and checked
	// and returns the function that runs the job, or nil to run it in this
	// process with [runtime.Job.Run]. An error is a usage error.
	Runner func(c *cli.Context) (RunFunc, error)
}

// RunFunc runs a job as [runtime.Job.Run] does, reporting to
// opts.Observer and opts.Logger, and returns its report. A nil report
// means that no task could run; the error says why.
type RunFunc func(ctx context.Context, job *runtime.Job, opts runtime.Options) (*runtime.Report, error)

// MainWith is [Main] with an [Extension].
func MainWith(job *runtime.Job, args []string, ext Extension) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	pipes := make(chan os.Signal, 1) // never read: Notify drops what does not fit
	signal.Notify(pipes, syscall.SIGPIPE)
	defer signal.Stop(pipes)
	exit := new(onExit)
	ctx = context.WithValue(ctx, onExitKey{}, exit)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case sig := <-sigs:
			cancel(interrupted{sig})
		case <-done:
			return
		}
		select {
		case sig := <-sigs:
			fmt.Fprintf(os.Stderr, "%s: second signal (%v): exiting without waiting for running tasks or Teardown%s\n", job.Name, sig, exit.exit())
			os.Exit(exitCode(sig))
		case <-done:
		}
	}()
	return runWith(ctx, job, args, os.Stdout, os.Stderr, ext, true)
}

// onExitKey is the key of the [*onExit] that Main puts in the context.
type onExitKey struct{}

// interrupted is the cause of the context Main cancels on a signal.
type interrupted struct{ sig os.Signal }

func (e interrupted) Error() string { return "interrupted by " + e.sig.String() }

// exitCode is 128 plus the signal's number, the shells' convention.
func exitCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return ExitInterrupted
}

// usageError is a problem with the command line.
type usageError struct{ err error }

// UsageError marks err, returned by the action of an [Extension]'s
// command, as bad usage: the binary prints it with a hint to -h and exits 2.
func UsageError(err error) error { return usageError{err} }

func (e usageError) Error() string { return e.err.Error() }

// errTimeout is the cause of the run's context when --timeout expires.
var errTimeout = errors.New("--timeout expired")

// config is the parsed command line.
type config struct {
	workers    int
	timeout    time.Duration
	keepGoing  bool
	schedule   string // --schedule: levels or eager
	dryRun     bool
	json       bool // with dryRun: print the plan as JSON
	logFormat  string
	logLevel   string
	noProgress bool
	summary    bool   // --summary: the table also after a success
	reportPath string // --report
	tracePath  string // --trace
	process    bool   // the run is the process's: route slog.Default to its logger
	paramsFile string // --params
	only       cli.StringSlice
	from       string // --from
	list       bool   // --list
	stateDir   string // --state
	resume     bool   // --resume
}

// runPlan is what the command line asks of a run besides its options:
// its inputs, the part of the job to run, and where to keep the results.
type runPlan struct {
	params any
	sel    selection
	store  *state.Store // nil without --state
	part   partialPlan
}

// Run is Main without the process: it parses args (args[0] is the program
// name), runs job with ctx, writes the summary to stdout and the logs and
// errors to stderr, and returns the exit code. If ctx is cancelled the code
// is 130, or 128 plus the signal number when Main cancelled it.
func Run(ctx context.Context, job *runtime.Job, args []string, stdout, stderr io.Writer) int {
	return RunWith(ctx, job, args, stdout, stderr, Extension{})
}

// RunWith is [Run] with an [Extension].
func RunWith(ctx context.Context, job *runtime.Job, args []string, stdout, stderr io.Writer, ext Extension) int {
	return runWith(ctx, job, args, stdout, stderr, ext, false)
}

// runWith is [RunWith]; process says that it runs the process (from
// [MainWith]), so that it may route the process's default logger.
func runWith(ctx context.Context, job *runtime.Job, args []string, stdout, stderr io.Writer, ext Extension, process bool) int {
	job = withLevels(job)
	cfg := config{process: process}
	env := func(flag string) []string { return []string{EnvVar(job.Name, flag)} }
	ins, insErr := newInputSet(job)
	app := &cli.App{
		Name:                  job.Name,
		Usage:                 "run the job " + job.Name,
		Version:               version(job),
		HideHelpCommand:       true,
		EnableBashCompletion:  true,
		CustomAppHelpTemplate: cli.AppHelpTemplate + helpTail(job.Name),
		Writer:                stdout,
		ErrWriter:             stderr,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "workers", EnvVars: env("workers"), Value: goruntime.GOMAXPROCS(0), Usage: "run at most `N` tasks at once", Destination: &cfg.workers},
			&cli.DurationFlag{Name: "timeout", EnvVars: env("timeout"), Usage: "stop the whole run after `D` (0 = no limit)", Destination: &cfg.timeout},
			&cli.BoolFlag{Name: "keep-going", EnvVars: env("keep-going"), Value: job.KeepGoing, Usage: "after a failure, still run every task whose dependencies succeeded (--keep-going=false to stop at the first failure)", Destination: &cfg.keepGoing},
			&cli.StringFlag{Name: "schedule", EnvVars: env("schedule"), Value: "levels", Usage: "start tasks by `MODE`: levels (a level starts when the one before it is done) or eager (each task as soon as its dependencies succeeded)", Destination: &cfg.schedule},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the plan (levels, widths, critical path) without running anything", Destination: &cfg.dryRun},
			&cli.BoolFlag{Name: "json", Usage: "with --dry-run, print the plan as JSON", Destination: &cfg.json},
			&cli.BoolFlag{Name: "summary", EnvVars: env("summary"), Usage: "print the table of every task at the end also when the run succeeded (it is printed whenever it did not)", Destination: &cfg.summary},
			&cli.StringFlag{Name: "log-format", EnvVars: env("log-format"), Value: "text", Usage: "log `FORMAT` on stderr: text or json", Destination: &cfg.logFormat},
			&cli.StringFlag{Name: "log-level", EnvVars: env("log-level"), Value: "info", Usage: "log records of `LEVEL` and above: debug (adds a record per attempt start and per task that succeeded), info (the tasks' own records, retries, failures), warn or error", Destination: &cfg.logLevel},
			&cli.BoolFlag{Name: "no-progress", EnvVars: env("no-progress"), Usage: "do not draw the live progress on stderr (drawn only when stderr is a terminal)", Destination: &cfg.noProgress},
			&cli.StringFlag{Name: "report", EnvVars: env("report"), Usage: "write the run's report as JSON to `FILE`", Destination: &cfg.reportPath},
			&cli.StringFlag{Name: "trace", EnvVars: env("trace"), Usage: "write the run as a Chrome trace-event `FILE`, for Perfetto or chrome://tracing", Destination: &cfg.tracePath},
			&cli.BoolFlag{Name: "list", Usage: "list the tasks (name, level, dependencies) and exit", Destination: &cfg.list},
			&cli.StringSliceFlag{Name: "only", Usage: "run only `TASK` (repeat, or separate with commas; by_region or jobs.job1.by_region); the results it needs from other tasks come from --state", Destination: &cfg.only},
			&cli.StringFlag{Name: "from", Usage: "run `TASK` and every task downstream of it; the results they need from other tasks come from --state", Destination: &cfg.from},
			&cli.StringFlag{Name: "state", EnvVars: env("state"), Usage: "keep each succeeded task's result in `DIR` as it finishes, for --resume, --only and --from", Destination: &cfg.stateDir},
			&cli.BoolFlag{Name: "resume", EnvVars: env("resume"), Usage: "with --state, skip every task whose stored result is still valid (same task definitions, inputs and upstream results) and run the rest", Destination: &cfg.resume},
		},
		Commands: append(slices.Clone(ext.Commands), clikit.CompletionCommand(UsageError)),
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		ExitErrHandler: func(*cli.Context, error) {}, // never os.Exit: Run returns the code
	}
	app.Flags = append(app.Flags, ext.Flags...)
	if ins != nil {
		app.Flags = append(app.Flags, &cli.StringFlag{Name: "params", EnvVars: env("params"), Usage: "read the job's inputs from the JSON `FILE`, an object like the \"params\" of a --report; input flags and variables win", Destination: &cfg.paramsFile})
		app.Flags = append(app.Flags, ins.flags()...)
	}
	app.Action = func(c *cli.Context) error {
		if err := cfg.check(c.Args().Slice()); err != nil {
			return err
		}
		if insErr != nil {
			return &exitError{code: ExitSetup, errs: []error{fmt.Errorf("invalid job:\n%w", insErr)}}
		}
		if cfg.list {
			if err := listTasks(job, stdout); err != nil {
				return &exitError{code: ExitFailed, errs: []error{err}}
			}
			return nil
		}
		var rp runPlan
		if ins != nil {
			p, err := ins.parse(c, cfg.paramsFile)
			if err != nil {
				return usageError{err}
			}
			rp.params = p
		}
		sel, err := selectTasks(job, cfg.only.Value(), cfg.from)
		if err != nil {
			return err
		}
		rp.sel = sel
		runFn := RunFunc(runLocal)
		if ext.Runner != nil && !cfg.dryRun {
			fn, err := ext.Runner(c)
			if err != nil {
				return usageError{err}
			}
			if fn != nil {
				if sel.run != nil || cfg.stateDir != "" {
					return usageError{errors.New("--only, --from and --state run the job in this process, not on Temporal, which keeps a run's progress itself (see docs/temporal.md)")}
				}
				runFn = fn
			}
		}
		stateErr := func(err error) error {
			return &exitError{code: ExitUsage, errs: []error{fmt.Errorf("--state %s: %w", cfg.stateDir, err)}}
		}
		if cfg.stateDir != "" && (!cfg.dryRun || dirExists(cfg.stateDir)) {
			st, err := state.Open(cfg.stateDir, job, rp.params)
			if err != nil {
				return stateErr(err)
			}
			defer st.Close()
			rp.store = st
		}
		part, err := planRun(job, sel, rp.store, cfg.resume)
		if err != nil {
			if !errors.As(err, new(usageError)) {
				return stateErr(err)
			}
			return err
		}
		rp.part = part
		if cfg.dryRun {
			return dryRun(job, cfg, rp, stdout)
		}
		return run(c.Context, job, runFn, cfg, rp, stdout, stderr)
	}
	for _, cmd := range app.Commands {
		if cmd.Action == nil {
			continue
		}
		action := cmd.Action
		cmd.Action = func(c *cli.Context) error {
			err := action(c)
			if err != nil && !errors.As(err, new(usageError)) && !errors.As(err, new(*exitError)) {
				err = &exitError{code: ExitSetup, errs: []error{err}}
			}
			if err != nil {
				err = commandError{c.Command.Name, err}
			}
			return err
		}
	}
	return reportExit(stderr, job.Name, app.RunContext(ctx, args))
}

// exitError ends a command action with an exit code other than
// [ExitUsage], after errs, if any, are printed, one line each.
type exitError struct {
	code int
	errs []error
}

func (e *exitError) Error() string { return errors.Join(e.errs...).Error() }

// commandError is an error of the subcommand name, such as "worker".
type commandError struct {
	name string
	err  error
}

func (e commandError) Error() string { return e.err.Error() }
func (e commandError) Unwrap() error { return e.err }

// reportExit prints err, the error the command line of the binary prog
// ended with, and returns the exit code: a usage error with a hint to --help
// (ExitUsage), an [exitError] as its errors (its code), and any other,
// which urfave/cli returns for a command line it cannot parse, as bad
// usage. It is the one place where the binary prints an error of its own
// and picks its exit code.
func reportExit(stderr io.Writer, prog string, err error) int {
	if err == nil {
		return ExitOK
	}
	var ce commandError
	if errors.As(err, &ce) {
		prog, err = prog+" "+ce.name, ce.err
	}
	var ee *exitError
	if errors.As(err, &ee) {
		for _, e := range ee.errs {
			fmt.Fprintf(stderr, "%s: %v\n", prog, e)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", prog, err, prog)
	return ExitUsage
}

// withLevels returns job, or a copy with the levels [runtime.Levels]
// computes when a job built by hand leaves them nil, so that the plan, the
// progress and the summary see the levels [runtime.Job.Run] runs. A table
// whose levels cannot be computed is left as it is, for the run to report.
func withLevels(job *runtime.Job) *runtime.Job {
	if job.Levels != nil || len(job.Tasks) == 0 {
		return job
	}
	levels, err := runtime.Levels(job.Tasks)
	if err != nil {
		return job
	}
	c := *job
	c.Levels = levels
	return &c
}

// runLocal runs job in this process.
func runLocal(ctx context.Context, job *runtime.Job, opts runtime.Options) (*runtime.Report, error) {
	return job.Run(ctx, opts)
}

// check validates the flag values and rejects arguments.
func (cfg config) check(args []string) error {
	switch {
	case len(args) > 0:
		return usageError{fmt.Errorf("unexpected argument %q", args[0])}
	case cfg.workers < 1:
		return usageError{fmt.Errorf("--workers must be at least 1, not %d", cfg.workers)}
	case cfg.timeout < 0:
		return usageError{fmt.Errorf("--timeout must not be negative, not %v", cfg.timeout)}
	case cfg.logFormat != "text" && cfg.logFormat != "json":
		return usageError{fmt.Errorf("--log-format must be text or json, not %q", cfg.logFormat)}
	case cfg.json && !cfg.dryRun:
		return usageError{errors.New("--json needs --dry-run")}
	case cfg.resume && cfg.stateDir == "":
		return usageError{errors.New("--resume needs --state DIR, the folder of the run to resume")}
	}
	if err := new(runtime.Schedule).UnmarshalText([]byte(cfg.schedule)); err != nil {
		return usageError{fmt.Errorf("--schedule: %w", err)}
	}
	if _, err := parseLevel(cfg.logLevel); err != nil {
		return usageError{err}
	}
	return nil
}

// run runs the job. It writes the summary to stdout and returns the
// *exitError that gives the exit code, with the errors to print: results
// --state could not store, an output that could not be written, and the
// Setup and Teardown errors.
func run(ctx context.Context, job *runtime.Job, runFn RunFunc, cfg config, rp runPlan, stdout, stderr io.Writer) error {
	runCtx := ctx
	if cfg.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeoutCause(ctx, cfg.timeout, errTimeout)
		defer cancel()
	}
	exit, _ := ctx.Value(onExitKey{}).(*onExit)
	out, err := newOutputs(job, cfg, stderr, exit)
	if err != nil {
		return &exitError{code: ExitUsage, errs: []error{err}}
	}
	if cfg.process {
		defer routeDefaultLogger(out.logger.With("job", job.Name))()
	}
	var schedule runtime.Schedule
	_ = schedule.UnmarshalText([]byte(cfg.schedule)) // checked by check
	unwatch := out.stopping(runCtx)
	obs := out.observer()
	if st := rp.store; st != nil {
		obs = withState(st, obs)
		if cfg.resume {
			fmt.Fprintf(stderr, "%s: --resume from %s: %d of %d tasks restored\n", job.Name, cfg.stateDir, len(rp.part.restored), len(job.Tasks))
			for _, n := range rp.part.notes {
				fmt.Fprintln(stderr, n)
			}
		}
	}
	rep, err := runFn(runCtx, job, runtime.Options{
		Workers: cfg.workers, KeepGoing: cfg.keepGoing, Schedule: schedule, Logger: out.logger, Observer: obs,
		Params: rp.params, Only: rp.part.only, Restored: rp.part.restored,
	})
	unwatch()
	if rep == nil {
		out.finish(nil)
		if verr := job.Validate(); verr != nil {
			err = fmt.Errorf("invalid job:\n%w", verr)
		}
		return &exitError{code: ExitSetup, errs: []error{err}}
	}
	code, outcome := classify(ctx, runCtx, rep)
	var errs []error
	if st := rp.store; st != nil {
		if err := st.Err(); err != nil {
			errs = append(errs, fmt.Errorf("--state %s: some results were not stored, so --resume will run their tasks again:\n%w", cfg.stateDir, err))
			if code == ExitOK {
				code = ExitFailed
			}
		}
	}
	sum := summary.New(job, rep, outcome, code)
	sum.Params = rp.params
	if err := out.finish(&sum); err != nil {
		errs = append(errs, err)
		if code == ExitOK {
			code = ExitFailed
		}
	}
	write := summary.WriteTable
	if code == ExitOK && !cfg.summary {
		write = summary.WriteLine
	}
	if err := write(stdout, sum); err != nil {
		// Only the summary is lost, not the run: the exit code stays.
		errs = append(errs, fmt.Errorf("summary not printed: %w", err))
	}
	for _, err := range []error{rep.SetupErr, rep.TeardownErr} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if code == ExitOK && len(errs) == 0 {
		return nil
	}
	return &exitError{code: code, errs: errs}
}

// classify maps the outcome of a run to an exit code and a word for the
// summary ("" for success).
func classify(ctx, runCtx context.Context, rep *runtime.Report) (int, string) {
	var sig interrupted
	switch {
	case errors.As(context.Cause(ctx), &sig):
		return exitCode(sig.sig), "interrupted"
	case ctx.Err() != nil:
		return ExitInterrupted, "interrupted"
	case errors.Is(context.Cause(runCtx), errTimeout):
		return ExitTimeout, "timed out"
	case errors.Is(rep.Err, runtime.ErrSetup):
		return ExitSetup, "setup failed"
	case slices.ContainsFunc(rep.Tasks, func(t runtime.TaskReport) bool { return !t.State.OK() }):
		return ExitFailed, "failed"
	case errors.Is(rep.Err, runtime.ErrTeardown):
		return ExitTeardown, "teardown failed"
	}
	return ExitOK, ""
}

// dryRun prints the plan of the job, as text or JSON, without running
// anything.
func dryRun(job *runtime.Job, cfg config, rp runPlan, stdout io.Writer) error {
	if err := job.Validate(); err != nil {
		return &exitError{code: ExitSetup, errs: []error{fmt.Errorf("invalid job:\n%w", err)}}
	}
	names, deps := plan.Unpack(job.Tasks, func(t runtime.Task) (string, []int) { return t.Name, t.Deps })
	p := plan.New(job.Name, names, deps, job.Levels, cfg.workers)
	write := p.WriteText
	if cfg.json {
		write = p.WriteJSON
	}
	err := write(stdout)
	if err == nil && !cfg.json && (rp.sel.run != nil || rp.store != nil) {
		err = writeSelection(stdout, job, rp)
	}
	if err != nil {
		return &exitError{code: ExitFailed, errs: []error{err}}
	}
	return nil
}

// writeSelection prints, for a dry run of part of a job, what would happen
// to each task.
func writeSelection(w io.Writer, job *runtime.Job, rp runPlan) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nTASK\tWOULD")
	for i, t := range job.Tasks {
		what := "run"
		if why := rp.part.why[i]; why != "" && rp.store != nil && rp.sel.selected(i) {
			what = "run: " + why
		}
		if _, r := rp.part.restored[i]; r {
			what = "be restored from --state"
		} else if !rp.sel.selected(i) {
			what = "not run (not selected)"
		}
		fmt.Fprintf(tw, "%s\t%s\n", shortName(t.Name), what)
	}
	return tw.Flush()
}

// dirExists reports whether path is a folder.
func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// withState puts the state store before obs (which may be nil), so that a
// task's result is stored before anything else hears of its end.
func withState(st *state.Store, obs runtime.Observer) runtime.Observer {
	if obs == nil {
		return st
	}
	return runtime.ObserverFunc(func(e runtime.Event) {
		st.Observe(e)
		obs.Observe(e)
	})
}

// EnvVar is the environment variable that sets flag of the binary of job:
// the job's name and the flag's in upper case, dashes as underscores, e.g.
// JOB1_WORKERS for --workers of job1. A flag on the command line wins over
// its variable.
func EnvVar(job, flag string) string {
	return strings.ToUpper(job) + "_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// version is what --version prints after "<job> version ".
func version(job *runtime.Job) string {
	v := clikit.BuildVersion()
	if job.Fingerprint != "" {
		v += ", job fingerprint " + job.Fingerprint[:min(12, len(job.Fingerprint))]
	}
	return v
}

// helpTail is what -h prints after the flags: the exit codes and the
// environment variables.
func helpTail(job string) string {
	return `
EXIT CODES:
   0    every task succeeded
   1    a task did not succeed
   2    bad usage
   3    Setup failed, or the job could not start (invalid table; on Temporal: no server, no outcome)
   4    only Teardown failed
   124  the --timeout expired
   130  interrupted by SIGINT (143: SIGTERM); a second signal exits at once

ENVIRONMENT:
   a flag shown with [$` + EnvVar(job, "...") + `] can also be set by that variable (` + EnvVar(job, "workers") + `=4 is
   --workers 4); the command line wins.

OUTPUT:
   stdout: one line when every task succeeded ("` + job + `: 4 succeeded in 1.2s"), the table of every task
   otherwise or with --summary. stderr: the logs (what the tasks log, retries, failures; --log-level debug
   adds a record per attempt and per success) and the live progress on a terminal.
`
}
