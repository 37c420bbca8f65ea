// Tracesvg draws a Chrome trace-event file, such as the one a job binary
// writes with --trace, as an SVG timeline: one row per worker, one span per
// task attempt. It makes the picture in docs/:
//
//	./bin/job1 --trace /tmp/trace.json
//	go run ./runtime/jobmain/internal/tracesvg /tmp/trace.json > docs/job1-trace.svg
//
// Perfetto (ui.perfetto.dev) or chrome://tracing open the same file
// interactively. The renderer lives here, in the only program that draws,
// rather than beside the recorder in package trace: the job binaries link
// the recorder, and so would carry the renderer too.
package main
