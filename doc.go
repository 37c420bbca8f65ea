// Package taskorchestrator is the root of TaskOrchestrator for Go, a
// build-time job orchestrator: jobs declared in config/job_config.json are
// checked and turned into statically typed wiring by jobgen (cmd/jobgen),
// and run by the runtime package.
//
// The go:generate line below regenerates gen/ and cmd/<job>/ from the
// config; run it with `go generate ./...`.
package taskorchestrator

//go:generate go run ./cmd/jobgen generate
