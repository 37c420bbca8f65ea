package jobmain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// The diamond of these tests: a (takes the params) -> b, c -> d. Each task
// appends a line to the file $STATEJOB_LOG when it starts; c blocks until
// killed when $STATEJOB_BLOCK is set, after writing "c blocked".
type diamondParams struct {
	Base  int    `help:"the number a starts from" default:"1"`
	Label string `flag:"label"`
}

type (
	taskA struct{}
	taskB struct{}
	taskC struct{}
	taskD struct{}
	// taskB2 is b with another result type: a changed task definition.
	taskB2 struct{}
)

var logMu sync.Mutex

func note(line string) {
	path := os.Getenv("STATEJOB_LOG")
	if path == "" {
		return
	}
	logMu.Lock()
	defer logMu.Unlock()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(f, line)
	f.Close()
}

func (taskA) Run(_ context.Context, p diamondParams) (int, error) {
	note("a")
	return p.Base * 10, nil
}

func (taskB) Run(_ context.Context, a int) (string, error) {
	note("b")
	return fmt.Sprintf("b%d", a+1), nil
}

func (taskB2) Run(_ context.Context, a int) (int64, error) {
	note("b2")
	return int64(a + 2), nil
}

func (taskC) Run(ctx context.Context, a int) ([]int, error) {
	note("c")
	if os.Getenv("STATEJOB_BLOCK") != "" {
		note("c blocked")
		<-ctx.Done()
		time.Sleep(time.Hour)
	}
	return []int{a, a * 2}, nil
}

func (taskD) Run(_ context.Context, b string, c []int) (map[string]int, error) {
	note("d")
	return map[string]int{b: c[0] + c[1]}, nil
}

// taskD2 is d over b2's result.
type taskD2 struct{}

func (taskD2) Run(_ context.Context, b int64, c []int) (map[string]int, error) {
	note("d2")
	return map[string]int{fmt.Sprint(b): c[0] + c[1]}, nil
}

// The Run signatures of the diamond's tasks, and rows of a table of them,
// as generated code declares them.
type (
	runner1[A, R any] interface {
		Run(context.Context, A) (R, error)
	}
	runner2[A, B, R any] interface {
		Run(context.Context, A, B) (R, error)
	}
)

func def1[A, R any](name string, deps, args []int, task runner1[A, R]) runtime.TaskDef {
	sig := &runtime.Sig[runner1[A, R], R]{Call: func(c *runtime.Call) error {
		r, err := (*c.Task().(*runner1[A, R])).Run(c.Context(), runtime.Arg[A](c, 0))
		return runtime.Return(c, r, err)
	}}
	return runtime.TaskDef{Name: name, Deps: deps, Args: args, Sig: sig, Value: &task}
}

func def2[A, B, R any](name string, deps, args []int, task runner2[A, B, R]) runtime.TaskDef {
	sig := &runtime.Sig[runner2[A, B, R], R]{Call: func(c *runtime.Call) error {
		r, err := (*c.Task().(*runner2[A, B, R])).Run(c.Context(), runtime.Arg[A](c, 0), runtime.Arg[B](c, 1))
		return runtime.Return(c, r, err)
	}}
	return runtime.TaskDef{Name: name, Deps: deps, Args: args, Sig: sig, Value: &task}
}

// diamondJob builds the diamond; changed swaps b (and d, which takes b's
// result) for tasks of another result type.
func diamondJob(changed bool) *runtime.Job {
	defs := []runtime.TaskDef{
		def1[diamondParams, int]("jobs.dia.a", nil, []int{runtime.ParamsArg}, &taskA{}),
		def1[int, string]("jobs.dia.b", []int{0}, []int{0}, &taskB{}),
		def1[int, []int]("jobs.dia.c", []int{0}, []int{0}, &taskC{}),
		def2[string, []int, map[string]int]("jobs.dia.d", []int{1, 2}, []int{1, 2}, &taskD{}),
	}
	if changed {
		defs[1] = def1[int, int64]("jobs.dia.b", []int{0}, []int{0}, &taskB2{})
		defs[3] = def2[int64, []int, map[string]int]("jobs.dia.d", []int{1, 2}, []int{1, 2}, &taskD2{})
	}
	return (&runtime.Table{Name: "dia", Params: diamondParams{}, Tasks: defs, Levels: [][]int{{0}, {1, 2}, {3}}}).Job()
}

