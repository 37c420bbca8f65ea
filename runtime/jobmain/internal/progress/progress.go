package progress

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/taskorchestrator/taskorchestrator/internal/text"
	"github.com/taskorchestrator/taskorchestrator/runtime"
)

// IsTerminal reports whether w is a terminal that can redraw lines: an
// *os.File on a terminal with a size (a pseudo-terminal that nobody sized
// has 0 rows, where nothing can be drawn), with TERM not "dumb".
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" || !term.IsTerminal(int(f.Fd())) {
		return false
	}
	width, height, err := term.GetSize(int(f.Fd()))
	return err == nil && width > 0 && height > 0
}

// Options tunes a [Display]. The zero value is ready to use.
type Options struct {
	// Refresh is how often the display is redrawn. Zero means 150ms.
	Refresh time.Duration
	// MaxLevelBars is the most levels that get a bar each for the whole
	// run. A job with more levels shows only the bars of the levels that
	// are running. Zero means 8.
	MaxLevelBars int
	// Capture lists file variables (jobmain passes &os.Stdout and
	// &os.Stderr) that the display points at pipes while it draws, so that
	// what the tasks print through them appears intact above the bars
	// instead of being drawn over. Each is put back when the display
	// stops.
	Capture []**os.File
}

// Counts is the progress of a level, or of the whole job.
type Counts struct {
	// Total is the number of tasks; Done those that reached their final
	// state, whatever it is; Running those with an attempt running;
	// Failed those that failed, panicked, timed out or were cancelled;
	// Skipped those that never ran (upstream_failed or not_started).
	Total, Done, Running, Failed, Skipped int
}

// String renders the counts, e.g. "3/10 done, 2 running, 1 failed",
// with ", N skipped" when some were.
func (c Counts) String() string {
	s := fmt.Sprintf("%d/%d done, %d running, %d failed", c.Done, c.Total, c.Running, c.Failed)
	if c.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", c.Skipped)
	}
	return s
}

// Elapsed renders a duration the way the display shows it: tenths of a
// second below a minute ("4.2s"), then minutes and seconds ("3m07s").
func Elapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// counter is the live progress of a level or of the job.
type counter struct {
	total                          int
	done, running, failed, skipped atomic.Int32
}

func (c *counter) counts() Counts {
	return Counts{Total: c.total, Done: int(c.done.Load()), Running: int(c.running.Load()),
		Failed: int(c.failed.Load()), Skipped: int(c.skipped.Load())}
}

// Display is the live progress of one run of a job, drawn on a terminal
// below what the run prints: a bar for the job and for its levels, the
// tasks running and for how long, and after [Display.Stopping] what the
// run waits for. It is safe for concurrent use.
//
// The display owns the lines it drew last. Everything written while it
// draws, through [Display.Writer] or the captured files, goes through it:
// it erases its lines, writes the complete lines it was given, and draws
// itself again below them, so nothing is drawn over and no stale line is
// left. Every line is clipped to the terminal's width, so that none wraps
// and the count of lines to erase stays exact.
type Display struct {
	out     io.Writer
	fd      int // out's file descriptor, for its width; -1 if out is not a file
	opts    Options
	name    string
	job     counter
	levels  []counter
	short   []string       // per task: its name for the running line
	ended   []atomic.Bool  // per task: its TaskEnd was seen
	running []atomic.Bool  // per task: an attempt runs
	since   []atomic.Int64 // per task: the start of its running attempt, Unix ns

	start   atomic.Int64 // the run's start, in Unix nanoseconds
	elapsed atomic.Int64 // the run's length once the display stopped, or 0

	mu       sync.Mutex // guards the fields below and every write to out
	state    int        // idle, drawing or stopped
	drawn    int        // lines of the display on the screen, below the cursor's line
	stopping string     // why the run stops, once it does
	stopAt   time.Time
	logs     lineBuffer    // the partial last line written through Writer
	quit     chan struct{} // closed to end the redraw loop
	looped   chan struct{} // closed when the redraw loop has ended
	captured *capture      // nil unless Options.Capture is set

	stopOnce sync.Once
}

const (
	idle = iota
	drawing
	stopped
)

