// Package jobtest runs jobs in tests and replaces their tasks with typed
// fakes. It needs only the standard library and the runtime, so a user's
// module can use it with the code jobgen generates for its jobs.
//
// For each task, gen/<job> declares a [runtime.TaskRef] named for the task
// type, e.g. LoadSalesTask in gen/job1. [Replace] puts a function of
// exactly that task's Run signature in its place and records its calls;
// [Run] runs the job (logging to t.Log) and fails the test with every
// task's state and error if the run fails; [runtime.Result] reads a task's
// typed result from the report. In a test of jobs/job1, which imports
// gen/job1 under another name than its own package's (jobs/job1/job1_test.go
// does so):
//
//	import job1gen "github.com/taskorchestrator/taskorchestrator/gen/job1"
//
//	job := job1gen.Job()
//	jobtest.Replace(t, job, job1gen.LoadSalesTask, func(ctx context.Context, _ job1.Params) ([]job1.Sale, error) {
//		return sales, nil
//	})
//	rep := jobtest.Run(t, job, runtime.Options{})
//	totals, ok := runtime.Result(rep, job1gen.ByRegionTask) // job1.RegionTotals
//
// A fake of another signature does not compile, nor one of a task the job
// does not have (it has no ref); a task whose Run signature changed breaks
// its fake's build, with an error that names the task through the alias
// of its Run type: "does not match inferred type .../gen/job1.LoadSalesRun
// for F". [Try] runs a job that is meant to fail. Both keep the
// result of every task in the report ([runtime.Options.KeepResults]),
// where a run outside a test drops those that other tasks take once they
// ran.
package jobtest
