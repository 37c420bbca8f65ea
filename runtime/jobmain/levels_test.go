package jobmain

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
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
