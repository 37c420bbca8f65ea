package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

func TestGroup(t *testing.T) {
	errA := errors.New("a failed")
	tests := []struct {
		name      string
		fns       []func() error
		wantErr   error  // errors.Is
		wantPanic any    // the value of the *PanicError in the error
		wantText  string // in the error
	}{
		{name: "no goroutine"},
		{name: "all succeed", fns: []func() error{func() error { return nil }, func() error { return nil }}},
		{name: "an error", fns: []func() error{func() error { return nil }, func() error { return errA }}, wantErr: errA},
		{name: "a panic", fns: []func() error{func() error { return nil }, func() error { panic("boom") }},
			wantPanic: "boom", wantText: "group_test.go"},
		{name: "runtime.Goexit", fns: []func() error{func() error { goruntime.Goexit(); return nil }},
			wantText: "a goroutine of the group called runtime.Goexit"},
	}
	for _, tt := range tests {
		for _, zero := range []bool{true, false} {
			t.Run(fmt.Sprint(tt.name, "/zero=", zero), func(t *testing.T) {
				g := new(runtime.Group)
				ctx := context.Background()
				if !zero {
					g, ctx = runtime.NewGroup(ctx)
				}
				for _, fn := range tt.fns {
					g.Go(fn)
				}
				err := g.Wait()
				failed := tt.wantErr != nil || tt.wantPanic != nil || tt.wantText != ""
				if !failed {
					assert.NoError(t, err)
				}
				if tt.wantErr != nil {
					assert.ErrorIs(t, err, tt.wantErr)
				}
				if tt.wantPanic != nil {
					var p *runtime.PanicError
					require.ErrorAs(t, err, &p)
					assert.Equal(t, tt.wantPanic, p.Value)
				}
				if tt.wantText != "" {
					assert.ErrorContains(t, err, tt.wantText)
				}
				if !zero {
					assert.Error(t, ctx.Err(), "the group's context ends when Wait returns")
					if failed {
						assert.Equal(t, err != nil, context.Cause(ctx) != context.Canceled, "the first failure is the cause")
					}
				}
			})
		}
	}
}

// The first failure in a group ends its context, so that the other
// goroutines can stop.
func TestGroupCancelsOnFailure(t *testing.T) {
	errA := errors.New("a failed")
	g, ctx := runtime.NewGroup(context.Background())
	g.Go(func() error { <-ctx.Done(); return context.Cause(ctx) })
	g.Go(func() error { return errA })
	err := g.Wait()
	assert.ErrorIs(t, err, errA)
	assert.ErrorIs(t, context.Cause(ctx), errA)
}

// A task whose goroutine, started with a Group, panics ends panicked, in
// both schedules, and the run goes on as after any panic.
func TestRunGroupPanic(t *testing.T) {
	for _, sched := range schedules {
		t.Run(sched.String(), func(t *testing.T) {
			h := new(testHandler)
			job := newJob(
				runtime.Task{Name: "a", Run: func(ctx context.Context, _ []any) (any, error) {
					g, _ := runtime.NewGroup(ctx)
					g.Go(func() error { return nil })
					g.Go(func() error { panic("in a goroutine") })
					return nil, g.Wait()
				}},
				runtime.Task{Name: "b", Deps: []int{0}, Run: succeed},
			)
			job.Handler = h
			rep, err := job.Run(context.Background(), runtime.Options{Schedule: sched})
			assert.Equal(t, []runtime.State{runtime.Panicked, runtime.UpstreamFailed}, states(rep))
			var p *runtime.PanicError
			require.ErrorAs(t, err, &p)
			assert.Equal(t, "in a goroutine", p.Value)
			assert.Equal(t, int32(1), h.teardowns.Load())
		})
	}
}

// Locally, the dependents of a task all receive its result itself, not a
// copy: two that change it at once race, and the race detector says so.
// The test runs the tests of testdata/sharedresult under -race.
func TestSharedResultRace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a test binary with -race")
	}
	cmd := exec.Command("go", "test", "-race", "-count=1", "-v", "./testdata/sharedresult")
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "-race requires cgo") || strings.Contains(string(out), "-race is not supported") {
		t.Skipf("no race detector here:\n%s", out)
	}
	require.Error(t, err, "the race detector found nothing:\n%s", out)
	assert.Contains(t, string(out), "WARNING: DATA RACE", "%s", out)
	assert.Regexp(t, `(?m)^--- FAIL: TestMutateShared `, string(out))
	assert.Regexp(t, `(?m)^--- PASS: TestCloneFirst `, string(out))
}
