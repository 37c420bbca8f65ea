package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/taskorchestrator/taskorchestrator/generator"
	"github.com/taskorchestrator/taskorchestrator/internal/clikit"
	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// Exit codes.
const (
	exitOK          = 0
	exitInvalid     = 1
	exitUsage       = 2
	exitEnvironment = 3
)

// exitCodesHelp is what -h prints after the commands.
const exitCodesHelp = `
EXIT CODES:
   0  fine
   1  invalid input: a config, task code or cycle problem (or, for check and diff, generated files that differ)
   2  bad usage
   3  an environment failure: a file that cannot be read or written, the go tool failing
`

// exitError is an error of a command action with the exit code it
// means; run prints it and returns the code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

// envErr marks err as an environment failure: a file that cannot be read
// or written, the go tool failing.
func envErr(err error) error { return &exitError{exitEnvironment, err} }

// run is the whole command, driven in-process by the tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "config", Value: generator.DefaultConfig, Usage: "config `file`, relative to the module root"},
		&cli.StringFlag{Name: "dir", Usage: "module root `folder` (default: the nearest folder with a go.mod, from the working directory up)"},
	}
	onUsageError := func(_ *cli.Context, err error, _ bool) error { return usageErr("%v", err) }
	app := &cli.App{
		Name:                  "jobgen",
		Usage:                 "generate statically typed job wiring from config/job_config.json",
		Version:               clikit.BuildVersion(),
		EnableBashCompletion:  true,
		CustomAppHelpTemplate: cli.AppHelpTemplate + exitCodesHelp,
		Writer:                stdout,
		ErrWriter:             stderr,
		ExitErrHandler:        func(*cli.Context, error) {}, // run maps errors to codes
		OnUsageError:          onUsageError,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErr("unknown command %q; see jobgen help", c.Args().First())
			}
			cli.ShowAppHelp(c)
			return usageErr("no command given")
		},
		Commands: []*cli.Command{
			{
				Name:         "generate",
				Usage:        "validate the config and jobs/, then write gen/ and cmd/<job>/",
				Flags:        flags,
				Action:       func(c *cli.Context) error { return generate(c, stderr, true) },
				OnUsageError: onUsageError,
			},
			{
				Name:         "check",
				Usage:        "validate everything and verify the generated files are up to date, without writing",
				Flags:        flags,
				Action:       func(c *cli.Context) error { return generate(c, stderr, false) },
				OnUsageError: onUsageError,
			},
			{
				Name:         "diff",
				Usage:        "print a unified diff of what generate would change, without writing",
				Flags:        flags,
				Action:       func(c *cli.Context) error { return diff(c, stdout, stderr) },
				OnUsageError: onUsageError,
			},
			{
				Name:      "graph",
				Usage:     "draw the task graph of a job, grouped by level, in Graphviz DOT or Mermaid",
				ArgsUsage: "<job>",
				Flags: append(slices.Clone(flags),
					&cli.StringFlag{Name: "format", Value: "mermaid", Usage: "drawing `FORMAT`: dot (Graphviz) or mermaid"}),
				Action:       func(c *cli.Context) error { return graph(c, stdout, stderr) },
				OnUsageError: onUsageError,
			},
			{
				Name:      "plan",
				Usage:     "print the levels of a job, the width of each, and its critical path",
				ArgsUsage: "<job>",
				Flags: append(slices.Clone(flags),
					&cli.IntFlag{Name: "workers", Value: goruntime.GOMAXPROCS(0), Usage: "plan for a pool of `N` workers, as the job binary's --workers"},
					&cli.BoolFlag{Name: "json", Usage: "print the plan as JSON"}),
				Action:       func(c *cli.Context) error { return planCmd(c, stdout, stderr) },
				OnUsageError: onUsageError,
			},
			clikit.CompletionCommand(func(err error) error { return &exitError{exitUsage, err} }),
		},
	}
	// The actions print what they produce and return their errors; only
	// here is an error printed and mapped to an exit code.
	err := app.RunContext(ctx, interspersed(args))
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "jobgen: %v\n", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage // urfave/cli's own errors are about the command line
}

