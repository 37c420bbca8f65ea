package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	goldenpkg "github.com/taskorchestrator/taskorchestrator/internal/golden"

	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/trace"
)

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// at returns t0 plus ms milliseconds.
func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

func info(name string, index, level, attempt int) runtime.TaskInfo {
	return runtime.TaskInfo{Name: name, Index: index, Level: level, Attempt: attempt}
}

// sampleEvents is a run of a diamond job on two workers: load, then
// by_month (failing once, then retried) beside by_region, then report,
// which is abandoned; with events that must be ignored.
func sampleEvents() []runtime.Event {
	job := runtime.JobInfo{Name: "shop", Tasks: 4, Levels: 3, Workers: 2}
	load, region, month, report := info("jobs.shop.load", 0, 0, 1), info("jobs.shop.by_region", 1, 1, 1), info("jobs.shop.by_month", 2, 1, 1), info("jobs.shop.report", 3, 2, 1)
	month2 := month
	month2.Attempt = 2
	cancelled := errors.New("abandoned")
	return []runtime.Event{
		{Kind: runtime.AttemptStart, Time: at(0), Task: load}, // before RunStart: ignored
		{Kind: runtime.RunStart, Time: at(0), Job: job},
		{Kind: runtime.SetupStart, Time: at(0.01), Job: job},
		{Kind: runtime.SetupEnd, Time: at(0.5), Job: job},
		{Kind: runtime.AttemptStart, Time: at(0.6), Task: load, Worker: 0},
		{Kind: runtime.AttemptEnd, Time: at(2.6), Task: load, Worker: 0, State: runtime.Succeeded, Duration: 2 * time.Millisecond},
		{Kind: runtime.TaskEnd, Time: at(2.6), Task: load, State: runtime.Succeeded},
		{Kind: runtime.AttemptStart, Time: at(2.7), Task: month, Worker: 1},
		{Kind: runtime.AttemptStart, Time: at(2.7), Task: region, Worker: 0},
		{Kind: runtime.AttemptEnd, Time: at(3.2), Task: month, Worker: 1, State: runtime.Failed, Err: errors.New("flaky")},
		{Kind: runtime.AttemptEnd, Time: at(4.0), Task: region, Worker: 0, State: runtime.Succeeded},
		{Kind: runtime.TaskEnd, Time: at(4.0), Task: region, State: runtime.Succeeded},
		{Kind: runtime.AttemptStart, Time: at(3.5), Task: month2, Worker: 1},
		{Kind: runtime.AttemptEnd, Time: at(5.5), Task: month2, Worker: 1, State: runtime.Succeeded},
		{Kind: runtime.TaskEnd, Time: at(5.5), Task: month2, State: runtime.Succeeded},
		{Kind: runtime.AttemptStart, Time: at(5.6), Task: report, Worker: 0},
		{Kind: runtime.TaskEnd, Time: at(7), Task: report, State: runtime.Cancelled, Err: cancelled}, // abandoned: closes the attempt
		{Kind: runtime.AttemptEnd, Time: at(7.5), Task: report, Worker: 0, State: runtime.Succeeded}, // late: ignored
		{Kind: runtime.TeardownStart, Time: at(7.1), Job: job},
		{Kind: runtime.TeardownEnd, Time: at(7.9), Job: job, Err: errors.New("cannot clean up")},
		{Kind: runtime.RunEnd, Time: at(8), Job: job, Duration: 8 * time.Millisecond},
		{Kind: runtime.TaskEnd, Time: at(9), Task: report, State: runtime.Succeeded}, // after RunEnd: ignored
	}
}

func record(events []runtime.Event) *trace.Recorder {
	r := new(trace.Recorder)
	for _, e := range events {
		r.Observe(e)
	}
	return r
}

// TestRecorderGolden records sampleEvents, and a variant with a long
// teardown in which the tasks take less than half of the run. Both files
// are also the input of the SVG goldens of runtime/jobmain/internal/tracesvg.
func TestRecorderGolden(t *testing.T) {
	short := sampleEvents()
	for k := range short {
		switch short[k].Kind {
		case runtime.TeardownEnd:
			short[k].Time = at(30)
		case runtime.RunEnd:
			short[k].Time, short[k].Duration = at(30.2), 30200*time.Microsecond
		}
	}
	for name, events := range map[string][]runtime.Event{"recorder.json": sampleEvents(), "recorder_short.json": short} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := record(events).WriteTo(&buf)
			require.NoError(t, err)
			golden(t, name, buf.Bytes())
			checkTraceEvents(t, buf.Bytes())
		})
	}
}

