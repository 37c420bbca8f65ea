// Package config loads a job configuration (config/job_config.json), checks it
// against the embedded JSON Schema (config/job_schema.json, draft 2020-12) and
// decodes it into typed structs that remember the line and column of every
// value.
//
// [Load] and [Parse] report every problem in the file at once as [Errors],
// sorted by position and printed compiler style ("path:line:col: message"):
// JSON syntax errors (with the position of the offending byte), duplicate
// keys, and every schema violation, each mapped back to the value or key it is
// about. A failure to read the file is returned as it is, not as [Errors], so
// callers can tell invalid input from an environment failure:
//
//	cfg, err := config.Load("config/job_config.json")
//	var list config.Errors
//	switch {
//	case errors.As(err, &list):
//		// invalid input: print list, one problem per line
//	case err != nil:
//		// the file could not be read
//	}
//
// The package checks the shape of the file only. Naming conventions, task
// names that repeat, unknown dependencies and cycles are checked by the
// generator, which reports them through the same [Errors] type using the
// positions recorded here.
package config
