package trace

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// File is a trace-event file in its JSON object form.
type File struct {
	TraceEvents     []Event        `json:"traceEvents"`
	DisplayTimeUnit string         `json:"displayTimeUnit,omitempty"`
	OtherData       map[string]any `json:"otherData,omitempty"`
}

// Event is one trace event. Only the fields this package writes are
// modelled: complete events (Ph "X", with Dur) and metadata events (Ph
// "M", naming a process or thread or ordering the threads).
type Event struct {
	Name string `json:"name"`
	Cat  string `json:"cat,omitempty"`
	Ph   string `json:"ph"`
	// Ts is the start in microseconds; Dur the length of an "X" event.
	Ts   float64        `json:"ts"`
	Dur  *float64       `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	Args map[string]any `json:"args,omitempty"`
}

// The row ids of a trace: RunTid holds the run, setup and teardown; worker
// w is row w+WorkerTid0.
const (
	Pid        = 1
	RunTid     = 0
	WorkerTid0 = 1
)

// Recorder collects the events of one run. It is safe for concurrent use.
// Its zero value is ready to use.
type Recorder struct {
	mu       sync.Mutex
	job      runtime.JobInfo
	start    time.Time
	started  bool
	ended    bool
	spans    []Event
	open     map[int]attempt // the running attempt of each task, by index
	taskDone map[int]bool
	workers  map[int]bool // the workers that ran an attempt
	setup    time.Time
	teardown time.Time
}

// attempt is an attempt that started and has not ended yet.
type attempt struct {
	start  time.Time
	worker int
	info   runtime.TaskInfo
}

// Observe records e. Events before RunStart, after RunEnd, and of a task
// after its first TaskEnd are ignored.
func (r *Recorder) Observe(e runtime.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.Kind == runtime.RunStart && !r.started {
		r.started, r.job, r.start = true, e.Job, e.Time
		r.open, r.taskDone, r.workers = map[int]attempt{}, map[int]bool{}, map[int]bool{}
		return
	}
	if !r.started || r.ended {
		return
	}
	switch e.Kind {
	case runtime.SetupStart:
		r.setup = e.Time
	case runtime.SetupEnd:
		r.span("setup", "handler", RunTid, r.setup, e.Time, errArgs(nil, e.Err))
	case runtime.TeardownStart:
		r.teardown = e.Time
	case runtime.TeardownEnd:
		r.span("teardown", "handler", RunTid, r.teardown, e.Time, errArgs(nil, e.Err))
	case runtime.AttemptStart:
		if !r.taskDone[e.Task.Index] {
			r.open[e.Task.Index] = attempt{start: e.Time, worker: e.Worker, info: e.Task}
			r.workers[e.Worker] = true
		}
	case runtime.AttemptEnd:
		if a, ok := r.open[e.Task.Index]; ok && !r.taskDone[e.Task.Index] {
			delete(r.open, e.Task.Index)
			r.attemptSpan(a, e.Time, e.State, e.Err)
		}
	case runtime.TaskEnd:
		if r.taskDone[e.Task.Index] {
			return
		}
		r.taskDone[e.Task.Index] = true
		// An attempt still open here was abandoned, or ended with
		// runtime.Goexit: close it with the task's final state.
		if a, ok := r.open[e.Task.Index]; ok {
			delete(r.open, e.Task.Index)
			r.attemptSpan(a, e.Time, e.State, e.Err)
		}
	case runtime.RunEnd:
		r.ended = true
		args := errArgs(map[string]any{"tasks": r.job.Tasks, "levels": r.job.Levels, "workers": r.job.Workers}, e.Err)
		r.span(r.job.Name, "run", RunTid, r.start, r.start.Add(e.Duration), args)
	}
}

// attemptSpan records the span of attempt a, which ended at end.
func (r *Recorder) attemptSpan(a attempt, end time.Time, state runtime.State, err error) {
	args := map[string]any{"attempt": a.info.Attempt, "level": a.info.Level, "state": state.String()}
	r.span(a.info.Name, "task", a.worker+WorkerTid0, a.start, end, errArgs(args, err))
}

// span records a complete event from start to end.
func (r *Recorder) span(name, cat string, tid int, start, end time.Time, args map[string]any) {
	dur := micros(end.Sub(start))
	r.spans = append(r.spans, Event{Name: name, Cat: cat, Ph: "X", Ts: micros(start.Sub(r.start)), Dur: &dur, Pid: Pid, Tid: tid, Args: args})
}

// errArgs adds err's text to args as "error", if err is not nil.
func errArgs(args map[string]any, err error) map[string]any {
	if err == nil {
		return args
	}
	if args == nil {
		args = map[string]any{}
	}
	args["error"] = err.Error()
	return args
}

// micros converts d to microseconds, keeping nanoseconds as decimals.
func micros(d time.Duration) float64 {
	return float64(d.Nanoseconds()) / 1e3
}

// File returns the trace recorded so far: metadata events naming the
// process and the rows first, then the spans by row and start time.
func (r *Recorder) File() File {
	r.mu.Lock()
	defer r.mu.Unlock()
	meta := func(name string, tid int, args map[string]any) Event {
		return Event{Name: name, Ph: "M", Pid: Pid, Tid: tid, Args: args}
	}
	events := []Event{
		meta("process_name", RunTid, map[string]any{"name": "job " + r.job.Name}),
		meta("thread_name", RunTid, map[string]any{"name": "run"}),
		meta("thread_sort_index", RunTid, map[string]any{"sort_index": RunTid}),
	}
	workers := make([]int, 0, len(r.workers))
	for w := range r.workers {
		workers = append(workers, w)
	}
	slices.Sort(workers)
	for _, w := range workers {
		events = append(events,
			meta("thread_name", w+WorkerTid0, map[string]any{"name": fmt.Sprintf("worker %d", w)}),
			meta("thread_sort_index", w+WorkerTid0, map[string]any{"sort_index": w + WorkerTid0}))
	}
	spans := slices.Clone(r.spans)
	slices.SortStableFunc(spans, func(a, b Event) int {
		return cmp.Or(cmp.Compare(a.Tid, b.Tid), cmp.Compare(a.Ts, b.Ts), cmp.Compare(*b.Dur, *a.Dur), strings.Compare(a.Name, b.Name))
	})
	return File{
		TraceEvents:     append(events, spans...),
		DisplayTimeUnit: "ms",
		OtherData:       map[string]any{"job": r.job.Name, "start": r.start.UTC().Format(time.RFC3339Nano)},
	}
}

// WriteTo writes the trace as JSON, one event per line.
func (r *Recorder) WriteTo(w io.Writer) (int64, error) {
	return r.File().WriteTo(w)
}

// WriteTo writes f as JSON, one event per line, so that the file diffs
// and greps well.
func (f File) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	b.WriteString("{\"traceEvents\": [\n")
	for k, e := range f.TraceEvents {
		line, err := json.Marshal(e)
		if err != nil {
			return 0, fmt.Errorf("trace event %q: %w", e.Name, err)
		}
		b.Write(line)
		if k < len(f.TraceEvents)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]")
	if f.DisplayTimeUnit != "" {
		fmt.Fprintf(&b, ",\n\"displayTimeUnit\": %q", f.DisplayTimeUnit)
	}
	if len(f.OtherData) > 0 {
		other, err := json.Marshal(f.OtherData)
		if err != nil {
			return 0, fmt.Errorf("trace otherData: %w", err)
		}
		b.WriteString(",\n\"otherData\": ")
		b.Write(other)
	}
	b.WriteString("}\n")
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}