func TestRecorderEmpty(t *testing.T) {
	var r trace.Recorder
	var buf bytes.Buffer
	_, err := r.WriteTo(&buf)
	require.NoError(t, err)
	checkTraceEvents(t, buf.Bytes())
}

// checkTraceEvents checks that data is a trace-event file in the JSON
// object format, with what Perfetto and chrome://tracing need of the
// events this package writes.
func checkTraceEvents(t *testing.T, data []byte) {
	t.Helper()
	var file map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &file), "a JSON object")
	require.Contains(t, file, "traceEvents")
	var events []map[string]any
	require.NoError(t, json.Unmarshal(file["traceEvents"], &events), "traceEvents is an array of objects")
	require.NotEmpty(t, events)
	if unit, ok := file["displayTimeUnit"]; ok {
		assert.Contains(t, []string{`"ms"`, `"ns"`}, string(unit))
	}
	for _, e := range events {
		name, ok := e["name"].(string)
		assert.True(t, ok && name != "", "name: %v", e)
		for _, key := range []string{"pid", "tid", "ts"} {
			n, ok := e[key].(float64)
			assert.True(t, ok && n >= 0, "%s: %v", key, e)
		}
		switch e["ph"] {
		case "X":
			dur, ok := e["dur"].(float64)
			assert.True(t, ok && dur >= 0, "X events have a dur: %v", e)
		case "M":
			args, ok := e["args"].(map[string]any)
			require.True(t, ok, "M events have args: %v", e)
			switch name {
			case "process_name", "thread_name":
				assert.IsType(t, "", args["name"], "%v", e)
			case "thread_sort_index":
				assert.IsType(t, 0.0, args["sort_index"], "%v", e)
			default:
				t.Errorf("unknown metadata event %q", name)
			}
		default:
			t.Errorf("unexpected phase %v in %v", e["ph"], e)
		}
	}
}

// scrub zeroes what changes from run to run in a trace: ts, dur and the
// start.
func scrub(file *trace.File) {
	for k := range file.TraceEvents {
		e := &file.TraceEvents[k]
		e.Ts = 0
		if e.Dur != nil {
			e.Dur = new(float64)
		}
	}
	file.OtherData["start"] = "scrubbed"
}

// TestRunTraceGolden runs a job binary's command line with --trace and
// compares the file, times scrubbed, with a golden file.
func TestRunTraceGolden(t *testing.T) {
	ok := func(context.Context, []any) (any, error) { return nil, nil }
	var calls int
	job := &runtime.Job{
		Name: "pipe",
		Tasks: []runtime.Task{
			{Name: "jobs.pipe.b", Run: ok},
			{Name: "jobs.pipe.a", Retries: 1, Run: func(context.Context, []any) (any, error) {
				if calls++; calls == 1 {
					return nil, errors.New("flaky")
				}
				return nil, nil
			}},
			{Name: "jobs.pipe.c", Deps: []int{0, 1}, Run: func(context.Context, []any) (any, error) { return nil, errors.New("boom") }},
		},
		Levels: [][]int{{1, 0}, {2}},
	}
	path := filepath.Join(t.TempDir(), "trace.json")
	var stdout, stderr bytes.Buffer
	code := jobmain.Run(context.Background(), job, []string{"pipe", "--workers", "1", "--trace", path}, &stdout, &stderr)
	require.Equal(t, jobmain.ExitFailed, code, stderr.String())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	checkTraceEvents(t, data)
	var file trace.File
	require.NoError(t, json.Unmarshal(data, &file))
	scrub(&file)
	var got bytes.Buffer
	_, err = file.WriteTo(&got)
	require.NoError(t, err)
	golden(t, "run_pipe.json", got.Bytes())
}

// golden compares got with testdata/name (see package golden).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenpkg.Check(t, filepath.Join("testdata", name), got)
}
