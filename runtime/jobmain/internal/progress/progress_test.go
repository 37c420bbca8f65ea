package progress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/vt"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestCountsString(t *testing.T) {
	tests := []struct {
		c    Counts
		want string
	}{
		{Counts{Total: 4}, "0/4 done, 0 running, 0 failed"},
		{Counts{Total: 10, Done: 3, Running: 2, Failed: 1}, "3/10 done, 2 running, 1 failed"},
		{Counts{Total: 3, Done: 3, Failed: 1, Skipped: 2}, "3/3 done, 0 running, 1 failed, 2 skipped"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.c.String())
	}
}

func TestElapsed(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0.0s"},
		{1234 * time.Millisecond, "1.2s"},
		{59*time.Second + 900*time.Millisecond, "59.9s"},
		{time.Minute, "1m00s"},
		{3*time.Minute + 7*time.Second + 400*time.Millisecond, "3m07s"},
		{2 * time.Hour, "120m00s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Elapsed(tt.d), tt.d.String())
	}
}

// twoLevels is a job of three tasks: a and b in level 0, c after both.
func twoLevels() *runtime.Job {
	return &runtime.Job{
		Name:   "pipe",
		Tasks:  []runtime.Task{{Name: "a"}, {Name: "b"}, {Name: "c", Deps: []int{0, 1}}},
		Levels: [][]int{{0, 1}, {2}},
	}
}

func task(i, level int) runtime.TaskInfo {
	return runtime.TaskInfo{Name: string(rune('a' + i)), Index: i, Level: level, Attempt: 1}
}

func TestDisplayCounts(t *testing.T) {
	d := New(io.Discard, twoLevels(), Options{})
	// Not drawing: no SetupEnd. The counts still move, and repeated or
	// late events of a task do not count twice.
	for _, e := range []runtime.Event{
		{Kind: runtime.RunStart, Time: time.Now()},
		{Kind: runtime.AttemptStart, Task: task(0, 0)},
		{Kind: runtime.AttemptStart, Task: task(1, 0)},
		{Kind: runtime.AttemptEnd, Task: task(0, 0), State: runtime.Failed},
		{Kind: runtime.TaskEnd, Task: task(0, 0), State: runtime.Failed},
		{Kind: runtime.TaskEnd, Task: task(0, 0), State: runtime.Cancelled},
		{Kind: runtime.AttemptStart, Task: task(0, 0)},
		{Kind: runtime.TaskEnd, Task: task(2, 1), State: runtime.UpstreamFailed},
	} {
		d.Observe(e)
	}
	assert.Equal(t, Counts{Total: 2, Done: 1, Running: 1, Failed: 1}, d.levels[0].counts())
	assert.Equal(t, Counts{Total: 1, Done: 1, Skipped: 1}, d.levels[1].counts())
	assert.Equal(t, Counts{Total: 3, Done: 2, Running: 1, Failed: 1, Skipped: 1}, d.job.counts())
	d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: task(1, 0), State: runtime.Succeeded})
	assert.Equal(t, Counts{Total: 3, Done: 3, Failed: 1, Skipped: 1}, d.job.counts())
	d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: runtime.TaskInfo{Index: 7, Level: 9}})
	d.Observe(runtime.Event{Kind: runtime.RunEnd})
	d.Stop() // idempotent, and nothing was drawn
}

// ansi matches the terminal control sequences the display writes.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// screen is what reached a pseudo-terminal so far.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// raw returns what reached the screen, control sequences included.
func (s *screen) raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// text returns the screen's text without control sequences.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.ReplaceAllString(s.buf.String(), "")
}

// waitFor waits until the screen shows want, for at most 10s.
func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(s.text(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("the screen never showed %q:\n%s", want, s.text())
		}
		time.Sleep(time.Millisecond)
	}
}

// onPTY runs draw with the tty end of a pseudo-terminal of 100 columns and
// returns what reached the terminal, without control sequences.
func onPTY(t *testing.T, draw func(tty *os.File, s *screen)) string {
	t.Helper()
	return onPTYRaw(t, draw).text()
}

// onPTYRaw is onPTY returning the screen.
func onPTYRaw(t *testing.T, draw func(tty *os.File, s *screen)) *screen {
	t.Helper()
	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	defer ptmx.Close()
	require.NoError(t, pty.Setsize(tty, &pty.Winsize{Rows: 40, Cols: 100}))
	out := new(screen)
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(out, ptmx)
		copied <- err
	}()
	draw(tty, out)
	require.NoError(t, tty.Close())
	// Linux ends the read side of a closed pty with EIO.
	if err := <-copied; err != nil && !errors.Is(err, os.ErrClosed) && !strings.Contains(err.Error(), "input/output error") {
		t.Fatal(err)
	}
	return out
}

