package runtime

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// eager is the state of a run in [ScheduleEager] mode.
//
// A task's count in indeg drops by one whenever one of its dependencies
// ends, whatever its state; at zero the task is ready. A ready task whose
// dependencies did not all succeed ends at once without running
// (upstream_failed or not_started, as in level mode), and releases its own
// dependents in turn; the others go to the ready queue, a bucket queue
// keyed by rank, the length in tasks of the longest chain of dependents
// from the task on. A worker that ends a task pushes the dependents it made
// ready and pops the best ready task under one lock acquisition, so a
// chain runs on one worker without waking another.
type eager struct {
	r    *runner
	reps []TaskReport // the slice the workers write; see runner.abandon
	// succ[succOff[i]:succOff[i+1]] are the dependents of task i.
	succOff []int32
	succ    []int32
	rank    []int32
	indeg   []atomic.Int32
	left    atomic.Int64 // tasks that have not ended

	mu    sync.Mutex
	cond  sync.Cond
	queue rankQueue // under mu
	idle  int       // workers waiting in cond, under mu
	quit  bool      // under mu: stop taking tasks (all ended, or stopped)

	active atomic.Int32  // workers alive
	exited chan struct{} // closed when the last worker exits
}

func newEager(r *runner) *eager {
	tasks := r.job.Tasks
	n := len(tasks)
	e := &eager{r: r, reps: r.reps, exited: make(chan struct{})}
	e.cond.L = &e.mu
	e.succOff = make([]int32, n+1)
	skip := r.skip
	running := n
	for i := range tasks {
		if skip != nil && skip[i] {
			running--
			continue
		}
		for _, d := range tasks[i].Deps {
			if skip == nil || !skip[d] {
				e.succOff[d+1]++
			}
		}
	}
	for i := range n {
		e.succOff[i+1] += e.succOff[i]
	}
	e.succ = make([]int32, e.succOff[n])
	fill := make([]int32, n)
	e.indeg = make([]atomic.Int32, n)
	for i := range tasks {
		if skip != nil && skip[i] {
			continue
		}
		deg := int32(0)
		for _, d := range tasks[i].Deps {
			if skip == nil || !skip[d] {
				e.succ[e.succOff[d]+fill[d]] = int32(i)
				fill[d]++
				deg++
			}
		}
		e.indeg[i].Store(deg)
	}
	// Ranks, from the last level down: every dependent is in a higher one.
	e.rank = make([]int32, n)
	top := int32(0)
	for k := len(r.job.Levels) - 1; k >= 0; k-- {
		for _, i := range r.job.Levels[k] {
			rk := int32(1)
			for _, s := range e.succ[e.succOff[i]:e.succOff[i+1]] {
				rk = max(rk, e.rank[s]+1)
			}
			e.rank[i] = rk
			top = max(top, rk)
		}
	}
	e.queue.buckets = make([][]int32, top+1)
	e.queue.heads = make([]int, top+1)
	e.left.Store(int64(running))
	return e
}

