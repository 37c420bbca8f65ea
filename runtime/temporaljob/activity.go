package temporaljob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/internal/runtypes"
)

// MaxResultBytes is the largest encoded result a task may return on
// Temporal. A larger one fails the task with a clear error instead of
// failing the activity's completion or a workflow task (Temporal refuses
// payloads above 2 MB, and a result is copied into the history once per
// dependent).
const MaxResultBytes = 1 << 20

// Activities runs a job's tasks, Setup and Teardown in a worker process.
type Activities struct {
	job      *runtime.Job
	settings Settings
	dc       converter.DataConverter
	byName   map[string]int
	params   [][]reflect.Type // per task, the type each argument decodes into
	levels   []int
	queue    string        // this process's own task queue (pinned jobs)
	slots    chan struct{} // bounds the attempts running at once in this process
	grace    time.Duration

	mu       sync.Mutex
	sessions map[string]*session
}

// session is what a pinned run keeps on the worker that ran its Setup.
type session struct {
	h   runtime.Handler
	ctx context.Context // Setup's context, without its cancellation
}

// NewActivities returns the activities of job for a worker process whose
// own task queue is queue ("" unless the job is pinned), running at most
// workers attempts at once.
func NewActivities(job *runtime.Job, s Settings, queue string, workers int) (*Activities, error) {
	if err := job.Validate(); err != nil {
		return nil, err
	}
	a := &Activities{job: job, settings: s, dc: converter.GetDefaultDataConverter(), byName: map[string]int{}, queue: queue,
		slots: make(chan struct{}, max(workers, 1)), grace: grace, sessions: map[string]*session{},
		params: make([][]reflect.Type, len(job.Tasks)), levels: make([]int, len(job.Tasks))}
	for k, l := range job.Levels {
		for _, i := range l {
			a.levels[i] = k
		}
	}
	for i := range job.Tasks {
		t := &job.Tasks[i]
		a.byName[t.Name] = i
		types, err := argTypes(t)
		if err != nil {
			return nil, err
		}
		a.params[i] = types
	}
	return a, nil
}

// argTypes returns the type each argument of t decodes into, from the Run
// method of the task value.
func argTypes(t *runtime.Task) ([]reflect.Type, error) {
	if len(t.Args) == 0 {
		return nil, nil
	}
	args, _, err := runtypes.Of(t)
	return args, err
}

// Task is the dynamic activity that runs every task: the activity's type
// names the task.
func (a *Activities) Task(ctx context.Context, args converter.EncodedValues) (any, error) {
	info := activity.GetInfo(ctx)
	i, ok := a.byName[info.ActivityType.Name]
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("job %q has no task %q", a.job.Name, info.ActivityType.Name), errTypeUnknown, nil)
	}
	t := &a.job.Tasks[i]
	var in taskInput
	ptrs := []any{&in}
	for _, typ := range a.params[i] {
		ptrs = append(ptrs, reflect.New(typ).Interface())
	}
	if err := args.Get(ptrs...); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("task %q: decode its arguments: %v", t.Name, err), errTypeDecode, nil)
	}
	if err := a.checkFingerprint(in.Fingerprint); err != nil {
		return nil, err
	}
	vals := make([]any, len(ptrs)-1)
	for k, p := range ptrs[1:] {
		vals[k] = reflect.ValueOf(p).Elem().Interface()
	}
	h, base, err := a.handler(ctx, in.Session)
	if err != nil {
		return nil, err
	}
	stop := heartbeat(ctx)
	defer stop()
	select {
	case a.slots <- struct{}{}:
		defer func() { <-a.slots }()
	case <-ctx.Done():
		return nil, temporal.NewCanceledError("cancelled before it started")
	}
	res, state, err := runtime.RunAttempt(base, h, t, runtime.TaskInfo{Name: t.Name, Index: i, Level: a.levels[i], Attempt: in.Attempt}, vals, a.grace)
	switch state {
	case runtime.Succeeded:
		p, err := a.dc.ToPayload(res)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("encode the result (%T): %v", res, err), runtime.Failed.String(), nil, false)
		}
		if n := p.Size(); n > MaxResultBytes {
			return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("its result (%T) is %d bytes encoded, more than the %d bytes a result may have on Temporal: return a reference (a path, an object key) instead of the data", res, n, MaxResultBytes), runtime.Failed.String(), nil, false)
		}
		return converter.NewRawValue(p), nil
	case runtime.Cancelled:
		if ctx.Err() != nil {
			return nil, temporal.NewCanceledError(err.Error())
		}
	}
	return nil, temporal.NewNonRetryableApplicationError(err.Error(), state.String(), nil, runtime.Retryable(state, err))
}

// handler returns the handler and the base context of an attempt: for a
// pinned job, the session's, with the activity's cancellation; otherwise
// the job's handler and the activity's context.
func (a *Activities) handler(ctx context.Context, id string) (runtime.Handler, context.Context, error) {
	if !a.settings.Pinned || id == "" {
		return a.job.Handler, ctx, nil
	}
	a.mu.Lock()
	s := a.sessions[id]
	a.mu.Unlock()
	if s == nil {
		return nil, nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("this worker has no session %q: the worker that ran Setup is gone", id), errTypeSession, nil)
	}
	return s.h, valuesFrom{ctx, s.ctx}, nil
}

