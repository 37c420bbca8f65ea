package config_test

import (
	"go/token"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/generator/internal/config"
)

func TestParseRepositoryConfig(t *testing.T) {
	const path = "../../../config/job_config.json"
	cfg := load(t, path)

	assert.Equal(t, path, cfg.Path)
	require.Len(t, cfg.Jobs, 2)

	job1 := cfg.Jobs[0]
	assert.Equal(t, "job1", job1.Name)
	assert.Equal(t, token.Position{Filename: path, Offset: 52, Line: 4, Column: 5}, job1.Pos, "a whole go/token position")
	assert.Equal(t, "jobs.job1.job1_handler", job1.Handler)
	assert.Equal(t, "5:18", lc(job1.HandlerPos))
	assert.Equal(t, "jobs.job1.params", job1.Params)
	assert.Equal(t, "6:17", lc(job1.ParamsPos))
	assert.False(t, job1.KeepGoing)
	require.NotNil(t, job1.Temporal)
	assert.Equal(t, "8:19", lc(job1.Temporal.Pos))
	assert.True(t, job1.Temporal.Pinned)
	var names []string
	for _, task := range job1.Tasks {
		names = append(names, task.Name)
	}
	assert.Equal(t, []string{"jobs.job1.load_sales", "jobs.job1.by_region", "jobs.job1.by_month", "jobs.job1.write_report"}, names)

	byMonth := job1.Tasks[2]
	assert.Equal(t, "12:18", lc(byMonth.Pos))
	assert.Equal(t, []string{"jobs.job1.load_sales@12:57"}, deps(byMonth))
	assert.Equal(t, 30*time.Second, byMonth.Timeout)
	assert.Equal(t, "12:93", lc(byMonth.TimeoutPos))
	assert.Equal(t, 2, byMonth.Retries)
	assert.Equal(t, "12:111", lc(byMonth.RetriesPos))

	loadSales := job1.Tasks[0]
	assert.Empty(t, loadSales.Dependencies)
	assert.Zero(t, loadSales.Timeout)
	assert.Zero(t, loadSales.TimeoutPos)
	assert.Zero(t, loadSales.Retries)
	assert.Zero(t, loadSales.RetriesPos)

	writeReport := job1.Tasks[3]
	assert.Equal(t, []string{"jobs.job1.by_region@13:61", "jobs.job1.by_month@13:84"}, deps(writeReport))

	job2 := cfg.Jobs[1]
	assert.Equal(t, "job2", job2.Name)
	assert.Equal(t, "16:5", lc(job2.Pos))
	assert.Empty(t, job2.Handler)
	assert.Zero(t, job2.HandlerPos)
	assert.Nil(t, job2.Temporal, "job2 runs on one machine only")
	require.Len(t, job2.Tasks, 3)
	task6 := job2.Tasks[2]
	assert.Equal(t, "jobs.job2.task6", task6.Name)
	assert.Equal(t, "20:18", lc(task6.Pos))
	assert.Equal(t, []string{"jobs.job2.task4@20:54", "jobs.job2.task5@20:73"}, deps(task6))
}

func TestParseParams(t *testing.T) {
	cfg, _, problems := parse("c.json", []byte(`{"jobs": {"a": {"params": "jobs.a.params", "tasks": [{"name": "jobs.a.b"}]}}}`))
	require.Empty(t, problems)
	assert.Equal(t, "jobs.a.params", cfg.Jobs[0].Params)
	assert.Equal(t, "1:27", lc(cfg.Jobs[0].ParamsPos))

	_, _, problems = parse("c.json", []byte(`{"jobs": {"a": {"params": "Params", "tasks": [{"name": "jobs.a.b"}]}}}`))
	assert.Equal(t, `c.json:1:27: jobs.a.params: "Params" does not match pattern ^jobs\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`, problems)
}

