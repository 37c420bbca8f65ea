// Package golden compares test output with golden files. Running a test
// binary with -update rewrites the files instead; review their diff like
// code.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
)

// Update is the -update flag of every test binary that imports this
// package.
var Update = flag.Bool("update", false, "rewrite golden files (testdata, and the pictures in README.md and docs/)")

// Check compares got with the file at path, or writes got there with
// -update. On a mismatch it reports a unified diff and how to update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("missing golden file (run the test with -update to create it): %v", err)
	}
	if !bytes.Equal(want, got) {
		diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(string(want)), B: difflib.SplitLines(string(got)),
			FromFile: path, ToFile: "got", Context: 3,
		})
		t.Errorf("%s differs from its golden file (run the test with -update, then review the diff):\n%s", path, diff)
	}
}
