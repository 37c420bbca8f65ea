package runtime

import (
	"context"
	"log/slog"
	"strconv"
	"time"
)

// Observer receives the events of a run as they happen (see
// [Options.Observer]): the live progress display, the trace file and the
// machine-readable report of runtime/jobmain are observers.
//
// Observe is called from the run's goroutines, often from several workers
// at once, so it must be safe for concurrent use; the run waits for it, so
// it must be quick. It must not keep e.Err or anything else it receives
// beyond what it copies.
type Observer interface {
	Observe(e Event)
}

// ObserverFunc adapts a function to an [Observer].
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// EventKind says what an [Event] reports.
type EventKind uint8

// The kinds of [Event], in the order a run emits them. A run that starts
// emits RunStart, SetupStart and SetupEnd; if Setup succeeded, the events of
// the tasks, then TeardownStart and TeardownEnd; and RunEnd last. The
// events of one task come in the order AttemptStart, AttemptEnd (repeated
// for each retry), TaskEnd; a task that never runs has only its TaskEnd.
// Tasks of one level interleave.
//
// A task that ignores its cancelled context can be abandoned (see
// [Options.Grace]): its TaskEnd comes when the run gives up on it, and its
// worker may report its AttemptEnd and a second TaskEnd later, even after
// RunEnd. Observers should ignore the events of a task after its first
// TaskEnd, and every event after RunEnd.
const (
	// RunStart: the run begins; Job is set, Time is [Report.Start].
	RunStart EventKind = iota + 1
	// SetupStart: [Handler.Setup] is called; Job is set.
	SetupStart
	// SetupEnd: Setup returned; Err is its error.
	SetupEnd
	// AttemptStart: an attempt of a task starts on a worker; Task and
	// Worker are set.
	AttemptStart
	// AttemptEnd: the attempt ended; Task, Worker, State, Err and Duration
	// (of the attempt) are set. A failed attempt that will be retried
	// still reports the state it ended in.
	AttemptEnd
	// TaskEnd: the task reached its final state; Task (with the number of
	// attempts as Task.Attempt), State, Err and Duration (as in
	// [TaskReport]) are set. Worker is not: a task that never ran had none.
	TaskEnd
	// TeardownStart: [Handler.Teardown] is called; Job is set.
	TeardownStart
	// TeardownEnd: Teardown returned; Err is its error.
	TeardownEnd
	// RunEnd: the run is over; Err is the error [Job.Run] returns and
	// Duration is [Report.Duration].
	RunEnd
)

var eventKindNames = [...]string{
	RunStart:      "run_start",
	SetupStart:    "setup_start",
	SetupEnd:      "setup_end",
	AttemptStart:  "attempt_start",
	AttemptEnd:    "attempt_end",
	TaskEnd:       "task_end",
	TeardownStart: "teardown_start",
	TeardownEnd:   "teardown_end",
	RunEnd:        "run_end",
}

// String returns the kind's snake_case name, e.g. "attempt_start".
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && eventKindNames[k] != "" {
		return eventKindNames[k]
	}
	return "event_kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one thing that happened in a run, reported to an [Observer].
// Which fields are set depends on Kind (see [EventKind]); the others are
// zero.
type Event struct {
	Kind EventKind
	// Time is when it happened. Times of one run share the monotonic
	// clock reading of [Report.Start], so Time.Sub gives exact offsets.
	Time time.Time
	// Job describes the job, on the run, setup and teardown events.
	Job JobInfo
	// Task is the task, on the attempt and task events.
	Task TaskInfo
	// Worker is the index (0 to Workers-1) of the worker that runs the
	// attempt, on the attempt events.
	Worker int
	// State is the state an attempt or a task ended in.
	State State
	// Err is the error of the attempt, task, Setup, Teardown or run.
	Err error
	// Duration is the length of the attempt, the task or the run.
	Duration time.Duration
	// Result is the task's result, on the TaskEnd of a task that succeeded
	// or was restored; nil otherwise. Like Err, it must not be kept: an
	// observer that stores results (runtime/jobmain's --state) encodes it
	// before it returns.
	Result any
}

