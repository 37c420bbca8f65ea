package runtime

import (
	"sync"
	"sync/atomic"
	"time"
)

// levelRun is the state of a run in level mode ([ScheduleLevels]): the
// level being run, whose positions its workers claim, and the workers
// waiting for the next one.
//
// The workers are long-lived, one per task of the widest level up to
// opts.Workers, and the coordinator (the goroutine of Run) runs no task:
// the last worker to finish a level starts the next one and takes part in
// it, so that a level costs no round trip through the coordinator. A level
// of one task costs no hand-off at all: the worker that starts it runs it,
// without waking another or touching a lock, so a chain runs on one
// worker.
//
// A wider level takes up to min(opts.Workers, its width) workers, and the
// worker that starts it decides when to wake the others (see help): at
// once, unless the tasks it ran so far say that the whole level would
// take less than helpBelow, in which case waking another worker (a few
// microseconds on a busy machine) would cost more than it saves; then it
// runs the level alone, and only if the level still runs helpAfter later,
// because a task turned out long or waits for another of its level, does
// a timer wake the others. A waiting worker that is woken joins the level
// being run if positions of it are left, and waits again otherwise.
type levelRun struct {
	r *runner
	// k is the level the worker that starts levels started last;
	// workers run the level in their own worker.k.
	k    int
	next atomic.Int64 // the first position of the level not claimed yet
	// current is the level being run if it has more than one task, for
	// abandon.
	current atomic.Int32
	// done is the number of levels ended, whose results were released
	// (see runner.keepHeld), written by the worker that starts the next
	// level and read once the last one ended.
	done int

	// workers is how many workers take part in the level being run, to
	// size their claims (see claim): a copy of active.
	workers atomic.Int32

	mu     sync.Mutex
	open   int       // under mu: the level of several tasks being run, that workers may join, or -1
	active int       // under mu: workers in level open that have not left it
	limit  int       // under mu: the most workers level open takes
	idle   []*worker // under mu: workers waiting for a level
	over   bool      // under mu: the run is over, no level starts
	// help wakes workers for level armed if it still runs helpAfter after
	// it started; see helpLater.
	help  *time.Timer
	armed int // under mu

	finished chan struct{} // closed when the last level ended
}

const (
	// helpBelow is the estimated work of a level (its width times the
	// mean duration of the tasks its starting worker ran) under which that
	// worker runs it alone at first.
	helpBelow = 20 * time.Microsecond
	// helpAfter is how long a level started alone runs before a timer
	// wakes the other workers.
	helpAfter = 50 * time.Microsecond
)

// The steps of a level-mode worker (worker.state).
const (
	stepWait    = iota // wait for a level
	stepWork           // run positions of the level w.k
	stepAdvance        // start the next level
)

// runLevels runs the levels one after another, and returns when the last
// one ended, or when the run was stopped and some tasks still ran
// opts.Grace later (see abandon).
func (r *runner) runLevels() {
	lr := &levelRun{r: r, k: -1, open: -1, armed: -1, finished: make(chan struct{})}
	lr.current.Store(-1)
	n := min(r.opts.Workers, r.p.width)
	if n == 0 {
		return
	}
	ws := r.newWorkers(n)
	for _, w := range ws {
		w.wake = make(chan struct{}, 1)
	}
	if n > 1 {
		lr.help = time.AfterFunc(time.Hour, lr.helpNow)
		lr.help.Stop()
	}
	// Every worker but the first starts waiting: the first starts the
	// first level.
	lr.idle = append(lr.idle, ws[1:]...)
	ws[0].state = stepAdvance
	for _, w := range ws {
		go w.serve(lr.loop)
	}
	defer func() {
		lr.mu.Lock()
		lr.over = true
		for _, w := range lr.idle {
			close(w.wake)
		}
		lr.idle = nil
		lr.mu.Unlock()
		if lr.help != nil {
			lr.help.Stop()
		}
	}()
	select {
	case <-lr.finished:
		r.keepHeld(func(a int) bool { return lr.released(a) })
		return
	case <-r.done:
	}
	t := time.NewTimer(r.opts.Grace)
	defer t.Stop()
	select {
	case <-lr.finished:
		r.keepHeld(func(a int) bool { return lr.released(a) })
	case <-t.C:
		lr.abandon()
	}
}

