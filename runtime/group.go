package runtime

import (
	"context"
	"errors"
	"sync"
)

// Group runs goroutines on behalf of a task and waits for them, so that
// what goes wrong in them becomes the task's error instead of ending the
// process. The runtime recovers a panic only on the goroutine of an
// attempt: a panic in a goroutine the task starts with a plain go
// statement ends the process at once, without Teardown. A panic in a
// goroutine started with [Group.Go] is recovered into a [*PanicError] with
// that goroutine's stack, and [Group.Wait] returns it; a task that returns
// Wait's error ends panicked.
//
// A zero Group is ready to use; [NewGroup] also gives the goroutines a
// context that ends at the first failure. A Group must not be copied after
// first use.
type Group struct {
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
	cancel context.CancelCauseFunc // nil for a zero Group
}

// NewGroup returns a new [Group] and a context derived from ctx that ends
// when a goroutine of the group returns an error or panics, or when
// [Group.Wait] returns.
func NewGroup(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancelCause(ctx)
	return &Group{cancel: cancel}, ctx
}

// Go calls fn on a new goroutine. An error fn returns, a panic in fn
// (recovered into a [*PanicError]) and a call of runtime.Goexit in fn are
// failures of the group.
func (g *Group) Go(fn func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		err := errGoroutineGoexit
		defer func() {
			if v := recover(); v != nil {
				err = newPanicError(v)
			}
			if err != nil {
				g.fail(err)
			}
		}()
		err = fn()
	}()
}

var errGoroutineGoexit = errors.New("a goroutine of the group called runtime.Goexit")

func (g *Group) fail(err error) {
	g.mu.Lock()
	g.errs = append(g.errs, err)
	g.mu.Unlock()
	if g.cancel != nil {
		g.cancel(err)
	}
}

// Wait waits until every goroutine started with [Group.Go] has returned,
// and returns their failures joined with errors.Join, nil if there were
// none; errors.As finds a [*PanicError] among them.
func (g *Group) Wait() error {
	g.wg.Wait()
	if g.cancel != nil {
		g.cancel(nil)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return errors.Join(g.errs...)
}
