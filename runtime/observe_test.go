package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// recorder is an Observer that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []runtime.Event
}

func (r *recorder) Observe(e runtime.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// kinds returns the kinds of the events that are not about a task, and,
// for each task, the kinds of its events, as "kind" strings.
func (r *recorder) kinds() (run []string, tasks map[string][]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tasks = map[string][]string{}
	for _, e := range r.events {
		if e.Task.Name == "" {
			run = append(run, e.Kind.String())
			continue
		}
		tasks[e.Task.Name] = append(tasks[e.Task.Name], e.Kind.String())
	}
	return run, tasks
}

type setupHandler struct {
	runtime.GenericJobHandler
	err error
}

func (h setupHandler) Setup(ctx context.Context, _ runtime.JobInfo) (context.Context, error) {
	return ctx, h.err
}

func TestObserverEvents(t *testing.T) {
	boom := errors.New("boom")
	flaky := func() runtime.TaskFunc {
		var calls int
		return func(context.Context, []any) (any, error) {
			calls++
			if calls < 3 {
				return nil, fmt.Errorf("try %d", calls)
			}
			return calls, nil
		}
	}
	ok := func(context.Context, []any) (any, error) { return nil, nil }
	tests := []struct {
		name      string
		tasks     []runtime.Task
		setupErr  error
		wantRun   []string
		wantTasks map[string][]string
	}{
		{
			name: "retries and a downstream failure",
			tasks: []runtime.Task{
				{Name: "flaky", Retries: 2, Run: flaky()},
				{Name: "bad", Deps: []int{0}, Run: func(context.Context, []any) (any, error) { return nil, boom }},
				{Name: "after", Deps: []int{1}, Run: ok},
			},
			wantRun: []string{"run_start", "setup_start", "setup_end", "teardown_start", "teardown_end", "run_end"},
			wantTasks: map[string][]string{
				"flaky": {"attempt_start", "attempt_end", "attempt_start", "attempt_end", "attempt_start", "attempt_end", "task_end"},
				"bad":   {"attempt_start", "attempt_end", "task_end"},
				"after": {"task_end"},
			},
		},
		{
			name:      "setup fails",
			tasks:     []runtime.Task{{Name: "a", Run: ok}},
			setupErr:  boom,
			wantRun:   []string{"run_start", "setup_start", "setup_end", "run_end"},
			wantTasks: map[string][]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := new(recorder)
			job := newJob(tt.tasks...)
			job.Handler = setupHandler{err: tt.setupErr}
			rep, err := job.Run(context.Background(), runtime.Options{Workers: 2, Observer: rec})
			require.Error(t, err)
			run, tasks := rec.kinds()
			assert.Equal(t, tt.wantRun, run)
			assert.Equal(t, tt.wantTasks, tasks)

			first, last := rec.events[0], rec.events[len(rec.events)-1]
			assert.Equal(t, rep.Start, first.Time, "RunStart is the report's start")
			assert.Equal(t, runtime.JobInfo{Name: "test", Tasks: len(tt.tasks), Levels: len(job.Levels), Workers: 2}, first.Job)
			assert.Equal(t, rep.Duration, last.Duration)
			assert.Equal(t, rep.Err, last.Err)
			for k := 1; k < len(rec.events); k++ {
				assert.False(t, rec.events[k].Time.Before(rec.events[k-1].Time), "event %d goes back in time", k)
			}
		})
	}
}