// released reports whether the result of task a was dropped: the level of
// the last task that takes it ended.
func (lr *levelRun) released(a int) bool {
	return int(lr.r.p.lastTaker[a]) < lr.done
}

// loop is a level-mode worker: it runs its part of the current level,
// then, if it was the last to finish it, starts the next level and takes
// part in it; otherwise it waits until a level needs it. It returns when
// the run is over.
func (lr *levelRun) loop(w *worker) {
	r := lr.r
	for {
		switch w.state {
		case stepWait:
			if _, ok := <-w.wake; !ok {
				return
			}
			if lr.join(w) {
				w.now = r.since()
				w.state = stepWork
			}
		case stepWork:
			lr.work(w)
			switch lr.leave(w) {
			case leftLast:
				w.state = stepAdvance
			case leftWait:
				w.state = stepWait
			default:
				return
			}
		case stepAdvance:
			if !lr.advance(w) {
				return
			}
			w.state = stepWork
		}
	}
}

// join makes w, woken, take part in the level being run, if it has
// positions left and room for w; otherwise w waits again.
func (lr *levelRun) join(w *worker) bool {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if lr.open >= 0 && lr.active < lr.limit && lr.next.Load() < int64(len(lr.r.levels[lr.open])) {
		lr.active++
		lr.workers.Store(int32(max(int(lr.workers.Load()), lr.active)))
		w.k, w.pos, w.end = lr.open, 0, 0
		return true
	}
	if !lr.over {
		lr.idle = append(lr.idle, w)
	} else {
		close(w.wake)
	}
	return false
}

// wakeLocked wakes up to n waiting workers; lr.mu is held.
func (lr *levelRun) wakeLocked(n int) {
	for range min(n, len(lr.idle)) {
		o := lr.idle[len(lr.idle)-1]
		lr.idle = lr.idle[:len(lr.idle)-1]
		o.wake <- struct{}{}
	}
}

// helpNow, the help timer's function, wakes workers for the level it was
// armed for, if it still runs and has positions left.
func (lr *levelRun) helpNow() {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if k := lr.armed; k >= 0 && k == lr.open && !lr.over && lr.next.Load() < int64(len(lr.r.levels[k])) {
		lr.wakeLocked(lr.limit - lr.active)
	}
}

// work runs the positions of level w.k that w holds, and claims more
// until none is left. In a level of one task, the worker that started it
// holds its one position.
//
// Before it runs the task at position p, the worker writes the task's
// Start and publishes in its slot [p, end) (the task at p runs, the ones
// after it up to end are claimed but not started), or in a level of one
// task, the task (singleSlot); it clears its slot when it leaves a level
// of several tasks. The one worker of a level that only it runs holds all
// its positions from the start. A worker announces a claim in its slot
// (marked slotClaiming) before it makes it. So every position below
// lr.next and outside every slot has ended, and its entry of reps was
// published by the store that moved the slot past it: abandon relies on
// this, and the workers need no other synchronization per task. While
// tasks are short, a worker claims chunks of up to maxChunk positions, so
// that the shared counter is touched once per chunk; a task that is not
// short brings the chunk back to one position, so that long tasks spread
// over the workers one at a time.
func (lr *levelRun) work(w *worker) {
	r := lr.r
	tasks := r.levels[w.k]
	if len(tasks) == 1 {
		if w.pos == 0 && w.end == 1 {
			w.pos = 1
			i := tasks[0]
			if r.skipped(i) {
				return
			}
			w.reps[i].Start = r.at(w.now)
			w.slot.Store(singleSlot(i))
			start := w.now
			w.now = r.runTask(w, i, w.now)
			w.observe(w.now - start)
		}
		return
	}
	for {
		if w.pos == w.end {
			var ok bool
			if w.pos, w.end, ok = lr.claim(w, len(tasks)); !ok {
				break
			}
		}
		p := w.pos
		w.pos++
		i := tasks[p]
		if r.skipped(i) {
			continue
		}
		w.reps[i].Start = r.at(w.now)
		w.slot.Store(slotOf(p, w.end))
		start := w.now
		w.now = r.runTask(w, i, w.now)
		w.observe(w.now - start)
	}
	w.slot.Store(0)
}

