package temporaljob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// SubmitOptions configure [Submit].
type SubmitOptions struct {
	// TaskQueue is where the workflow runs; "" means the job's name.
	TaskQueue string
	// WorkflowID names the run; "" means the job's name and the time.
	WorkflowID string
	// Input is passed to the workflow; Fingerprint, KeepGoing and Schedule
	// are filled in from the job and the run's options.
	Input Input
	// Poll is how often the submitter asks the workflow for its progress;
	// zero means 500ms.
	Poll time.Duration
}

// Submit runs job on Temporal and follows it to its end: it starts the
// job's workflow, reports progress to opts.Observer and task ends to
// opts.Logger as a local run does, cancels the workflow when ctx ends (and
// still waits for it, so that Teardown runs and the report is whole), and
// returns the run's report. The report is nil when the run could not
// start, or ended without an outcome (its workflow was terminated, or
// refused the input); the error says why.
func Submit(ctx context.Context, c client.Client, job *runtime.Job, opts runtime.Options, so SubmitOptions) (*runtime.Report, error) {
	in := so.Input
	in.Fingerprint = job.Fingerprint
	if opts.Params != nil {
		p, err := json.Marshal(opts.Params)
		if err != nil {
			return nil, fmt.Errorf("encode the params: %w", err)
		}
		in.Params = p
	}
	in.KeepGoing = &opts.KeepGoing
	schedule, err := opts.Schedule.MarshalText()
	if err != nil {
		return nil, err
	}
	in.Schedule = string(schedule)
	if in.MaxInFlight == 0 {
		in.MaxInFlight = defaultMaxInFlight
	}
	queue := so.TaskQueue
	if queue == "" {
		queue = job.Name
	}
	id := so.WorkflowID
	if id == "" {
		id = job.Name + "-" + time.Now().UTC().Format("20060102-150405.000000")
	}
	bg := context.WithoutCancel(ctx)
	run, err := c.ExecuteWorkflow(bg, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, job.Name, in)
	if err != nil {
		return nil, fmt.Errorf("start the run on Temporal: %w", err)
	}
	log := opts.Logger
	if log != nil {
		log = log.With("job", job.Name)
		log.Info("submitted to Temporal", "workflow_id", id, "run_id", run.GetRunID(), "task_queue", queue)
	}
	f := newFollower(job, opts.Observer, log, in.MaxInFlight)
	ended := make(chan error, 1)
	var out Output
	go func() { ended <- run.Get(bg, &out) }()
	poll := so.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	done := ctx.Done()
	for {
		select {
		case err = <-ended:
			return f.finish(job, &out, err, in.MaxInFlight)
		case <-done:
			done = nil
			if log != nil {
				log.Warn("cancelling the workflow", "workflow_id", id, "cause", context.Cause(ctx))
			}
			if err := c.CancelWorkflow(bg, id, ""); err != nil && log != nil {
				log.Error("cancel the workflow", "workflow_id", id, "error", err)
			}
		case <-ticker.C:
			v, err := c.QueryWorkflow(bg, id, "", queryProgress)
			if err != nil {
				continue // not started yet, or between runs: ask again later
			}
			var p Progress
			if v.Get(&p) == nil {
				f.update(p)
			}
		}
	}
}

// finish turns the end of the workflow into the run's report, reporting
// the tasks the follower has not seen end.
func (f *follower) finish(job *runtime.Job, out *Output, err error, workers int) (*runtime.Report, error) {
	if err != nil {
		var app *temporal.ApplicationError
		var canceled *temporal.CanceledError
		*out = Output{}
		switch {
		case errors.As(err, &app) && app.HasDetails() && (app.Type() == errTypeJobFailed || app.Type() == errTypeSetup):
			if derr := app.Details(out); derr != nil {
				return nil, fmt.Errorf("the run failed, and its outcome cannot be read: %w", derr)
			}
		case errors.As(err, &canceled) && canceled.HasDetails():
			if derr := canceled.Details(out); derr != nil {
				return nil, fmt.Errorf("the run was cancelled, and its outcome cannot be read: %w", derr)
			}
		default:
			return nil, fmt.Errorf("the run on Temporal ended without an outcome: %w", err)
		}
	}
	rep, rerr := out.Report(job, workers)
	if rerr != nil {
		return nil, rerr
	}
	if f.log != nil && out.Restarts > 0 {
		f.log.Warn("the pinned run lost its worker and started again on another one, Setup first", "restarts", out.Restarts)
	}
	f.end(rep)
	return rep, rep.Err
}

// follower turns the progress the workflow reports into the events and
// log records of a local run, for the job binary's display, trace and
// logs.
type follower struct {
	obs     runtime.Observer
	log     *slog.Logger
	info    runtime.JobInfo
	names   []string
	levels  []int
	start   time.Time
	attempt []int       // attempts seen started
	began   []time.Time // when the current attempt was seen starting
	slot    []int       // the lane of the running attempt, for the trace
	ended   []bool
	lanes   []bool // lanes in use
}

