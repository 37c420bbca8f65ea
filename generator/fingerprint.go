package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/types"
	"strconv"
	"strings"
)

// fingerprintVersion starts the canonical text, so that a change of its
// format changes every fingerprint instead of colliding with an old one.
const fingerprintVersion = "jobgen fingerprint v1"

// fingerprint returns the job's table fingerprint, which generated code
// stores in [runtime.Job.Fingerprint]: the SHA-256 of [fingerprintText],
// as 64 lower-case hex digits.
func fingerprint(j *job) string {
	sum := sha256.Sum256([]byte(fingerprintText(j)))
	return hex.EncodeToString(sum[:])
}

// fingerprintText is the canonical text of everything that decides how a
// run of the job goes and what crosses between its tasks: the job's name,
// handler type and failure policy, its Temporal settings, every task in
// config order (name, dependencies, the dependency bound to each
// parameter, timeout, retries, and the Run signature with full package
// paths) and the levels. It is one fact a line, ints in decimal, names
// quoted, types as go/types prints them with full package paths, so the
// same input always gives the same bytes. It leaves out what does not
// change the table: the order of keys in the config, whitespace, the names
// of Run's parameters, and the fields of the result types (a struct that
// gains a field keeps its fingerprint).
func fingerprintText(j *job) string {
	var b strings.Builder
	line := func(format string, args ...any) {
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
	}
	line("%s", fingerprintVersion)
	line("job %s", strconv.Quote(j.cfg.Name))
	if j.handler != nil {
		line("handler %s.%s", j.handler.pkgPath, j.handler.typeName)
	} else {
		line("handler %s.GenericJobHandler", runtimePath)
	}
	if j.params != nil {
		line("params %s", types.TypeString(j.params.typ, nil))
	}
	line("keep_going %t", j.cfg.KeepGoing)
	if tm := j.cfg.Temporal; tm != nil {
		line("temporal on pinned=%t", tm.Pinned)
	} else {
		line("temporal off")
	}
	for i, t := range j.tasks {
		line("task %d %s", i, strconv.Quote(t.cfg.Name))
		line("  deps %s", ints(t.deps))
		line("  args %s", ints(t.args))
		line("  timeout %d", int64(t.cfg.Timeout))
		line("  retries %d", t.cfg.Retries)
		line("  run %s", runSignature(t))
	}
	for i, l := range j.levels {
		line("level %d %s", i, ints(l))
	}
	return b.String()
}

// runSignature formats a task's Run signature with full package paths and
// without parameter names: func(context.Context, []example.com/m/jobs/a.T)
// (example.com/m/jobs/a.U, error).
func runSignature(t *task) string {
	params := []string{"context.Context"}
	for i, p := range t.params {
		s := types.TypeString(p, nil)
		if t.variadic && i == len(t.params)-1 {
			s = "..." + s
		}
		params = append(params, s)
	}
	results := "error"
	if t.result != nil {
		results = "(" + types.TypeString(t.result, nil) + ", error)"
	}
	return "func(" + strings.Join(params, ", ") + ") " + results
}

// ints formats a list of ints as "[0 2 1]".
func ints(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(parts, " ") + "]"
}
