// Jobgen generates the statically typed wiring of the jobs declared in
// config/job_config.json.
//
// Usage:
//
//	jobgen generate [-config path] [-dir module-root]
//	jobgen check    [-config path] [-dir module-root]
//
// generate validates the config and the task code under jobs/, then writes
// gen/<job>/<job>_gen.go and cmd/<job>/main.go for each job, and removes the
// generated files of jobs that left the config. It is what
// `//go:generate go run ./cmd/jobgen generate` runs. check does the same
// validation and reports, without writing, every generated file that is
// missing, different or stale.
//
// Paths are resolved from the module root (the nearest folder holding
// go.mod, from the working directory up), whatever the working directory.
// Problems are printed compiler style, "config/job_config.json:14:9: ...",
// all of them, sorted, then a count.
//
// Exit codes: 0 fine; 1 invalid input (or, for check, stale output); 2 bad
// usage; 3 an environment failure (a file that cannot be read or written,
// the go tool failing).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
