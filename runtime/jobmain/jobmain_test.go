package jobmain

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/exec"
	goruntime "runtime"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

func TestMain(m *testing.M) {
	switch os.Getenv("JOBMAIN_HELPER") {
	case "1":
		os.Exit(Main(helperJob(), []string{"helper"}))
	case "logs":
		os.Exit(Main(loggingJob(), []string{"logs", "--log-format", "json", "--no-progress"}))
	}
	goleak.VerifyTestMain(m)
}

func succeed(context.Context, []any) (any, error) { return nil, nil }

func waitCtx(ctx context.Context, _ []any) (any, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// handler counts Teardown calls and fails Setup or Teardown when told to.
type handler struct {
	runtime.GenericJobHandler
	setupErr, teardownErr error
	teardowns             atomic.Int32
}

func (h *handler) Setup(ctx context.Context, _ runtime.JobInfo) (context.Context, error) {
	return ctx, h.setupErr
}

func (h *handler) Teardown(context.Context, runtime.JobInfo, error) error {
	h.teardowns.Add(1)
	return h.teardownErr
}

// pipeline is a job of three tasks: a and b in level 0 (a listed first in
// the level, b first in the table), c after both. run fills a.
func pipeline(run runtime.TaskFunc) *runtime.Job {
	return &runtime.Job{
		Name: "pipe",
		Tasks: []runtime.Task{
			{Name: "jobs.pipe.b", Run: succeed},
			{Name: "jobs.pipe.a", Run: run},
			{Name: "jobs.pipe.c", Deps: []int{0, 1}, Run: succeed},
		},
		Levels: [][]int{{1, 0}, {2}},
	}
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		run        func(cancel context.CancelCauseFunc) runtime.TaskFunc // task a; nil means succeed
		handler    *handler
		invalid    bool // make the job table invalid
		wantCode   int
		wantStdout []string
		wantStderr []string
		teardowns  int32
	}{
		{
			name:       "success",
			wantCode:   ExitOK,
			wantStdout: []string{"pipe: 3 succeeded in "},
			teardowns:  1,
		},
		{
			name:       "task fails",
			args:       []string{"--workers", "1"},
			run:        func(context.CancelCauseFunc) runtime.TaskFunc { return fail(errors.New("disk full\nmore detail")) },
			wantCode:   ExitFailed,
			wantStdout: []string{"disk full\n", "pipe: failed: 1 failed, 1 upstream_failed, 1 not_started in "},
			wantStderr: []string{"level=ERROR", "task=jobs.pipe.a", "state=failed"},
			teardowns:  1,
		},
		{
			name:       "keep going",
			args:       []string{"--keep-going", "--workers", "1"},
			run:        func(context.CancelCauseFunc) runtime.TaskFunc { return fail(errors.New("boom")) },
			wantCode:   ExitFailed,
			wantStdout: []string{"pipe: failed: 1 failed, 1 upstream_failed, 1 succeeded in "},
			teardowns:  1,
		},
		{name: "unknown flag", args: []string{"--nope"}, wantCode: ExitUsage, wantStderr: []string{"flag provided but not defined: -nope", "pipe --help"}},
		{name: "bad workers value", args: []string{"--workers", "many"}, wantCode: ExitUsage, wantStderr: []string{"invalid value"}},
		{name: "zero workers", args: []string{"--workers", "0"}, wantCode: ExitUsage, wantStderr: []string{"--workers must be at least 1"}},
		{name: "negative timeout", args: []string{"--timeout", "-1s"}, wantCode: ExitUsage, wantStderr: []string{"--timeout must not be negative"}},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantCode: ExitUsage, wantStderr: []string{"--log-format must be text or json"}},
		{name: "bad schedule", args: []string{"--schedule", "asap"}, wantCode: ExitUsage, wantStderr: []string{`--schedule: unknown schedule "asap"`}},
		{
			name:       "eager schedule, keep going",
			args:       []string{"--schedule", "eager", "--keep-going", "--workers", "1"},
			run:        func(context.CancelCauseFunc) runtime.TaskFunc { return fail(errors.New("boom")) },
			wantCode:   ExitFailed,
			wantStdout: []string{"pipe: failed: 1 failed, 1 upstream_failed, 1 succeeded in "},
			teardowns:  1,
		},
		{name: "extra argument", args: []string{"now"}, wantCode: ExitUsage, wantStderr: []string{`unexpected argument "now"`}},
		{
			name:       "setup fails",
			handler:    &handler{setupErr: errors.New("no workspace")},
			wantCode:   ExitSetup,
			wantStdout: []string{"pipe: setup failed: 3 not_started in "},
			wantStderr: []string{"setup failed: no workspace"},
		},
		{name: "invalid job", invalid: true, wantCode: ExitSetup, wantStderr: []string{"invalid job", `task "jobs.pipe.c": dependency index 7 out of range`}},
		{
			name:       "only teardown fails",
			handler:    &handler{teardownErr: errors.New("cannot clean up")},
			wantCode:   ExitTeardown,
			wantStdout: []string{"pipe: teardown failed: 3 succeeded in "},
			wantStderr: []string{"teardown failed: cannot clean up"},
			teardowns:  1,
		},
		{
			name:       "task and teardown fail",
			run:        func(context.CancelCauseFunc) runtime.TaskFunc { return fail(errors.New("boom")) },
			handler:    &handler{teardownErr: errors.New("cannot clean up")},
			wantCode:   ExitFailed,
			wantStderr: []string{"teardown failed: cannot clean up"},
			teardowns:  1,
		},
		{
			name:       "timeout",
			args:       []string{"--timeout", "20ms", "--workers", "1"},
			run:        func(context.CancelCauseFunc) runtime.TaskFunc { return waitCtx },
			wantCode:   ExitTimeout,
			wantStdout: []string{"pipe: timed out: 1 cancelled, 2 not_started in "},
			teardowns:  1,
		},
		{
			name: "interrupted",
			args: []string{"--workers", "1"},
			run: func(cancel context.CancelCauseFunc) runtime.TaskFunc {
				return func(ctx context.Context, args []any) (any, error) { cancel(nil); return waitCtx(ctx, args) }
			},
			wantCode:   ExitInterrupted,
			wantStdout: []string{"pipe: interrupted: 1 cancelled, 2 not_started in "},
			teardowns:  1,
		},
		{
			name: "interrupted by SIGTERM",
			run: func(cancel context.CancelCauseFunc) runtime.TaskFunc {
				return func(ctx context.Context, args []any) (any, error) {
					cancel(interrupted{syscall.SIGTERM})
					return waitCtx(ctx, args)
				}
			},
			wantCode:  128 + 15,
			teardowns: 1,
		},
		{name: "help", args: []string{"--help"}, wantCode: ExitOK, wantStdout: []string{"--workers N", "--keep-going", "--dry-run", "--log-format FORMAT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, inBubble(func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			run := runtime.TaskFunc(succeed)
			if tt.run != nil {
				run = tt.run(cancel)
			}
			job := pipeline(run)
			h := tt.handler
			if h == nil {
				h = new(handler)
			}
			job.Handler = h
			if tt.invalid {
				job.Tasks[2].Deps = []int{7}
			}
			var stdout, stderr bytes.Buffer
			code := Run(ctx, job, append([]string{"pipe"}, tt.args...), &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
			for _, want := range tt.wantStdout {
				assert.Contains(t, stdout.String(), want)
			}
			for _, want := range tt.wantStderr {
				assert.Contains(t, stderr.String(), want)
			}
			assert.Equal(t, tt.teardowns, h.teardowns.Load(), "Teardown calls")
		}))
	}
}

