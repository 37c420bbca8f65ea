package generator

import (
	"cmp"
	"fmt"
	"go/token"
	"slices"
)

// Severity says whether a [Diagnostic] makes the input invalid.
type Severity int

const (
	// SeverityError is a problem that makes the input invalid: nothing
	// is generated.
	SeverityError Severity = iota
	// SeverityWarning is worth a look, but the input is still valid, such
	// as a dependency whose result no parameter takes.
	SeverityWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Diagnostic is one problem found in the input: in the config, or in the
// Go code of the jobs.
type Diagnostic struct {
	// Pos is where the problem is. Filename is a path relative to the
	// module root, with forward slashes, such as config/job_config.json or
	// jobs/job1/load_sales.go (an absolute path if the file is outside the
	// module); Line and Column are 1-based, the column counting bytes. A
	// Line of 0 means the file as a whole, and an empty Filename nowhere
	// in particular.
	Pos      token.Position
	Severity Severity
	// Msg says what is wrong: lower-case, without a trailing period.
	Msg string
}

// String formats d compiler style, "path:line:col: msg", with "warning: "
// before the message of a warning, and leaves out the parts that are
// empty.
func (d Diagnostic) String() string {
	msg := d.Msg
	if d.Severity == SeverityWarning {
		msg = "warning: " + msg
	}
	if d.Pos.Filename == "" && !d.Pos.IsValid() {
		return msg
	}
	return d.Pos.String() + ": " + msg
}

// compareDiagnostics orders diagnostics by file, line, column, message and
// severity.
func compareDiagnostics(a, b Diagnostic) int {
	return cmp.Or(
		cmp.Compare(a.Pos.Filename, b.Pos.Filename),
		cmp.Compare(a.Pos.Line, b.Pos.Line),
		cmp.Compare(a.Pos.Column, b.Pos.Column),
		cmp.Compare(a.Msg, b.Msg),
		cmp.Compare(a.Severity, b.Severity),
	)
}

// collector gathers the diagnostics of one Generate call, from the config
// loader and the checks alike (wire's errorCollector): every problem is
// recorded and the checks go on, so one run reports them all.
type collector struct {
	list   []Diagnostic
	errors int
}

// errorf records an error at pos.
func (c *collector) errorf(pos token.Position, format string, args ...any) {
	c.list = append(c.list, Diagnostic{Pos: pos, Severity: SeverityError, Msg: fmt.Sprintf(format, args...)})
	c.errors++
}

// warnf records a warning at pos.
func (c *collector) warnf(pos token.Position, format string, args ...any) {
	c.list = append(c.list, Diagnostic{Pos: pos, Severity: SeverityWarning, Msg: fmt.Sprintf(format, args...)})
}

// report records an error of the config loader.
func (c *collector) report(pos token.Position, msg string) { c.errorf(pos, "%s", msg) }

// sorted returns the diagnostics sorted by position, without repeats, so
// that the output is the same from run to run.
func (c *collector) sorted() []Diagnostic {
	list := slices.Clone(c.list)
	slices.SortStableFunc(list, compareDiagnostics)
	return slices.CompactFunc(list, func(a, b Diagnostic) bool { return compareDiagnostics(a, b) == 0 })
}