// observe records that a task of the worker took d: it sizes the worker's
// claims (see work) and estimates the work of a level (see advance).
func (w *worker) observe(d int64) {
	if d < int64(shortTask) {
		w.chunk = min(2*w.chunk, maxChunk)
	} else {
		w.chunk = 1
	}
	if w.ran == 0 {
		w.mean = d
	} else {
		w.mean += (d - w.mean) / 8
	}
	w.ran++
}

const (
	// maxChunk is the most positions a worker claims at once.
	maxChunk = 16
	// shortTask is the duration under which a task counts as short for
	// chunked claims: the whole chunk then holds only microseconds of work.
	shortTask = time.Microsecond
)

// claim claims the next chunk of at most w.chunk positions of a level of
// width positions for w, announcing it in w.slot first, and returns its
// bounds; ok is false when no position is left.
func (lr *levelRun) claim(w *worker, width int) (pos, end int, ok bool) {
	for {
		n := lr.next.Load()
		left := int64(width) - n
		if left <= 0 {
			return 0, 0, false
		}
		m := n + int64(claimSize(w.chunk, int(left), int(lr.workers.Load())))
		w.slot.Store(slotOf(int(n), int(m)) | slotClaiming)
		if lr.next.CompareAndSwap(n, m) {
			return int(n), int(m), true
		}
	}
}

// What leave tells a worker that finished its part of a level.
const (
	leftLast = iota // it was the last: it starts the next level
	leftWait        // wait for a level
	leftExit        // the run is over
)

// leave records that w finished its part of level w.k.
func (lr *levelRun) leave(w *worker) int {
	levels := lr.r.levels
	if len(levels[w.k]) == 1 || lr.r.opts.Workers == 1 {
		return leftLast
	}
	lr.mu.Lock()
	defer lr.mu.Unlock()
	if lr.over {
		return leftExit
	}
	lr.active--
	if lr.active == 0 {
		lr.open = -1
		return leftLast
	}
	lr.idle = append(lr.idle, w)
	return leftWait
}

// advance, called by the worker w that ended level lr.k (or by the first
// worker before the first level), releases the results that level was the
// last to take, and starts the first level after it that has tasks, with
// w taking part in it; or, once the run is stopped, ends the tasks of the
// remaining levels without running them. After the last level it closes
// lr.finished. It returns false when no level is left.
func (lr *levelRun) advance(w *worker) bool {
	r := lr.r
	p := r.p
	levels := r.levels
	if k := lr.k; k >= 0 {
		if lr.help != nil && len(levels[k]) > 1 {
			lr.help.Stop()
		}
		if !r.opts.KeepResults {
			for _, l := range p.release[p.releaseOff[k]:p.releaseOff[k+1]] {
				if l.kind >= 0 {
					r.cols[l.kind].clear(l.slot)
				}
			}
		}
		lr.done = k + 1
	}
	for k := lr.k + 1; k < len(levels); k++ {
		// While nothing unusual happened, a stop from outside shows in the
		// flags as soon as the context's AfterFunc ran.
		if f := r.flags.Load(); f != 0 && (f&flagStopped != 0 || r.stopped()) {
			r.flags.Or(flagStopped)
			for ; k < len(levels); k++ {
				for _, i := range levels[k] {
					if !r.skipped(i) {
						r.finish(w.reps, i, r.skipState(w.reps, i), 0, 0, nil)
					}
				}
			}
			break
		}
		tasks := levels[k]
		if len(tasks) == 0 {
			continue
		}
		lr.k, w.k = k, k
		if len(tasks) == 1 {
			w.pos, w.end = 0, 1
			return true
		}
		w.pos, w.end = 0, 0
		lr.next.Store(0)
		if r.opts.Workers == 1 {
			// It holds every position (see work).
			w.end = len(tasks)
			lr.next.Store(int64(len(tasks)))
		}
		lr.current.Store(int32(k))
		w.slot.Store(0) // after current: see abandon
		if r.opts.Workers == 1 {
			return true
		}
		lr.mu.Lock()
		if lr.over {
			lr.mu.Unlock()
			return false
		}
		lr.open, lr.active, lr.limit = k, 1, min(r.opts.Workers, len(tasks))
		if w.ran > 0 && time.Duration(w.mean)*time.Duration(len(tasks)) < helpBelow {
			lr.workers.Store(1)
			lr.armed = k
			lr.mu.Unlock()
			lr.help.Reset(helpAfter)
			return true
		}
		// The others join as they wake: claims are sized for all of them
		// from the start.
		lr.workers.Store(int32(lr.limit))
		lr.armed = -1
		lr.wakeLocked(lr.limit - 1)
		lr.mu.Unlock()
		return true
	}
	lr.k = len(levels)
	close(lr.finished)
	return false
}

