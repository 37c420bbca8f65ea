package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

//go:embed job_schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) that every config must
// satisfy: the bytes of config/job_schema.json, embedded at build time.
// The caller may modify the returned slice.
func Schema() []byte {
	return bytes.Clone(schemaJSON)
}

// compiledSchema is the embedded schema, compiled for validation and decoded
// as plain JSON so that messages can quote its keywords.
type compiledSchema struct {
	schema *jsonschema.Schema
	doc    any
}

// loadSchema compiles the embedded schema once.
var loadSchema = sync.OnceValues(func() (*compiledSchema, error) {
	var doc any
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		return nil, fmt.Errorf("config: embedded schema: %w", err)
	}
	top, _ := doc.(map[string]any)
	url, _ := top["$id"].(string)
	if url == "" {
		return nil, errors.New("config: embedded schema has no $id")
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("config: schema refers to %s, which is not embedded", s)
	}
	if err := c.AddResource(url, bytes.NewReader(schemaJSON)); err != nil {
		return nil, fmt.Errorf("config: embedded schema: %w", err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("config: compile embedded schema: %w", err)
	}
	return &compiledSchema{schema: sch, doc: doc}, nil
})