func init() {
	if os.Getenv("STATEJOB") == "" {
		return
	}
	os.Exit(Main(diamondJob(false), strings.Split(os.Getenv("STATEJOB"), "\n")))
}

// ran returns the lines of the task log.
func ran(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return strings.Fields(strings.ReplaceAll(string(data), "c blocked", "c-blocked"))
}

// runDia runs the diamond in this process and returns the exit code, stdout
// and stderr.
func runDia(t *testing.T, job *runtime.Job, logPath string, args ...string) (int, string, string) {
	t.Setenv("STATEJOB_LOG", logPath)
	var out, errb bytes.Buffer
	code := Run(context.Background(), job, append([]string{"dia", "--no-progress"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// storedResult reads the result a task's record holds.
func storedResult(t *testing.T, dir, task string) string {
	data, err := os.ReadFile(filepath.Join(dir, task+".json"))
	require.NoError(t, err)
	var rec struct{ Result json.RawMessage }
	require.NoError(t, json.Unmarshal(data, &rec))
	return string(rec.Result)
}

func TestResumeAfterSIGKILL(t *testing.T) {
	dir := t.TempDir()
	st, logPath := filepath.Join(dir, "state"), filepath.Join(dir, "ran.log")

	// The uninterrupted run, for the results to compare with.
	ref := filepath.Join(dir, "ref")
	code, _, stderr := runDia(t, diamondJob(false), filepath.Join(dir, "ref.log"), "--state", ref, "--base", "4")
	require.Equal(t, ExitOK, code, stderr)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STATEJOB=dia\n--no-progress\n--workers\n2\n--state\n"+st+"\n--base\n4",
		"STATEJOB_LOG="+logPath, "STATEJOB_BLOCK=1")
	var stderrBuf testmod.Buffer
	cmd.Stderr = &stderrBuf
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(strings.Join(ran(t, logPath), " "), "c-blocked") || len(ran(t, logPath)) < 4 {
		require.True(t, time.Now().Before(deadline), "c never blocked; ran %v; stderr %s", ran(t, logPath), stderrBuf.String())
		time.Sleep(10 * time.Millisecond)
	}
	// b may still be writing its record: wait until it is there.
	for {
		if _, err := os.Stat(filepath.Join(st, "jobs.dia.b.json")); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "b's record never appeared")
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	err := cmd.Wait()
	require.Error(t, err)
	assert.ElementsMatch(t, []string{"a", "b", "c", "c-blocked"}, ran(t, logPath))
	assert.NoFileExists(t, filepath.Join(st, "jobs.dia.c.json"), "c was killed: no record")

	// Resume: a and b are restored, c and d run, and the results are those
	// of the uninterrupted run.
	require.NoError(t, os.Remove(logPath))
	code, stdout, stderr := runDia(t, diamondJob(false), logPath, "--state", st, "--resume", "--base", "4")
	require.Equal(t, ExitOK, code, stderr)
	assert.Equal(t, []string{"c", "d"}, ran(t, logPath), "finished tasks do not run twice")
	assert.Contains(t, stdout, "dia: 2 succeeded, 2 restored in ")
	assert.Contains(t, stderr, "dia: --resume from "+st+": 2 of 4 tasks restored\n  jobs.dia.c: no stored result\n  jobs.dia.d: no stored result\n")
	for _, task := range []string{"jobs.dia.a", "jobs.dia.b", "jobs.dia.c", "jobs.dia.d"} {
		assert.Equal(t, storedResult(t, ref, task), storedResult(t, st, task), task)
	}
	assert.Equal(t, `{"b41":120}`, storedResult(t, st, "jobs.dia.d"))
	tmps, _ := filepath.Glob(filepath.Join(st, ".*.tmp-*"))
	assert.Empty(t, tmps, "temporary files of the killed run are cleaned up")

	// Once more: everything is restored, nothing runs.
	require.NoError(t, os.Remove(logPath))
	code, stdout, stderr = runDia(t, diamondJob(false), logPath, "--state", st, "--resume", "--base", "4")
	require.Equal(t, ExitOK, code, stderr)
	assert.Empty(t, ran(t, logPath))
	assert.Contains(t, stdout, "dia: 4 restored in ")
}

func TestResumeInvalidation(t *testing.T) {
	dir := t.TempDir()
	st, logPath := filepath.Join(dir, "state"), filepath.Join(dir, "ran.log")
	code, _, stderr := runDia(t, diamondJob(false), logPath, "--state", st, "--label", "x")
	require.Equal(t, ExitOK, code, stderr)

	t.Run("an input a task takes", func(t *testing.T) {
		os.Remove(logPath)
		code, _, stderr := runDia(t, diamondJob(false), logPath, "--state", st, "--resume", "--base", "2", "--label", "x")
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, []string{"a", "b", "c", "d"}, sortedRan(t, logPath))
		assert.Contains(t, stderr, "  jobs.dia.a: the inputs changed: Base was 1, is 2\n")
		assert.Contains(t, stderr, "  jobs.dia.b: its dependency jobs.dia.a runs again\n")
		assert.Equal(t, `{"b21":60}`, storedResult(t, st, "jobs.dia.d"))
	})
	t.Run("a changed task definition", func(t *testing.T) {
		os.Remove(logPath)
		code, _, stderr := runDia(t, diamondJob(true), logPath, "--state", st, "--resume", "--base", "2", "--label", "x")
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, []string{"b2", "d2"}, sortedRan(t, logPath), "a and c are restored")
		assert.Contains(t, stderr, "  jobs.dia.b: its definition changed since it was stored (its Run signature, a type in it, or its dependencies)\n")
		assert.Contains(t, stderr, "  jobs.dia.d: its definition changed since it was stored")
	})
	t.Run("a dependency that ran again since", func(t *testing.T) {
		os.Remove(logPath)
		// --only c runs c again: d's record was computed from the old c.
		code, stdout, stderr := runDia(t, diamondJob(true), logPath, "--state", st, "--only", "c", "--base", "2", "--label", "x")
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, []string{"c"}, sortedRan(t, logPath))
		assert.Contains(t, stdout, "dia: 1 succeeded, 1 restored, 2 not_selected in ")
		os.Remove(logPath)
		code, _, stderr = runDia(t, diamondJob(true), logPath, "--state", st, "--resume", "--base", "2", "--label", "x")
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, []string{"d2"}, sortedRan(t, logPath))
		assert.Contains(t, stderr, "  jobs.dia.d: its dependency jobs.dia.c ran again after it\n")
	})
	t.Run("an input no task of the path takes", func(t *testing.T) {
		// Every task takes a's result, and a takes the params: the label
		// changes them all. (Params are compared whole.)
		os.Remove(logPath)
		code, _, stderr := runDia(t, diamondJob(true), logPath, "--state", st, "--resume", "--base", "2", "--label", "y")
		require.Equal(t, ExitOK, code, stderr)
		assert.Contains(t, stderr, `  jobs.dia.a: the inputs changed: Label was "x", is "y"`)
	})
	t.Run("another job's folder", func(t *testing.T) {
		other := diamondJob(false)
		other.Name = "other"
		code, _, stderr := runDia(t, other, logPath, "--state", st, "--resume")
		assert.Equal(t, ExitUsage, code)
		assert.Contains(t, stderr, `holds a result of job "dia", not of "other": give each job a --state folder of its own`)
	})
}