// wrap puts one task into a minimal config; the task starts at column 27.
func wrap(task string) string {
	return `{"jobs": {"a": {"tasks": [` + task + `]}}}`
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string // the whole error text, one problem a line
	}{
		// Syntax.
		{"empty file", ``, "c.json:1:1: unexpected end of file, expected a value"},
		{"only space", "\n  \n", "c.json:3:1: unexpected end of file, expected a value"},
		{"truncated in array", `{"jobs": {"job1": {"tasks": [`,
			`c.json:1:30: jobs.job1.tasks: unexpected end of file: the array opened at 1:29 is not closed`},
		{"truncated after key", "{\n  \"jobs\"", `c.json:2:9: jobs: unexpected end of file: the object opened at 1:1 is not closed`},
		{"truncated in string", `{"jobs": {"jo`, `c.json:1:14: jobs: unexpected end of file in the string that starts at 1:11`},
		{"truncated after member", `{"jobs": {}`, `c.json:1:12: unexpected end of file: the object opened at 1:1 is not closed`},
		{"truncated number", `{"jobs": -`, `c.json:1:11: jobs: unexpected end of file in a number`},
		{"trailing data", wrap(`{"name": "jobs.a.b"}`) + ` x`, `c.json:1:52: unexpected 'x' after the top-level value`},
		{"two values", "{}\n{}", `c.json:2:1: unexpected '{' after the top-level value`},
		{"byte-order mark", "\xEF\xBB\xBF{\"jobs\": {}}",
			`c.json:1:1: file starts with a UTF-8 byte-order mark (BOM), which JSON does not allow: save it as UTF-8 without BOM`},
		{"invalid UTF-8 in string", "{\"jobs\": {\"a\xff\": 1}}", `c.json:1:13: invalid UTF-8 byte 0xff: save the file as UTF-8`},
		{"invalid UTF-8 outside string", "{\"jobs\": \xfe}", `c.json:1:10: invalid UTF-8 byte 0xfe: save the file as UTF-8`},
		{"control character in string", "{\"jobs\": {\"a\tb\": 1}}", `c.json:1:13: jobs: control character '\t' in a string (escape it)`},
		{"newline in string", "{\"jobs\": {\"a\nb\": 1}}", `c.json:1:13: jobs: control character '\n' in a string (escape it)`},
		{"invalid escape", `{"jobs": {"a\qb": 1}}`, `c.json:1:13: jobs: invalid escape sequence \q in a string`},
		{"invalid unicode escape", `{"jobs": {"a\u12x4": 1}}`, `c.json:1:17: jobs: invalid \u escape in a string: want 4 hex digits, found 'x'`},
		{"single quotes", `{'jobs': {}}`, `c.json:1:2: expected a key in double quotes, found '\''`},
		{"unquoted key", `{jobs: {}}`, `c.json:1:2: expected a key in double quotes, found 'j'`},
		{"missing comma", "{\"jobs\": {}\n \"x\": 1}", `c.json:2:2: expected ',' or '}' after an object member, found '"'`},
		{"missing colon", `{"jobs" {}}`, `c.json:1:9: jobs: expected ':' after the key, found '{'`},
		{"trailing comma in object", `{"jobs": {},}`, `c.json:1:12: trailing comma before '}': JSON allows none`},
		{"trailing comma in array", wrap(`{"name": "jobs.a.b"},`), `c.json:1:47: jobs.a.tasks: trailing comma before ']': JSON allows none`},
		{"comment", "{\n  // jobs\n}", `c.json:2:3: JSON does not allow comments`},
		{"truncated literal", `{"jobs": {"a": {"keep_going": tru}}}`,
			`c.json:1:31: jobs.a.keep_going: invalid value "tru": want true, false, null, a number, a string, an array or an object`},
		{"missing comma in array", wrap(`{"name": "jobs.a.b"} {"name": "jobs.a.c"}`),
			`c.json:1:48: jobs.a.tasks: expected ',' or ']' after an array element, found '{'`},
		{"bad exponent", wrap(`{"name": "jobs.a.b", "retries": 1e}`),
			`c.json:1:61: jobs.a.tasks[0].retries: invalid number: expected a digit in the exponent, found '}'`},
		{"NaN", wrap(`{"name": "jobs.a.b", "retries": NaN}`),
			`c.json:1:59: jobs.a.tasks[0].retries: invalid value "NaN": want true, false, null, a number, a string, an array or an object`},
		{"NUL byte", "{\"jobs\":\x00{}}", `c.json:1:9: jobs: expected a value, found '\x00'`},
		{"python literal", `{"jobs": {"a": {"keep_going": True}}}`,
			`c.json:1:31: jobs.a.keep_going: invalid value "True": want true, false, null, a number, a string, an array or an object`},
		{"leading zero", wrap(`{"name": "jobs.a.b", "retries": 01}`),
			`c.json:1:59: jobs.a.tasks[0]: invalid number: leading zeros are not allowed`},
		{"bad fraction", wrap(`{"name": "jobs.a.b", "retries": 1.}`),
			`c.json:1:61: jobs.a.tasks[0].retries: invalid number: expected a digit after '.', found '}'`},
		{"number out of range", wrap(`{"name": "jobs.a.b", "retries": 1e999999}`),
			`c.json:1:59: jobs.a.tasks[0].retries: number "1e999999" is out of range`},
		{"deep nesting", strings.Repeat("[", 100) + strings.Repeat("]", 100), `c.json:1:65: nesting too deep (more than 64 levels)`},
		{"deep nesting of objects", strings.Repeat(`{"a":`, 70), `c.json:1:321: nesting too deep (more than 64 levels)`},
		{"duplicate key", "{\n  \"jobs\": {\n    \"job1\": {\"tasks\": [{\"name\": \"jobs.job1.a\"}]},\n    \"job1\": {\"tasks\": [{\"name\": \"jobs.job1.b\"}]}\n  }\n}",
			`c.json:4:5: jobs: duplicate key "job1" (first at 3:5)`},
		{"duplicate key at top", `{"jobs": {}, "jobs": {}}`,
			// encoding/json keeps the last of repeated keys, and so does the check.
			"c.json:1:14: duplicate key \"jobs\" (first at 1:2)\n" +
				`c.json:1:22: jobs: must not be empty`},

		// Unknown keys, at each level.
		{"unknown top-level key", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b"}]}}, "version": 2}`,
			`c.json:1:52: unknown key "version"`},
		{"unknown job key", `{"jobs": {"a": {"handlr": "jobs.a.h", "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:17: jobs.a: unknown key "handlr" (did you mean "handler"?)`},
		{"unknown temporal key", `{"jobs": {"a": {"temporal": {"pined": true}, "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:30: jobs.a.temporal: unknown key "pined" (did you mean "pinned"?)`},
		{"temporal key in a task", wrap(`{"name": "jobs.a.b", "temporal": {}}`),
			`c.json:1:48: jobs.a.tasks[0]: unknown key "temporal"`},
		{"unknown task key", wrap(`{"name": "jobs.a.b"}, {"name": "jobs.a.c", "nmae": "x"}`),
			`c.json:1:70: jobs.a.tasks[1]: unknown key "nmae" (did you mean "name"?)`},
		{"wrong key case", `{"jobs": {"a": {"Tasks": [{"name": "jobs.a.b"}]}}}`,
			"c.json:1:16: jobs.a: missing required key \"tasks\"\n" +
				`c.json:1:17: jobs.a: unknown key "Tasks" (did you mean "tasks"?)`},
		{"wrong key case at top", `{"Jobs": {}}`,
			"c.json:1:1: missing required key \"jobs\"\n" +
				`c.json:1:2: unknown key "Jobs" (did you mean "jobs"?)`},
		{"job name", `{"jobs": {"Job-1": {"tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:11: jobs: key "Job-1" does not match pattern ^[a-z][a-z0-9_]*$`},

		// Missing, empty.
		{"missing jobs", `{"$schema": "./job_schema.json"}`, `c.json:1:1: missing required key "jobs"`},
		{"empty jobs", `{"jobs": {}}`, `c.json:1:10: jobs: must not be empty`},
		{"missing tasks", `{"jobs": {"a": {"handler": "jobs.a.h"}}}`, `c.json:1:16: jobs.a: missing required key "tasks"`},
		{"empty tasks", `{"jobs": {"a": {"tasks": []}}}`, `c.json:1:26: jobs.a.tasks: must not be empty`},
		{"missing name", wrap(`{"dependencies": []}`), `c.json:1:27: jobs.a.tasks[0]: missing required key "name"`},

		// Wrong types and null.
		{"root not an object", `[]`, `c.json:1:1: must be an object, got array`},
		{"jobs array", `{"jobs": []}`, `c.json:1:10: jobs: must be an object, got array`},
		{"job string", `{"jobs": {"a": "b"}}`, `c.json:1:16: jobs.a: must be an object, got string`},
		{"tasks null", `{"jobs": {"a": {"tasks": null}}}`, `c.json:1:26: jobs.a.tasks: must be an array, got null`},
		{"task null", wrap(`null`), `c.json:1:27: jobs.a.tasks[0]: must be an object, got null`},
		{"handler number", `{"jobs": {"a": {"handler": 1, "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:28: jobs.a.handler: must be a string, got number`},
		{"keep_going string", `{"jobs": {"a": {"keep_going": "yes", "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:31: jobs.a.keep_going: must be a boolean, got string`},
		{"temporal true", `{"jobs": {"a": {"temporal": true, "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:29: jobs.a.temporal: must be an object, got boolean`},
		{"temporal null", `{"jobs": {"a": {"temporal": null, "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:29: jobs.a.temporal: must be an object, got null`},
		{"temporal array", `{"jobs": {"a": {"temporal": [], "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:29: jobs.a.temporal: must be an object, got array`},
		{"temporal pinned string", `{"jobs": {"a": {"temporal": {"pinned": "yes"}, "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:40: jobs.a.temporal.pinned: must be a boolean, got string`},
		{"temporal pinned null", `{"jobs": {"a": {"temporal": {"pinned": null}, "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:40: jobs.a.temporal.pinned: must be a boolean, got null`},
		{"name null", wrap(`{"name": null}`), `c.json:1:36: jobs.a.tasks[0].name: must be a string, got null`},
		{"dependencies string", wrap(`{"name": "jobs.a.b", "dependencies": "jobs.a.c"}`),
			`c.json:1:64: jobs.a.tasks[0].dependencies: must be an array, got string`},
		{"dependency number", wrap(`{"name": "jobs.a.b", "dependencies": [1]}`),
			`c.json:1:65: jobs.a.tasks[0].dependencies[0]: must be a string, got number`},
		{"retries string", wrap(`{"name": "jobs.a.b", "retries": "2"}`),
			`c.json:1:59: jobs.a.tasks[0].retries: must be an integer, got string`},
		{"retries fraction", wrap(`{"name": "jobs.a.b", "retries": 1.5}`),
			`c.json:1:59: jobs.a.tasks[0].retries: must be an integer, got number 1.5`},
		{"timeout number", wrap(`{"name": "jobs.a.b", "timeout": 30}`),
			`c.json:1:59: jobs.a.tasks[0].timeout: must be a string, got number`},
		{"schema key number", `{"$schema": 1, "jobs": {"a": {"tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:13: $schema: must be a string, got number`},

		// Patterns, ranges, durations.
		{"task name pattern", wrap(`{"name": "jobs.Job1.x"}`),
			`c.json:1:36: jobs.a.tasks[0].name: "jobs.Job1.x" does not match pattern ^jobs\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`},
		{"dependency pattern", wrap(`{"name": "jobs.a.b", "dependencies": ["load_sales"]}`),
			`c.json:1:65: jobs.a.tasks[0].dependencies[0]: "load_sales" does not match pattern ^jobs\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`},
		{"duplicate dependency", wrap(`{"name": "jobs.a.b", "dependencies": ["jobs.a.c", "jobs.a.d", "jobs.a.c"]}`),
			`c.json:1:89: jobs.a.tasks[0].dependencies[2]: duplicate value "jobs.a.c" (first at 1:65)`},
		{"handler pattern", `{"jobs": {"a": {"handler": "Handler", "tasks": [{"name": "jobs.a.b"}]}}}`,
			`c.json:1:28: jobs.a.handler: "Handler" does not match pattern ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`},
		{"retries too many", wrap(`{"name": "jobs.a.b", "retries": 11}`),
			`c.json:1:59: jobs.a.tasks[0].retries: must be between 0 and 10, got 11`},
		{"retries negative", wrap(`{"name": "jobs.a.b", "retries": -1}`),
			`c.json:1:59: jobs.a.tasks[0].retries: must be between 0 and 10, got -1`},
		{"timeout zero", wrap(`{"name": "jobs.a.b", "timeout": "0s"}`),
			`c.json:1:59: jobs.a.tasks[0].timeout: must be a positive Go duration such as "30s", "1m30s" or "250ms", got "0s"`},
		{"timeout without unit", wrap(`{"name": "jobs.a.b", "timeout": "30"}`),
			`c.json:1:59: jobs.a.tasks[0].timeout: must be a positive Go duration such as "30s", "1m30s" or "250ms", got "30"`},
		{"timeout negative", wrap(`{"name": "jobs.a.b", "timeout": "-5s"}`),
			`c.json:1:59: jobs.a.tasks[0].timeout: must be a positive Go duration such as "30s", "1m30s" or "250ms", got "-5s"`},
		{"timeout with space", wrap(`{"name": "jobs.a.b", "timeout": "1 m"}`),
			`c.json:1:59: jobs.a.tasks[0].timeout: must be a positive Go duration such as "30s", "1m30s" or "250ms", got "1 m"`},
		{"timeout overflow", wrap(`{"name": "jobs.a.b", "timeout": "9999999999h"}`),
			`c.json:1:59: jobs.a.tasks[0].timeout: invalid duration "9999999999h" (out of range)`},
		{"timeout below a nanosecond", wrap(`{"name": "jobs.a.b", "timeout": "0.1ns"}`),
			`c.json:1:59: jobs.a.tasks[0].timeout: duration "0.1ns" must be positive`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, list, problems := parse("c.json", []byte(tt.input))
			assert.Nil(t, cfg)
			assert.Equal(t, tt.want, problems)
			for _, p := range list {
				assert.Equal(t, "c.json", p.pos.Filename)
				assert.True(t, p.pos.Line > 0 && p.pos.Column > 0, "position %v", p.pos)
			}
		})
	}
}