func newFollower(job *runtime.Job, obs runtime.Observer, log *slog.Logger, workers int) *follower {
	n := len(job.Tasks)
	f := &follower{obs: obs, log: log, info: runtime.JobInfo{Name: job.Name, Tasks: n, Levels: len(job.Levels), Workers: workers},
		names: make([]string, n), levels: make([]int, n), start: time.Now(), attempt: make([]int, n), began: make([]time.Time, n), slot: make([]int, n), ended: make([]bool, n)}
	for i, t := range job.Tasks {
		f.names[i] = t.Name
	}
	for k, l := range job.Levels {
		for _, i := range l {
			f.levels[i] = k
		}
	}
	f.emit(runtime.Event{Kind: runtime.RunStart, Time: f.start, Job: f.info})
	f.emit(runtime.Event{Kind: runtime.SetupStart, Time: f.start, Job: f.info})
	f.emit(runtime.Event{Kind: runtime.SetupEnd, Time: f.start, Job: f.info})
	return f
}

func (f *follower) emit(e runtime.Event) {
	if f.obs != nil {
		f.obs.Observe(e)
	}
}

func (f *follower) task(i, attempt int) runtime.TaskInfo {
	return runtime.TaskInfo{Name: f.names[i], Index: i, Level: f.levels[i], Attempt: attempt}
}

// update reports what changed since the last progress.
func (f *follower) update(p Progress) {
	if len(p.States) != len(f.names) || len(p.Attempts) != len(f.names) {
		return
	}
	now := time.Now()
	errs := map[int]string{}
	for _, e := range p.Errors {
		errs[e.Task] = e.Error
	}
	for i, s := range p.States {
		if f.ended[i] {
			continue
		}
		for a := int(p.Attempts[i]); f.attempt[i] < a; {
			if f.attempt[i] > 0 {
				f.attemptEnd(i, now, runtime.Failed, nil) // it was retried
			}
			f.attempt[i]++
			f.attemptStart(i, now)
		}
		if s < phaseRetrying {
			var err error
			if msg, ok := errs[i]; ok {
				err = errors.New(msg)
			}
			dur := time.Duration(0)
			if f.attempt[i] > 0 {
				dur = now.Sub(f.began[i])
			}
			f.taskEnd(i, now, runtime.State(s), f.attempt[i], dur, err)
		}
	}
}

func (f *follower) attemptStart(i int, now time.Time) {
	lane := 0
	for lane < len(f.lanes) && f.lanes[lane] {
		lane++
	}
	if lane == len(f.lanes) {
		f.lanes = append(f.lanes, false)
	}
	f.lanes[lane], f.slot[i], f.began[i] = true, lane, now
	f.emit(runtime.Event{Kind: runtime.AttemptStart, Time: now, Task: f.task(i, f.attempt[i]), Worker: lane})
	if f.log != nil {
		f.log.Debug("attempt start", "task", f.names[i], "graph_level", f.levels[i], "attempt", f.attempt[i])
	}
}

func (f *follower) attemptEnd(i int, now time.Time, state runtime.State, err error) {
	f.lanes[f.slot[i]] = false
	f.emit(runtime.Event{Kind: runtime.AttemptEnd, Time: now, Task: f.task(i, f.attempt[i]), Worker: f.slot[i], State: state, Err: err, Duration: now.Sub(f.began[i])})
}

func (f *follower) taskEnd(i int, now time.Time, state runtime.State, attempts int, d time.Duration, err error) {
	if attempts > 0 && attempts == f.attempt[i] {
		f.attemptEnd(i, now, state, err)
	}
	f.ended[i] = true
	f.emit(runtime.Event{Kind: runtime.TaskEnd, Time: now, Task: f.task(i, attempts), State: state, Err: err, Duration: d})
	if f.log != nil {
		runtime.LogTask(context.Background(), f.log, &runtime.TaskReport{Name: f.names[i], Index: i, Level: f.levels[i], State: state, Attempts: attempts, Duration: d, Err: err})
	}
}

// end reports the tasks not seen ending, and the end of the run.
func (f *follower) end(rep *runtime.Report) {
	now := time.Now()
	for i := range rep.Tasks {
		t := &rep.Tasks[i]
		if f.ended[i] {
			continue
		}
		for f.attempt[i] < t.Attempts {
			if f.attempt[i] > 0 {
				f.attemptEnd(i, now, runtime.Failed, nil)
			}
			f.attempt[i]++
			f.attemptStart(i, now)
		}
		f.taskEnd(i, now, t.State, t.Attempts, t.Duration, t.Err)
	}
	f.emit(runtime.Event{Kind: runtime.TeardownStart, Time: now, Job: f.info})
	f.emit(runtime.Event{Kind: runtime.TeardownEnd, Time: now, Job: f.info, Err: rep.TeardownErr})
	f.emit(runtime.Event{Kind: runtime.RunEnd, Time: now, Job: f.info, Err: rep.Err, Duration: now.Sub(f.start)})
}
