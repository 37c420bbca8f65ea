// Package summary turns the runtime.Report of a run into what a job
// binary shows at the end: a table of every task for people, the run's
// critical path, and the same report as JSON for machines (--report).
// docs/observability.md documents the JSON format.
package summary
