package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// loggingHandler logs from Setup, Execute and Teardown through
// runtime.Logger.
type loggingHandler struct{ runtime.GenericJobHandler }

func (loggingHandler) Setup(ctx context.Context, _ runtime.JobInfo) (context.Context, error) {
	runtime.Logger(ctx).Info("from setup")
	return ctx, nil
}

func (loggingHandler) Execute(ctx context.Context, task runtime.TaskInfo, run func(context.Context) error) error {
	runtime.Logger(ctx).Info("from execute")
	return run(ctx)
}

func (loggingHandler) Teardown(ctx context.Context, _ runtime.JobInfo, _ error) error {
	runtime.Logger(ctx).Info("from teardown")
	return nil
}

func TestLoggerInTasks(t *testing.T) {
	logs := func(ctx context.Context) error {
		runtime.Logger(ctx).Info("from the task", "rows", 3)
		return nil
	}
	tests := []struct {
		name     string
		schedule runtime.Schedule
		timeout  time.Duration // of task b, which then runs on its own goroutine
		handler  runtime.Handler
	}{
		{name: "levels", schedule: runtime.ScheduleLevels},
		{name: "eager", schedule: runtime.ScheduleEager},
		{name: "task timeout", timeout: time.Minute},
		{name: "custom handler", handler: loggingHandler{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := &runtime.Job{
				Name:    "shop",
				Handler: tt.handler,
				Tasks: []runtime.Task{
					{Name: "a", Run: action0(logs)},
					{Name: "b", Deps: []int{0}, Timeout: tt.timeout, Run: action0(logs)},
				},
				Levels: [][]int{{0}, {1}},
			}
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			_, err := job.Run(context.Background(), runtime.Options{Logger: log, Schedule: tt.schedule})
			require.NoError(t, err)
			var fromTasks, fromHandler []map[string]any
			for line := range strings.Lines(buf.String()) {
				var rec map[string]any
				require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
				assert.Equal(t, uniqueKeys(t, line), len(rec), line)
				switch rec["msg"] {
				case "from the task":
					fromTasks = append(fromTasks, rec)
				case "from setup", "from execute", "from teardown":
					fromHandler = append(fromHandler, rec)
				}
			}
			require.Len(t, fromTasks, 2, buf.String())
			for i, rec := range fromTasks {
				assert.Equal(t, "shop", rec["job"])
				assert.Equal(t, string(rune('a'+i)), rec["task"])
				assert.Equal(t, float64(i), rec["graph_level"])
				assert.Equal(t, float64(1), rec["attempt"])
				assert.Equal(t, float64(3), rec["rows"])
				assert.Equal(t, "INFO", rec["level"])
			}
			if tt.handler != nil {
				require.Len(t, fromHandler, 4, buf.String()) // setup, 2 executes, teardown
				for _, rec := range fromHandler {
					assert.Equal(t, "shop", rec["job"], rec)
					if rec["msg"] == "from execute" {
						assert.Contains(t, rec, "task")
					} else {
						assert.NotContains(t, rec, "task")
					}
				}
			}
		})
	}
}

func TestLoggerRetryAttempt(t *testing.T) {
	calls := 0
	job := &runtime.Job{Name: "j", Tasks: []runtime.Task{{Name: "flaky", Retries: 1, Run: action0(func(ctx context.Context) error {
		calls++
		runtime.Logger(ctx).Info("try")
		if calls == 1 {
			return assert.AnError
		}
		return nil
	})}}, Levels: [][]int{{0}}}
	var buf bytes.Buffer
	_, err := job.Run(context.Background(), runtime.Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	require.NoError(t, err)
	assert.Contains(t, buf.String(), `msg=try job=j task=flaky graph_level=0 attempt=1`)
	assert.Contains(t, buf.String(), `msg=try job=j task=flaky graph_level=0 attempt=2`)
}

func TestLoggerWithoutRun(t *testing.T) {
	assert.Same(t, slog.Default(), runtime.Logger(context.Background()))
	// A run without a Logger leaves the default too.
	var got *slog.Logger
	job := &runtime.Job{Name: "j", Tasks: []runtime.Task{{Name: "t", Run: action0(func(ctx context.Context) error {
		got = runtime.Logger(ctx)
		return nil
	})}}, Levels: [][]int{{0}}}
	_, err := job.Run(context.Background(), runtime.Options{})
	require.NoError(t, err)
	assert.Same(t, slog.Default(), got)
}

// A task logs through runtime.Logger(ctx): its records carry the job, the
// task, its graph level and the attempt, in the run's format. (The run
// logs a task that succeeded at debug level.)
func ExampleLogger() {
	job := &runtime.Job{
		Name: "shop",
		Tasks: []runtime.Task{{Name: "jobs.shop.load", Run: func0(func(ctx context.Context) (int, error) {
			runtime.Logger(ctx).Info("loaded", "rows", 3)
			return 3, nil
		})}},
		Levels: [][]int{{0}},
	}
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "duration" {
			return slog.Attr{}
		}
		return a
	}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: noTime}))
	if _, err := job.Run(context.Background(), runtime.Options{Logger: log}); err != nil {
		panic(err)
	}
	// Output:
	// level=DEBUG msg="attempt start" job=shop task=jobs.shop.load graph_level=0 attempt=1 worker=0
	// level=INFO msg=loaded job=shop task=jobs.shop.load graph_level=0 attempt=1 rows=3
	// level=DEBUG msg="task end" job=shop task=jobs.shop.load graph_level=0 attempt=1 state=succeeded
}