func TestDisplayOnPTY(t *testing.T) {
	var terminal bool
	screen := onPTY(t, func(tty *os.File, s *screen) {
		terminal = IsTerminal(tty)
		d := New(tty, twoLevels(), Options{Refresh: 10 * time.Millisecond})
		logs := d.Writer()
		start := time.Now()
		d.Observe(runtime.Event{Kind: runtime.RunStart, Time: start})
		d.Observe(runtime.Event{Kind: runtime.SetupEnd})
		d.Observe(runtime.Event{Kind: runtime.AttemptStart, Task: task(0, 0)})
		d.Observe(runtime.Event{Kind: runtime.AttemptStart, Task: task(1, 0)})
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: task(0, 0), State: runtime.Succeeded})
		_, err := io.WriteString(logs, "a log line\n")
		require.NoError(t, err)
		s.waitFor(t, "1/2 done, 1 running, 0 failed") // a frame while b runs
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: task(1, 0), State: runtime.Failed})
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: task(2, 1), State: runtime.UpstreamFailed})
		d.Observe(runtime.Event{Kind: runtime.TeardownStart})
		_, err = io.WriteString(logs, "after the display\n")
		require.NoError(t, err)
	})
	assert.True(t, terminal, "a pty is a terminal")
	assert.Contains(t, screen, "a log line")
	assert.Contains(t, screen, "after the display")
	// The last frame: the job's bar and one per level, complete.
	assert.Regexp(t, `pipe +\[=+\] +3/3 done, 0 running, 1 failed, 1 skipped +\d+\.\ds`, screen)
	assert.Regexp(t, `level 0 +\[=+\] +2/2 done, 0 running, 1 failed`, screen)
	assert.Regexp(t, `level 1 +\[=+\] +1/1 done, 0 running, 0 failed, 1 skipped`, screen)
	// An earlier frame, while b ran.
	assert.Contains(t, screen, "1/2 done, 1 running, 0 failed")
	assert.Less(t, strings.Index(screen, "a log line"), strings.LastIndex(screen, "level 1"), "logs go above the bars")
	assert.Greater(t, strings.Index(screen, "after the display"), strings.LastIndex(screen, "level 1"), "once stopped, logs go below")
}

func TestDisplayManyLevels(t *testing.T) {
	// More levels than MaxLevelBars: only the running level gets a bar,
	// removed once the level ends; a run stopped early leaves its bar.
	job := &runtime.Job{Name: "deep"}
	for k := range 4 {
		job.Tasks = append(job.Tasks, runtime.Task{Name: string(rune('a' + k))})
		job.Levels = append(job.Levels, []int{k})
	}
	screen := onPTY(t, func(tty *os.File, s *screen) {
		d := New(tty, job, Options{Refresh: 10 * time.Millisecond, MaxLevelBars: 2})
		d.Observe(runtime.Event{Kind: runtime.RunStart, Time: time.Now()})
		d.Observe(runtime.Event{Kind: runtime.SetupEnd})
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: runtime.TaskInfo{Index: 0, Level: 0}, State: runtime.Succeeded})
		d.Observe(runtime.Event{Kind: runtime.AttemptStart, Task: runtime.TaskInfo{Index: 1, Level: 1}})
		s.waitFor(t, "level 1")
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: runtime.TaskInfo{Index: 1, Level: 1}, State: runtime.Cancelled})
		d.Observe(runtime.Event{Kind: runtime.RunEnd})
	})
	assert.Contains(t, screen, "level 1")
	assert.NotContains(t, screen, "level 0", "level 0 ended between two redraws: no bar")
	assert.NotContains(t, screen, "level 2", "level 2 never started")
	assert.Regexp(t, `deep +\[[=>+-]+\] +2/4 done, 0 running, 1 failed`, screen)
}

func TestIsTerminal(t *testing.T) {
	assert.False(t, IsTerminal(&bytes.Buffer{}))
	f, err := os.CreateTemp(t.TempDir(), "out")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, IsTerminal(f), "a file")
	onPTY(t, func(tty *os.File, _ *screen) {
		assert.True(t, IsTerminal(tty))
		t.Setenv("TERM", "dumb")
		assert.False(t, IsTerminal(tty), "TERM=dumb")
	})
	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	defer ptmx.Close()
	defer tty.Close()
	assert.False(t, IsTerminal(tty), "a terminal of 0 rows")
}

