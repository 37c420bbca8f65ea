package jobmain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

func TestRunLogLevel(t *testing.T) {
	tests := []struct {
		level    string
		wantMsgs []string
	}{
		{"debug", []string{"attempt start", "task end", "attempt start", "task end", "attempt start", "task end"}},
		{"info", nil}, // successes are logged at debug level
		{"WARN", nil},
		{"error", nil},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), pipeline(succeed), []string{"pipe", "--workers", "1", "--log-format", "json", "--log-level", tt.level}, &stdout, &stderr)
			require.Equal(t, ExitOK, code, stderr.String())
			var msgs []string
			for line := range strings.Lines(stderr.String()) {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
				msgs = append(msgs, rec["msg"].(string))
				for _, key := range []string{"job", "task", "graph_level", "attempt"} {
					assert.Contains(t, rec, key, line)
				}
			}
			assert.Equal(t, tt.wantMsgs, msgs)
		})
	}
}

func TestRunBadLogLevel(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), pipeline(succeed), []string{"pipe", "--log-level", "loud"}, &stdout, &stderr)
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, stderr.String(), `--log-level must be debug, info, warn or error, not "loud"`)
}

func TestRunReportAndTraceFiles(t *testing.T) {
	dir := t.TempDir()
	report, traceFile := filepath.Join(dir, "run.json"), filepath.Join(dir, "trace.json")
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), pipeline(fail(errors.New("boom"))),
		[]string{"pipe", "--keep-going", "--report", report, "--trace", traceFile}, &stdout, &stderr)
	require.Equal(t, ExitFailed, code, stderr.String())

	var rep struct {
		Job      string         `json:"job"`
		Outcome  string         `json:"outcome"`
		ExitCode int            `json:"exit_code"`
		Counts   map[string]int `json:"counts"`
		Tasks    []struct {
			Name  string  `json:"name"`
			State string  `json:"state"`
			Error *string `json:"error"`
		} `json:"tasks"`
	}
	data, err := os.ReadFile(report)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &rep))
	assert.Equal(t, "pipe", rep.Job)
	assert.Equal(t, "failed", rep.Outcome)
	assert.Equal(t, ExitFailed, rep.ExitCode)
	assert.Equal(t, map[string]int{"failed": 1, "succeeded": 1, "upstream_failed": 1}, rep.Counts)
	require.Len(t, rep.Tasks, 3)
	assert.Equal(t, "jobs.pipe.a", rep.Tasks[0].Name)
	require.NotNil(t, rep.Tasks[0].Error)
	assert.Equal(t, "boom", *rep.Tasks[0].Error)

	var tr struct {
		TraceEvents []struct {
			Name string         `json:"name"`
			Ph   string         `json:"ph"`
			Tid  int            `json:"tid"`
			Args map[string]any `json:"args"`
		} `json:"traceEvents"`
	}
	data, err = os.ReadFile(traceFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &tr))
	spans := map[string]string{}
	for _, e := range tr.TraceEvents {
		if e.Ph == "X" && e.Tid > 0 {
			spans[e.Name] = e.Args["state"].(string)
		}
	}
	assert.Equal(t, map[string]string{"jobs.pipe.a": "failed", "jobs.pipe.b": "succeeded"}, spans, "one span per attempt; c never ran")
}

func TestRunOutputFileErrors(t *testing.T) {
	dir := t.TempDir()
	t.Run("unwritable path", func(t *testing.T) {
		ran := false
		job := pipeline(func(context.Context, []any) (any, error) { ran = true; return nil, nil })
		var stdout, stderr bytes.Buffer
		code := Run(context.Background(), job, []string{"pipe", "--trace", filepath.Join(dir, "missing", "trace.json")}, &stdout, &stderr)
		assert.Equal(t, ExitUsage, code)
		assert.Contains(t, stderr.String(), "--trace: open ")
		assert.False(t, ran, "nothing runs when an output cannot be written")
	})
	t.Run("invalid job leaves no file", func(t *testing.T) {
		job := pipeline(succeed)
		job.Tasks[2].Deps = []int{7}
		report := filepath.Join(dir, "run.json")
		var stdout, stderr bytes.Buffer
		code := Run(context.Background(), job, []string{"pipe", "--report", report}, &stdout, &stderr)
		assert.Equal(t, ExitSetup, code)
		assert.NoFileExists(t, report)
	})
}

