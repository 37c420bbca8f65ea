package runtime

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Table is a job's task table as generated code declares it: plain data,
// which the Go compiler lays out statically at a small, linear cost per
// task, where a function or a closure per task costs it much more than
// linear time and memory. [Table.Job] turns it into a [Job].
//
// The task values are not in the rows but in one array per distinct Run
// signature, of that signature's interface type (its Run method), in the
// generated file; each row points to its task's element and to the [Sig]
// of its signature, the one function of the generated file that calls a
// Run method of that signature. An element of such an array compiles only
// if the task type's Run method has exactly the signature the row was
// generated for, and it costs no code: the compiler lays out the
// interface value statically.
type Table struct {
	// Name, Fingerprint, Params, Unstorable and KeepGoing are those of
	// the [Job].
	Name        string
	Fingerprint string
	Params      any
	Unstorable  map[int]string
	KeepGoing   bool
	// Handler, if set, returns the [Handler] of a new Job, e.g.
	// new(Job1Handler), so that each Job has its own.
	Handler func() Handler
	// Tasks has a row per task, in the order of [Job.Tasks].
	Tasks []TaskDef
	// Levels are the job's topological levels, as in [Job.Levels].
	Levels [][]int

	once sync.Once
	tmpl *template
}

// TaskDef is one row of a [Table].
type TaskDef struct {
	// Name, Deps, Args, Timeout and Retries are as in [Task].
	Name    string
	Deps    []int
	Args    []int
	Timeout time.Duration
	Retries int
	// Sig is the signature of the task's Run method: a *[Sig] declared
	// beside the table.
	Sig Signature
	// Value points to the task's value in its signature's array of task
	// values: a *I, for the I of Sig.
	Value any
}

// Signature is implemented by *[Sig] only: the signature of a row of a
// [Table].
type Signature interface {
	core() *sigCore
}

// Sig is a Run signature of a generated table: I is the interface of its
// Run method, e.g. interface{ Run(context.Context, []Sale) (RegionTotals,
// error) }, and R its result type ([NoResult] for a Run that returns only
// an error). Generated code declares one per distinct signature of a job,
// not one per task.
type Sig[I, R any] struct {
	// Call calls the Run method of the task value of c ([Call.Task], a *I)
	// with its arguments ([Arg], [Args]) and records its result
	// ([Return]), e.g.
	//
	//	func(c *taskrt.Call) error {
	//		r, err := (*c.Task().(*run1)).Run(c.Context(), taskrt.Arg[[]job1.Sale](c, 0))
	//		return taskrt.Return(c, r, err)
	//	}
	Call func(c *Call) error

	once sync.Once
	c    sigCore
}

func (s *Sig[I, R]) core() *sigCore {
	s.once.Do(func() {
		s.c = sigCore{
			call: s.Call,
			bind: func(v any) (any, error) {
				i, ok := v.(I)
				if !ok {
					return nil, fmt.Errorf("%T does not implement %s", v, reflect.TypeFor[I]())
				}
				return &i, nil
			},
			value: func(bound any) (any, bool) {
				p, ok := bound.(*I)
				if !ok || p == nil {
					return nil, false
				}
				return *p, true
			},
		}
		if _, action := any(*new(R)).(NoResult); !action {
			s.c.column = func(n int) store { return &column[R]{v: make([]R, n)} }
		}
	})
	return &s.c
}

// Func returns a [TaskFunc] that runs task, a value of the signature's
// interface, through Call: what a [TaskRef]'s Adapt does with a function
// of the task's Run signature (generated code wraps the function in a
// type whose Run method calls it).
func (s *Sig[I, R]) Func(task I) TaskFunc {
	c := s.core()
	bound := &task
	return func(ctx context.Context, args []any) (any, error) {
		return c.callBoxed(ctx, bound, args)
	}
}

// sigCore is what the runtime needs of a [Sig], without its type
// parameters.
type sigCore struct {
	call   func(c *Call) error
	column func(n int) store           // a column of n results; nil for an action
	bind   func(v any) (any, error)    // a task value -> its bound form, a *I
	value  func(bound any) (any, bool) // a bound form -> the task value (the I, as any)
}

// callBoxed calls the Run method of bound with args, as a TaskFunc.
func (c *sigCore) callBoxed(ctx context.Context, bound any, args []any) (any, error) {
	call := Call{ctx: ctx, task: bound, boxed: args}
	err := c.call(&call)
	return call.res, err
}

// template is what every Job of a Table starts from, built on the first
// call of Table.Job: the bindings and values of the tasks, the indices of
// their Deps and Args in one slice (edges), the levels and the checked
// plan. The Job the first call returns is made with the template (first).
type template struct {
	binds     []binding
	impls     []any
	edges     []int
	levels    [][]int
	levelInts []int
	fresh     []int32 // tasks of a type that is not zero-size: a new value per Job
	plan      *plan   // nil if the table is invalid: Run reports why
	first     atomic.Pointer[Job]
}