func sortedRan(t *testing.T, path string) []string {
	lines := ran(t, path)
	slices.Sort(lines)
	return lines
}

func TestSelection(t *testing.T) {
	dir := t.TempDir()
	st, logPath := filepath.Join(dir, "state"), filepath.Join(dir, "ran.log")

	t.Run("without state, a selection needs its dependencies selected", func(t *testing.T) {
		code, _, stderr := runDia(t, diamondJob(false), logPath, "--only", "b")
		assert.Equal(t, ExitUsage, code)
		assert.Contains(t, stderr, "dia: the selected tasks need the results of 1 more:\n  jobs.dia.a: it is not selected, and there is no --state to restore its result from\n")
		code, stdout, stderr := runDia(t, diamondJob(false), logPath, "--only", "a,b")
		require.Equal(t, ExitOK, code, stderr)
		assert.Contains(t, stdout, "dia: 2 succeeded, 2 not_selected in ")
		assert.Equal(t, []string{"a", "b"}, sortedRan(t, logPath))
	})
	code, _, stderr := runDia(t, diamondJob(false), logPath, "--state", st)
	require.Equal(t, ExitOK, code, stderr)

	t.Run("--only restores what it needs and leaves the rest", func(t *testing.T) {
		os.Remove(logPath)
		code, stdout, stderr := runDia(t, diamondJob(false), logPath, "--state", st, "--only", "jobs.dia.c", "--summary")
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, []string{"c"}, sortedRan(t, logPath))
		assert.Regexp(t, `jobs\.dia\.a +restored`, stdout)
		assert.Regexp(t, `jobs\.dia\.b +not_selected`, stdout)
		assert.Regexp(t, `jobs\.dia\.d +not_selected`, stdout)
	})
	t.Run("--from runs a task and everything downstream", func(t *testing.T) {
		os.Remove(logPath)
		code, stdout, stderr := runDia(t, diamondJob(false), logPath, "--state", st, "--from", "b")
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, []string{"b", "d"}, sortedRan(t, logPath))
		assert.Contains(t, stdout, "dia: 2 succeeded, 2 restored in ")
	})
	t.Run("--dry-run shows what a selection would do", func(t *testing.T) {
		os.Remove(logPath)
		code, stdout, stderr := runDia(t, diamondJob(false), logPath, "--state", st, "--from", "c", "--dry-run")
		require.Equal(t, ExitOK, code, stderr)
		assert.Empty(t, ran(t, logPath))
		assert.Regexp(t, `(?m)^a +be restored from --state\nb +be restored from --state\nc +run\nd +run$`, stdout)
	})
	t.Run("--list", func(t *testing.T) {
		code, stdout, _ := runDia(t, diamondJob(false), logPath, "--list")
		require.Equal(t, ExitOK, code)
		assert.Equal(t, "TASK  LEVEL  DEPENDS ON\na     0      \nb     1      a\nc     1      a\nd     2      b, c\n", stdout)
	})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--only", "jobs.dia.bb"}, `--only: job dia has no task "jobs.dia.bb" (did you mean "jobs.dia.b"?); --list lists them`},
		{[]string{"--only", "b,zz"}, `--only: job dia has no task "zz"; --list lists them`},
		{[]string{"--from", "jobs.other.x"}, `--from: job dia has no task "jobs.other.x"; --list lists them`},
		{[]string{"--only", "a", "--from", "a"}, "--only and --from do not combine"},
		{[]string{"--resume"}, "--resume needs --state DIR"},
	} {
		code, _, stderr := runDia(t, diamondJob(false), logPath, c.args...)
		assert.Equal(t, ExitUsage, code, "%v", c.args)
		assert.Contains(t, stderr, c.want, "%v", c.args)
	}
}

func TestStateRefusesUnstorableResults(t *testing.T) {
	job := diamondJob(false)
	job.Unstorable = map[int]string{2: `task "jobs.dia.c": result type chan int cannot be stored as JSON: it is a channel (jobs/dia/c.go:7:1)`}
	code, _, stderr := runDia(t, job, filepath.Join(t.TempDir(), "log"), "--state", t.TempDir())
	assert.Equal(t, ExitUsage, code)
	assert.Contains(t, stderr, "job \"dia\" cannot keep its results in a --state folder:\ntask \"jobs.dia.c\": result type chan int cannot be stored as JSON: it is a channel (jobs/dia/c.go:7:1)\n")
	code, _, stderr = runDia(t, job, filepath.Join(t.TempDir(), "log"))
	assert.Equal(t, ExitOK, code, "without --state the job runs: %s", stderr)
}
