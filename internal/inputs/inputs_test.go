package inputs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestFlagName(t *testing.T) {
	for field, want := range map[string]string{
		"Region": "region", "MinUnits": "min-units", "HTTPPort": "http-port",
		"Region2": "region2", "From": "from", "URL": "url", "TopN": "top-n",
	} {
		assert.Equal(t, want, FlagName(field, ""), field)
	}
	assert.Equal(t, "since", FlagName("From", "since"))
}

func TestCheckFlagName(t *testing.T) {
	assert.Empty(t, CheckFlagName("min-units"))
	assert.Contains(t, CheckFlagName("workers"), "flag of the job binary")
	assert.Contains(t, CheckFlagName("Min"), "lower-case")
	assert.Contains(t, CheckFlagName("a--b"), "two in a row")
	assert.Contains(t, CheckFlagName(""), "empty")
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		kind, typ string
		bits      int
		raw       string
		want      any
		err       string
	}{
		{KindInt, "int8", 8, "-8", int64(-8), ""},
		{KindInt, "int8", 8, "300", nil, "out of range for int8"},
		{KindInt, "int", 64, "three", nil, "want an integer"},
		{KindUint, "uint16", 16, "0x10", uint64(16), ""},
		{KindUint, "uint16", 16, "-1", nil, "want a non-negative integer"},
		{KindFloat, "float64", 64, "1e3", 1000.0, ""},
		{KindBool, "bool", 0, "yes", nil, "want true or false"},
		{KindDuration, "time.Duration", 0, "90s", 90 * time.Second, ""},
		{KindTime, "time.Time", 0, "2026-01-02", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), ""},
		{KindTime, "time.Time", 0, "2026-13-01", nil, "want a date (2006-01-02) or an RFC 3339 time (2006-01-02T15:04:05Z)"},
		{KindString, "string", 0, "as is", "as is", ""},
	} {
		got, err := Parse(c.kind, c.typ, c.bits, c.raw)
		if c.err != "" {
			assert.EqualError(t, err, c.err, "%s %q", c.kind, c.raw)
			continue
		}
		if assert.NoError(t, err, "%s %q", c.kind, c.raw) {
			assert.Equal(t, c.want, got, "%s %q", c.kind, c.raw)
		}
	}
}
