package runtime

// TaskRef names one task of a generated job, typed: F is the type of the
// task's Run method (e.g. func(context.Context, []Sale) (RegionTotals,
// error)) and R the type of its result ([NoResult] for a Run that returns
// only an error). Generated code declares one per task, as data (e.g.
// job1.ByRegionTask), so that a program reads a task's result with
// [Result] and a test replaces a task with a function of exactly its Run
// signature (see runtime/jobtest) without a type assertion: a renamed task
// or a changed signature breaks the caller's build, not its run.
type TaskRef[F, R any] struct {
	// Job is the name of the job the task belongs to.
	Job string
	// Name is the task's full name, and Index its index in [Job.Tasks].
	Name  string
	Index int
	// Adapt turns a function of the task's Run signature into a
	// [TaskFunc]: generated code declares one per signature, which runs
	// the function through the signature's [Sig.Func].
	Adapt func(F) TaskFunc
}

// NoResult is the result type of a [TaskRef] whose task returns only an
// error.
type NoResult struct{}

// Result returns the result of the task ref names in rep, and true, if the
// task succeeded in that run and rep holds its result. It returns false
// when rep is nil, is the report of another job, or the task did not
// succeed, and always for a task that returns only an error (read its
// [TaskReport.State] instead). A report holds the results no task takes,
// and those of every task when the run had [Options.KeepResults] (as
// runtime/jobtest's runs do): a result that other tasks take is dropped
// once they have all run, unless the run stopped before.
func Result[F, R any](rep *Report, ref TaskRef[F, R]) (R, bool) {
	var zero R
	tr, ok := ref.report(rep)
	if !ok || tr.State != Succeeded || !rep.holds(ref.Index) {
		return zero, false
	}
	if _, none := any(zero).(NoResult); none {
		return zero, false
	}
	return as[R](tr.Result), true
}

// Report returns the task's [TaskReport] in rep, and false when rep is
// nil or the report of another job.
func (ref TaskRef[F, R]) Report(rep *Report) (TaskReport, bool) {
	tr, ok := ref.report(rep)
	if !ok {
		return TaskReport{}, false
	}
	return *tr, true
}

func (ref TaskRef[F, R]) report(rep *Report) (*TaskReport, bool) {
	if rep == nil || rep.Job != ref.Job || ref.Index < 0 || ref.Index >= len(rep.Tasks) || rep.Tasks[ref.Index].Name != ref.Name {
		return nil, false
	}
	return &rep.Tasks[ref.Index], true
}
