// Package progress draws the live progress of a run on a terminal: one bar
// for the whole job and one per level, each with its tasks done, running,
// failed and skipped, the elapsed time on the job's bar, the tasks running
// and for how long, and, once the run stops (a signal, --timeout), what it
// waits for.
//
// A [Display] is a runtime.Observer. It draws only between the end of a
// successful Setup and the start of Teardown, so what the handler prints
// does not tear the bars. It owns the lines it drew: everything the run
// writes meanwhile (the logs through [Display.Writer], and what the tasks
// print to stdout and stderr, which it captures through a pipe) is written
// above them in whole lines, and every line it draws is clipped to the
// terminal's width, so nothing is drawn over and no stale line is left.
// Job binaries use it only when stderr is a terminal (see [IsTerminal]).
package progress