// load runs the generator for a command and prints its diagnostics; it
// returns the module root and the result, or the error that ends the
// command: exit 1 when the input is invalid, with the count of problems
// as its text, which run prints last.
func load(c *cli.Context, stderr io.Writer) (string, *generator.Result, error) {
	dir, err := moduleRoot(c.String("dir"))
	if err != nil {
		return "", nil, envErr(err)
	}
	res, err := generator.Generate(c.Context, generator.Options{Dir: dir, Config: c.String("config")})
	if err != nil {
		return "", nil, envErr(err)
	}
	for _, d := range res.Diagnostics {
		if _, err := fmt.Fprintln(stderr, d); err != nil {
			return "", nil, envErr(err)
		}
	}
	if res.HasErrors() {
		return "", nil, &exitError{exitInvalid, errors.New(count(res.Diagnostics))}
	}
	if len(res.Diagnostics) > 0 {
		fmt.Fprintf(stderr, "jobgen: %s\n", count(res.Diagnostics))
	}
	return dir, res, nil
}

// generate runs the generator and writes (write) or checks its output.
func generate(c *cli.Context, stderr io.Writer, write bool) error {
	if c.Args().Present() {
		return usageErr("%s takes no arguments, got %q", c.Command.Name, c.Args().First())
	}
	dir, res, err := load(c, stderr)
	if err != nil {
		return err
	}
	if write {
		done, err := res.Commit(dir)
		for _, p := range done {
			did := "updated"
			if slices.Contains(res.Stale, p) || slices.Contains(res.Leftovers, p) {
				did = "removed"
			}
			fmt.Fprintf(stderr, "jobgen: %s %s\n", did, p)
		}
		if err != nil {
			return envErr(fmt.Errorf("write: %w", err))
		}
		tidyHint(c.Context, stderr, dir, done)
		return nil
	}
	changes, err := res.Diff(dir)
	if err != nil {
		return envErr(err)
	}
	for _, ch := range changes {
		switch ch.Kind {
		case generator.Create:
			fmt.Fprintf(stderr, "%s: generated file is missing; run go generate ./...\n", ch.Path)
		case generator.Update:
			fmt.Fprintf(stderr, "%s: generated file is out of date; run go generate ./...\n", ch.Path)
		case generator.Remove:
			fmt.Fprintf(stderr, "%s: generated file belongs to no job of %s; go generate ./... removes it\n", ch.Path, c.String("config"))
		}
	}
	return staleErr(len(changes))
}

// staleErr is the error for exit code 1 when n generated files would
// change, with their count; nil when there are none.
func staleErr(n int) error {
	if n == 0 {
		return nil
	}
	return &exitError{exitInvalid, fmt.Errorf("%d generated %s out of date (jobgen diff shows the changes)", n, text.Plural(n, "file is", "files are"))}
}

// moduleRoot returns dir made absolute, or when dir is empty the nearest
// folder holding a go.mod from the working directory up.
func moduleRoot(dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or any folder above it", wd)
		}
	}
}

// count says how many errors and warnings a list holds: "2 errors, 1
// warning".
func count(diags []generator.Diagnostic) string {
	var errs, warns int
	for _, d := range diags {
		if d.Severity == generator.SeverityWarning {
			warns++
		} else {
			errs++
		}
	}
	var parts []string
	if errs > 0 || warns == 0 {
		parts = append(parts, fmt.Sprintf("%d %s", errs, text.Plural(errs, "error", "errors")))
	}
	if warns > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", warns, text.Plural(warns, "warning", "warnings")))
	}
	return strings.Join(parts, ", ")
}

// interspersed moves the arguments of a command after its flags, so that
// flags may follow the job name (jobgen graph job1 --format dot): the
// flag package stops at the first argument. "--" ends the flags.
func interspersed(args []string) []string {
	if len(args) < 3 || !slices.Contains([]string{"generate", "check", "diff", "graph", "plan"}, args[1]) {
		return args
	}
	takesValue := map[string]bool{"config": true, "dir": true, "format": true, "workers": true}
	out := slices.Clone(args[:2])
	var positional []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			positional = append(positional, rest[i+1:]...)
			i = len(rest)
		case len(a) > 1 && a[0] == '-':
			out = append(out, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
				i++
				out = append(out, rest[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}
