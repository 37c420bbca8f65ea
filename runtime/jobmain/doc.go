// Package jobmain is the command line of a job binary. The generated
// cmd/<job>/main.go is one line:
//
//	func main() { os.Exit(jobmain.Main(job1gen.Job(), os.Args)) }
//
// The binary takes these flags:
//
//	--workers N          run at most N tasks at once (default GOMAXPROCS)
//	--timeout D          stop the whole run after D, e.g. 90s (0 = no limit)
//	--keep-going         after a failure, still run every task whose dependencies succeeded
//	--dry-run            print the levels and their tasks without running anything
//	--log-format FORMAT  text or json: one log record per task end, on stderr
//
// It prints a summary to stdout at the end, one line per task, and exits
// with one of these codes:
//
//	0    every task succeeded
//	1    a task did not succeed
//	2    bad usage: unknown flag, bad value, extra arguments
//	3    Setup failed (or the job table is invalid)
//	4    only Teardown failed
//	124  the --timeout expired
//	130  interrupted by SIGINT (143 for SIGTERM)
package jobmain
