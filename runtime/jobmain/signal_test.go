package jobmain_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/vt"
)

// The job of TestJobBinarySignals: quick, then wait, then after. wait
// prints "started" and waits for its context to end, or, with
// SIGJOB_IGNORE=1, ignores it (printing "cancel seen" when it ends).
// Teardown prints "teardown".
var sigjobFiles = map[string]string{
	"config/job_config.json": `{
  "jobs": {
    "sigjob": {
      "handler": "jobs.sigjob.sigjob_handler",
      "tasks": [
        {"name": "jobs.sigjob.quick"},
        {"name": "jobs.sigjob.wait", "dependencies": ["jobs.sigjob.quick"]},
        {"name": "jobs.sigjob.after", "dependencies": ["jobs.sigjob.wait"]}
      ]
    }
  }
}
`,
	"jobs/sigjob/quick.go": `package sigjob

import "context"

type Quick struct{}

func (Quick) Run(context.Context) (int, error) { return 42, nil }
`,
	"jobs/sigjob/wait.go": `package sigjob

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"
)

type Wait struct{}

func (Wait) Run(ctx context.Context, n int) (string, error) {
	fmt.Println("started")
	if os.Getenv("SIGJOB_CHATTY") == "1" {
		for i := range 3 {
			fmt.Printf("wait: stdout %d\n", i)
			fmt.Fprintf(os.Stderr, "wait: stderr %d\n", i)
			slog.Info("wait: slog", "i", i)
		}
	}
	if os.Getenv("SIGJOB_IGNORE") == "1" {
		go func() {
			<-ctx.Done()
			fmt.Println("cancel seen")
		}()
		time.Sleep(time.Hour)
	}
	<-ctx.Done()
	return "", ctx.Err()
}
`,
	"jobs/sigjob/after.go": `package sigjob

import "context"

type After struct{}

func (After) Run(ctx context.Context, s string) error { return nil }
`,
	"jobs/sigjob/sigjob_handler.go": `package sigjob

import (
	"context"
	"fmt"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

type SigjobHandler struct{ runtime.GenericJobHandler }

func (SigjobHandler) Teardown(ctx context.Context, job runtime.JobInfo, err error) error {
	fmt.Println("teardown")
	return nil
}
`,
}

// buildSigjob generates the job above with jobgen, run the way a user's
// module runs it, and builds its binary. It returns the binary's path.
func buildSigjob(t *testing.T) string {
	t.Helper()
	dir := testmod.New(t, "example.com/sigjob", "")
	for rel, content := range sigjobFiles {
		testmod.WriteFile(t, dir, rel, content)
	}
	testmod.Go(t, dir, "run", testmod.ThisModule+"/cmd/jobgen", "generate")
	bin := filepath.Join(dir, "bin", "sigjob")
	testmod.Go(t, dir, "build", "-o", bin, "./cmd/sigjob")
	return bin
}

// TestJobBinarySignals builds a real job binary with jobgen, sends it
// SIGINT or SIGTERM while a task runs, and checks the exit code, that
// Teardown ran exactly once (or not at all after a second signal), and
// what the summary says about every task.
func TestJobBinarySignals(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("signals are Unix")
	}
	bin := buildSigjob(t)
	tests := []struct {
		name      string
		signals   []syscall.Signal
		ignore    bool // wait ignores its cancelled context
		wantCode  int
		teardowns int
		states    map[string]string // task -> state in the summary; nil: no summary
		summary   []string          // more regexps the output must match
		stderr    string            // in stderr
	}{
		{
			name: "SIGINT", signals: []syscall.Signal{syscall.SIGINT}, wantCode: 130, teardowns: 1,
			states:  map[string]string{"quick": "succeeded", "wait": "cancelled", "after": "not_started"},
			summary: []string{`(?m)^sigjob: interrupted: .*1 cancelled.*1 not_started.*1 succeeded`},
		},
		{
			name: "SIGTERM", signals: []syscall.Signal{syscall.SIGTERM}, wantCode: 143, teardowns: 1,
			states:  map[string]string{"quick": "succeeded", "wait": "cancelled", "after": "not_started"},
			summary: []string{`(?m)^sigjob: interrupted: `},
		},
		{
			name: "ignored cancellation is abandoned after the grace period", signals: []syscall.Signal{syscall.SIGINT}, ignore: true,
			wantCode: 130, teardowns: 1,
			states:  map[string]string{"quick": "succeeded", "wait": "cancelled", "after": "not_started"},
			summary: []string{`(?m)jobs\.sigjob\.wait\b.*task abandoned: it ignored its cancelled context`},
		},
		{
			name: "second signal exits at once", signals: []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}, ignore: true,
			wantCode: 143, teardowns: 0,
			stderr: "sigjob: second signal (terminated): exiting without waiting for running tasks or Teardown\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, "--workers", "2")
			if tt.ignore {
				cmd.Env = append(os.Environ(), "SIGJOB_IGNORE=1")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			out := bufio.NewScanner(stdout)
			require.True(t, out.Scan(), "the job printed nothing")
			require.Equal(t, "started", out.Text())
			for k, sig := range tt.signals {
				require.NoError(t, cmd.Process.Signal(sig))
				if k < len(tt.signals)-1 {
					// Send the next signal only once this one cancelled the
					// run: signals sent back to back may arrive in any order.
					require.True(t, out.Scan(), "the job ended after %v", sig)
					require.Equal(t, "cancel seen", out.Text())
				}
			}
			var rest []string
			for out.Scan() {
				rest = append(rest, out.Text())
			}
			err = cmd.Wait()
			text := strings.Join(rest, "\n")
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, text)
			assert.Equal(t, tt.wantCode, exit.ExitCode(), text)
			teardowns := 0
			for _, line := range rest {
				if line == "teardown" {
					teardowns++
				}
			}
			assert.Equal(t, tt.teardowns, teardowns, "Teardown runs:\n%s", text)
			if tt.states == nil {
				assert.NotContains(t, text, "sigjob:", "no summary after the second signal")
			}
			for task, state := range tt.states {
				assert.Regexp(t, `(?m)^.*\bjobs\.sigjob\.`+task+`\s.*\b`+state+`\b`, text, "state of %s", task)
			}
			for _, re := range tt.summary {
				assert.Regexp(t, regexp.MustCompile(re), text)
			}
			assert.Contains(t, stderr.String(), tt.stderr)
		})
	}
}

