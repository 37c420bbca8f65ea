package summary_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	goldenpkg "github.com/taskorchestrator/taskorchestrator/internal/golden"

	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/summary"
)

// diamond is job1's shape: load, then two totals, then a report; plus an
// audit task after load whose dependency on nothing else makes it a side
// branch.
func diamond() *runtime.Job {
	return &runtime.Job{
		Name: "shop",
		Tasks: []runtime.Task{
			{Name: "jobs.shop.load"},
			{Name: "jobs.shop.by_region", Deps: []int{0}},
			{Name: "jobs.shop.by_month", Deps: []int{0}},
			{Name: "jobs.shop.report", Deps: []int{1, 2}},
			{Name: "jobs.shop.audit", Deps: []int{0}},
		},
		Levels: [][]int{{0}, {2, 1, 4}, {3}},
	}
}

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

// diamondReport is a run of diamond where by_month was retried and audit
// failed, with round durations.
func diamondReport() *runtime.Report {
	ms := time.Millisecond
	return &runtime.Report{
		Job: "shop", Start: t0, Duration: 95 * ms, Workers: 2,
		Tasks: []runtime.TaskReport{
			{Name: "jobs.shop.load", Index: 0, Level: 0, State: runtime.Succeeded, Attempts: 1, Start: t0.Add(ms), Duration: 20 * ms},
			{Name: "jobs.shop.by_region", Index: 1, Level: 1, State: runtime.Succeeded, Attempts: 1, Start: t0.Add(21 * ms), Duration: 10 * ms},
			{Name: "jobs.shop.by_month", Index: 2, Level: 1, State: runtime.Succeeded, Attempts: 3, Start: t0.Add(21 * ms), Duration: 40 * ms},
			{Name: "jobs.shop.report", Index: 3, Level: 2, State: runtime.Succeeded, Attempts: 1, Start: t0.Add(62 * ms), Duration: 30 * ms},
			{Name: "jobs.shop.audit", Index: 4, Level: 1, State: runtime.Failed, Attempts: 1, Start: t0.Add(31 * ms), Duration: 1500 * time.Microsecond,
				Err: errors.New("audit: 3 sales without a region\nfirst at sales.csv:12")},
		},
		Err: errors.New(`task "jobs.shop.audit": audit: 3 sales without a region` + "\nfirst at sales.csv:12"),
	}
}

func TestCriticalPath(t *testing.T) {
	ms := time.Millisecond
	job := diamond()
	durations := func(ds ...time.Duration) []runtime.TaskReport {
		reps := make([]runtime.TaskReport, len(ds))
		for i, d := range ds {
			reps[i] = runtime.TaskReport{Name: job.Tasks[i].Name, Index: i, Duration: d}
		}
		return reps
	}
	tests := []struct {
		name  string
		tasks []runtime.TaskReport
		want  summary.Path
	}{
		{
			name:  "the longer branch wins",
			tasks: durations(20*ms, 10*ms, 40*ms, 30*ms, 1*ms),
			want:  summary.Path{Tasks: []string{"jobs.shop.load", "jobs.shop.by_month", "jobs.shop.report"}, DurationNS: int64(90 * ms)},
		},
		{
			name:  "a side branch can be critical",
			tasks: durations(20*ms, 10*ms, 10*ms, 5*ms, 50*ms),
			want:  summary.Path{Tasks: []string{"jobs.shop.load", "jobs.shop.audit"}, DurationNS: int64(70 * ms)},
		},
		{
			name:  "ties go to the first name",
			tasks: durations(20*ms, 10*ms, 10*ms, 30*ms, 0),
			want:  summary.Path{Tasks: []string{"jobs.shop.load", "jobs.shop.by_month", "jobs.shop.report"}, DurationNS: int64(60 * ms)},
		},
		{
			name:  "tasks that did not run add nothing and do not start the chain",
			tasks: durations(0, 0, 5*ms, 0, 0),
			want:  summary.Path{Tasks: []string{"jobs.shop.by_month"}, DurationNS: int64(5 * ms)},
		},
		{
			name:  "nothing ran",
			tasks: durations(0, 0, 0, 0, 0),
			want:  summary.Path{Tasks: []string{}},
		},
		{
			name:  "a report that does not match the job",
			tasks: durations(1),
			want:  summary.Path{Tasks: []string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, summary.CriticalPath(job, tt.tasks))
		})
	}
}

func TestReportJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, summary.New(diamond(), diamondReport(), "failed", 1).WriteJSON(&buf))
	golden(t, "report.json", buf.Bytes())
}

func TestTableGolden(t *testing.T) {
	tests := []struct {
		name    string
		rep     func() *runtime.Report
		outcome string
	}{
		{"table_failed.txt", diamondReport, "failed"},
		{"table_setup_failed.txt", func() *runtime.Report {
			rep := diamondReport()
			for i := range rep.Tasks {
				rep.Tasks[i] = runtime.TaskReport{Name: rep.Tasks[i].Name, Index: i, Level: rep.Tasks[i].Level}
			}
			rep.SetupErr = errors.New("setup: no workspace")
			rep.Err, rep.Duration = rep.SetupErr, 2*time.Millisecond
			return rep
		}, "setup failed"},
		{"table_succeeded.txt", func() *runtime.Report {
			rep := diamondReport()
			rep.Tasks[4].State, rep.Tasks[4].Err, rep.Err = runtime.Succeeded, nil, nil
			rep.Duration = 1500 * time.Millisecond
			return rep
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, summary.WriteTable(&buf, summary.New(diamond(), tt.rep(), tt.outcome, 0)))
			golden(t, tt.name, buf.Bytes())
		})
	}
}

func TestRound(t *testing.T) {
	tests := []struct{ in, want time.Duration }{
		{1234 * time.Nanosecond, 1234 * time.Nanosecond},
		{1234567 * time.Nanosecond, 1235 * time.Microsecond},
		{1234567890 * time.Nanosecond, 1235 * time.Millisecond},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, summary.Round(tt.in))
	}
}

// scrub replaces what changes from run to run in a decoded report: the
// start and every "*_ns" number.
func scrub(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch {
			case k == "start":
				v[k] = "<start>"
			case strings.HasSuffix(k, "_ns") && x != nil:
				v[k] = "<ns>"
			default:
				v[k] = scrub(x)
			}
		}
	case []any:
		for k, x := range v {
			v[k] = scrub(x)
		}
	}
	return v
}

// TestRunReportGolden runs a job binary's command line with --report and
// compares the file, times scrubbed, with a golden file.
func TestRunReportGolden(t *testing.T) {
	ok := func(context.Context, []any) (any, error) { return nil, nil }
	job := &runtime.Job{
		Name: "pipe",
		Tasks: []runtime.Task{
			{Name: "jobs.pipe.b", Run: ok},
			{Name: "jobs.pipe.a", Run: func(context.Context, []any) (any, error) { return nil, errors.New("boom\nsecond line") }},
			{Name: "jobs.pipe.c", Deps: []int{0, 1}, Run: ok},
			{Name: "jobs.pipe.d", Deps: []int{0}, Run: ok},
		},
		Levels: [][]int{{1, 0}, {2, 3}},
	}
	path := filepath.Join(t.TempDir(), "run.json")
	var stdout, stderr bytes.Buffer
	code := jobmain.Run(context.Background(), job, []string{"pipe", "--workers", "1", "--keep-going", "--report", path}, &stdout, &stderr)
	require.Equal(t, jobmain.ExitFailed, code, stderr.String())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(data, &v))
	// The critical path depends on the measured times: check its shape,
	// then scrub it.
	cp := v.(map[string]any)["critical_path"].(map[string]any)
	assert.NotEmpty(t, cp["tasks"])
	cp["tasks"] = "<scrubbed>"
	var got bytes.Buffer
	enc := json.NewEncoder(&got)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(scrub(v)))
	golden(t, "run_pipe.json", got.Bytes())
}

// golden compares got with testdata/name (see package golden).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenpkg.Check(t, filepath.Join("testdata", name), got)
}
