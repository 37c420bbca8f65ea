// Package config is the generator's input stage: it reads a job
// configuration (config/job_config.json), checks it against the JSON
// Schema that package config at the module root embeds
// (config/job_schema.json, draft 2020-12), and decodes it into typed
// structs that remember the position of every value.
//
// It is built on the standard library and jsonschema/v5, not on a parser
// of its own: encoding/json decodes the document and finds syntax errors;
// one pass over the Decoder's tokens, with [encoding/json.Decoder.InputOffset],
// records where every key and value starts, and finds repeated keys, deep
// nesting and numbers too large to check; jsonschema validates the decoded
// document, and each leaf of its [jsonschema.ValidationError] is mapped, by
// its instance location, back to the value or key it is about, and phrased
// from the compiled schema; encoding/json then decodes the valid document
// into typed structs. Positions are [go/token.Position] values, the type
// the generator's Go positions have, so a diagnostic is about a place in
// the config or in the Go code alike.
//
// [Parse] reports every problem it finds through a function of the
// caller's, so that the generator's collector holds them all with its
// own; a Config comes back only when there were none. The package checks
// the shape of the file only: naming conventions, task names that repeat,
// unknown dependencies and cycles are the generator's.
package config
