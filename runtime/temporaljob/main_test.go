package temporaljob

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/inputs"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain"
)

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"local run without --temporal", []string{"--no-progress"}, jobmain.ExitOK, "t: 3 succeeded"},
		{"worker without a server", []string{"worker"}, jobmain.ExitUsage, "worker needs --temporal HOST:PORT (or T_TEMPORAL)"},
		{"worker with no workers", []string{"worker", "--temporal", "127.0.0.1:1", "--workers", "0"}, jobmain.ExitUsage, "--workers must be at least 1"},
		{"too many in flight", []string{"--temporal", "127.0.0.1:1", "--max-in-flight", "5000"}, jobmain.ExitUsage, "--max-in-flight must be between 1 and 1000, not 5000"},
		{"short heartbeat", []string{"--temporal", "127.0.0.1:1", "--heartbeat-timeout", "10ms"}, jobmain.ExitUsage, "--heartbeat-timeout must be at least 1s"},
		{"--state runs here only", []string{"--temporal", "127.0.0.1:1", "--state", "x"}, jobmain.ExitUsage, "--only, --from and --state run the job in this process, not on Temporal"},
		{"--only runs here only", []string{"--temporal", "127.0.0.1:1", "--only", "a"}, jobmain.ExitUsage, "--only, --from and --state run the job in this process, not on Temporal"},
		{"help lists the worker command", []string{"-h"}, jobmain.ExitOK, "worker      serve the job's workflow and tasks on Temporal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := newTestJob("t", []spec{{name: "a"}, {name: "b", deps: []int{0}}, {name: "c", deps: []int{1}}}).job
			var stdout, stderr bytes.Buffer
			code := jobmain.RunWith(context.Background(), job, append([]string{"t"}, tt.args...), &stdout, &stderr, Extension(job, Settings{}))
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			assert.Contains(t, stdout.String()+stderr.String(), tt.want)
		})
	}
}

// TestReservedFlagNames checks that internal/inputs.Reserved, the flag
// names no job input may take, lists every flag of a job binary: those of
// runtime/jobmain and those this package adds.
func TestReservedFlagNames(t *testing.T) {
	job := newTestJob("t", []spec{{name: "a"}}).job
	var stdout, stderr bytes.Buffer
	code := jobmain.RunWith(context.Background(), job, []string{"t", "-h"}, &stdout, &stderr, Extension(job, Settings{}))
	require.Equal(t, jobmain.ExitOK, code, stderr.String())
	names := regexp.MustCompile(`(?m)^\s+--([a-z][a-z0-9-]*)`).FindAllStringSubmatch(stdout.String(), -1)
	require.Greater(t, len(names), 15, "the flags in -h:\n%s", stdout.String())
	for _, m := range names {
		assert.True(t, inputs.Reserved[m[1]], "--%s is a flag of the job binary but not in internal/inputs.Reserved", m[1])
	}
}