// slotOf packs the range [pos, end) of level positions for worker.slot; 0
// is no range.
func slotOf(pos, end int) uint64 { return uint64(pos+1)<<32 | uint64(end) }

// slotClaiming marks a slot whose range the worker is claiming: none of it
// has started (not even the Start of its first task is written).
const slotClaiming = 1 << 63

func unslot(s uint64) (pos, end int) { return int(s&^slotClaiming>>32) - 1, int(s & (1<<32 - 1)) }

// singleSlot is the slot of a worker that runs task i, the one task of its
// level: an empty range, which no range is.
func singleSlot(i int) uint64 { return uint64(i+1) << 32 }

// singleTask returns the task of a singleSlot, or -1 if s is not one.
func singleTask(s uint64) int {
	if s == 0 || s&slotClaiming != 0 || s&(1<<32-1) != 0 {
		return -1
	}
	return int(s>>32) - 1
}

// abandon gives up on the tasks that still run opts.Grace after the run
// was stopped. Tasks that ended keep their outcome; tasks still running
// become cancelled with an error wrapping [ErrAbandoned]; the others are
// not started. The report moves to a fresh slice so that the abandoned
// workers cannot race with the caller reading it. The levels below the
// one being run are final, and those above it are not started.
//
// The level being run is the level of the task in a singleSlot slot, or
// current, whichever is higher: a worker that starts a level of several
// tasks stores current before it clears its slot, which may still hold
// the task of the level of one task before.
func (lr *levelRun) abandon() {
	r := lr.r
	lr.mu.Lock()
	lr.over = true
	lr.mu.Unlock()
	r.abandoned.Store(true)
	old := r.reps
	reps := make([]TaskReport, len(old))
	r.reps = reps
	now := r.since()
	k, single := int(lr.current.Load()), -1
	for _, w := range r.workers {
		if i := singleTask(w.slot.Load()); i >= 0 && int(r.p.level[i]) > k {
			k, single = int(r.p.level[i]), i
		}
	}
	levels := r.levels
	for _, tasks := range levels[:max(k, 0)] {
		for _, i := range tasks {
			reps[i] = old[i]
		}
	}
	if single >= 0 {
		attempt := 1
		for _, w := range r.workers {
			if w.slot.Load() == singleSlot(single) {
				attempt = max(1, int(w.retry.Load()))
			}
		}
		r.abandonTask(old, reps, single, attempt, now)
	} else if k >= 0 {
		lr.abandonLevel(k, old, reps, now)
	}
	for _, tasks := range levels[k+1:] {
		for _, i := range tasks {
			if r.skipped(i) {
				reps[i] = old[i]
			} else {
				r.finish(reps, i, r.skipState(reps, i), 0, 0, nil)
			}
		}
	}
}

// abandonLevel records in reps the outcome of the tasks of level k, of
// several tasks, when the run gives up on it; old is the slice its
// workers write. The slots of the workers, read after lr.next, tell which
// tasks ended (see work).
func (lr *levelRun) abandonLevel(k int, old, reps []TaskReport, now int64) {
	r := lr.r
	tasks := r.levels[k]
	const (
		ended = iota
		running
		idle
	)
	what := make([]uint8, len(tasks))
	for p := int(min(lr.next.Load(), int64(len(tasks)))); p < len(tasks); p++ {
		what[p] = idle
	}
	attempts := make([]int, len(tasks))
	for _, w := range r.workers {
		if s := w.slot.Load(); s != 0 && singleTask(s) < 0 {
			pos, end := unslot(s)
			what[pos] = running
			attempts[pos] = max(1, int(w.retry.Load()))
			if s&slotClaiming != 0 {
				what[pos] = idle
			}
			for p := pos + 1; p < end; p++ {
				what[p] = idle
			}
		}
	}
	for p, i := range tasks {
		switch {
		case what[p] == ended || r.skipped(i):
			reps[i] = old[i]
		case what[p] == idle:
			r.finish(reps, i, r.skipState(reps, i), 0, 0, nil)
		default:
			r.abandonTask(old, reps, i, attempts[p], now)
		}
	}
}
