package config_test

import (
	"bytes"
	"go/token"
	"os"
	"slices"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that it returns a config
// exactly when it reports no problem, that every problem's position lies
// inside the file, and that a success only holds positions of real
// values. The seed corpus is in
// testdata/fuzz/FuzzParse, so the seeds run in every go test.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../../../config/job_config.json"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz.json"
		cfg, list, problems := parse(path, data)
		if len(list) > 0 {
			if cfg != nil {
				t.Fatalf("config and problems both returned: %s", problems)
			}
			for i, p := range list {
				if p.pos.Filename != path {
					t.Errorf("problem %q has file %q", p, p.pos.Filename)
				}
				if !inside(data, p.pos, true) {
					t.Errorf("problem %q is outside the file", p)
				}
				if p.msg == "" || strings.HasSuffix(p.msg, ".") {
					t.Errorf("bad message %q", p.msg)
				}
				if off := p.pos.Offset; i > 0 && list[i-1].pos.Offset > off {
					t.Errorf("problems not sorted: %q before %q", list[i-1], p)
				}
			}
			if _, _, again := parse(path, slices.Clone(data)); again != problems {
				t.Errorf("second parse differs:\n%s\n---\n%s", problems, again)
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
			if job.Params != "" {
				checkPos(t, data, job.ParamsPos, job.Params)
			} else if job.ParamsPos.IsValid() {
				t.Errorf("job %s: no params, but a params position %v", job.Name, job.ParamsPos)
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
func checkPos(t *testing.T, data []byte, pos token.Position, what string) {
	t.Helper()
	if !inside(data, pos, false) {
		t.Errorf("%s: position %v outside the file", what, pos)
		return
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	c := lines[pos.Line-1][pos.Column-1]
	if !strings.ContainsRune(`"{[-0123456789tfn`, rune(c)) {
		t.Errorf("%s: position %v is at %q, which starts no value", what, pos, c)
	}
	if pos.Offset >= len(data) || data[pos.Offset] != c {
		t.Errorf("%s: offset %d of position %v is not its line and column", what, pos.Offset, pos)
	}
}

// inside reports whether pos is a byte of data, or its end if atEOF.
func inside(data []byte, pos token.Position, atEOF bool) bool {
	if pos.Line < 1 || pos.Column < 1 {
		return false
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if pos.Line > len(lines) {
		return false
	}
	line := lines[pos.Line-1]
	if pos.Column-1 < len(line) {
		return true
	}
	// Only the end of the file may be past a line's last byte.
	return atEOF && pos.Line == len(lines) && pos.Column-1 == len(line)
}