func TestObserverEventFields(t *testing.T) {
	boom := errors.New("boom")
	rec := new(recorder)
	// a and b wait for each other, so two workers must run them.
	var both sync.WaitGroup
	both.Add(2)
	meet := func() { both.Done(); both.Wait() }
	job := newJob(
		runtime.Task{Name: "a", Run: func(context.Context, []any) (any, error) { meet(); return 1, nil }},
		runtime.Task{Name: "b", Run: func(context.Context, []any) (any, error) { meet(); return nil, boom }},
		runtime.Task{Name: "c", Deps: []int{0, 1}, Run: func(context.Context, []any) (any, error) { return nil, nil }},
	)
	rep, _ := job.Run(context.Background(), runtime.Options{Workers: 3, KeepGoing: true, Observer: rec})
	require.NotNil(t, rep)
	byTask := map[string]map[runtime.EventKind]runtime.Event{}
	for _, e := range rec.events {
		if e.Task.Name == "" {
			continue
		}
		if byTask[e.Task.Name] == nil {
			byTask[e.Task.Name] = map[runtime.EventKind]runtime.Event{}
		}
		byTask[e.Task.Name][e.Kind] = e
	}
	for _, tr := range rep.Tasks {
		end := byTask[tr.Name][runtime.TaskEnd]
		assert.Equal(t, runtime.TaskInfo{Name: tr.Name, Index: tr.Index, Level: tr.Level, Attempt: tr.Attempts}, end.Task)
		assert.Equal(t, tr.State, end.State, tr.Name)
		assert.Equal(t, tr.Err, end.Err, tr.Name)
		assert.Equal(t, tr.Duration, end.Duration, tr.Name)
	}
	for _, name := range []string{"a", "b"} {
		start, end := byTask[name][runtime.AttemptStart], byTask[name][runtime.AttemptEnd]
		assert.Equal(t, start.Worker, end.Worker, name)
		assert.GreaterOrEqual(t, start.Worker, 0, name)
		assert.Less(t, start.Worker, 3, name)
		assert.Equal(t, 1, start.Task.Attempt, name)
		assert.Equal(t, end.Time.Sub(start.Time), end.Duration, name)
	}
	assert.NotEqual(t, byTask["a"][runtime.AttemptStart].Worker, byTask["b"][runtime.AttemptStart].Worker, "one level, two workers")
	assert.Equal(t, runtime.Failed, byTask["b"][runtime.AttemptEnd].State)
	assert.Equal(t, boom, byTask["b"][runtime.AttemptEnd].Err)
	assert.Equal(t, runtime.UpstreamFailed, byTask["c"][runtime.TaskEnd].State)
	assert.NotContains(t, byTask["c"], runtime.AttemptStart)
}

// TestObserverConcurrent runs a wide job with many workers, so that the
// race detector sees the observer called from all of them.
func TestObserverConcurrent(t *testing.T) {
	tasks := make([]runtime.Task, 200)
	for i := range tasks {
		tasks[i] = runtime.Task{Name: fmt.Sprint("t", i), Run: func(context.Context, []any) (any, error) { return nil, nil }}
	}
	rec := new(recorder)
	_, err := newJob(tasks...).Run(context.Background(), runtime.Options{Workers: 8, Observer: rec})
	require.NoError(t, err)
	_, byTask := rec.kinds()
	assert.Len(t, byTask, 200)
	for name, kinds := range byTask {
		assert.Equal(t, []string{"attempt_start", "attempt_end", "task_end"}, kinds, name)
	}
}

func TestObserverFunc(t *testing.T) {
	var got []runtime.EventKind
	obs := runtime.ObserverFunc(func(e runtime.Event) { got = append(got, e.Kind) })
	_, err := newJob().Run(context.Background(), runtime.Options{Observer: obs})
	require.NoError(t, err)
	assert.Equal(t, []runtime.EventKind{runtime.RunStart, runtime.SetupStart, runtime.SetupEnd,
		runtime.TeardownStart, runtime.TeardownEnd, runtime.RunEnd}, got)
}

func TestEventKindString(t *testing.T) {
	assert.Equal(t, "run_start", runtime.RunStart.String())
	assert.Equal(t, "teardown_end", runtime.TeardownEnd.String())
	assert.Equal(t, "event_kind(0)", runtime.EventKind(0).String())
	assert.Equal(t, "event_kind(99)", runtime.EventKind(99).String())
}

func TestLoggerAttemptRecords(t *testing.T) {
	var calls int
	job := newJob(runtime.Task{Name: "flaky", Retries: 1, Run: func(context.Context, []any) (any, error) {
		calls++
		if calls == 1 {
			return nil, errors.New("first try")
		}
		return nil, nil
	}})
	tests := []struct {
		level slog.Level
		want  []string // msg of each record
	}{
		{slog.LevelDebug, []string{"attempt start", "attempt failed, retrying", "attempt start", "task end"}},
		{slog.LevelInfo, []string{"attempt failed, retrying"}}, // a success is logged at debug level
		{slog.LevelError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			calls = 0
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: tt.level}))
			_, err := job.Run(context.Background(), runtime.Options{Logger: log})
			require.NoError(t, err)
			var msgs []string
			for line := range strings.Lines(buf.String()) {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &rec))
				msgs = append(msgs, rec["msg"].(string))
				for _, key := range []string{"job", "task", "graph_level", "attempt"} {
					assert.Contains(t, rec, key, line)
				}
				assert.Equal(t, uniqueKeys(t, line), len(rec), "every key once: %s", line)
				assert.IsType(t, "", rec["level"], "level is slog's: %s", line)
				if rec["msg"] == "attempt failed, retrying" {
					assert.Equal(t, "first try", rec["error"])
					assert.Contains(t, rec, "retry_in")
				}
			}
			assert.Equal(t, tt.want, msgs)
		})
	}
}

