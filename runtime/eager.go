package runtime

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// eagerRun is the state of a run in [ScheduleEager] mode.
//
// A task's count in indeg drops by one whenever one of its dependencies
// ends, whatever its state; at zero the task is ready. A ready task whose
// dependencies did not all succeed ends at once without running
// (upstream_failed or not_started, as in level mode), and releases its own
// dependents in turn; the others go to the ready queue, a bucket queue
// keyed by rank, the length in tasks of the longest chain of dependents
// from the task on.
//
// A worker takes tasks from the queue in claims of up to maxChunk, all of
// the highest rank queued, under one lock acquisition (fewer while tasks
// are not short, see claimSize, and never more than a quarter of its fair
// share of what is queued); the tasks it makes ready meanwhile wait in its
// ready list until its claim is done, and go to the queue under the lock
// of its next claim. A worker that made exactly one task ready and holds
// no claimed task runs it at once, without the lock, if no queued task
// has a rank as high: so a chain runs on one worker without waking
// another or locking.
//
// Each worker publishes in its slot the task it runs and how many tasks
// it ended (its log): abandon reads them to tell which tasks ended.
type eagerRun struct {
	r *runner
	g *eagerPlan
	// indeg and takers (the takes of each result left; nil if results are
	// kept) are changed with atomic operations once the workers run.
	indeg  []int32
	takers []int32

	mu      sync.Mutex
	cond    sync.Cond
	queue   rankQueue // under mu
	idle    int       // workers waiting in cond, under mu
	quit    bool      // under mu: stop taking tasks (all ended, or stopped)
	workers int       // workers alive
	// best is the highest rank of a queued task, -1 if none: written
	// under mu, read without it to decide on running a task at once.
	best atomic.Int32
	// help wakes waiting workers if tasks are still queued helpAfter after
	// a worker left them there rather than wake others for them (see
	// next); armed, under mu, says that it will.
	help  *time.Timer
	armed bool

	active atomic.Int32  // workers that have not exited
	exited chan struct{} // closed when the last worker exits
}

// eagerSlot packs for worker.slot the task a worker runs (-1 if none) and
// how many tasks its log holds.
func eagerSlot(task int32, logged int) uint64 { return uint64(task+1)<<32 | uint64(logged) }

// runEager runs every task and returns when all have ended, or when the
// run was stopped and some tasks still ran opts.Grace later.
func (r *runner) runEager() {
	n := len(r.job.Tasks)
	g := r.p.eagerOf(r.job)
	e := &eagerRun{r: r, g: g, exited: make(chan struct{}), indeg: slices.Clone(g.indeg)}
	e.cond.L = &e.mu
	if !r.opts.KeepResults {
		e.takers = slices.Clone(r.takers)
	}
	e.queue.init(g)
	running := n
	if r.skip != nil {
		// The tasks that do not run ended already: their dependents wait
		// only for the others.
		for i, s := range r.skip {
			if s {
				running--
				for _, d := range g.succ[g.succOff[i]:g.succOff[i+1]] {
					e.indeg[d]--
				}
			}
		}
	}
	for _, tasks := range r.levels {
		for _, i := range tasks {
			if e.indeg[i] == 0 && !r.skipped(i) {
				e.queue.push(int32(i), g.rank[i])
			}
		}
	}
	e.best.Store(e.queue.best())
	e.workers = min(r.opts.Workers, running)
	ws := r.newWorkers(e.workers)
	if r.stopped() || running == 0 {
		e.sweep()
		return
	}
	// Wake the waiting workers when the run stops; the callback only takes
	// the lock, so it is harmless if it runs after the run ended.
	unwatch := context.AfterFunc(r.ctx, func() {
		e.mu.Lock()
		e.quit = true
		e.cond.Broadcast()
		e.mu.Unlock()
	})
	defer unwatch()
	e.help = time.AfterFunc(time.Hour, e.helpNow)
	e.help.Stop()
	defer e.help.Stop()
	e.active.Store(int32(len(ws)))
	for _, w := range ws {
		go w.serve(e.loop)
	}
	select {
	case <-e.exited:
	case <-r.done:
		t := time.NewTimer(r.opts.Grace)
		defer t.Stop()
		select {
		case <-e.exited:
		case <-t.C:
			e.abandon()
			return
		}
	}
	e.sweep()
	r.keepHeld(func(a int) bool { return atomic.LoadInt32(&e.takers[a]) == 0 })
}