// observeJob reports a run, setup or teardown event of the run that
// started at start.
func observeJob(obs Observer, kind EventKind, start time.Time, info JobInfo, err error) {
	obs.Observe(Event{Kind: kind, Time: start.Add(time.Since(start)), Job: info, Err: err})
}

// observeEnd reports the end of the run of rep.
func observeEnd(obs Observer, rep *Report, info JobInfo) {
	obs.Observe(Event{Kind: RunEnd, Time: rep.Start.Add(rep.Duration), Job: info, Err: rep.Err, Duration: rep.Duration})
}

// attemptStart reports the start of an attempt at offset at (see
// runner.since) to the observer and, at debug level, to the logger.
func (r *runner) attemptStart(info TaskInfo, worker int, at int64) {
	if obs := r.opts.Observer; obs != nil {
		obs.Observe(Event{Kind: AttemptStart, Time: r.at(at), Task: info, Worker: worker})
	}
	if r.log != nil && r.log.Enabled(r.ctx, slog.LevelDebug) {
		r.log.LogAttrs(r.ctx, slog.LevelDebug, "attempt start",
			slog.String("task", info.Name),
			slog.Int("graph_level", info.Level),
			slog.Int("attempt", info.Attempt),
			slog.Int("worker", worker))
	}
}

// attemptEnd reports the end of an attempt that started at offset start.
func (r *runner) attemptEnd(info TaskInfo, worker int, start int64, state State, err error) {
	now := r.since()
	r.opts.Observer.Observe(Event{Kind: AttemptEnd, Time: r.at(now), Task: info, Worker: worker, State: state, Err: err, Duration: time.Duration(now - start)})
}

// observeTask reports the final state of a task: at its end, if it ran
// (the clock reading that ended its last attempt, which the next task of
// its worker starts with), and now otherwise.
func (r *runner) observeTask(tr *TaskReport) {
	at := tr.Start.Add(tr.Duration)
	if tr.Attempts == 0 {
		at = r.at(r.since())
	}
	res := tr.Result
	if res == nil && tr.State == Succeeded {
		res = r.value(tr.Index) // the report does not keep it
	}
	r.opts.Observer.Observe(Event{
		Kind:     TaskEnd,
		Time:     at,
		Task:     TaskInfo{Name: tr.Name, Index: tr.Index, Level: tr.Level, Attempt: tr.Attempts},
		State:    tr.State,
		Err:      tr.Err,
		Duration: tr.Duration,
		Result:   res,
	})
}

// logRetry logs, at warn level, an attempt that failed and will be tried
// again after pause.
func (r *runner) logRetry(info TaskInfo, state State, err error, pause time.Duration) {
	r.log.LogAttrs(r.ctx, slog.LevelWarn, "attempt failed, retrying",
		slog.String("task", info.Name),
		slog.Int("graph_level", info.Level),
		slog.Int("attempt", info.Attempt),
		slog.String("state", state.String()),
		slog.Any("error", err),
		slog.Duration("retry_in", pause))
}

// LogTask writes the record [Job.Run] logs when a task reaches its final
// state: "task end" with the task, graph_level, attempt, state, duration
// and error, at debug level for a success (no news: quiet at the default
// level), error for a failure, panic or timeout, and warn otherwise.
// Runners that run a job elsewhere (runtime/temporaljob) log with it, so
// that their records are the same.
func LogTask(ctx context.Context, log *slog.Logger, tr *TaskReport) {
	lvl := slog.LevelDebug
	switch tr.State {
	case Succeeded, Restored, NotSelected:
	case Failed, Panicked, TimedOut:
		lvl = slog.LevelError
	default:
		lvl = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("task", tr.Name),
		slog.Int("graph_level", tr.Level),
		slog.Int("attempt", tr.Attempts),
		slog.String("state", tr.State.String()),
		slog.Duration("duration", tr.Duration),
	}
	if tr.Err != nil {
		attrs = append(attrs, slog.Any("error", tr.Err))
	}
	log.LogAttrs(ctx, lvl, "task end", attrs...)
}
