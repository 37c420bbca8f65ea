package testmod

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SyntheticWidth is the number of tasks per level of a [Synthetic] job.
const SyntheticWidth = 100

// Synthetic creates a module named modPath (see [New]) holding one job,
// "synth", of n tasks following the naming conventions: task
// jobs.synth.t<i> is type T<i> in jobs/synth/t<i>.go. The tasks form
// levels of [SyntheticWidth]: a task of the first level returns an int;
// each later one depends on two tasks of the level before and returns the
// sum of their results, plus one, through a Run(ctx, ...int) method. It
// returns the module's folder; nothing is generated yet.
func Synthetic(t testing.TB, modPath string, n int) string {
	t.Helper()
	dir := New(t, modPath, "")
	// The go command rewrites the "go 1.26" line of New as "go 1.26.0" the
	// first time it runs, which changes the cache keys of the module's
	// packages between one command and the next: write it that way.
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	WriteFile(t, dir, "go.mod", strings.Replace(string(gomod), "\ngo 1.26\n", "\ngo 1.26.0\n", 1))
	jobs := filepath.Join(dir, "jobs", "synth")
	if err := os.MkdirAll(jobs, 0o755); err != nil {
		t.Fatal(err)
	}
	WriteFile(t, dir, "jobs/synth/doc.go", "// Package synth is a synthetic job of "+fmt.Sprint(n)+" tasks.\npackage synth\n")
	var cfg strings.Builder
	cfg.WriteString("{\n  \"jobs\": {\n    \"synth\": {\n      \"tasks\": [\n")
	for i := range n {
		deps := syntheticDeps(i)
		var src string
		if len(deps) == 0 {
			src = fmt.Sprintf(syntheticSource, i, i, "", "1")
		} else {
			src = fmt.Sprintf(syntheticSource, i, i, ", xs ...int", "1 + sum(xs)")
		}
		if err := os.WriteFile(filepath.Join(jobs, fmt.Sprintf("t%d.go", i)), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&cfg, "        {\"name\": \"jobs.synth.t%d\"", i)
		if len(deps) > 0 {
			fmt.Fprintf(&cfg, ", \"dependencies\": [\"jobs.synth.t%d\", \"jobs.synth.t%d\"]", deps[0], deps[1])
		}
		cfg.WriteString("}")
		if i < n-1 {
			cfg.WriteString(",")
		}
		cfg.WriteString("\n")
	}
	cfg.WriteString("      ]\n    }\n  }\n}\n")
	WriteFile(t, dir, "jobs/synth/sum.go", "package synth\n\nfunc sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n")
	WriteFile(t, dir, "config/job_config.json", cfg.String())
	return dir
}

// syntheticDeps returns the dependencies of task i of a Synthetic job.
func syntheticDeps(i int) []int {
	const w = SyntheticWidth
	k, j := i/w, i%w
	if k == 0 {
		return nil
	}
	return []int{(k-1)*w + j, (k-1)*w + (j+1)%w}
}

const syntheticSource = `package synth

import "context"

// T%d is a synthetic task.
type T%d struct{}

// Run returns one plus the sum of its dependencies' results.
func (T%[1]d) Run(ctx context.Context%[3]s) (int, error) { return %[4]s, nil }
`
