package runtime_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

func TestResult(t *testing.T) {
	job := &runtime.Job{
		Name: "j",
		Tasks: []runtime.Task{
			{Name: "two", Run: func0(func(context.Context) (int, error) { return 2, nil })},
			{Name: "fail", Run: func0(func(context.Context) (int, error) { return 0, errors.New("boom") })},
			{Name: "act", Run: action0(func(context.Context) error { return nil })},
		},
		Levels: [][]int{{0, 1, 2}},
	}
	two := runtime.TaskRef[func(context.Context) (int, error), int]{Job: "j", Name: "two", Index: 0, Adapt: func0[int]}
	fail := runtime.TaskRef[func(context.Context) (int, error), int]{Job: "j", Name: "fail", Index: 1, Adapt: func0[int]}
	act := runtime.TaskRef[func(context.Context) error, runtime.NoResult]{Job: "j", Name: "act", Index: 2, Adapt: action0}
	rep, err := job.Run(context.Background(), runtime.Options{KeepGoing: true})
	require.Error(t, err)

	v, ok := runtime.Result(rep, two)
	assert.True(t, ok)
	assert.Equal(t, 2, v)
	_, ok = runtime.Result(rep, fail)
	assert.False(t, ok, "a task that failed has no result")
	_, ok = runtime.Result(rep, act)
	assert.False(t, ok, "a task that returns only an error has no result")
	tr, ok := act.Report(rep)
	assert.True(t, ok)
	assert.Equal(t, runtime.Succeeded, tr.State)

	other := two
	other.Job = "k"
	_, ok = runtime.Result(rep, other)
	assert.False(t, ok, "a ref of another job")
	renamed := two
	renamed.Name = "three"
	_, ok = runtime.Result(rep, renamed)
	assert.False(t, ok, "a ref of a task the report does not have at that index")
	_, ok = runtime.Result(nil, two)
	assert.False(t, ok, "no report")
}