// Job returns a new Job of the table, which its caller may change: its
// own Tasks, Deps, Args and Levels, and a new value of every task type
// that is not zero-size (a zero-size value has nothing to share). The
// first call checks the table ([Job.Validate]) and prepares what every
// run needs; it panics if a row has no Sig or Value, or one that does not
// fit its Sig, a bug in the code that wrote the table.
func (t *Table) Job() *Job {
	t.once.Do(t.build)
	if j := t.tmpl.first.Swap(nil); j != nil {
		return j
	}
	return t.newJob()
}

// newJob makes a Job of the table from its template.
func (t *Table) newJob() *Job {
	tm := t.tmpl
	j := &Job{Name: t.Name, Fingerprint: t.Fingerprint, Params: t.Params, Unstorable: maps.Clone(t.Unstorable), KeepGoing: t.KeepGoing}
	if t.Handler != nil {
		j.Handler = t.Handler()
	}
	// Each field written once, the indices copied at once.
	edges := slices.Clone(tm.edges)
	j.Tasks = make([]Task, len(t.Tasks))
	off := 0
	for i := range j.Tasks {
		d, tk := &t.Tasks[i], &j.Tasks[i]
		tk.Name, tk.Timeout, tk.Retries, tk.Impl, tk.bind = d.Name, d.Timeout, d.Retries, tm.impls[i], &tm.binds[i]
		if n := len(d.Deps); n > 0 {
			tk.Deps = edges[off : off+n : off+n]
			off += n
		}
		if n := len(d.Args); n > 0 {
			tk.Args = edges[off : off+n : off+n]
			off += n
		}
	}
	j.edges, j.tmpl = edges, tm
	j.Levels, j.levelInts = copyLevels(tm.levels, len(tm.levelInts))
	if len(tm.fresh) > 0 {
		binds := make([]binding, len(tm.fresh))
		for k, i := range tm.fresh {
			tk := &j.Tasks[i]
			v := reflect.New(reflect.TypeOf(tk.Impl).Elem()).Interface()
			bound, err := tk.bind.sig.bind(v)
			if err != nil {
				panic(fmt.Sprintf("runtime.Table.Job: task %q: %v", tk.Name, err))
			}
			binds[k] = binding{sig: tk.bind.sig, bound: bound}
			tk.Impl, tk.bind = v, &binds[k]
		}
	}
	if tm.plan != nil {
		j.plan.Store(tm.plan)
	}
	return j
}

func (t *Table) build() {
	tm := &template{binds: make([]binding, len(t.Tasks)), impls: make([]any, len(t.Tasks))}
	t.tmpl = tm
	n, nl := 0, 0
	for i := range t.Tasks {
		n += len(t.Tasks[i].Deps) + len(t.Tasks[i].Args)
	}
	for _, l := range t.Levels {
		nl += len(l)
	}
	tm.edges = make([]int, 0, n)
	for i := range t.Tasks {
		d := &t.Tasks[i]
		tm.edges = append(tm.edges, d.Deps...)
		tm.edges = append(tm.edges, d.Args...)
		if d.Sig == nil || d.Value == nil {
			panic(fmt.Sprintf("runtime.Table.Job: task %q: Sig and Value must be set", d.Name))
		}
		c := d.Sig.core()
		tm.binds[i] = binding{sig: c, bound: d.Value}
		impl, ok := c.value(d.Value)
		if !ok {
			panic(fmt.Sprintf("runtime.Table.Job: task %q: Value %T does not fit its Sig", d.Name, d.Value))
		}
		tm.impls[i] = impl
		typ := reflect.TypeOf(impl)
		if typ == nil || typ.Kind() != reflect.Pointer {
			panic(fmt.Sprintf("runtime.Table.Job: task %q: the task value must be a pointer, not %T", d.Name, impl))
		}
		if typ.Elem().Size() > 0 {
			tm.fresh = append(tm.fresh, int32(i))
		}
	}
	tm.levels, tm.levelInts = copyLevels(t.Levels, nl)
	// The plan comes from the first Job, which the first call returns:
	// so the first call makes one Job, not two.
	j := t.newJob()
	if p, err := newTemplatePlan(&Job{Tasks: j.Tasks, Levels: tm.levels, Params: t.Params}); err == nil {
		tm.plan = p
		j.plan.Store(p)
	}
	tm.first.Store(j)
}

// copyLevels returns a deep copy of levels, which hold n indices in all,
// and the slice that holds them.
func copyLevels(levels [][]int, n int) ([][]int, []int) {
	ints := make([]int, 0, n)
	out := make([][]int, len(levels))
	for k, l := range levels {
		ints = append(ints, l...)
		out[k] = ints[len(ints)-len(l) : len(ints) : len(ints)]
	}
	return out, ints
}

