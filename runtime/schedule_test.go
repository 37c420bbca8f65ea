package runtime_test

import (
	"context"
	"encoding"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// A Schedule is text, so that flags and JSON spell it the same way.
var (
	_ encoding.TextMarshaler   = runtime.ScheduleLevels
	_ encoding.TextUnmarshaler = new(runtime.Schedule)
)

func TestScheduleText(t *testing.T) {
	for _, s := range schedules {
		text, err := s.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, s.String(), string(text))
		var got runtime.Schedule
		require.NoError(t, got.UnmarshalText(text))
		assert.Equal(t, s, got)
	}

	var s runtime.Schedule
	assert.EqualError(t, s.UnmarshalText([]byte("asap")), `unknown schedule "asap" (want levels or eager)`)
	assert.EqualError(t, s.UnmarshalText([]byte("Eager")), `unknown schedule "Eager" (want levels or eager)`)
	_, err := runtime.Schedule(7).MarshalText()
	assert.EqualError(t, err, "unknown schedule 7")

	_, err = newJob(runtime.Task{Name: "a", Run: succeed}).Run(context.Background(), runtime.Options{Schedule: 7})
	assert.ErrorContains(t, err, "unknown schedule")
}

func TestScheduleJSON(t *testing.T) {
	type doc struct {
		Schedule runtime.Schedule `json:"schedule"`
	}
	data, err := json.Marshal(doc{runtime.ScheduleEager})
	require.NoError(t, err)
	assert.JSONEq(t, `{"schedule": "eager"}`, string(data))

	var d doc
	require.NoError(t, json.Unmarshal([]byte(`{"schedule": "levels"}`), &d))
	assert.Equal(t, runtime.ScheduleLevels, d.Schedule)
	require.NoError(t, json.Unmarshal([]byte(`{"schedule": "eager"}`), &d))
	assert.Equal(t, runtime.ScheduleEager, d.Schedule)
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"schedule": "asap"}`), &d), `unknown schedule "asap"`)
	assert.Error(t, json.Unmarshal([]byte(`{"schedule": 1}`), &d), "a number is not a schedule")
}
