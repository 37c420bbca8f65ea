package jobmain

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// The tests of this file run the test binary again as a job binary: with
// JOBMAIN_FAULT set, init runs Main on the job faultJobs names, with the
// arguments in JOBMAIN_ARGS (separated by newlines), and exits. Each job
// is three tasks: first, then fault (what the case is about), then last.
// Teardown prints "teardown" on stderr.
func init() {
	name := os.Getenv("JOBMAIN_FAULT")
	if name == "" {
		return
	}
	fault, ok := faultCases[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "no fault case %q\n", name)
		os.Exit(99)
	}
	args := []string{"fault"}
	if a := os.Getenv("JOBMAIN_ARGS"); a != "" {
		args = append(args, strings.Split(a, "\n")...)
	}
	h := &printTeardown{}
	if name == "stuck teardown" {
		h.stuck = true
	}
	job := &runtime.Job{Name: "fault", Handler: h, Tasks: []runtime.Task{
		{Name: "first", Run: succeed},
		{Name: "fault", Deps: []int{0}, Run: fault},
		{Name: "last", Deps: []int{1}, Run: succeed},
	}, Levels: [][]int{{0}, {1}, {2}}}
	os.Exit(Main(job, args))
}

// faultCases are the tasks "fault" of the helper jobs, by case.
var faultCases = map[string]runtime.TaskFunc{
	// print prints 1,000 lines on stdout.
	"print": func(context.Context, []any) (any, error) {
		for i := range 1000 {
			fmt.Println("line", i)
		}
		return nil, nil
	},
	// go panic starts a goroutine that panics, and waits.
	"go panic": func(ctx context.Context, args []any) (any, error) {
		go func() { panic("in a goroutine of the task") }()
		return waitCtx(ctx, args)
	},
	// group panic does the same with a runtime.Group.
	"group panic": func(ctx context.Context, _ []any) (any, error) {
		g, ctx := runtime.NewGroup(ctx)
		g.Go(func() error { panic("in a goroutine of the task") })
		g.Go(func() error { <-ctx.Done(); return ctx.Err() })
		return nil, g.Wait()
	},
	// os.Exit(0) exits the process, as does log.Fatal.
	"os.Exit(0)": func(context.Context, []any) (any, error) { os.Exit(0); return nil, nil },
	"log.Fatal":  func(context.Context, []any) (any, error) { log.Fatal("giving up"); return nil, nil },
	// stuck teardown says "started" on stdout and waits for its context to
	// end; Teardown then says "teardown" on stdout and ignores its context
	// for ever.
	"stuck teardown": func(ctx context.Context, args []any) (any, error) {
		fmt.Println("started")
		return waitCtx(ctx, args)
	},
}

// printTeardown says "teardown" on stderr (on stdout if stuck, and then
// ignores its context for ever).
type printTeardown struct {
	runtime.GenericJobHandler
	stuck bool
}

func (h *printTeardown) Teardown(ctx context.Context, _ runtime.JobInfo, _ error) error {
	if h.stuck {
		fmt.Println("teardown")
		<-make(chan struct{})
	}
	fmt.Fprintln(os.Stderr, "teardown")
	return nil
}

// inBubble returns a test that runs f in a synctest bubble, where the
// clock moves only when every goroutine of the bubble is blocked: a
// --timeout then passes once the tasks wait, never before they started,
// however loaded the machine.
func inBubble(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

// faultCommand returns the command that runs the helper job of the fault
// case with args, its stderr collected in the returned buffer.
func faultCommand(t *testing.T, fault string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "JOBMAIN_FAULT="+fault, "JOBMAIN_ARGS="+strings.Join(args, "\n"))
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	return cmd, stderr
}

// exitCode returns the exit code of the command that ended with err, or
// 128 plus the signal that killed it.
func exitCodeOf(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return exit.ExitCode()
}

// readReport returns the outcome and the state of each task of the
// --report file at path, failing the test unless it is whole.
func readReport(t *testing.T, path string) (string, map[string]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var rep struct {
		Outcome string `json:"outcome"`
		Tasks   []struct {
			Name  string `json:"name"`
			State string `json:"state"`
		} `json:"tasks"`
	}
	require.NoError(t, json.Unmarshal(data, &rep), "the report is not whole:\n%s", data)
	states := map[string]string{}
	for _, task := range rep.Tasks {
		states[task.Name] = task.State
	}
	return rep.Outcome, states
}

// noTempFiles checks that dir holds only the files named.
func noTempFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, names, got, "files left in %s", dir)
}

