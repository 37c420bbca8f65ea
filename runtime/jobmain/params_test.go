package jobmain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// color is an enum input, set through encoding.TextUnmarshaler.
type color int

func (c *color) UnmarshalText(b []byte) error {
	switch string(b) {
	case "red":
		*c = 1
	case "blue":
		*c = 2
	default:
		return fmt.Errorf("want red or blue")
	}
	return nil
}

func (c color) MarshalText() ([]byte, error) { return []byte([]string{"none", "red", "blue"}[c]), nil }

// allInputs has a field of every kind of input.
type allInputs struct {
	Name     string        `help:"who"`
	Verbose  bool          `help:"say more"`
	Count    int           `default:"3"`
	Small    int8          `default:"-2"`
	Big      int64         `flag:"big-n"`
	Port     uint16        `default:"8080"`
	Ratio    float64       `default:"0.25"`
	Every    time.Duration `default:"1m"`
	Day      time.Time     `help:"the day" required:"true"`
	Color    color         `default:"red"`
	ItemName string        `json:"item"`
}

// inputsJob is one task that takes the inputs and records them in got.
func inputsJob(got *allInputs) *runtime.Job {
	return &runtime.Job{
		Name:   "in",
		Params: allInputs{},
		Tasks: []runtime.Task{{Name: "jobs.in.use", Args: []int{runtime.ParamsArg}, Run: func(_ context.Context, args []any) (any, error) {
			*got = args[0].(allInputs)
			return nil, nil
		}}},
		Levels: [][]int{{0}},
	}
}

func runInputs(t *testing.T, args ...string) (allInputs, int, string, string) {
	var got allInputs
	var out, errb bytes.Buffer
	code := Run(context.Background(), inputsJob(&got), append([]string{"in", "--no-progress"}, args...), &out, &errb)
	return got, code, out.String(), errb.String()
}