// sweep ends, after the workers exited, every task that has not ended:
// the run stopped before it could start.
func (e *eagerRun) sweep() {
	r := e.r
	if r.flags.Load() == 0 {
		return // every task succeeded
	}
	ended := make([]bool, len(r.reps))
	for _, w := range r.workers {
		w.log.each(w.log.n, func(i int32) { ended[i] = true })
	}
	for _, tasks := range r.levels {
		for _, i := range tasks {
			if !ended[i] && !r.skipped(i) {
				r.finish(r.reps, i, r.skipState(r.reps, i), 0, 0, nil)
			}
		}
	}
}

// loop is an eager worker: it runs ready tasks until all have ended or the
// run stops.
func (e *eagerRun) loop(w *worker) {
	r := e.r
	defer func() {
		if w.task < 0 && e.active.Add(-1) == 0 {
			close(e.exited)
		}
	}()
	for {
		if w.done >= 0 {
			if r.abandoned.Load() {
				return // the run gave up on this worker
			}
			e.release(w, w.done)
			w.done = -1
		}
		i, waited := e.next(w)
		if i < 0 {
			return
		}
		if waited {
			w.now = r.since()
		}
		w.reps[i].Start = r.at(w.now)
		w.slot.Store(eagerSlot(i, w.log.n))
		start := w.now
		w.now = r.runTask(w, int(i), w.now)
		w.log.add(i)
		w.done = i
		w.observe(w.now - start)
	}
}

// next returns the next task w runs, and whether it waited for one: the
// next one it claimed, the one task it made ready if none queued is
// better, or the best queued ones, after it queued those it made ready.
// It returns -1 when the worker should exit: every task has ended, or the
// run stopped.
func (e *eagerRun) next(w *worker) (int32, bool) {
	if w.pos < w.end {
		w.pos++
		return w.claimed[w.pos-1], false
	}
	if len(w.ready) == 1 && e.g.rank[w.ready[0]] > e.best.Load() && e.r.flags.Load()&flagStopped == 0 {
		i := w.ready[0]
		w.ready = w.ready[:0]
		return i, false
	}
	e.mu.Lock()
	for _, s := range w.ready {
		e.queue.push(s, e.g.rank[s])
	}
	w.ready = w.ready[:0]
	waited := false
	for {
		if e.r.flags.Load()&flagStopped != 0 {
			e.quit = true
		}
		if e.quit {
			e.cond.Broadcast()
			e.mu.Unlock()
			w.slot.Store(eagerSlot(-1, w.log.n))
			return -1, waited
		}
		if e.queue.n > 0 {
			break
		}
		if e.idle == e.workers-1 {
			// Every other worker waits and nothing is queued: no task runs,
			// so no task can become ready. Every task has ended.
			e.quit = true
			continue
		}
		w.slot.Store(eagerSlot(-1, w.log.n))
		e.idle++
		e.cond.Wait()
		e.idle--
		waited = true
	}
	size := claimSize(w.chunk, e.queue.n, e.r.opts.Workers)
	w.claimed = e.queue.pop(w.claimed[:0], size)
	e.best.Store(e.queue.best())
	if e.queue.n > 0 && e.idle > 0 {
		// As in level mode (see levelRun), waking a worker for less work
		// than helpBelow costs more than it saves: the timer does it if
		// the tasks are still queued helpAfter later.
		if w.ran > 0 && time.Duration(w.mean)*time.Duration(e.queue.n) < helpBelow {
			if !e.armed {
				e.armed = true
				e.help.Reset(helpAfter)
			}
		} else {
			for range min(e.queue.n, e.idle) {
				e.cond.Signal()
			}
		}
	}
	e.mu.Unlock()
	w.pos, w.end = 1, len(w.claimed)
	return w.claimed[0], waited
}

// helpNow, the help timer's function, wakes waiting workers for the
// tasks still queued.
func (e *eagerRun) helpNow() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.armed = false
	if !e.quit {
		for range min(e.queue.n, e.idle) {
			e.cond.Signal()
		}
	}
}

// claimSize is how many of left queued tasks (or positions of a level) a
// worker whose next chunk is chunk claims, when the run has workers
// workers: at most chunk, and at most a quarter of a fair share of what
// is left, as in guided self-scheduling, so that should the tasks turn
// out long after all, a claim holds little of the work.
func claimSize(chunk, left, workers int) int {
	return max(1, min(chunk, left/(4*workers)))
}