// run runs every task and returns when all have ended, or when the run
// was stopped and some tasks still ran opts.Grace later.
func (e *eager) run() {
	r := e.r
	if r.skip == nil && len(r.job.Levels) > 0 {
		for _, i := range r.job.Levels[0] {
			e.queue.push(int32(i), e.rank[i])
		}
	} else {
		// In a partial run, a task whose dependencies were all restored is
		// ready at the start, whatever its level.
		for _, tasks := range r.job.Levels {
			for _, i := range tasks {
				if e.indeg[i].Load() == 0 {
					e.queue.push(int32(i), e.rank[i])
				}
			}
		}
	}
	if r.stopped() || e.left.Load() == 0 {
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
	n := min(r.opts.Workers, int(e.left.Load()))
	e.active.Store(int32(n))
	for w := range n {
		go e.work(r.call(w), -1)
	}
	select {
	case <-e.exited:
	case <-r.done:
		t := time.NewTimer(r.opts.Grace)
		defer t.Stop()
		select {
		case <-e.exited:
		case <-t.C:
			r.abandon(nil)
			return
		}
	}
	e.sweep()
}

// sweep ends, after the workers exited, every task that has not ended:
// the run stopped before it could start.
func (e *eager) sweep() {
	r := e.r
	for _, tasks := range r.job.Levels {
		for _, i := range tasks {
			if r.phase[i].Load() != phaseDone {
				r.finish(r.reps, i, r.skipState(r.reps, i), 0, 0, nil, nil)
			}
		}
	}
}

// work is one worker: it runs ready tasks until all have ended or the run
// stops. done is a task whose dependents it must release first (after a
// worker it replaces called runtime.Goexit), or -1.
func (e *eager) work(c *call, done int) {
	r := e.r
	cur := -1
	defer func() {
		if cur < 0 {
			if e.active.Add(-1) == 0 {
				close(e.exited)
			}
			return
		}
		// Only runtime.Goexit in the task (or in Execute) gets here: record
		// the task and hand this worker's place to a new goroutine, which
		// releases the task's dependents.
		start := e.reps[cur].Start
		r.finish(e.reps, cur, Failed, int(r.phase[cur].Load()), time.Since(start), errGoexit, nil)
		go e.work(c, cur)
	}()
	now := r.now()
	for {
		i, waited := e.next(c, done)
		if i < 0 {
			return
		}
		if waited {
			now = r.now()
		}
		cur = i
		e.reps[i].Start = now
		now = r.runTask(e.reps, c, i, now)
		cur, done = -1, i
	}
}

// next releases the dependents of task done (if done >= 0), then returns
// the best ready task, waiting for one if none is ready, and whether it
// waited. It returns -1 when the worker should exit: every task has ended,
// or the run stopped.
func (e *eager) next(c *call, done int) (int, bool) {
	ready := c.ready[:0]
	if done >= 0 {
		ready = e.release(c, done, ready)
	}
	c.ready = ready[:0]
	e.mu.Lock()
	for _, s := range ready {
		e.queue.push(s, e.rank[s])
	}
	waited := false
	for {
		if e.r.flags.Load()&flagStopped != 0 || e.left.Load() == 0 {
			e.quit = true
		}
		if e.quit {
			e.cond.Broadcast()
			e.mu.Unlock()
			return -1, waited
		}
		if e.queue.n > 0 {
			break
		}
		e.idle++
		e.cond.Wait()
		e.idle--
		waited = true
	}
	i := e.queue.pop()
	for range min(e.queue.n, e.idle) {
		e.cond.Signal()
	}
	e.mu.Unlock()
	return int(i), waited
}

// release records that task done ended and returns, appended to ready,
// its dependents that it made ready and that can run. Those that cannot,
// because a dependency did not succeed, end at once and release their own
// dependents.
func (e *eager) release(c *call, done int, ready []int32) []int32 {
	r := e.r
	ended := c.ended[:0]
	ended = append(ended, int32(done))
	for len(ended) > 0 {
		i := ended[len(ended)-1]
		ended = ended[:len(ended)-1]
		e.left.Add(-1)
		for _, s := range e.succ[e.succOff[i]:e.succOff[i+1]] {
			if e.indeg[s].Add(-1) != 0 {
				continue
			}
			if r.flags.Load() != 0 {
				if st := r.upstream(e.reps, int(s)); st != Succeeded {
					r.finish(e.reps, int(s), st, 0, 0, nil, nil)
					ended = append(ended, s)
					continue
				}
			}
			ready = append(ready, s)
		}
	}
	c.ended = ended
	return ready
}

// rankQueue is a priority queue of tasks keyed by a small integer rank:
// one FIFO bucket per rank, and the highest non-empty bucket is served
// first.
type rankQueue struct {
	buckets [][]int32
	heads   []int // buckets[r][heads[r]:] are queued
	top     int32 // no bucket above top is non-empty
	n       int
}

func (q *rankQueue) push(i, rank int32) {
	q.buckets[rank] = append(q.buckets[rank], i)
	q.top = max(q.top, rank)
	q.n++
}

// pop removes and returns the first task of the highest non-empty bucket;
// the queue must not be empty.
func (q *rankQueue) pop() int32 {
	for q.heads[q.top] == len(q.buckets[q.top]) {
		q.buckets[q.top], q.heads[q.top] = q.buckets[q.top][:0], 0
		q.top--
	}
	b := q.buckets[q.top]
	i := b[q.heads[q.top]]
	q.heads[q.top]++
	q.n--
	return i
}
