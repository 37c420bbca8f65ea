package job1

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// OutDirEnv names the environment variable that sets the output folder of
// job1; the default is out/job1 under the working directory.
const OutDirEnv = "JOB1_OUT_DIR"

// DelayEnv names the environment variable that makes every task of job1
// wait that long (a Go duration) before it runs, to watch a run, or to stop
// a worker in the middle of one. Unset or invalid: no delay.
const DelayEnv = "JOB1_TASK_DELAY"

type workspaceKey struct{}

// WorkspaceFrom returns the workspace folder that [Job1Handler.Setup] put in
// ctx.
func WorkspaceFrom(ctx context.Context) (string, bool) {
	ws, ok := ctx.Value(workspaceKey{}).(string)
	return ws, ok
}

// Job1Handler gives each run a private workspace: Setup creates it inside
// the output folder, Execute records how long each task took, and Teardown
// publishes report.md and a task log into the output folder when the run
// succeeded, then removes the workspace whatever happened.
type Job1Handler struct {
	runtime.GenericJobHandler

	mu        sync.Mutex
	workspace string
	outDir    string
	log       []string
}

// Setup creates the output folder and a fresh workspace inside it.
func (h *Job1Handler) Setup(ctx context.Context, job runtime.JobInfo) (context.Context, error) {
	h.outDir = os.Getenv(OutDirEnv)
	if h.outDir == "" {
		h.outDir = filepath.Join("out", job.Name)
	}
	if err := os.MkdirAll(h.outDir, 0o755); err != nil {
		return nil, fmt.Errorf("prepare output folder: %w", err)
	}
	ws, err := os.MkdirTemp(h.outDir, ".workspace-")
	if err != nil {
		return nil, fmt.Errorf("prepare workspace: %w", err)
	}
	h.workspace = ws
	return context.WithValue(ctx, workspaceKey{}, ws), nil
}

// Execute runs the task, after the delay of [DelayEnv], and records its
// outcome and duration.
func (h *Job1Handler) Execute(ctx context.Context, task runtime.TaskInfo, run func(context.Context) error) error {
	if d, err := time.ParseDuration(os.Getenv(DelayEnv)); err == nil && d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	start := time.Now()
	err := run(ctx)
	line := fmt.Sprintf("%s attempt %d: ok in %s", task.Name, task.Attempt, time.Since(start).Round(time.Microsecond))
	if err != nil {
		line = fmt.Sprintf("%s attempt %d: %v", task.Name, task.Attempt, err)
	}
	h.mu.Lock()
	h.log = append(h.log, line)
	h.mu.Unlock()
	return err
}

// Teardown publishes the report when the run succeeded and removes the
// workspace in every case.
func (h *Job1Handler) Teardown(ctx context.Context, job runtime.JobInfo, runErr error) error {
	defer os.RemoveAll(h.workspace)
	if runErr != nil {
		return nil
	}
	h.mu.Lock()
	logText := fmt.Sprintln(len(h.log), "task attempts")
	for _, l := range h.log {
		logText += l + "\n"
	}
	h.mu.Unlock()
	if err := os.WriteFile(filepath.Join(h.workspace, "tasks.log"), []byte(logText), 0o644); err != nil {
		return fmt.Errorf("write task log: %w", err)
	}
	// A run that restored write_report from --state, or left it out with
	// --only, wrote no report: the one already published stays.
	wrote := true
	if _, err := os.Stat(filepath.Join(h.workspace, ReportFile)); errors.Is(err, fs.ErrNotExist) {
		wrote = false
	}
	for _, name := range []string{ReportFile, "tasks.log"} {
		if name == ReportFile && !wrote {
			continue
		}
		if err := os.Rename(filepath.Join(h.workspace, name), filepath.Join(h.outDir, name)); err != nil {
			return fmt.Errorf("publish %s: %w", name, err)
		}
	}
	if !wrote {
		fmt.Fprintf(os.Stderr, "job1: write_report did not run: %s left as it was\n", filepath.Join(h.outDir, ReportFile))
		return nil
	}
	fmt.Fprintf(os.Stderr, "job1: report written to %s\n", filepath.Join(h.outDir, ReportFile))
	return nil
}
