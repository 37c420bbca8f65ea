// Package temporaljob runs a generated job on Temporal: the same task
// table, with no change to the task code, as a workflow whose activities
// are the tasks, executed by workers on any number of machines.
//
// The generated cmd/<job>/main.go of a job whose config has "temporal"
// calls [Main], which is [jobmain.Main] plus two things:
//
//	./bin/job1 worker --temporal HOST:PORT   serve the job's workflow and tasks
//	./bin/job1 --temporal HOST:PORT          submit a run and follow it to the end
//
// Without --temporal the binary runs the job in-process, exactly as a job
// that does not opt in. Only a binary whose main calls this package links
// the Temporal SDK.
//
// [Workflow] is the workflow: a deterministic walk of the compiled-in
// table, level by level or eager, with the tasks in flight capped and
// continue-as-new before the history grows too long. [Activities] are the
// worker's side: one dynamic activity named by each task, which decodes
// the dependencies' results into the exact parameter types of the task's
// Run method, heartbeats, and runs the attempt with
// [runtime.RunAttempt]; and Setup and Teardown. [Serve] runs a worker,
// [Submit] starts a run and follows it. docs/temporal.md describes the
// semantics beside those of a local run, the handler contract on many
// machines, and the limits.
package temporaljob
