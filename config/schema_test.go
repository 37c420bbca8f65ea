package config_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/config"
)

func TestSchemaIsTheFile(t *testing.T) {
	file, err := os.ReadFile("job_schema.json")
	require.NoError(t, err)
	assert.Equal(t, file, config.Schema())

	// Callers get a copy.
	s := config.Schema()
	s[0] = 'x'
	assert.Equal(t, file, config.Schema())
}

// compileSchema compiles the embedded schema with a fresh compiler whose
// default draft is not 2020-12, so that only the schema's own $schema can
// make it compile as 2020-12.
func compileSchema(t *testing.T) (*jsonschema.Schema, map[string]any) {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(config.Schema(), &doc))
	id, _ := doc["$id"].(string)
	require.NotEmpty(t, id, "the schema needs an $id")

	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	require.NoError(t, c.AddResource(id, bytes.NewReader(config.Schema())))
	sch, err := c.Compile(id)
	require.NoError(t, err)
	return sch, doc
}

func TestSchemaCompilesAsDraft2020(t *testing.T) {
	sch, doc := compileSchema(t)
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", doc["$schema"])
	assert.Equal(t, jsonschema.Draft2020.URL(), sch.Draft.URL())
	assert.NotEmpty(t, doc["title"])
	assert.NotEmpty(t, doc["description"])
}

func TestSchemaValidatesExample(t *testing.T) {
	sch, _ := compileSchema(t)
	tests := []struct {
		name  string
		input string
		valid bool
	}{
		{"repository config", "", true},
		{"minimal", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b"}]}}}`, true},
		{"all fields", `{"$schema": "x", "jobs": {"a": {"handler": "runtime.generic_job_handler", "keep_going": true, "temporal": {"pinned": false}, "tasks": [{"name": "jobs.a.b", "dependencies": ["jobs.a.c"], "timeout": "1h2m3.5s", "retries": 10}]}}}`, true},
		{"durations", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b", "timeout": "250ms"}, {"name": "jobs.a.c", "timeout": "0s1us"}, {"name": "jobs.a.d", "timeout": ".5m"}]}}}`, true},
		{"unknown top-level key", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b"}]}}, "x": 1}`, false},
		{"unknown job key", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b"}], "x": 1}}}`, false},
		{"unknown task key", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b", "x": 1}]}}}`, false},
		{"no jobs", `{"jobs": {}}`, false},
		{"no tasks", `{"jobs": {"a": {"tasks": []}}}`, false},
		{"bad job name", `{"jobs": {"A": {"tasks": [{"name": "jobs.a.b"}]}}}`, false},
		{"bad handler", `{"jobs": {"a": {"handler": "h", "tasks": [{"name": "jobs.a.b"}]}}}`, false},
		{"bad task name", `{"jobs": {"a": {"tasks": [{"name": "a.b"}]}}}`, false},
		{"repeated dependency", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b", "dependencies": ["jobs.a.c", "jobs.a.c"]}]}}}`, false},
		{"zero timeout", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b", "timeout": "0ms"}]}}}`, false},
		{"timeout without unit", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b", "timeout": "5"}]}}}`, false},
		{"temporal", `{"jobs": {"a": {"temporal": {}, "tasks": [{"name": "jobs.a.b"}]}}}`, true},
		{"temporal pinned", `{"jobs": {"a": {"temporal": {"pinned": true}, "tasks": [{"name": "jobs.a.b"}]}}}`, true},
		{"temporal not an object", `{"jobs": {"a": {"temporal": true, "tasks": [{"name": "jobs.a.b"}]}}}`, false},
		{"temporal null", `{"jobs": {"a": {"temporal": null, "tasks": [{"name": "jobs.a.b"}]}}}`, false},
		{"temporal pinned not a boolean", `{"jobs": {"a": {"temporal": {"pinned": 1}, "tasks": [{"name": "jobs.a.b"}]}}}`, false},
		{"unknown temporal key", `{"jobs": {"a": {"temporal": {"queue": "q"}, "tasks": [{"name": "jobs.a.b"}]}}}`, false},
		{"too many retries", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b", "retries": 11}]}}}`, false},
		{"fractional retries", `{"jobs": {"a": {"tasks": [{"name": "jobs.a.b", "retries": 0.5}]}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := []byte(tt.input)
			if tt.input == "" {
				var err error
				input, err = os.ReadFile("job_config.json")
				require.NoError(t, err)
			}
			dec := json.NewDecoder(bytes.NewReader(input))
			dec.UseNumber()
			var v any
			require.NoError(t, dec.Decode(&v))
			err := sch.Validate(v)
			if tt.valid {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// TestSchemaDescribesEveryProperty checks that editors have something to
// show for every key, and that every object is closed.
func TestSchemaDescribesEveryProperty(t *testing.T) {
	var doc map[string]any
	require.NoError(t, json.Unmarshal(config.Schema(), &doc))
	var objects int
	var walk func(where string, s map[string]any)
	walk = func(where string, s map[string]any) {
		if props, ok := s["properties"].(map[string]any); ok {
			objects++
			assert.Equal(t, false, s["additionalProperties"], "%s must not allow unknown keys", where)
			for name, p := range props {
				p := p.(map[string]any)
				assert.NotEmpty(t, p["description"], "%s.%s needs a description", where, name)
				walk(where+"."+name, p)
			}
		}
		if defs, ok := s["$defs"].(map[string]any); ok {
			for name, d := range defs {
				d := d.(map[string]any)
				assert.NotEmpty(t, d["description"], "$defs.%s needs a description", name)
				walk("$defs."+name, d)
			}
		}
	}
	walk("", doc)
	assert.Equal(t, 4, objects, "top level, job, temporal and task")
}