// TestJobBinaryOnPTY runs a real job binary on a pseudo-terminal, as a
// person runs it, with a task that prints to stdout, to stderr and through
// slog while the progress display draws, and that ignores Ctrl-C: the
// display names the running task, says what the run waits for after the
// signal, and leaves a screen where every printed line is intact, in
// order, with no bar line left over, followed by the summary.
func TestJobBinaryOnPTY(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("pseudo-terminals are Unix")
	}
	bin := buildSigjob(t)
	cmd := exec.Command(bin, "--workers", "2")
	cmd.Env = append(os.Environ(), "SIGJOB_IGNORE=1", "SIGJOB_CHATTY=1", "TERM=xterm")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 100})
	require.NoError(t, err)
	defer ptmx.Close()
	var screen testmod.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(&screen, ptmx)
	}()
	text := func() string { return controlSeq.ReplaceAllString(screen.String(), "") }
	waitFor := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(text(), want); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %q:\n%s", want, text())
			}
		}
	}
	waitFor("running: wait ")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	waitFor("stopping (SIGINT, ")
	waitFor("waiting for 1 task to end")
	err = cmd.Wait()
	<-copied
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 130, exit.ExitCode())

	lines := vt.Screen(strings.ReplaceAll(screen.String(), "\r\n", "\n"), 100)
	joined := strings.Join(lines, "\n")
	var printed []string
	for _, l := range lines {
		if strings.HasPrefix(l, "wait: ") || strings.HasPrefix(l, "started") || strings.Contains(l, `msg="wait: slog"`) {
			printed = append(printed, regexp.MustCompile(`^time=\S+ `).ReplaceAllString(l, ""))
		}
	}
	want := []string{"started"}
	for i := range 3 {
		want = append(want, fmt.Sprintf("wait: stdout %d", i), fmt.Sprintf("wait: stderr %d", i), fmt.Sprintf(`level=INFO msg="wait: slog" job=sigjob i=%d`, i))
	}
	assert.Equal(t, want, printed, "every line the task printed, once, intact, in order:\n%s", joined)
	// One frame is left, the last, above the summary.
	assert.Equal(t, 1, strings.Count(joined, "sigjob   ["), "one job bar on the screen:\n%s", joined)
	assert.Equal(t, 0, strings.Count(joined, "stopping ("), "no stale stopping line:\n%s", joined)
	assert.Regexp(t, `(?m)^sigjob +\[=+\] +3/3 done, 0 running, 1 failed, 1 skipped`, joined)
	assert.Regexp(t, `(?m)^1 +jobs\.sigjob\.wait +cancelled +1 .*task abandoned`, joined)
	assert.Regexp(t, `(?m)^sigjob: interrupted: 1 cancelled, 1 not_started, 1 succeeded in `, joined)
	assert.Less(t, strings.Index(joined, "wait: stderr 2"), strings.Index(joined, "sigjob   ["), "what the task printed is above the bars")
}

// controlSeq matches a terminal control sequence.
var controlSeq = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)
