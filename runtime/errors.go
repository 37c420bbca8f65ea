package runtime

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrSetup wraps the error of a failed [Handler.Setup]: errors.Is(err,
// ErrSetup) tells that the run never started its tasks.
var ErrSetup = errors.New("setup failed")

// ErrTeardown wraps the error of a failed [Handler.Teardown].
var ErrTeardown = errors.New("teardown failed")

// ErrAbandoned wraps the error of a task that ignored its cancelled context
// for longer than [Options.Grace], and that of a Teardown that still ran
// Options.Grace after its [Options.TeardownTimeout]: the run stopped
// waiting for it, and its goroutine may still be running.
var ErrAbandoned = errors.New("task abandoned")

// abandonedError is an error wrapping [ErrAbandoned] with a text of its
// own, for what is abandoned other than a task.
type abandonedError string

func (e abandonedError) Error() string        { return string(e) }
func (e abandonedError) Is(target error) bool { return target == ErrAbandoned }

// errGoexit is the error of an attempt that called runtime.Goexit.
var errGoexit = errors.New("task called runtime.Goexit")

// errTaskTimeout is the cause of the context of an attempt whose
// [Task.Timeout] expired.
var errTaskTimeout = errors.New("task timeout expired")

// PanicError is the error of a task attempt (or a [Handler] method) that
// panicked. The run recovers every such panic in one place, the attempt, so
// that one bad task cannot take the process down; a panic is never retried.
type PanicError struct {
	// Value is the value passed to panic. For panic(nil) it is a
	// *runtime.PanicNilError.
	Value any
	// Stack is the stack of the panicking goroutine, as debug.Stack gives it.
	Stack []byte
}

func newPanicError(v any) *PanicError {
	return &PanicError{Value: v, Stack: debug.Stack()}
}

// Error returns "panic: " and the value on the first line, then the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error, so that errors.Is and
// errors.As see through the panic.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Permanent marks err as not worth retrying: a task whose attempt returns
// an error wrapping a Permanent one fails at once, whatever its
// [Task.Retries]. errors.Is and errors.As see through the mark. Permanent
// returns nil if err is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func isPanic(err error) bool {
	var p *PanicError
	return errors.As(err, &p)
}

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