// valuesFrom is a context that ends with its Context and finds values in
// values first: a task of a pinned run sees what Setup put in its context,
// and stops when its activity is cancelled.
type valuesFrom struct {
	context.Context
	values context.Context
}

func (c valuesFrom) Value(key any) any {
	if v := c.values.Value(key); v != nil {
		return v
	}
	return c.Context.Value(key)
}

func (a *Activities) checkFingerprint(fp string) error {
	if fp != "" && fp != a.job.Fingerprint {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("job %q: this worker's job table has fingerprint %s, the run's %s: run workers built from the same config and code", a.job.Name, a.job.Fingerprint, fp), errTypeFingerprint, nil)
	}
	return nil
}

// heartbeat records a heartbeat now and then a few times per heartbeat
// timeout until stop is called, so that a lost worker is noticed within
// the timeout and a cancellation reaches the task.
func heartbeat(ctx context.Context) (stop func()) {
	every := activity.GetInfo(ctx).HeartbeatTimeout / 3
	if every <= 0 {
		return func() {}
	}
	activity.RecordHeartbeat(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() { close(done) }
}

// newHandler returns a handler of the job's handler type for one run: a
// new zero value when the handler is a pointer, as the generated Job()
// makes it, so that concurrent runs on one worker do not share it.
func (a *Activities) newHandler() runtime.Handler {
	h := a.job.Handler
	if h == nil {
		return runtime.GenericJobHandler{}
	}
	if v := reflect.ValueOf(h); v.Kind() == reflect.Pointer && !v.IsNil() {
		return reflect.New(v.Type().Elem()).Interface().(runtime.Handler)
	}
	return h
}

// Setup runs the handler's Setup. For a pinned job, the worker keeps the
// handler and Setup's context for the run's tasks and Teardown, and the
// result names its own task queue, where they go.
func (a *Activities) Setup(ctx context.Context, in setupInput) (setupOutput, error) {
	if err := a.checkFingerprint(in.Fingerprint); err != nil {
		return setupOutput{}, err
	}
	stop := heartbeat(ctx)
	defer stop()
	h := a.newHandler()
	tctx, err := callSetup(ctx, h, a.jobInfo(in.Workers))
	if err != nil {
		return setupOutput{}, temporal.NewNonRetryableApplicationError(err.Error(), runtime.Failed.String(), nil, false)
	}
	if !a.settings.Pinned {
		return setupOutput{}, nil
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := activity.GetInfo(ctx).WorkflowExecution.ID + "/" + hex.EncodeToString(b[:])
	a.mu.Lock()
	a.sessions[id] = &session{h: h, ctx: context.WithoutCancel(tctx)}
	a.mu.Unlock()
	return setupOutput{Session: id, Queue: a.queue}, nil
}

// Teardown runs the handler's Teardown with the run's error, bounded as
// runtime.Options.TeardownTimeout bounds it locally, and forgets the
// session.
func (a *Activities) Teardown(ctx context.Context, in teardownInput) error {
	if err := a.checkFingerprint(in.Fingerprint); err != nil {
		return err
	}
	stop := heartbeat(ctx)
	defer stop()
	h, base := a.newHandler(), context.Context(ctx)
	if a.settings.Pinned && in.Session != "" {
		a.mu.Lock()
		s := a.sessions[in.Session]
		delete(a.sessions, in.Session)
		a.mu.Unlock()
		if s == nil {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("this worker has no session %q: the worker that ran Setup is gone, so its Teardown cannot run", in.Session), errTypeSession, nil)
		}
		h, base = s.h, valuesFrom{ctx, s.ctx}
	}
	var runErr error
	if in.RunError != "" {
		runErr = errors.New(in.RunError)
	}
	tctx, cancel := context.WithTimeout(base, teardownTimeout)
	defer cancel()
	ended := make(chan error, 1)
	go func() { ended <- callTeardown(tctx, h, a.jobInfo(in.Workers), runErr) }()
	select {
	case err := <-ended:
		if err != nil {
			return temporal.NewNonRetryableApplicationError(err.Error(), runtime.Failed.String(), nil, false)
		}
		return nil
	case <-time.After(teardownTimeout + a.grace):
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("teardown abandoned: it ignored its context for %v after its %v limit", a.grace, teardownTimeout), runtime.Failed.String(), nil, false)
	}
}

func (a *Activities) jobInfo(workers int) runtime.JobInfo {
	return runtime.JobInfo{Name: a.job.Name, Tasks: len(a.job.Tasks), Levels: len(a.job.Levels), Workers: workers}
}

// callSetup and callTeardown call the handler, turning a panic into a
// [*runtime.PanicError].
func callSetup(ctx context.Context, h runtime.Handler, info runtime.JobInfo) (tctx context.Context, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &runtime.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	tctx, err = h.Setup(ctx, info)
	if err == nil && tctx == nil {
		tctx = ctx
	}
	return tctx, err
}

func callTeardown(ctx context.Context, h runtime.Handler, info runtime.JobInfo, runErr error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &runtime.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return h.Teardown(ctx, info, runErr)
}
