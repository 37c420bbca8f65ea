package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Pos is a 1-based line and column in a config file. The column counts bytes,
// like go/token. The zero Pos means that there is no position.
type Pos struct{ Line, Col int }

// IsValid reports whether p is a real position (line 1 or later).
func (p Pos) IsValid() bool { return p.Line > 0 }

// String returns "line:col", or "-" for the zero Pos.
func (p Pos) String() string {
	if !p.IsValid() {
		return "-"
	}
	s := strconv.Itoa(p.Line)
	if p.Col > 0 {
		s += ":" + strconv.Itoa(p.Col)
	}
	return s
}

// Error is one problem in a config file, printed compiler style:
// "path:line:col: msg".
type Error struct {
	Path string // the file, as given to Load or Parse
	Pos  Pos    // where the problem is; the zero Pos if nowhere in particular
	Msg  string // what is wrong: lower-case, no trailing period
	// Warning marks a problem that does not make the input invalid, such
	// as a dependency whose result no parameter takes; it is printed with
	// "warning: " before the message.
	Warning bool
}

// Error returns "path:line:col: msg", leaving out the parts that are empty.
func (e *Error) Error() string {
	prefix := e.Path
	if e.Pos.IsValid() {
		if prefix != "" {
			prefix += ":"
		}
		prefix += e.Pos.String()
	}
	msg := e.Msg
	if e.Warning {
		msg = "warning: " + msg
	}
	if prefix == "" {
		return msg
	}
	return prefix + ": " + msg
}

// Errors is a list of problems, sorted by position once [Errors.Sort] or
// [Errors.Err] has been called. Its Error method prints one problem a line.
type Errors []*Error

// Error joins the problems, one a line, in the order of the list.
func (l Errors) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		if e != nil {
			b.WriteString(e.Error())
		}
	}
	return b.String()
}

// Add appends a problem at pos in the file path, with a message formatted as
// by fmt.Sprintf.
func (l *Errors) Add(path string, pos Pos, format string, args ...any) {
	*l = append(*l, &Error{Path: path, Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// Sort sorts the list by path, line, column and then message, so that the
// output is the same from run to run.
func (l Errors) Sort() {
	slices.SortStableFunc(l, compareErrors)
}

// Err returns nil if the list is empty, and otherwise the list itself, sorted.
func (l Errors) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

func compareErrors(a, b *Error) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Or(
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Pos.Line, b.Pos.Line),
		cmp.Compare(a.Pos.Col, b.Pos.Col),
		cmp.Compare(a.Msg, b.Msg),
	)
}

// dedup sorts l and drops problems reported twice.
func (l Errors) dedup() Errors {
	l.Sort()
	return slices.CompactFunc(l, func(a, b *Error) bool { return compareErrors(a, b) == 0 })
}