func TestParseReportsEveryProblemSorted(t *testing.T) {
	input := `{
  "jobs": {
    "job1": {
      "keep_going": "no",
      "tasks": [
        {"name": "jobs.job1.a", "retries": 20},
        {"nmae": "jobs.job1.b"},
        {"name": "jobs.job1.c", "dependencies": ["jobs.job1.a", "jobs.job1.a"], "timeout": "soon"}
      ]
    },
    "Job2": {"tasks": []},
    "job3": {"tasks": [{"name": "jobs.job3.x"}], "handler": "x"}
  },
  "extra": true
}`
	want := []string{
		`c.json:4:21: jobs.job1.keep_going: must be a boolean, got string`,
		`c.json:6:44: jobs.job1.tasks[0].retries: must be between 0 and 10, got 20`,
		`c.json:7:9: jobs.job1.tasks[1]: missing required key "name"`,
		`c.json:7:10: jobs.job1.tasks[1]: unknown key "nmae" (did you mean "name"?)`,
		`c.json:8:65: jobs.job1.tasks[2].dependencies[1]: duplicate value "jobs.job1.a" (first at 8:50)`,
		`c.json:8:92: jobs.job1.tasks[2].timeout: must be a positive Go duration such as "30s", "1m30s" or "250ms", got "soon"`,
		`c.json:11:5: jobs: key "Job2" does not match pattern ^[a-z][a-z0-9_]*$`,
		`c.json:11:23: jobs.Job2.tasks: must not be empty`,
		`c.json:12:61: jobs.job3.handler: "x" does not match pattern ^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`,
		`c.json:14:3: unknown key "extra"`,
	}
	for i := 0; i < 5; i++ { // the validator's own order varies from run to run
		_, list, problems := parse("c.json", []byte(input))
		assert.Equal(t, strings.Join(want, "\n"), problems)
		assert.Len(t, list, len(want))
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		input string
		check func(t *testing.T, task config.Task)
	}{
		{"retries written as 2.0", wrap(`{"name": "jobs.a.b", "retries": 2.0}`), func(t *testing.T, task config.Task) {
			assert.Equal(t, 2, task.Retries)
			assert.Equal(t, "1:59", lc(task.RetriesPos))
		}},
		{"retries written as 1e1", wrap(`{"name": "jobs.a.b", "retries": 1e1}`), func(t *testing.T, task config.Task) {
			assert.Equal(t, 10, task.Retries)
		}},
		{"fractional duration", wrap(`{"name": "jobs.a.b", "timeout": "1.5h"}`), func(t *testing.T, task config.Task) {
			assert.Equal(t, 90*time.Minute, task.Timeout)
		}},
		{"micro sign", wrap(`{"name": "jobs.a.b", "timeout": "0s1µs"}`), func(t *testing.T, task config.Task) {
			assert.Equal(t, time.Microsecond, task.Timeout)
		}},
		{"escaped name", wrap(`{"name": "jobs.a.\u0062"}`), func(t *testing.T, task config.Task) {
			assert.Equal(t, "jobs.a.b", task.Name)
			assert.Equal(t, "1:36", lc(task.Pos))
		}},
		{"CRLF line ends", "{\r\n\"jobs\": {\"a\": {\"tasks\": [\r\n\t{\"name\": \"jobs.a.b\"}]}}}\r\n", func(t *testing.T, task config.Task) {
			assert.Equal(t, "3:11", lc(task.Pos))
		}},
		{"multi-byte characters count as bytes", "{\"$schema\": \"é\", \"jobs\": {\"a\": {\"tasks\": [{\"name\": \"jobs.a.b\"}]}}}", func(t *testing.T, task config.Task) {
			assert.Equal(t, "1:53", lc(task.Pos))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, problems := parse("c.json", []byte(tt.input))
			require.Empty(t, problems)
			require.Len(t, cfg.Jobs, 1)
			require.Len(t, cfg.Jobs[0].Tasks, 1)
			tt.check(t, cfg.Jobs[0].Tasks[0])
		})
	}
}