// New returns a display of the progress of job, drawn on out once the run
// starts. out should be a terminal.
func New(out io.Writer, job *runtime.Job, opts Options) *Display {
	if opts.Refresh <= 0 {
		opts.Refresh = 150 * time.Millisecond
	}
	if opts.MaxLevelBars <= 0 {
		opts.MaxLevelBars = 8
	}
	d := &Display{
		out:     out,
		opts:    opts,
		name:    job.Name,
		levels:  make([]counter, len(job.Levels)),
		short:   make([]string, len(job.Tasks)),
		ended:   make([]atomic.Bool, len(job.Tasks)),
		running: make([]atomic.Bool, len(job.Tasks)),
		since:   make([]atomic.Int64, len(job.Tasks)),
	}
	d.fd = -1
	if f, ok := out.(*os.File); ok {
		d.fd = int(f.Fd())
	}
	d.job.total = len(job.Tasks)
	for k, level := range job.Levels {
		d.levels[k].total = len(level)
	}
	prefix := "jobs." + job.Name + "."
	for i, t := range job.Tasks {
		d.short[i] = strings.TrimPrefix(t.Name, prefix)
	}
	return d
}

// Observe updates the counts; it starts the display when Setup succeeded
// and stops it when Teardown starts or the run ends.
func (d *Display) Observe(e runtime.Event) {
	switch e.Kind {
	case runtime.RunStart:
		d.start.Store(e.Time.UnixNano())
	case runtime.SetupEnd:
		if e.Err == nil {
			d.begin()
		}
	case runtime.AttemptStart:
		if i, lv := d.task(e); lv != nil && !d.ended[i].Load() && d.running[i].CompareAndSwap(false, true) {
			at := e.Time
			if at.IsZero() {
				at = time.Now()
			}
			d.since[i].Store(at.UnixNano())
			lv.running.Add(1)
			d.job.running.Add(1)
		}
	case runtime.AttemptEnd:
		if i, lv := d.task(e); lv != nil && d.running[i].CompareAndSwap(true, false) {
			lv.running.Add(-1)
			d.job.running.Add(-1)
		}
	case runtime.TaskEnd:
		i, lv := d.task(e)
		if lv == nil || !d.ended[i].CompareAndSwap(false, true) {
			return
		}
		if d.running[i].CompareAndSwap(true, false) {
			lv.running.Add(-1)
			d.job.running.Add(-1)
		}
		for _, c := range []*counter{lv, &d.job} {
			switch e.State {
			case runtime.Succeeded, runtime.Restored:
			case runtime.UpstreamFailed, runtime.NotStarted, runtime.NotSelected:
				c.skipped.Add(1)
			default:
				c.failed.Add(1)
			}
			c.done.Add(1)
		}
	case runtime.TeardownStart, runtime.RunEnd:
		d.Stop()
	}
}

// task returns the index and the level counter of the task of e, or a nil
// counter if e does not fit the job.
func (d *Display) task(e runtime.Event) (int, *counter) {
	i, k := e.Task.Index, e.Task.Level
	if i < 0 || i >= len(d.ended) || k < 0 || k >= len(d.levels) {
		return 0, nil
	}
	return i, &d.levels[k]
}

// begin starts drawing, and capturing the files of Options.Capture.
func (d *Display) begin() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state != idle {
		return
	}
	d.state = drawing
	if d.start.Load() == 0 {
		d.start.Store(time.Now().UnixNano())
	}
	if len(d.opts.Capture) > 0 {
		if c, err := startCapture(d.opts.Capture, d); err == nil {
			d.captured = c
		}
	}
	d.redraw(nil)
	d.quit, d.looped = make(chan struct{}), make(chan struct{})
	go d.loop()
}

// loop redraws the display every Options.Refresh until it stops.
func (d *Display) loop() {
	defer close(d.looped)
	t := time.NewTicker(d.opts.Refresh)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			d.mu.Lock()
			if d.state == drawing {
				d.redraw(nil)
			}
			d.mu.Unlock()
		case <-d.quit:
			return
		}
	}
}

// Stopping tells the display that the run is stopping (why says why, such
// as "SIGINT"): until the tasks still running have ended, it shows what
// the run waits for.
func (d *Display) Stopping(why string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping != "" {
		return
	}
	d.stopping, d.stopAt = why, time.Now()
	if d.state == drawing {
		d.redraw(nil)
	}
}