func fail(err error) runtime.TaskFunc {
	return func(context.Context, []any) (any, error) { return nil, err }
}

func TestRunSummary(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), pipeline(fail(errors.New("boom"))), []string{"pipe", "--keep-going"}, &stdout, &stderr)
	require.Equal(t, ExitFailed, code)
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	require.Len(t, lines, 6, stdout.String())
	fields := func(line string) []string { return strings.Fields(line) }
	assert.Equal(t, []string{"LEVEL", "TASK", "STATE", "ATTEMPTS", "START", "DURATION", "ERROR"}, fields(lines[0]))
	// Sorted by level, then name: a before b although b comes first in the table.
	assert.Equal(t, []string{"0", "jobs.pipe.a", "failed", "1"}, fields(lines[1])[:4])
	assert.Regexp(t, `^\+\d`, fields(lines[1])[4], "start offset")
	assert.Equal(t, "boom", fields(lines[1])[6])
	assert.Equal(t, []string{"0", "jobs.pipe.b", "succeeded", "1"}, fields(lines[2])[:4])
	assert.Equal(t, []string{"1", "jobs.pipe.c", "upstream_failed", "0", "-", "-"}, fields(lines[3]))
	assert.Regexp(t, `^critical path: jobs\.pipe\.[ab] \(\S+\) = \S+$`, lines[4])
	assert.Regexp(t, `^pipe: failed: 1 failed, 1 upstream_failed, 1 succeeded in \S+$`, lines[5])
}

