// Package progress draws the live progress of a run on a terminal, with
// github.com/vbauerster/mpb: one bar for the whole job and one per level,
// each with its tasks done, running, failed and skipped, and the elapsed
// time on the job's bar.
//
// A [Display] is a runtime.Observer. It draws only between the end of a
// successful Setup and the start of Teardown, so what the handler prints
// does not tear the bars. Job binaries use it only when stderr is a
// terminal (see [IsTerminal]).
package progress