// The --report file is whole or absent: while the run goes on, no file is
// at its path (not even an earlier run's), then the whole report appears at
// once; the temporary file it was written to is gone.
func TestRunReportAppearsWhole(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, dir string) string // returns the --report path
		wantCode int
		wantErr  string // in stderr
		check    func(t *testing.T, dir string)
	}{
		{
			name: "earlier report replaced",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "run.json")
				require.NoError(t, os.WriteFile(path, []byte(`{"outcome": "succeeded"}`), 0o644))
				return path
			},
			check: func(t *testing.T, dir string) { reportOutcome(t, filepath.Join(dir, "run.json"), "succeeded") },
		},
		{
			name: "through a symbolic link",
			setup: func(t *testing.T, dir string) string {
				require.NoError(t, os.Symlink("real.json", filepath.Join(dir, "run.json")))
				return filepath.Join(dir, "run.json")
			},
			check: func(t *testing.T, dir string) {
				target, err := os.Readlink(filepath.Join(dir, "run.json"))
				require.NoError(t, err, "the link stays a link")
				assert.Equal(t, "real.json", target)
				reportOutcome(t, filepath.Join(dir, "real.json"), "succeeded")
			},
		},
		{
			name:  "a device, written in place",
			setup: func(*testing.T, string) string { return os.DevNull },
		},
		{
			name: "a folder",
			setup: func(t *testing.T, dir string) string {
				require.NoError(t, os.Mkdir(filepath.Join(dir, "run.json"), 0o755))
				return filepath.Join(dir, "run.json")
			},
			wantCode: ExitUsage,
			wantErr:  "run.json is a folder",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			report := tt.setup(t, dir)
			before := dirNames(t, dir)
			ran := false
			job := pipeline(func(context.Context, []any) (any, error) {
				ran = true
				if report != os.DevNull {
					_, err := os.Lstat(filepath.Join(dir, "real.json"))
					assert.ErrorIs(t, err, os.ErrNotExist, "no report while the run goes on")
					if fi, err := os.Lstat(report); err == nil && fi.Mode().IsRegular() {
						t.Errorf("a report is at %s while the run goes on", report)
					}
				}
				return nil, nil
			})
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), job, []string{"pipe", "--report", report}, &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code, stderr.String())
			assert.Contains(t, stderr.String(), tt.wantErr)
			assert.Equal(t, tt.wantCode == ExitOK, ran, "the run goes on only if the report can be written")
			if tt.check != nil {
				tt.check(t, dir)
			}
			after := dirNames(t, dir)
			if tt.name == "through a symbolic link" {
				after = slices.DeleteFunc(after, func(n string) bool { return n == "real.json" })
			}
			assert.Equal(t, before, after, "files left in the folder")
		})
	}
}

// reportOutcome checks that the report at path is whole and has outcome.
func reportOutcome(t *testing.T, path, outcome string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var rep struct {
		Outcome string `json:"outcome"`
		Tasks   []any  `json:"tasks"`
	}
	require.NoError(t, json.Unmarshal(data, &rep), "%s", data)
	assert.Equal(t, outcome, rep.Outcome)
	assert.Len(t, rep.Tasks, 3)
}

// dirNames returns the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// ansiEscape matches a terminal control sequence.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

func TestRunProgress(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		pty          bool
		wantProgress bool
	}{
		{name: "terminal", pty: true, wantProgress: true},
		{name: "terminal, --no-progress", args: []string{"--no-progress"}, pty: true},
		{name: "not a terminal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Task a waits until the display has drawn a frame, so that the
			// frame shows it running (for 10s at most: the test then fails
			// on what the screen lacks).
			var screen testmod.Buffer
			job := pipeline(func(ctx context.Context, _ []any) (any, error) {
				deadline := time.Now().Add(10 * time.Second)
				for tt.wantProgress && !strings.Contains(screen.String(), "1 running") && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				return nil, nil
			})
			var stdout bytes.Buffer
			var stderr io.Writer = &screen
			var copied chan struct{}
			var tty *os.File
			if tt.pty {
				ptmx, t2, err := pty.Open()
				require.NoError(t, err)
				defer ptmx.Close()
				tty = t2
				require.NoError(t, pty.Setsize(tty, &pty.Winsize{Rows: 30, Cols: 120}))
				copied = make(chan struct{})
				go func() {
					defer close(copied)
					_, _ = io.Copy(&screen, ptmx)
				}()
				stderr = tty
			}
			code := Run(context.Background(), job, append([]string{"pipe", "--log-level", "warn"}, tt.args...), &stdout, stderr)
			assert.Equal(t, ExitOK, code)
			if tt.pty {
				require.NoError(t, tty.Close())
				<-copied
			}
			text := ansiEscape.ReplaceAllString(screen.String(), "")
			if tt.wantProgress {
				assert.Contains(t, text, "1 running", "a frame while task a runs")
				assert.Regexp(t, `pipe +\[=+\] +3/3 done, 0 running, 0 failed`, text)
				assert.Regexp(t, `level 1 +\[=+\] +1/1 done`, text)
			} else {
				assert.NotRegexp(t, ansiEscape, screen.String())
				assert.NotContains(t, text, "done")
			}
			assert.Contains(t, stdout.String(), "pipe: 3 succeeded in ", "the summary goes to stdout")
		})
	}
}

func TestStaleTemporaryFilesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "run.json")
	old := filepath.Join(dir, ".run.json.tmp-123")
	young := filepath.Join(dir, ".run.json.tmp-456")
	other := filepath.Join(dir, ".trace.json.tmp-789")
	for _, f := range []string{old, young, other} {
		require.NoError(t, os.WriteFile(f, []byte("{"), 0o644))
	}
	long := time.Now().Add(-2 * staleTempAge)
	require.NoError(t, os.Chtimes(old, long, long))
	require.NoError(t, os.Chtimes(other, long, long))

	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), pipeline(succeed), []string{"pipe", "--no-progress", "--report", report}, &stdout, &stderr)
	require.Equal(t, ExitOK, code, stderr.String())
	assert.NoFileExists(t, old, "a killed run's temporary file is removed")
	assert.FileExists(t, young, "a young one may be another run's")
	assert.FileExists(t, other, "another path's is left alone")
	assert.FileExists(t, report)
}