func TestInputs(t *testing.T) {
	t.Run("defaults and every kind", func(t *testing.T) {
		got, code, _, stderr := runInputs(t, "--day", "2026-03-04", "--name", "ann", "--verbose", "--count", "-7", "--small", "127",
			"--big-n", "0x10", "--port", "65535", "--ratio", "1e3", "--every", "1h30m", "--color", "blue", "--item-name", "x")
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, allInputs{Name: "ann", Verbose: true, Count: -7, Small: 127, Big: 16, Port: 65535, Ratio: 1000,
			Every: 90 * time.Minute, Day: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), Color: 2, ItemName: "x"}, got)

		got, code, _, stderr = runInputs(t, "--day", "2026-03-04T10:00:00+02:00")
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, allInputs{Count: 3, Small: -2, Port: 8080, Ratio: 0.25, Every: time.Minute,
			Day: time.Date(2026, 3, 4, 8, 0, 0, 0, time.UTC), Color: 1}, withUTC(got))
	})
	t.Run("bad values are usage errors naming the flag and the form", func(t *testing.T) {
		for _, c := range []struct{ args, want []string }{
			{[]string{"--day", "2026-13-01"}, []string{`--day (or $IN_DAY): invalid value "2026-13-01": want a date (2006-01-02) or an RFC 3339 time (2006-01-02T15:04:05Z)`}},
			{[]string{"--day", "2026-01-01", "--count", "three"}, []string{`--count (or $IN_COUNT): invalid value "three": want an integer`}},
			{[]string{"--day", "2026-01-01", "--small", "200"}, []string{`--small (or $IN_SMALL): invalid value "200": out of range for int8`}},
			{[]string{"--day", "2026-01-01", "--port", "-1"}, []string{`--port (or $IN_PORT): invalid value "-1": want a non-negative integer`}},
			{[]string{"--day", "2026-01-01", "--ratio", "x"}, []string{`--ratio (or $IN_RATIO): invalid value "x": want a number`}},
			{[]string{"--day", "2026-01-01", "--every", "5"}, []string{`--every (or $IN_EVERY): invalid value "5": want a Go duration such as 90s or 1h30m`}},
			{[]string{"--day", "2026-01-01", "--color", "green"}, []string{`--color (or $IN_COLOR): invalid value "green": want red or blue`}},
			{nil, []string{`--day is required (or $IN_DAY, or "Day" in a --params file)`}},
			{[]string{"--count", "x"}, []string{"--day is required", `--count (or $IN_COUNT): invalid value "x"`}},
		} {
			_, code, _, stderr := runInputs(t, c.args...)
			assert.Equal(t, ExitUsage, code, "%v", c.args)
			for _, w := range c.want {
				assert.Contains(t, stderr, w, "%v", c.args)
			}
			assert.Contains(t, stderr, "Run 'in --help' for usage.")
		}
	})
	t.Run("file, environment and flags, in that order", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "p.json")
		require.NoError(t, os.WriteFile(file, []byte(`{"Day": "2026-05-06T00:00:00Z", "Count": 9, "item": "from-file", "Name": "file"}`), 0o644))
		t.Setenv("IN_NAME", "env")
		got, code, _, stderr := runInputs(t, "--params", file, "--count", "10")
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, "env", got.Name, "a variable wins over the file")
		assert.Equal(t, 10, got.Count, "a flag wins over the file")
		assert.Equal(t, "from-file", got.ItemName)
		assert.Equal(t, 2026, got.Day.Year(), "the file satisfies a required input")
		assert.Equal(t, int8(-2), got.Small, "defaults fill what nothing sets")

		require.NoError(t, os.WriteFile(file, []byte(`{"Day": "2026-05-06T00:00:00Z", "Nope": 1}`), 0o644))
		_, code, _, stderr = runInputs(t, "--params", file)
		assert.Equal(t, ExitUsage, code)
		assert.Contains(t, stderr, `--params `+file+`: json: unknown field "Nope"`)
	})
	t.Run("the report holds the inputs, and --params reads them back", func(t *testing.T) {
		dir := t.TempDir()
		report := filepath.Join(dir, "run.json")
		want, code, _, stderr := runInputs(t, "--day", "2026-01-02", "--name", "bo", "--color", "blue", "--report", report)
		require.Equal(t, ExitOK, code, stderr)
		data, err := os.ReadFile(report)
		require.NoError(t, err)
		var rep struct{ Params json.RawMessage }
		require.NoError(t, json.Unmarshal(data, &rep))
		var compact bytes.Buffer
		require.NoError(t, json.Compact(&compact, rep.Params))
		assert.Contains(t, compact.String(), `"Name":"bo"`)
		assert.Contains(t, compact.String(), `"Color":"blue"`)
		file := filepath.Join(dir, "params.json")
		require.NoError(t, os.WriteFile(file, rep.Params, 0o644))
		got, code, _, stderr := runInputs(t, "--params", file)
		require.Equal(t, ExitOK, code, stderr)
		assert.Equal(t, want, got)
	})
	t.Run("-h lists the inputs", func(t *testing.T) {
		_, code, stdout, _ := runInputs(t, "-h")
		assert.Equal(t, ExitOK, code)
		assert.Contains(t, stdout, "INPUTS (the job's params; also read from --params FILE)")
		assert.Regexp(t, `--day DATE +the day; DATE is a date \(2006-01-02\) or an RFC 3339 time \(2006-01-02T15:04:05Z\) \(required\) \[\$IN_DAY\]`, stdout)
		assert.Regexp(t, `--count N +N is an integer \(default: 3\) \[\$IN_COUNT\]`, stdout)
		assert.Regexp(t, `--big-n N `, stdout)
		assert.Regexp(t, `--verbose +say more \(default: false\) \[\$IN_VERBOSE\]`, stdout)
	})
}

func withUTC(p allInputs) allInputs {
	p.Day = p.Day.UTC()
	return p
}

func TestInputsOfAHandBuiltJob(t *testing.T) {
	type bad struct {
		List    []string
		Workers int
		hidden  int
	}
	job := &runtime.Job{Name: "hb", Params: bad{}, Tasks: []runtime.Task{{Name: "t", Run: succeed}}, Levels: [][]int{{0}}}
	var out, errb bytes.Buffer
	code := Run(context.Background(), job, []string{"hb"}, &out, &errb)
	assert.Equal(t, ExitSetup, code)
	for _, w := range []string{"params field bad.List ([]string) cannot be an input", "params field bad.Workers: flag --workers is a flag of the job binary itself", "params field bad.hidden (int) cannot be an input"} {
		assert.Contains(t, errb.String(), w)
	}
}