func TestRunDryRun(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string // stdout
		wantErr  string // in stderr
	}{
		{
			name: "text",
			args: []string{"--dry-run", "--workers", "4"},
			want: `pipe: 3 tasks in 2 levels, 4 workers
level 0 (width 2):
  jobs.pipe.a
  jobs.pipe.b
level 1 (width 1):
  jobs.pipe.c (after jobs.pipe.b, jobs.pipe.a)
critical path (2 tasks): jobs.pipe.a -> jobs.pipe.c
`,
		},
		{
			name: "fewer workers than the widest level",
			args: []string{"--dry-run", "--workers", "1"},
			want: `pipe: 3 tasks in 2 levels, 1 worker
level 0 (width 2):
  jobs.pipe.a
  jobs.pipe.b
level 1 (width 1):
  jobs.pipe.c (after jobs.pipe.b, jobs.pipe.a)
critical path (2 tasks): jobs.pipe.a -> jobs.pipe.c
note: --workers 1 is below the width of the widest level (level 0, 2 tasks): it runs in 2 rounds of at most 1 task
`,
		},
		{
			name: "json",
			args: []string{"--dry-run", "--json", "--workers", "8"},
			want: `{
  "job": "pipe",
  "tasks": 3,
  "workers": 8,
  "levels": [
    {
      "level": 0,
      "width": 2,
      "tasks": [
        {
          "name": "jobs.pipe.a"
        },
        {
          "name": "jobs.pipe.b"
        }
      ]
    },
    {
      "level": 1,
      "width": 1,
      "tasks": [
        {
          "name": "jobs.pipe.c",
          "after": [
            "jobs.pipe.b",
            "jobs.pipe.a"
          ]
        }
      ]
    }
  ],
  "max_width": 2,
  "widest_level": 0,
  "critical_path": [
    "jobs.pipe.a",
    "jobs.pipe.c"
  ]
}
`,
		},
		{
			name:     "json without dry run",
			args:     []string{"--json"},
			wantCode: ExitUsage,
			wantErr:  "--json needs --dry-run",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := pipeline(func(context.Context, []any) (any, error) {
				t.Error("a task ran during a dry run")
				return nil, nil
			})
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), job, append([]string{"pipe"}, tt.args...), &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code, stderr.String())
			assert.Equal(t, tt.want, stdout.String())
			if tt.wantErr == "" {
				assert.Empty(t, stderr.String())
			} else {
				assert.Contains(t, stderr.String(), tt.wantErr)
			}
		})
	}
}

func TestRunLogFormatJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), pipeline(fail(errors.New("boom"))), []string{"pipe", "--log-format", "json", "--log-level", "debug", "--keep-going"}, &stdout, &stderr)
	require.Equal(t, ExitFailed, code)
	lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.Contains(l, `"attempt start"`) })
	require.Len(t, lines, 3, "one record per task")
	states := map[string]string{}
	for _, line := range lines {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		for _, key := range []string{"job", "task", "graph_level", "attempt", "state", "duration"} {
			assert.Contains(t, rec, key, line)
		}
		assert.Equal(t, "pipe", rec["job"])
		states[rec["task"].(string)] = rec["state"].(string)
		if rec["state"] == "failed" {
			assert.Equal(t, "boom", rec["error"])
		}
	}
	assert.Equal(t, map[string]string{"jobs.pipe.a": "failed", "jobs.pipe.b": "succeeded", "jobs.pipe.c": "upstream_failed"}, states)
}

// helperJob is the job Main runs in the helper process: its first task
// says it started, then waits for its context to end, or ignores it if
// JOBMAIN_IGNORE is set (saying "cancel seen" when it ends). Teardown says
// it ran.
func helperJob() *runtime.Job {
	h := &helperHandler{}
	return &runtime.Job{Name: "helper", Handler: h, Tasks: []runtime.Task{{Name: "wait", Run: func(ctx context.Context, _ []any) (any, error) {
		fmt.Println("started")
		if os.Getenv("JOBMAIN_IGNORE") == "1" {
			go func() {
				<-ctx.Done()
				fmt.Println("cancel seen")
			}()
			time.Sleep(time.Minute)
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}}}, Levels: [][]int{{0}}}
}

type helperHandler struct{ runtime.GenericJobHandler }

// loggingJob is the job of TestMainRoutesDefaultLogger: its task logs
// through runtime.Logger, slog's default logger and the log package.
func loggingJob() *runtime.Job {
	return &runtime.Job{Name: "logs", Tasks: []runtime.Task{{Name: "jobs.logs.chatty", Run: func(ctx context.Context, _ []any) (any, error) {
		runtime.Logger(ctx).Info("through runtime.Logger")
		slog.Warn("through slog.Warn", "n", 1)
		log.Print("through log.Print")
		return nil, nil
	}}}, Levels: [][]int{{0}}}
}

// TestMainRoutesDefaultLogger runs a job binary with --log-format json
// whose task logs three ways: every line on stderr is a JSON record of the
// run, and only runtime.Logger's carries the task.
func TestMainRoutesDefaultLogger(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "JOBMAIN_HELPER=logs")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	msgs := map[string]map[string]any{}
	for line := range strings.Lines(stderr.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "not a JSON record: %q", line)
		assert.Equal(t, "logs", rec["job"], line)
		msgs[rec["msg"].(string)] = rec
	}
	require.Contains(t, msgs, "through runtime.Logger", stderr.String())
	assert.Equal(t, "jobs.logs.chatty", msgs["through runtime.Logger"]["task"])
	require.Contains(t, msgs, "through slog.Warn", stderr.String())
	assert.Equal(t, "WARN", msgs["through slog.Warn"]["level"])
	require.Contains(t, msgs, "through log.Print", stderr.String())
	assert.Equal(t, "INFO", msgs["through log.Print"]["level"])
}

func (helperHandler) Teardown(context.Context, runtime.JobInfo, error) error {
	fmt.Println("teardown")
	return nil
}

