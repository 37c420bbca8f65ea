package runtime_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

func TestValidate(t *testing.T) {
	run := func(context.Context, []any) (any, error) { return nil, nil }
	tests := []struct {
		name    string
		tasks   []runtime.Task
		levels  [][]int
		wantErr []string // substrings of the error; none means valid
	}{
		{
			name:   "valid",
			tasks:  []runtime.Task{{Name: "a", Run: run}, {Name: "b", Deps: []int{0}, Args: []int{0}, Run: run}},
			levels: [][]int{{0}, {1}},
		},
		{
			name:    "dependency out of range",
			tasks:   []runtime.Task{{Name: "a", Deps: []int{3}, Run: run}},
			levels:  [][]int{{0}},
			wantErr: []string{`task "a": dependency index 3 out of range`},
		},
		{
			name:    "argument not a dependency",
			tasks:   []runtime.Task{{Name: "a", Run: run}, {Name: "b", Args: []int{0}, Run: run}},
			levels:  [][]int{{0}, {1}},
			wantErr: []string{`task "b": argument 0 (task index 0) is not a dependency`},
		},
		{
			name:    "task in two levels",
			tasks:   []runtime.Task{{Name: "a", Run: run}},
			levels:  [][]int{{0}, {0}},
			wantErr: []string{`task "a": in more than one level (0 and 1)`},
		},
		{
			name:    "task in no level",
			tasks:   []runtime.Task{{Name: "a", Run: run}, {Name: "b", Run: run}},
			levels:  [][]int{{0}},
			wantErr: []string{`task "b": not in any level`},
		},
		{
			name:    "level index out of range",
			tasks:   []runtime.Task{{Name: "a", Run: run}},
			levels:  [][]int{{0, 1}},
			wantErr: []string{"level 0: task index 1 out of range"},
		},
		{
			name:    "dependency in the same level",
			tasks:   []runtime.Task{{Name: "a", Run: run}, {Name: "b", Deps: []int{0}, Run: run}},
			levels:  [][]int{{0, 1}},
			wantErr: []string{`task "b": depends on "a" in level 0, not below its own level 0`},
		},
		{
			name:    "dependency in a higher level",
			tasks:   []runtime.Task{{Name: "a", Deps: []int{1}, Run: run}, {Name: "b", Run: run}},
			levels:  [][]int{{0}, {1}},
			wantErr: []string{`task "a": depends on "b" in level 1`},
		},
		{
			name:    "nil Run and negative retries, all reported",
			tasks:   []runtime.Task{{Name: "a"}, {Name: "b", Retries: -1, Run: run}},
			levels:  [][]int{{0, 1}},
			wantErr: []string{`task "a": Run is nil`, `task "b": negative retries -1`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := &runtime.Job{Name: "j", Tasks: tt.tasks, Levels: tt.levels}
			err := job.Validate()
			if len(tt.wantErr) == 0 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
			rep, runErr := job.Run(context.Background(), runtime.Options{})
			assert.Nil(t, rep, "Run of an invalid job")
			assert.EqualError(t, runErr, err.Error())
		})
	}
}

func TestStateString(t *testing.T) {
	tests := []struct {
		state runtime.State
		want  string
	}{
		{runtime.NotStarted, "not_started"},
		{runtime.Succeeded, "succeeded"},
		{runtime.Failed, "failed"},
		{runtime.Panicked, "panicked"},
		{runtime.TimedOut, "timed_out"},
		{runtime.Cancelled, "cancelled"},
		{runtime.UpstreamFailed, "upstream_failed"},
		{runtime.State(42), "state(42)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.state.String())
		text, err := tt.state.MarshalText()
		assert.NoError(t, err)
		assert.Equal(t, tt.want, string(text))
	}
}