func TestParseTemporal(t *testing.T) {
	tests := []struct {
		name   string
		value  string // the job's "temporal" value, or "" for none
		pos    string // of the value, or "" for no Temporal
		pinned bool
	}{
		{"absent", "", "", false},
		{"empty object", `{}`, "1:29", false},
		{"pinned", `{"pinned": true}`, "1:29", true},
		{"not pinned", `{"pinned": false}`, "1:29", false},
		{"spaced out", "\n  {\n    \"pinned\": true\n  }", "2:3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b"}]}}}`
			if tt.value != "" {
				input = `{"jobs": {"a": {"temporal": ` + tt.value + `, "tasks": [{"name": "jobs.a.b"}]}}}`
			}
			cfg, _, problems := parse("c.json", []byte(input))
			require.Empty(t, problems)
			require.Len(t, cfg.Jobs, 1)
			tm := cfg.Jobs[0].Temporal
			if tt.pos == "" {
				assert.Nil(t, tm)
				return
			}
			require.NotNil(t, tm)
			assert.Equal(t, tt.pos, lc(tm.Pos))
			assert.Equal(t, tt.pinned, tm.Pinned)
		})
	}
}

func TestParseKeepsFileOrder(t *testing.T) {
	input := `{"jobs": {"zeta": {"keep_going": true, "tasks": [{"name": "jobs.zeta.b"}, {"name": "jobs.zeta.a"}]}, "alpha": {"tasks": [{"name": "jobs.alpha.x"}]}}}`
	cfg, _, problems := parse("c.json", []byte(input))
	require.Empty(t, problems)
	require.Len(t, cfg.Jobs, 2)
	assert.Equal(t, "zeta", cfg.Jobs[0].Name)
	assert.True(t, cfg.Jobs[0].KeepGoing)
	assert.Equal(t, "jobs.zeta.b", cfg.Jobs[0].Tasks[0].Name)
	assert.Equal(t, "jobs.zeta.a", cfg.Jobs[0].Tasks[1].Name)
	assert.Equal(t, "alpha", cfg.Jobs[1].Name)
	assert.False(t, cfg.Jobs[1].KeepGoing)
}

// TestParseHugeInput parses 50,000 tasks with an error each: every error
// is reported, in order, and the parse stays linear. The budget is on the
// process's CPU time, not the wall clock, so a loaded machine (two test
// runs at once on 2 cores) cannot make it fail. It takes about 5 s under
// the race detector, and a minute is allowed.
func TestParseHugeInput(t *testing.T) {
	const n = 50000
	var b strings.Builder
	b.WriteString(`{"jobs": {"big": {"tasks": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`{"name": "jobs.big.t", "retries": 11}`)
	}
	b.WriteString("]}}}")
	start := cpuTime()
	_, list, _ := parse("c.json", []byte(b.String()))
	used := cpuTime() - start
	assert.Len(t, list, n)
	assert.Equal(t, `c.json:50000:35: jobs.big.tasks[49999].retries: must be between 0 and 10, got 11`, list[n-1].String())
	t.Logf("CPU time: %v", used)
	assert.Less(t, used, time.Minute, "CPU time")
}