// Call is one attempt of a generated task, as its signature's adapter
// ([Sig.Call]) sees it: the task value, the context, the arguments and
// where its result goes. The runtime reuses a Call for the attempts a
// worker runs, so an adapter must not keep it.
type Call struct {
	ctx  context.Context
	task any // a *I of the task's Sig

	// The arguments: the results of the tasks r.Args names, read from the
	// run's results (r set), or boxed ones.
	r     *runner
	args  []int
	boxed []any

	// The result: into out at slot, or boxed into res when out is nil.
	out  store
	slot int32
	res  any

	// scratch holds the worker's chunks of variadic arguments, one per
	// type, for the last few types (see Args); next is the one to replace.
	scratch [4]any
	next    int
}

// Context returns the context of the attempt.
func (c *Call) Context() context.Context { return c.ctx }

// Task returns the task value: a *I of the task's [Sig].
func (c *Call) Task() any { return c.task }

// Arg returns the argument of the call's Run method at position k after
// ctx: the result of the task the k-th entry of [Task.Args] names, which
// is of type T.
func Arg[T any](c *Call, k int) T {
	if c.r == nil {
		return as[T](c.boxed[k])
	}
	a := c.args[k]
	if a == ParamsArg {
		return as[T](c.r.params)
	}
	loc := c.r.p.loc[a]
	if loc.kind < 0 {
		var zero T
		return zero
	}
	if col, ok := c.r.cols[loc.kind].(*column[T]); ok {
		return col.v[loc.slot]
	}
	return as[T](c.r.cols[loc.kind].get(loc.slot))
}

// Args returns the arguments of the call's Run method from position k on,
// for a variadic parameter ...T: a slice of its own, which Run may keep.
// For a T without pointers, it is cut from a chunk the worker allocates
// now and then, rather than allocated per call: a slice Run keeps then
// keeps its chunk, which holds no pointers, alive.
func Args[T any](c *Call, k int) []T {
	n := len(c.args)
	if c.r == nil {
		n = len(c.boxed)
	}
	if n <= k {
		return nil
	}
	m := n - k
	vs := cut[T](c, m)
	if vs == nil {
		vs = make([]T, m)
	}
	for i := range vs {
		vs[i] = Arg[T](c, k+i)
	}
	return vs
}

// chunk is a worker's chunk of variadic arguments of type T; flat says
// that T holds no pointers, which is when Args uses it.
type chunk[T any] struct {
	flat bool
	free []T
}

// cut returns m values of type T cut from c's chunk of T, or nil if Args
// is to allocate them: in a boxed call, or for a T with pointers.
func cut[T any](c *Call, m int) []T {
	if c.r == nil {
		return nil
	}
	var a *chunk[T]
	for _, s := range c.scratch {
		if x, ok := s.(*chunk[T]); ok {
			a = x
			break
		}
	}
	if a == nil {
		a = &chunk[T]{flat: pointerFree(reflect.TypeFor[T]())}
		c.scratch[c.next] = a
		c.next = (c.next + 1) % len(c.scratch)
	}
	if !a.flat {
		return nil
	}
	if len(a.free) < m {
		a.free = make([]T, max(chunkLen, m))
	}
	vs := a.free[:m:m]
	a.free = a.free[m:]
	return vs
}

// chunkLen is the length of a chunk of variadic arguments.
const chunkLen = 256

// pointerFree reports whether values of type t hold no pointers.
func pointerFree(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Array:
		return t.Len() == 0 || pointerFree(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !pointerFree(t.Field(i).Type) {
				return false
			}
		}
		return true
	case reflect.String, reflect.Slice, reflect.Map, reflect.Pointer, reflect.Chan,
		reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return false
	}
	return true
}

// Return records r as the result of the call if err is nil, and returns
// err: the adapter of a Run method that returns (R, error) ends with
// return taskrt.Return(c, r, err).
func Return[R any](c *Call, r R, err error) error {
	if err == nil {
		if col, ok := c.out.(*column[R]); ok {
			col.v[c.slot] = r
		} else {
			c.res = r
		}
	}
	return err
}

// as converts a result to the parameter type T. A nil result (a nil
// interface value returned by a task whose result type is an interface)
// becomes T's zero value.
func as[T any](v any) T {
	if v == nil {
		var zero T
		return zero
	}
	return v.(T)
}

// store holds the results of the tasks of one kind during a run, one slot
// a task.
type store interface {
	get(slot int32) any          // the result, boxed
	set(slot int32, v any) error // stores a boxed result
	clear(slot int32)            // drops the result
}

// column is the store of the results of type R.
type column[R any] struct{ v []R }

func (c *column[R]) get(slot int32) any { return c.v[slot] }

func (c *column[R]) set(slot int32, v any) error {
	if v == nil {
		var zero R
		c.v[slot] = zero
		return nil
	}
	r, ok := v.(R)
	if !ok {
		return fmt.Errorf("result of type %T, want %s", v, reflect.TypeFor[R]())
	}
	c.v[slot] = r
	return nil
}

func (c *column[R]) clear(slot int32) {
	var zero R
	c.v[slot] = zero
}
