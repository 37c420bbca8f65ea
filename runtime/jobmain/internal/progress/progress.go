package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

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
	// are running, each removed when its level ends. Zero means 8.
	MaxLevelBars int
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

// Display is the live progress of one run of a job. It is safe for
// concurrent use.
type Display struct {
	out     io.Writer
	opts    Options
	name    string
	job     counter
	levels  []counter
	ended   []atomic.Bool // per task: its TaskEnd was seen
	running []atomic.Bool // per task: an attempt runs

	start   atomic.Int64 // the run's start, in Unix nanoseconds
	elapsed atomic.Int64 // the run's length once the display stopped, or 0

	mu     sync.Mutex // guards the fields below
	state  int        // idle, drawing or stopped
	p      *mpb.Progress
	jobBar *mpb.Bar
	bars   []*mpb.Bar // one per level; nil until drawn
	stop   chan struct{}
	synced chan struct{} // closed when the sync loop has ended
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
		ended:   make([]atomic.Bool, len(job.Tasks)),
		running: make([]atomic.Bool, len(job.Tasks)),
		bars:    make([]*mpb.Bar, len(job.Levels)),
	}
	d.job.total = len(job.Tasks)
	for k, level := range job.Levels {
		d.levels[k].total = len(level)
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
			case runtime.Succeeded:
			case runtime.UpstreamFailed, runtime.NotStarted:
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

// begin starts drawing.
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
	d.p = mpb.New(mpb.WithOutput(d.out), mpb.WithWidth(24), mpb.WithRefreshRate(d.opts.Refresh))
	d.jobBar = d.addBar(d.name, &d.job, 0, false)
	if len(d.levels) <= d.opts.MaxLevelBars {
		for k := range d.levels {
			if d.levels[k].total > 0 {
				d.bars[k] = d.addBar(fmt.Sprint("level ", k), &d.levels[k], k+1, false)
			}
		}
	}
	d.stop, d.synced = make(chan struct{}), make(chan struct{})
	go d.syncLoop()
}

// addBar adds a bar for c, named name, at place priority (0 on top).
func (d *Display) addBar(name string, c *counter, priority int, removeOnComplete bool) *mpb.Bar {
	appended := []decor.Decorator{decor.Any(func(decor.Statistics) string { return c.counts().String() }, decor.WCSyncSpaceR)}
	if c == &d.job {
		appended = append(appended, decor.Any(func(decor.Statistics) string { return Elapsed(d.Elapsed()) }, decor.WC{C: decor.DextraSpace}))
	}
	return d.p.New(int64(c.total), mpb.BarStyle(),
		mpb.BarPriority(priority),
		mpb.PrependDecorators(decor.Name(name, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(appended...),
		mpb.BarOptional(mpb.BarRemoveOnComplete(), removeOnComplete))
}

// Elapsed returns the time since the run started, or the length of the
// run once the display stopped.
func (d *Display) Elapsed() time.Duration {
	if e := d.elapsed.Load(); e > 0 {
		return time.Duration(e)
	}
	return time.Since(time.Unix(0, d.start.Load()))
}

// syncLoop moves the counts into the bars until the display stops.
func (d *Display) syncLoop() {
	defer close(d.synced)
	t := time.NewTicker(d.opts.Refresh / 2)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			d.sync()
		case <-d.stop:
			return
		}
	}
}

// sync sets each bar to its count of done tasks; when levels do not get a
// bar each for the whole run, it draws the running ones.
func (d *Display) sync() {
	d.jobBar.SetCurrent(int64(d.job.done.Load()))
	for k := range d.levels {
		c := &d.levels[k]
		done := int(c.done.Load())
		if d.bars[k] == nil && c.total > 0 && done < c.total && (done > 0 || c.running.Load() > 0) {
			d.bars[k] = d.addBar(fmt.Sprint("level ", k), c, k+1, true)
		}
		if d.bars[k] != nil {
			d.bars[k].SetCurrent(int64(done))
		}
	}
}

// Stop draws the display one last time and stops it. A bar whose tasks did
// not all end (the run stopped early) is left as it is. Stop is called
// when Teardown starts; calling it again does nothing.
func (d *Display) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state != drawing {
		d.state = stopped
		return
	}
	d.state = stopped
	d.elapsed.Store(int64(max(d.Elapsed(), 1)))
	close(d.stop)
	<-d.synced
	d.sync()
	for k, bar := range append([]*mpb.Bar{d.jobBar}, d.bars...) {
		c := &d.job
		if k > 0 {
			c = &d.levels[k-1]
		}
		switch {
		case bar == nil:
		case c.total == 0:
			bar.SetTotal(0, true)
		case int(c.done.Load()) < c.total:
			bar.Abort(false)
		}
	}
	d.p.Wait()
}

// Writer returns a writer for the logs of the run: while the display draws,
// what it writes appears above the bars; otherwise it goes to out as is.
func (d *Display) Writer() io.Writer { return logWriter{d} }

type logWriter struct{ d *Display }

func (w logWriter) Write(b []byte) (int, error) {
	w.d.mu.Lock()
	p := w.d.p
	on := w.d.state == drawing
	w.d.mu.Unlock()
	if on {
		if n, err := p.Write(b); err == nil {
			return n, nil
		}
	}
	return w.d.out.Write(b)
}