// TestDisplayKeepsWhatTasksPrint draws a run whose tasks print through a
// captured stdout and stderr (as a task's fmt.Println does in a job
// binary) and through the log writer, in whole lines, in pieces and
// without a last newline, and checks the screen a person is left with:
// every line intact, once, in order, above the last frame, and no bar line
// left over from an earlier frame.
func TestDisplayKeepsWhatTasksPrint(t *testing.T) {
	var stdout, stderr *os.File
	s := onPTYRaw(t, func(tty *os.File, s *screen) {
		stdout, stderr = tty, tty
		d := New(tty, twoLevels(), Options{Refresh: 5 * time.Millisecond, Capture: []**os.File{&stdout, &stderr}})
		logs := d.Writer()
		d.Observe(runtime.Event{Kind: runtime.RunStart, Time: time.Now()})
		d.Observe(runtime.Event{Kind: runtime.SetupEnd})
		require.True(t, tty != stdout, "stdout is captured while the display draws")
		d.Observe(runtime.Event{Kind: runtime.AttemptStart, Task: task(0, 0), Time: time.Now()})
		d.Observe(runtime.Event{Kind: runtime.AttemptStart, Task: task(1, 0), Time: time.Now()})
		s.waitFor(t, "running: a ")
		fmt.Fprintln(stdout, "a: loading 3 files")
		io.WriteString(logs, "level=INFO msg=loaded task=a\n")
		fmt.Fprintln(stderr, "b: a warning on stderr")
		fmt.Fprint(stdout, "a: half of a line, ")
		s.waitFor(t, "b: a warning on stderr")
		time.Sleep(20 * time.Millisecond) // frames are drawn below the half line
		fmt.Fprintln(stdout, "the other half")
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: task(0, 0), State: runtime.Succeeded})
		s.waitFor(t, "a: half of a line, the other half")
		for k := range 50 { // more than a frame's worth, between two redraws
			fmt.Fprintf(stdout, "b: line %d\n", k)
		}
		fmt.Fprint(stdout, "b: no newline at the end")
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: task(1, 0), State: runtime.Succeeded})
		d.Observe(runtime.Event{Kind: runtime.AttemptStart, Task: task(2, 1), Time: time.Now()})
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: task(2, 1), State: runtime.Succeeded})
		d.Observe(runtime.Event{Kind: runtime.TeardownStart})
		assert.True(t, tty == stdout && tty == stderr, "stdout and stderr are put back")
		fmt.Fprintln(stdout, "teardown")
	})
	lines := vt.Screen(s.raw(), 100)
	want := []string{"a: loading 3 files", "level=INFO msg=loaded task=a", "b: a warning on stderr", "a: half of a line, the other half"}
	for k := range 50 {
		want = append(want, fmt.Sprintf("b: line %d", k))
	}
	want = append(want, "b: no newline at the end")
	require.GreaterOrEqual(t, len(lines), len(want)+4, "%q", lines)
	assert.Equal(t, want, lines[:len(want)], "what the tasks printed, intact and in order, above the bars")
	frame := lines[len(want):]
	require.Len(t, frame, 4, "the last frame, then teardown's line: %q", frame)
	assert.Regexp(t, `^pipe +\[=+\] +3/3 done, 0 running, 0 failed +\d+\.\ds$`, frame[0])
	assert.Regexp(t, `^level 0 +\[=+\] +2/2 done`, frame[1])
	assert.Regexp(t, `^level 1 +\[=+\] +1/1 done`, frame[2])
	assert.Equal(t, "teardown", frame[3])
}