// release records that task done ended: it drops the results done was the
// last to take, and adds to w.ready the dependents it made ready that can
// run. Those that cannot, because a dependency did not succeed, end at
// once and are released in turn.
func (e *eagerRun) release(w *worker, done int32) {
	r := e.r
	ended := w.ended[:0]
	ended = append(ended, done)
	for len(ended) > 0 {
		i := ended[len(ended)-1]
		ended = ended[:len(ended)-1]
		if e.takers != nil {
			for _, a := range r.job.Tasks[i].Args {
				if a == ParamsArg {
					continue
				}
				switch {
				case r.takers[a] == 1:
					// The one take: no other worker touches the counter
					// (keepHeld reads it once the workers exited).
					e.takers[a] = 0
					r.drop(a)
				case atomic.AddInt32(&e.takers[a], -1) == 0:
					r.drop(a)
				}
			}
		}
		for _, s := range e.g.succ[e.g.succOff[i]:e.g.succOff[i+1]] {
			if atomic.AddInt32(&e.indeg[s], -1) != 0 || r.skipped(int(s)) {
				continue
			}
			if r.flags.Load() != 0 {
				if st := r.upstream(w.reps, int(s)); st != Succeeded {
					r.finish(w.reps, int(s), st, 0, 0, nil)
					w.log.add(s)
					ended = append(ended, s)
					continue
				}
			}
			w.ready = append(w.ready, s)
		}
	}
	w.ended = ended
	// The entries of w.log added here are published by the next store of
	// its slot.
}

// abandon gives up on the tasks that still run opts.Grace after the run
// was stopped: tasks that ended (in the log of a worker, as far as its
// slot published it) keep their outcome; tasks still running (in a slot)
// become cancelled with an error wrapping [ErrAbandoned]; the others are
// not started. The report moves to a fresh slice so that the abandoned
// workers cannot race with the caller reading it.
func (e *eagerRun) abandon() {
	r := e.r
	r.abandoned.Store(true)
	old := r.reps
	reps := make([]TaskReport, len(old))
	r.reps = reps
	now := r.since()
	const (
		idle = iota
		ended
		running
	)
	what := make([]uint8, len(old))
	attempt := make(map[int]int)
	for _, w := range r.workers {
		s := w.slot.Load()
		w.log.each(int(s&(1<<32-1)), func(i int32) { what[i] = ended })
		if i := int(s>>32) - 1; i >= 0 {
			what[i] = running
			attempt[i] = max(1, int(w.retry.Load()))
		}
	}
	for _, tasks := range r.levels {
		for _, i := range tasks {
			switch {
			case what[i] == ended || r.skipped(i):
				reps[i] = old[i]
			case what[i] == running:
				r.abandonTask(old, reps, i, attempt[i], now)
			default:
				r.finish(reps, i, r.skipState(reps, i), 0, 0, nil)
			}
		}
	}
}

// rankQueue is a priority queue of tasks keyed by a small integer rank:
// one FIFO bucket per rank, and the highest non-empty bucket is served
// first. Each task is queued at most once, so the buckets are laid out
// once, in the plan: slots[off[r]:off[r+1]] holds the tasks of rank r,
// of which slots[off[r]+head[r]:off[r]+tail[r]] are queued.
type rankQueue struct {
	off        []int32
	slots      []int32
	head, tail []int32
	top        int32 // no bucket above top is non-empty
	n          int
}

func (q *rankQueue) init(g *eagerPlan) {
	q.off = g.rankOff
	q.slots = make([]int32, g.rankOff[len(g.rankOff)-1])
	ht := make([]int32, 2*(g.top+1))
	q.head, q.tail = ht[:g.top+1], ht[g.top+1:]
}

func (q *rankQueue) push(i, rank int32) {
	q.slots[q.off[rank]+q.tail[rank]] = i
	q.tail[rank]++
	q.top = max(q.top, rank)
	q.n++
}

// pop appends to to at most size tasks of the highest non-empty bucket,
// first in first out, and returns it; the queue must not be empty.
func (q *rankQueue) pop(to []int32, size int) []int32 {
	r := q.best()
	h := q.off[r] + q.head[r]
	m := min(int32(size), q.tail[r]-q.head[r])
	to = append(to, q.slots[h:h+m]...)
	q.head[r] += m
	q.n -= int(m)
	return to
}

// best returns the highest rank of a queued task, -1 if none.
func (q *rankQueue) best() int32 {
	if q.n == 0 {
		return -1
	}
	for q.head[q.top] == q.tail[q.top] {
		q.top--
	}
	return q.top
}