// TestTimeoutAgreesWithParseDuration checks that the schema's timeout
// pattern and the decoder together accept exactly the positive durations
// that time.ParseDuration accepts.
func TestTimeoutAgreesWithParseDuration(t *testing.T) {
	for _, s := range []string{
		"30s", "1m30s", "250ms", "1h2m3.5s", "1.5h", ".5s", "1.s", "0.1s", "0s1ns",
		"1us", "1µs", "1μs", "1ns", "00001s", "0h0m1ns",
		"0s", "0", "0.0s", "0.s", "", "s", ".s", "1", "1..5s", "1e3s", "+5s", "-5s",
		"5S", "1 s", " 1s", "1s ", "1d", "1sec", "1h1", "0.1ns", "9999999999h", "2562047h",
	} {
		t.Run(s, func(t *testing.T) {
			d, perr := time.ParseDuration(s)
			want := perr == nil && d > 0
			cfg, list, problems := parse("c.json", []byte(wrap(`{"name": "jobs.a.b", "timeout": "`+s+`"}`)))
			if want {
				require.Empty(t, problems)
				assert.Equal(t, d, cfg.Jobs[0].Tasks[0].Timeout)
			} else {
				require.Len(t, list, 1)
				assert.Equal(t, "1:59", lc(list[0].pos))
			}
		})
	}
}