// A broken or closed stdout never kills the run nor turns its success into
// a failure: the task that prints to it and the summary get write errors,
// Teardown runs, the report and trace are whole, the binary exits 0.
func TestBrokenStdout(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("SIGPIPE and closed file descriptors are Unix")
	}
	tests := []struct {
		name   string
		stdout string // "broken pipe" or "closed"
	}{
		{name: "pipe whose reader is gone", stdout: "broken pipe"},
		{name: "closed", stdout: "closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			report, trace := filepath.Join(dir, "run.json"), filepath.Join(dir, "trace.json")
			cmd, stderr := faultCommand(t, "print", "--report", report, "--trace", trace)
			var err error
			switch tt.stdout {
			case "broken pipe":
				r, w, perr := os.Pipe()
				require.NoError(t, perr)
				require.NoError(t, r.Close())
				cmd.Stdout = w
				err = cmd.Run()
				w.Close()
			case "closed":
				// Only a shell can start a process with its stdout closed.
				cmd.Args = []string{"sh", "-c", `exec "$0" "$@" >&-`, cmd.Path, "-test.run=^$"}
				cmd.Path, err = exec.LookPath("sh")
				require.NoError(t, err)
				err = cmd.Run()
			}
			assert.Equal(t, 0, exitCodeOf(t, err), "stderr:\n%s", stderr)
			assert.Contains(t, stderr.String(), "teardown", "Teardown ran")
			if tt.stdout == "broken pipe" {
				assert.Contains(t, stderr.String(), "fault: summary not printed: write /dev/stdout: broken pipe")
			}
			outcome, states := readReport(t, report)
			assert.Equal(t, "succeeded", outcome)
			assert.Equal(t, map[string]string{"first": "succeeded", "fault": "succeeded", "last": "succeeded"}, states)
			data, err := os.ReadFile(trace)
			require.NoError(t, err)
			assert.True(t, json.Valid(data), "the trace is whole")
			assert.NotContains(t, string(data), "line 1", "what the task printed is not in the trace")
			noTempFiles(t, dir, "run.json", "trace.json")
		})
	}
}

// A second signal during Teardown ends the process at once, says so on
// stderr and leaves no report, rather than a part of one.
func TestSecondSignalDuringTeardown(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("signals are Unix")
	}
	dir := t.TempDir()
	report := filepath.Join(dir, "run.json")
	require.NoError(t, os.WriteFile(report, []byte(`{"outcome": "succeeded"}`), 0o644)) // from an earlier run
	cmd, stderr := faultCommand(t, "stuck teardown", "--report", report)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	out := bufio.NewScanner(stdout)
	require.True(t, out.Scan(), "the job printed nothing; stderr:\n%s", stderr)
	require.Equal(t, "started", out.Text())
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	// Teardown starts once the first signal cancelled the task: only then
	// send the second one, since signals sent back to back can merge.
	require.True(t, out.Scan(), "the job ended after the first signal; stderr:\n%s", stderr)
	require.Equal(t, "teardown", out.Text())
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	for out.Scan() {
	}
	err = cmd.Wait()
	assert.Equal(t, 130, exitCodeOf(t, err), "stderr:\n%s", stderr)
	assert.Contains(t, stderr.String(), "fault: second signal (interrupt): exiting without waiting for running tasks or Teardown; --report "+report+" not written\n")
	assert.NoFileExists(t, report, "no report, rather than a part of one or an earlier run's")
	noTempFiles(t, dir)
}

// What ends the process from inside a task cannot be caught: a panic in a
// goroutine the task started, os.Exit, log.Fatal. Teardown does not run
// and the exit code is what the task chose (os.Exit(0) exits 0); but the
// --report file is never a success: it is absent, also when an earlier run
// left one. A Group turns the goroutine's panic into the task's error.
func TestTaskEndsProcess(t *testing.T) {
	tests := []struct {
		fault     string
		wantCode  int
		wantErr   string // in stderr
		teardown  bool
		wantState string // of task fault in the report; "": no report
	}{
		{fault: "go panic", wantCode: 2, wantErr: "panic: in a goroutine of the task"},
		{fault: "os.Exit(0)", wantCode: 0},
		{fault: "log.Fatal", wantCode: 1, wantErr: "giving up"},
		{fault: "group panic", wantCode: ExitFailed, teardown: true, wantState: "panicked"},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			report := filepath.Join(dir, "run.json")
			require.NoError(t, os.WriteFile(report, []byte(`{"outcome": "succeeded"}`), 0o644)) // from an earlier run
			cmd, stderr := faultCommand(t, tt.fault, "--report", report)
			err := cmd.Run()
			assert.Equal(t, tt.wantCode, exitCodeOf(t, err), "stderr:\n%s", stderr)
			assert.Contains(t, stderr.String(), tt.wantErr)
			assert.Equal(t, tt.teardown, strings.Contains(stderr.String(), "teardown\n"), "Teardown ran; stderr:\n%s", stderr)
			if tt.wantState == "" {
				assert.NoFileExists(t, report, "a process that ended during the run leaves no report")
				return
			}
			outcome, states := readReport(t, report)
			assert.Equal(t, "failed", outcome)
			assert.Equal(t, map[string]string{"first": "succeeded", "fault": tt.wantState, "last": "upstream_failed"}, states)
		})
	}
}