// BenchmarkRunObserved measures what the observer, the logger and a
// handler that wraps Execute cost per task, against the plain run, on one
// wide level of no-op tasks at 8 workers.
func BenchmarkRunObserved(b *testing.B) {
	const n = 10000
	job := &runtime.Job{Name: "wide", Tasks: make([]runtime.Task, n), Levels: [][]int{make([]int, n)}}
	for i := range n {
		job.Tasks[i] = runtime.Task{Name: fmt.Sprint("t", i), Run: func(context.Context, []any) (any, error) { return nil, nil }}
		job.Levels[0][i] = i
	}
	discard := slog.New(slog.NewTextHandler(discardWriter{}, &slog.HandlerOptions{Level: slog.LevelError}))
	noop := runtime.ObserverFunc(func(runtime.Event) {})
	benchmarks := []struct {
		name    string
		opts    runtime.Options
		handler runtime.Handler
	}{
		{name: "off", opts: runtime.Options{Workers: 8}},
		{name: "observer", opts: runtime.Options{Workers: 8, Observer: noop}},
		{name: "logger-quiet", opts: runtime.Options{Workers: 8, Logger: discard}},
		{name: "execute-wrapper", opts: runtime.Options{Workers: 8}, handler: timingHandler{}},
		{name: "all", opts: runtime.Options{Workers: 8, Observer: noop, Logger: discard}, handler: timingHandler{}},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			job.Handler = bm.handler
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				if _, err := job.Run(ctx, bm.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
		})
	}
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// timingHandler wraps Execute the way a custom handler does: it times the
// attempt.
type timingHandler struct{ runtime.GenericJobHandler }

func (timingHandler) Execute(ctx context.Context, task runtime.TaskInfo, run func(context.Context) error) error {
	start := time.Now()
	err := run(ctx)
	if time.Since(start) < 0 {
		return errors.New("clock went back")
	}
	return err
}

// An observer sees the run as it happens; here it prints the events of
// each task.
func ExampleObserverFunc() {
	job := &runtime.Job{
		Name: "hello",
		Tasks: []runtime.Task{{Name: "greet", Retries: 1, Run: func() runtime.TaskFunc {
			tries := 0
			return func(context.Context, []any) (any, error) {
				if tries++; tries == 1 {
					return nil, errors.New("not yet")
				}
				return "hello", nil
			}
		}()}},
		Levels: [][]int{{0}},
	}
	var mu sync.Mutex // Observe may be called from several workers at once
	obs := runtime.ObserverFunc(func(e runtime.Event) {
		mu.Lock()
		defer mu.Unlock()
		switch e.Kind {
		case runtime.AttemptStart:
			fmt.Printf("%s %s: attempt %d on worker %d\n", e.Kind, e.Task.Name, e.Task.Attempt, e.Worker)
		case runtime.AttemptEnd, runtime.TaskEnd:
			fmt.Printf("%s %s: %s\n", e.Kind, e.Task.Name, e.State)
		}
	})
	if _, err := job.Run(context.Background(), runtime.Options{Observer: obs}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// attempt_start greet: attempt 1 on worker 0
	// attempt_end greet: failed
	// attempt_start greet: attempt 2 on worker 0
	// attempt_end greet: succeeded
	// task_end greet: succeeded
}

// uniqueKeys counts the keys of the JSON object line, failing the test if
// one is repeated: a decoder into a map keeps only the last of them.
func uniqueKeys(t *testing.T, line string) int {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	_, err := dec.Token() // {
	require.NoError(t, err)
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		key := tok.(string)
		assert.False(t, seen[key], "key %q twice in %s", key, line)
		seen[key] = true
		var v json.RawMessage
		require.NoError(t, dec.Decode(&v))
	}
	return len(seen)
}
