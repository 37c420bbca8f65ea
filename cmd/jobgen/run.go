package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/taskorchestrator/taskorchestrator/config"
	"github.com/taskorchestrator/taskorchestrator/generator"
)

// Exit codes.
const (
	exitOK          = 0
	exitInvalid     = 1
	exitUsage       = 2
	exitEnvironment = 3
)

// exitError carries an exit code out of a command action.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

// run is the whole command, driven in-process by the tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "config", Value: generator.DefaultConfig, Usage: "config `file`, relative to the module root"},
		&cli.StringFlag{Name: "dir", Usage: "module root `folder` (default: the nearest folder with a go.mod, from the working directory up)"},
	}
	app := &cli.App{
		Name:           "jobgen",
		Usage:          "generate statically typed job wiring from config/job_config.json",
		Writer:         stdout,
		ErrWriter:      stderr,
		ExitErrHandler: func(*cli.Context, error) {}, // we map errors to codes ourselves
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageErr("%v", err)
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(stderr, "jobgen: unknown command %q; see jobgen help\n", name)
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageErr("unknown command %q; see jobgen help", c.Args().First())
			}
			cli.ShowAppHelp(c)
			return usageErr("no command given")
		},
		Commands: []*cli.Command{
			{
				Name:   "generate",
				Usage:  "validate the config and jobs/, then write gen/ and cmd/<job>/",
				Flags:  flags,
				Action: func(c *cli.Context) error { return generate(c, stderr, true) },
				OnUsageError: func(_ *cli.Context, err error, _ bool) error {
					return usageErr("%v", err)
				},
			},
			{
				Name:   "check",
				Usage:  "validate everything and verify the generated files are up to date, without writing",
				Flags:  flags,
				Action: func(c *cli.Context) error { return generate(c, stderr, false) },
				OnUsageError: func(_ *cli.Context, err error, _ bool) error {
					return usageErr("%v", err)
				},
			},
		},
	}
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.code == exitUsage {
			fmt.Fprintf(stderr, "jobgen: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "jobgen: %v\n", err)
	return exitUsage
}

// generate runs the generator and writes (write) or checks its output.
func generate(c *cli.Context, stderr io.Writer, write bool) error {
	if c.Args().Present() {
		return usageErr("%s takes no arguments, got %q", c.Command.Name, c.Args().First())
	}
	dir, err := moduleRoot(c.String("dir"))
	if err != nil {
		fmt.Fprintf(stderr, "jobgen: %v\n", err)
		return &exitError{exitEnvironment, err}
	}
	res, err := generator.Generate(c.Context, generator.Options{Dir: dir, Config: c.String("config")})
	if err != nil {
		return report(stderr, err)
	}
	if write {
		done, err := res.Commit(dir)
		for _, p := range done {
			fmt.Fprintf(stderr, "jobgen: updated %s\n", p)
		}
		if err != nil {
			fmt.Fprintf(stderr, "jobgen: write: %v\n", err)
			return &exitError{exitEnvironment, err}
		}
		return nil
	}
	changes, err := res.Changes(dir)
	if err != nil {
		fmt.Fprintf(stderr, "jobgen: %v\n", err)
		return &exitError{exitEnvironment, err}
	}
	for _, p := range changes {
		fmt.Fprintf(stderr, "%s: generated file is out of date; run go generate ./...\n", p)
	}
	if len(changes) > 0 {
		fmt.Fprintf(stderr, "jobgen: %d generated %s out of date\n", len(changes), plural(len(changes), "file is", "files are"))
		return &exitError{exitInvalid, errors.New("stale generated files")}
	}
	return nil
}

// report prints the generator's error: the problems of an invalid input one
// per line with a count (exit 1), anything else as an environment failure
// (exit 3).
func report(stderr io.Writer, err error) error {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "jobgen: %d %s\n", len(errs), plural(len(errs), "error", "errors"))
		return &exitError{exitInvalid, err}
	}
	fmt.Fprintf(stderr, "jobgen: %v\n", err)
	return &exitError{exitEnvironment, err}
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

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
