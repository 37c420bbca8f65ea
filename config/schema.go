// Package config holds the contract of a job configuration:
// job_schema.json, the JSON Schema (draft 2020-12) of job_config.json.
// Editors read the schema through the config's "$schema" key
// (docs/editors.md); jobgen validates against the same bytes, which
// [Schema] embeds, since go:embed cannot reach this folder from the
// generator. The loader itself is the generator's input stage, in
// generator/internal/config.
package config

import (
	"bytes"
	_ "embed"
)

//go:embed job_schema.json
var schemaJSON []byte

// Schema returns the JSON Schema (draft 2020-12) that every config must
// satisfy: the bytes of config/job_schema.json, embedded at build time.
// The caller may modify the returned slice.
func Schema() []byte {
	return bytes.Clone(schemaJSON)
}
