// Jobgen generates the statically typed wiring of the jobs declared in
// config/job_config.json, and checks, compares and draws it.
//
// Usage:
//
//	jobgen generate [-config path] [-dir module-root]
//	jobgen check    [-config path] [-dir module-root]
//	jobgen diff     [-config path] [-dir module-root]
//	jobgen graph    <job> [--format dot|mermaid] [-config path] [-dir module-root]
//	jobgen plan     <job> [--workers N] [--json] [-config path] [-dir module-root]
//
// generate validates the config and the task code under jobs/, then writes
// gen/<job>/<job>_gen.go and cmd/<job>/main.go for each job, and removes the
// generated files of jobs that left the config. It is what
// `//go:generate go run ./cmd/jobgen generate` runs.
//
// check does the same validation and, without writing, reports every
// generated file that is missing, different from what generate would write,
// or left over from a job that is gone. diff prints the same differences as
// a unified diff (git apply takes it). Both exit 1 when anything differs.
//
// graph draws a job's task graph, one group per level, in Graphviz DOT or
// Mermaid: a solid edge labelled with a type carries a result, a dashed edge
// only orders two tasks. plan prints the levels, the width of each, the
// critical path, and a note when --workers is below the widest level; it is
// what a job binary's --dry-run prints. Flags may come before or after the
// job name.
//
// Paths are resolved from the module root (the nearest folder holding
// go.mod, from the working directory up), whatever the working directory.
// Problems are printed compiler style, "config/job_config.json:14:9: ...",
// all of them, sorted by position, then a count. Warnings ("path:line:col:
// warning: ...") do not change the exit code: a dependency whose result no
// parameter of Run takes in a task that takes the results of others, a
// file under jobs/<job>/ that declares a task type no config entry names, a
// hand-written file kept in a folder whose generated files are removed, and
// a temporary file left by a killed generate (which generate removes once
// it is generator.LeftoverAge old). generate prints "updated <path>" for
// each file it writes and "removed <path>" for each it removes.
//
// jobgen --version prints the module version it was built from, and
// "jobgen completion bash" (or zsh, fish) a shell completion script.
//
// Exit codes (jobgen -h lists them too): 0 fine; 1 invalid input (or, for check and diff, generated
// files that differ); 2 bad usage; 3 an environment failure (a file that
// cannot be read or written, the go tool failing).
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
