package bad

import (
	"io"
	"time"
	"unsafe"
)

// Sale has three interface fields (errors), a time and an unexported field
// (warnings).
type Sale struct {
	Region string
	Src    io.Reader
	Err    error
	Meta   any
	Date   time.Time
	note   string
}

// Sales holds Sale twice and itself: each problem of Sale is reported
// once for the task, and the recursion ends.
type Sales struct {
	First, Last Sale
	Next        *Sales
}

type Flow struct {
	C chan int
}

type Hook func() error

type Raw struct {
	P unsafe.Pointer
}

type Signal struct {
	Samples []complex128
}

type Point struct{ X, Y int }

type Table struct {
	ByRatio map[float64]string
	ByFlag  map[bool]int
	ByPoint map[Point]int
	ByRef   map[*string]int
	ByName  map[string]int
}

type inner struct{ N int }

type Boxed struct {
	*inner
}