// TestDisplayRunningAndStopping shows the running tasks with their
// elapsed time, longest running first, and after Stopping what the run
// waits for, until the display stops.
func TestDisplayRunningAndStopping(t *testing.T) {
	job := &runtime.Job{Name: "shop", Tasks: []runtime.Task{{Name: "jobs.shop.load"}, {Name: "jobs.shop.count"}, {Name: "jobs.shop.sum"}}, Levels: [][]int{{0, 1, 2}}}
	s := onPTYRaw(t, func(tty *os.File, s *screen) {
		d := New(tty, job, Options{Refresh: 5 * time.Millisecond})
		d.Observe(runtime.Event{Kind: runtime.RunStart, Time: time.Now()})
		d.Observe(runtime.Event{Kind: runtime.SetupEnd})
		d.Observe(runtime.Event{Kind: runtime.AttemptStart, Task: runtime.TaskInfo{Index: 1, Name: "jobs.shop.count"}, Time: time.Now().Add(-3 * time.Second)})
		d.Observe(runtime.Event{Kind: runtime.AttemptStart, Task: runtime.TaskInfo{Index: 0, Name: "jobs.shop.load"}, Time: time.Now()})
		s.waitFor(t, "running: count 3.")
		d.Stopping("SIGINT")
		s.waitFor(t, "stopping (SIGINT, ")
		s.waitFor(t, "waiting for 2 tasks to end")
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: runtime.TaskInfo{Index: 0}, State: runtime.Cancelled})
		s.waitFor(t, "waiting for 1 task to end")
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: runtime.TaskInfo{Index: 1}, State: runtime.Cancelled})
		d.Observe(runtime.Event{Kind: runtime.TaskEnd, Task: runtime.TaskInfo{Index: 2}, State: runtime.NotStarted})
		d.Observe(runtime.Event{Kind: runtime.TeardownStart})
	})
	text := s.text()
	assert.Regexp(t, `running: count 3\.\ds, load 0\.\ds`, text)
	lines := vt.Screen(s.raw(), 100)
	require.Len(t, lines, 2, "the last frame alone: %q", lines)
	assert.Regexp(t, `^shop +\[=+\] +3/3 done, 0 running, 2 failed, 1 skipped`, lines[0])
	assert.Regexp(t, `^level 0 `, lines[1])
}

// TestDisplayClipsToTheWidth keeps every line inside a narrow terminal, so
// that none wraps and erasing the display leaves nothing behind.
func TestDisplayClipsToTheWidth(t *testing.T) {
	job := &runtime.Job{Name: "wide"}
	for k := range 12 {
		job.Tasks = append(job.Tasks, runtime.Task{Name: fmt.Sprintf("jobs.wide.a_rather_long_task_name_%d", k)})
		job.Levels = append(job.Levels, nil)
	}
	job.Levels = [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}
	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	defer ptmx.Close()
	require.NoError(t, pty.Setsize(tty, &pty.Winsize{Rows: 20, Cols: 40}))
	out := new(screen)
	copied := make(chan struct{})
	go func() { defer close(copied); io.Copy(out, ptmx) }()
	d := New(tty, job, Options{Refresh: 5 * time.Millisecond})
	d.Observe(runtime.Event{Kind: runtime.SetupEnd})
	for i := range 12 {
		d.Observe(runtime.Event{Kind: runtime.AttemptStart, Task: runtime.TaskInfo{Index: i}, Time: time.Now()})
	}
	out.waitFor(t, "running: ")
	io.WriteString(d.Writer(), "one log line\n")
	out.waitFor(t, "one log line")
	d.Stop()
	tty.Close()
	<-copied
	for _, line := range vt.Screen(out.raw(), 1000) {
		assert.LessOrEqual(t, len([]rune(line)), 39, "%q", line)
	}
	lines := vt.Screen(out.raw(), 40)
	require.Len(t, lines, 4, "the log line and the last frame: %q", lines)
	assert.Equal(t, "one log line", lines[0])
	assert.Regexp(t, `^running: a_rather_long_task_name_\d+ .*…$`, lines[3])
}

// TestDisplayFloodedByLogs writes more logs at once than a pipe holds
// while stdout is captured: the write must not wait for the copier while
// holding what the copier needs.
func TestDisplayFloodedByLogs(t *testing.T) {
	var stdout *os.File
	s := onPTYRaw(t, func(tty *os.File, s *screen) {
		stdout = tty
		d := New(tty, twoLevels(), Options{Refresh: 5 * time.Millisecond, Capture: []**os.File{&stdout}})
		d.Observe(runtime.Event{Kind: runtime.SetupEnd})
		flood := strings.Repeat(strings.Repeat("x", 99)+"\n", 3000) // 300KB
		done := make(chan struct{})
		go func() {
			defer close(done)
			io.WriteString(d.Writer(), flood)
			fmt.Fprintln(stdout, "after the flood")
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("the log writer is stuck")
		}
		s.waitFor(t, "after the flood")
		d.Stop()
	})
	assert.Equal(t, 3000, strings.Count(s.text(), strings.Repeat("x", 99)+"\r\n"), "every line once")
}