func TestMainSignals(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("signals are Unix")
	}
	tests := []struct {
		name         string
		signals      []syscall.Signal
		ignore       bool // the task ignores its cancelled context
		wantCode     int
		wantTeardown bool
	}{
		{name: "SIGINT", signals: []syscall.Signal{syscall.SIGINT}, wantCode: 130, wantTeardown: true},
		{name: "SIGTERM", signals: []syscall.Signal{syscall.SIGTERM}, wantCode: 143, wantTeardown: true},
		{name: "second signal exits at once", signals: []syscall.Signal{syscall.SIGINT, syscall.SIGINT}, ignore: true, wantCode: 130},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "JOBMAIN_HELPER=1")
			if tt.ignore {
				cmd.Env = append(cmd.Env, "JOBMAIN_IGNORE=1")
			}
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			out := bufio.NewScanner(stdout)
			require.True(t, out.Scan())
			require.Equal(t, "started", out.Text())
			for k, sig := range tt.signals {
				require.NoError(t, cmd.Process.Signal(sig))
				if k < len(tt.signals)-1 {
					// Send the next signal only once this one cancelled the
					// run: two signals sent back to back can merge into one.
					require.True(t, out.Scan(), "the job ended after %v", sig)
					require.Equal(t, "cancel seen", out.Text())
				}
			}
			var rest []string
			for out.Scan() {
				rest = append(rest, out.Text())
			}
			err = cmd.Wait()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			assert.Equal(t, tt.wantCode, exit.ExitCode())
			assert.Equal(t, tt.wantTeardown, strings.Contains(strings.Join(rest, "\n"), "teardown"), "output: %q", rest)
		})
	}
}

// TestRunCommandLine covers what a Go user expects of a command: --version,
// environment variables for the flags, exit codes in -h, shell completion,
// and a quiet success.
func TestRunCommandLine(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantCode   int
		wantStdout []string // regexps
		wantStderr []string // regexps
	}{
		{name: "version", args: []string{"--version"}, wantStdout: []string{`^pipe version .*go1\.\d+.*\n$`}},
		{
			name:       "help lists exit codes and variables",
			args:       []string{"-h"},
			wantStdout: []string{`EXIT CODES:\n   0    every task succeeded\n`, `\n   124  the --timeout expired\n`, `--workers N .*\[\$PIPE_WORKERS\]`, `--log-level LEVEL .*\[\$PIPE_LOG_LEVEL\]`, `completion +print the script`},
		},
		{name: "success prints one line", wantStdout: []string{`^pipe: 3 succeeded in \S+\n$`}},
		{name: "--summary prints the table", args: []string{"--summary"}, wantStdout: []string{`^LEVEL +TASK +STATE`, `(?m)^critical path: `, `\npipe: 3 succeeded in \S+\n$`}},
		{name: "a variable sets a flag", env: map[string]string{"PIPE_SUMMARY": "true"}, wantStdout: []string{`^LEVEL +TASK`}},
		{name: "a bad variable is bad usage", env: map[string]string{"PIPE_WORKERS": "0"}, wantCode: ExitUsage, wantStderr: []string{`--workers must be at least 1, not 0`}},
		{name: "the command line wins", args: []string{"--workers", "1"}, env: map[string]string{"PIPE_WORKERS": "0"}, wantStdout: []string{`^pipe: 3 succeeded`}},
		{name: "bash completion", args: []string{"completion", "bash"}, wantStdout: []string{`complete -o bashdefault -o default -F _pipe_complete pipe\n`}},
		{name: "completion needs a shell", args: []string{"completion"}, wantCode: ExitUsage, wantStderr: []string{`completion needs a shell: bash, zsh or fish`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), pipeline(succeed), append([]string{"pipe"}, tt.args...), &stdout, &stderr)
			assert.Equal(t, tt.wantCode, code, "stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
			for _, re := range tt.wantStdout {
				assert.Regexp(t, re, stdout.String())
			}
			for _, re := range tt.wantStderr {
				assert.Regexp(t, re, stderr.String())
			}
		})
	}
}

func TestEnvVar(t *testing.T) {
	assert.Equal(t, "JOB1_WORKERS", EnvVar("job1", "workers"))
	assert.Equal(t, "MY_JOB_LOG_LEVEL", EnvVar("my_job", "log-level"))
}