// Elapsed returns the time since the run started, or the length of the
// run once the display stopped.
func (d *Display) Elapsed() time.Duration {
	if e := d.elapsed.Load(); e > 0 {
		return time.Duration(e)
	}
	return time.Since(time.Unix(0, d.start.Load()))
}

// Stop puts the captured files back, after what was written to them
// reached the screen, draws the display one last time and leaves it there:
// what is written afterwards goes below it. A bar whose tasks did not all
// end (the run stopped early) is left as it is. Stop is called when
// Teardown starts; calling it again does nothing.
func (d *Display) Stop() {
	d.stopOnce.Do(d.stop)
}

func (d *Display) stop() {
	d.mu.Lock()
	if d.state != drawing {
		d.state = stopped
		d.mu.Unlock()
		return
	}
	d.elapsed.Store(int64(max(d.Elapsed(), 1)))
	close(d.quit)
	captured := d.captured
	d.mu.Unlock()
	<-d.looped
	// Still drawing: what the pipe holds goes above the bars.
	if captured != nil {
		captured.stop()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopping = "" // the run stopped: nothing to wait for any more
	var rest []byte
	if p := d.logs.flush(); len(p) > 0 {
		rest = append(p, '\n')
	}
	d.redraw(rest)
	d.drawn = 0 // the last frame stays
	d.state = stopped
}

// Writer returns a writer for the logs of the run: while the display draws,
// what it writes appears above the bars (a last line without its newline
// waits for it, or for the display to stop); otherwise it goes to out as is.
func (d *Display) Writer() io.Writer { return logWriter{d} }

type logWriter struct{ d *Display }

func (w logWriter) Write(b []byte) (int, error) {
	d := w.d
	d.mu.Lock()
	if c := d.captured; c != nil && d.state == drawing {
		// Into the pipe, in line with what the tasks print to the
		// captured files; without holding d.mu, which the pipe's copier
		// needs to empty it.
		d.mu.Unlock()
		n, err := c.w.Write(b)
		if err == nil {
			return n, nil
		}
		b = b[n:] // the display stopped and closed the pipe meanwhile
		d.mu.Lock()
	}
	defer d.mu.Unlock()
	if d.state != drawing {
		return d.out.Write(b)
	}
	d.redraw(d.logs.lines(b))
	return len(b), nil
}

// writeAbove writes complete lines above the display, or to out once it
// stopped.
func (d *Display) writeAbove(lines []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state != drawing {
		d.out.Write(lines)
		return
	}
	d.redraw(lines)
}

// redraw erases the display, writes above (complete lines), and draws the
// display again, in one write. The caller holds d.mu.
func (d *Display) redraw(above []byte) {
	var b bytes.Buffer
	if d.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", d.drawn)
	}
	b.WriteString("\r\x1b[J")
	b.Write(above)
	frame := d.frame(d.width() - 1)
	for _, line := range frame {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	d.drawn = len(frame)
	d.out.Write(b.Bytes())
}

// width returns the terminal's width, or 80 when it is unknown.
func (d *Display) width() int {
	if d.fd >= 0 {
		if w, _, err := term.GetSize(d.fd); err == nil && w > 1 {
			return w
		}
	}
	return 80
}

// frame returns the lines of the display, each at most width runes.
func (d *Display) frame(width int) []string {
	type row struct {
		name string
		c    *counter
	}
	rows := []row{{d.name, &d.job}}
	all := len(d.levels) <= d.opts.MaxLevelBars
	for k := range d.levels {
		c := &d.levels[k]
		if c.total == 0 {
			continue
		}
		done := int(c.done.Load())
		if all || (done < c.total && (done > 0 || c.running.Load() > 0)) {
			rows = append(rows, row{fmt.Sprint("level ", k), c})
		}
	}
	nameW := 0
	for _, r := range rows {
		nameW = max(nameW, len(r.name))
	}
	lines := make([]string, 0, len(rows)+2)
	for i, r := range rows {
		n := r.c.counts()
		line := fmt.Sprintf("%-*s  %s  %s", nameW, r.name, bar(n, 22), n)
		if i == 0 {
			line += "  " + Elapsed(d.Elapsed())
		}
		lines = append(lines, text.Clip(line, width))
	}
	if run := d.runningLine(); run != "" {
		lines = append(lines, text.Clip(run, width))
	}
	if d.stopping != "" {
		n := int(d.job.running.Load())
		line := fmt.Sprintf("stopping (%s, %s ago): waiting for %d %s to end", d.stopping, Elapsed(time.Since(d.stopAt)), n, text.Plural(n, "task", "tasks"))
		if n == 0 {
			line = fmt.Sprintf("stopping (%s): no task is running", d.stopping)
		}
		lines = append(lines, text.Clip(line, width))
	}
	return lines
}

// runningLine lists the tasks that run, the longest running first, with
// how long their attempt has run: "running: by_month 2.1s, by_region 0.4s".
func (d *Display) runningLine() string {
	if d.job.running.Load() == 0 {
		return ""
	}
	type run struct {
		i     int
		since int64
	}
	var runs []run
	for i := range d.running {
		if d.running[i].Load() {
			runs = append(runs, run{i, d.since[i].Load()})
		}
	}
	if len(runs) == 0 {
		return ""
	}
	slices.SortFunc(runs, func(a, b run) int {
		return cmp.Or(cmp.Compare(a.since, b.since), strings.Compare(d.short[a.i], d.short[b.i]))
	})
	now := time.Now()
	parts := make([]string, len(runs))
	for k, r := range runs {
		parts[k] = d.short[r.i] + " " + Elapsed(now.Sub(time.Unix(0, r.since)))
	}
	return "running: " + strings.Join(parts, ", ")
}

// bar draws the share of done tasks as "[=====>------]", width runes
// between the brackets.
func bar(c Counts, width int) string {
	fill := width
	if c.Total > 0 {
		fill = width * c.Done / c.Total
	}
	if fill >= width {
		return "[" + strings.Repeat("=", width) + "]"
	}
	return "[" + strings.Repeat("=", fill) + ">" + strings.Repeat("-", width-fill-1) + "]"
}

// lineBuffer keeps the last, incomplete line of what was written.
type lineBuffer struct{ partial []byte }

// lines returns the complete lines of the buffered bytes followed by b,
// and keeps the rest.
func (lb *lineBuffer) lines(b []byte) []byte {
	i := bytes.LastIndexByte(b, '\n')
	if i < 0 {
		lb.partial = append(lb.partial, b...)
		return nil
	}
	out := append(lb.partial, b[:i+1]...)
	lb.partial = append([]byte(nil), b[i+1:]...)
	return out
}

// flush returns what is buffered and empties the buffer.
func (lb *lineBuffer) flush() []byte {
	p := lb.partial
	lb.partial = nil
	return p
}

// capture points file variables at one pipe whose content goes above the
// display: one pipe, so that what is written to stdout, to stderr and to
// the log writer keeps the order it was written in.
type capture struct {
	targets []**os.File
	orig    []*os.File
	w       *os.File
	copied  chan struct{}
}

// drainLimit bounds how long stop waits for what the pipe still holds: a
// child process that inherited it may keep it open.
const drainLimit = 500 * time.Millisecond

func startCapture(targets []**os.File, d *Display) (*capture, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	c := &capture{targets: targets, w: w, copied: make(chan struct{})}
	for _, t := range targets {
		c.orig = append(c.orig, *t)
		*t = w
	}
	go func() {
		defer close(c.copied)
		defer r.Close()
		var lb lineBuffer
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				if lines := lb.lines(buf[:n]); len(lines) > 0 {
					d.writeAbove(lines)
				}
			}
			if err != nil {
				if rest := lb.flush(); len(rest) > 0 {
					d.writeAbove(append(rest, '\n'))
				}
				return
			}
		}
	}()
	return c, nil
}

// stop puts the file variables back and waits, for a while, until what
// was written to the pipe has been copied.
func (c *capture) stop() {
	for k, t := range c.targets {
		*t = c.orig[k]
	}
	c.w.Close()
	select {
	case <-c.copied:
	case <-time.After(drainLimit):
	}
}
