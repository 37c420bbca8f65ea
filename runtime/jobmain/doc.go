// Package jobmain is the command line of a job binary. The generated
// cmd/<job>/main.go of a job is one line, as in cmd/job2/main.go, where
// job2 is the generated package gen/job2:
//
//	func main() { os.Exit(jobmain.Main(job2.Job(), os.Args)) }
//
// (A job that opts in to Temporal, such as job1, calls
// runtime/temporaljob's Main instead, which adds to this command line.)
//
// The binary takes these flags:
//
//	--workers N          run at most N tasks at once (default GOMAXPROCS)
//	--timeout D          stop the whole run after D, e.g. 90s (0 = no limit)
//	--keep-going         after a failure, still run every task whose dependencies succeeded
//	--schedule MODE      levels (default): a level starts when the one before it
//	                     is done; eager: each task starts as soon as its own
//	                     dependencies succeeded, longest remaining path first
//	--dry-run            print the plan without running anything: the levels, the
//	                     width of each, the critical path, and a note when
//	                     --workers is below the widest level
//	--json               with --dry-run, print the plan as JSON
//	--summary            print the table of every task also after a success
//	--log-format FORMAT  text or json, on stderr
//	--log-level LEVEL    info (default: what the tasks log, retries, failures),
//	                     debug (adds a record per attempt start and per task
//	                     that succeeded), warn or error
//	--no-progress        do not draw the live progress on stderr (it is drawn
//	                     only when stderr is a terminal)
//	--report FILE        write the run's report as JSON to FILE
//	--trace FILE         write the run as a Chrome trace-event file, for
//	                     Perfetto or chrome://tracing
//	--version            print the versions it was built from
//
// Every flag but --dry-run and --json can also be set by an environment
// variable, the job's name and the flag's in upper case ([EnvVar]:
// JOB1_WORKERS for --workers of job1); -h shows each one, and the command
// line wins. "completion bash" (or zsh, fish) prints a shell completion
// script: source <(./bin/job1 completion bash).
//
// A run that succeeded prints one line to stdout ("job1: 4 succeeded in
// 1.7ms"); any other outcome, or --summary, prints the table of every
// task, sorted by level then name, with its state, attempts, start,
// duration and error, and the run's critical path. While the binary runs
// a job, log/slog's default logger (and the log package) write through the
// run's handler; tasks get the run's logger with [runtime.Logger].
// docs/observability.md describes every output.
// It exits with one of these codes (-h lists them too):
//
//	0    every task succeeded
//	1    a task did not succeed
//	2    bad usage: unknown flag, bad value, extra arguments, or a --report
//	     or --trace file that cannot be created
//	3    Setup failed (or the job table is invalid; on Temporal, also: the
//	     server could not be reached, or the run ended without an outcome)
//	4    only Teardown failed
//	124  the --timeout expired
//	130  interrupted by SIGINT (143 for SIGTERM)
package jobmain
