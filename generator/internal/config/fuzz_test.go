package config_test

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/taskorchestrator/taskorchestrator/config"
)

// FuzzParse checks that Parse never panics, that a failure is always an
// Errors whose every position lies inside the file, and that a success only
// holds positions of real values. The seed corpus is in
// testdata/fuzz/FuzzParse, so the seeds run in every go test.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("job_config.json"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz.json"
		cfg, err := config.Parse(path, data)
		if err != nil {
			if cfg != nil {
				t.Fatalf("config and error both returned: %v", err)
			}
			var list config.Errors
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, not config.Errors: %v", err, err)
			}
			if len(list) == 0 {
				t.Fatal("empty Errors returned as an error")
			}
			for i, e := range list {
				if e.Path != path {
					t.Errorf("error %q has path %q", e, e.Path)
				}
				if !inside(data, e.Pos, true) {
					t.Errorf("error %q is outside the file", e)
				}
				if e.Msg == "" || strings.HasSuffix(e.Msg, ".") {
					t.Errorf("bad message %q", e.Msg)
				}
				if i > 0 && (list[i-1].Pos.Line > e.Pos.Line || list[i-1].Pos.Line == e.Pos.Line && list[i-1].Pos.Col > e.Pos.Col) {
					t.Errorf("errors not sorted: %q before %q", list[i-1], e)
				}
			}
			_, again := config.Parse(path, slices.Clone(data))
			if again == nil || again.Error() != err.Error() {
				t.Errorf("second parse differs:\n%v\n---\n%v", err, again)
			}
			return
		}
		if cfg == nil || cfg.Path != path || len(cfg.Jobs) == 0 {
			t.Fatalf("bad config %+v", cfg)
		}
		for _, job := range cfg.Jobs {
			checkPos(t, data, job.Pos, job.Name)
			if job.Handler != "" {
				checkPos(t, data, job.HandlerPos, job.Handler)
			} else if job.HandlerPos.IsValid() {
				t.Errorf("job %s: no handler, but a handler position %v", job.Name, job.HandlerPos)
			}
			if job.Temporal != nil {
				checkPos(t, data, job.Temporal.Pos, "temporal")
			}
			if len(job.Tasks) == 0 {
				t.Errorf("job %s has no tasks", job.Name)
			}
			for _, task := range job.Tasks {
				checkPos(t, data, task.Pos, task.Name)
				if task.TimeoutPos.IsValid() {
					checkPos(t, data, task.TimeoutPos, "timeout")
					if task.Timeout <= 0 {
						t.Errorf("task %s: timeout %v", task.Name, task.Timeout)
					}
				} else if task.Timeout != 0 {
					t.Errorf("task %s: timeout %v without a position", task.Name, task.Timeout)
				}
				if task.RetriesPos.IsValid() {
					checkPos(t, data, task.RetriesPos, "retries")
				} else if task.Retries != 0 {
					t.Errorf("task %s: retries %d without a position", task.Name, task.Retries)
				}
				if task.Retries < 0 || task.Retries > 10 {
					t.Errorf("task %s: retries %d", task.Name, task.Retries)
				}
				for _, dep := range task.Dependencies {
					checkPos(t, data, dep.Pos, dep.Name)
				}
			}
		}
	})
}

// checkPos checks that pos is at a byte of data that can start a JSON value.
func checkPos(t *testing.T, data []byte, pos config.Pos, what string) {
	t.Helper()
	if !inside(data, pos, false) {
		t.Errorf("%s: position %v outside the file", what, pos)
		return
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	c := lines[pos.Line-1][pos.Col-1]
	if !strings.ContainsRune(`"{[-0123456789tfn`, rune(c)) {
		t.Errorf("%s: position %v is at %q, which starts no value", what, pos, c)
	}
}

// inside reports whether pos is a byte of data, or its end if atEOF.
func inside(data []byte, pos config.Pos, atEOF bool) bool {
	if pos.Line < 1 || pos.Col < 1 {
		return false
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if pos.Line > len(lines) {
		return false
	}
	line := lines[pos.Line-1]
	if pos.Col-1 < len(line) {
		return true
	}
	// Only the end of the file may be past a line's last byte.
	return atEOF && pos.Line == len(lines) && pos.Col-1 == len(line)
}
