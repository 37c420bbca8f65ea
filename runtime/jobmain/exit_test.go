package jobmain

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/urfave/cli/v2"
)

// A job built by hand may leave its levels out: the binary plans and runs
// the levels runtime.Job.Run computes.
func TestRunComputesMissingLevels(t *testing.T) {
	job := pipeline(succeed)
	job.Levels = nil
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), job, []string{"pipe", "--dry-run", "--workers", "2"}, &stdout, &stderr)
	assert.Equal(t, ExitOK, code, stderr.String())
	assert.Equal(t, `pipe: 3 tasks in 2 levels, 2 workers
level 0 (width 2):
  jobs.pipe.a
  jobs.pipe.b
level 1 (width 1):
  jobs.pipe.c (after jobs.pipe.b, jobs.pipe.a)
critical path (2 tasks): jobs.pipe.a -> jobs.pipe.c
`, stdout.String())

	stdout.Reset()
	code = Run(context.Background(), job, []string{"pipe", "--summary"}, &stdout, &stderr)
	assert.Equal(t, ExitOK, code, stderr.String())
	assert.Contains(t, stdout.String(), "pipe: 3 succeeded in ")
	assert.Nil(t, job.Levels, "the caller's job is not changed")
}

// An Extension's command returns its error: the binary prints it once,
// named after the command, and exits 2 for bad usage, 3 for anything else.
func TestRunCommandErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCode   int
		wantStderr string
	}{
		{"success", nil, ExitOK, ""},
		{"usage", UsageError(errors.New("needs --where")), ExitUsage, "pipe sub: needs --where\nRun 'pipe sub --help' for usage.\n"},
		{"failure", errors.New("server gone"), ExitSetup, "pipe sub: server gone\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ext := Extension{Commands: []*cli.Command{{Name: "sub", Action: func(*cli.Context) error { return tt.err }}}}
			var stdout, stderr bytes.Buffer
			code := RunWith(context.Background(), pipeline(succeed), []string{"pipe", "sub"}, &stdout, &stderr, ext)
			assert.Equal(t, tt.wantCode, code)
			assert.Equal(t, tt.wantStderr, stderr.String())
		})
	}
}
