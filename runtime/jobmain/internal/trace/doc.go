// Package trace records a run as a Chrome trace-event file, the JSON
// format that Perfetto (ui.perfetto.dev) and chrome://tracing open as a
// timeline.
//
// A [Recorder] is a runtime.Observer. Its file has one process, the job,
// and one row ("thread") per worker that ran something, named "worker N"
// with N the worker's index (0 to Workers-1) and tid N+1, with one
// complete ("X") span per task attempt; the row "run" (tid 0) holds a span
// for the whole run and the setup and teardown spans. Timestamps and
// durations are in microseconds from the start of the run.
//
// The format is described in "Trace Event Format" (Google), and
// docs/observability.md shows an example.
package trace
