package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

// buildOverhead writes the modules of the overhead benchmark under root
// (see [testmod.Overhead]), runs jobgen generate in each job's module and
// builds the driver; it returns the driver's path.
func buildOverhead(tb testing.TB, root string, sizes []int) string {
	tb.Helper()
	dirs := testmod.Overhead(tb, root, sizes)
	bin := filepath.Join(tb.TempDir(), "jobgen")
	testmod.Go(tb, ".", "build", "-o", bin, ".")
	for _, dir := range dirs {
		cmd := exec.Command(bin, "generate", "-dir", dir)
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("jobgen generate -dir %s: %v\n%s", dir, err, out)
		}
	}
	driver := filepath.Join(root, "driver", "driver")
	args := []string{"build", "-o", driver, "."}
	if slicesMax(sizes) > 20_000 {
		// One package at a time: the compiler takes several GB for a
		// package of 100,000 task types.
		args = []string{"build", "-p", "1", "-o", driver, "."}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join(root, "driver")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOMEMLIMIT=4GiB")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build of the driver: %v\n%s", err, out)
	}
	return driver
}

func slicesMax(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// TestOverheadModule builds the overhead benchmark's modules for small
// jobs and runs its driver once, so that the benchmark keeps working: the
// driver checks that the runtime and the hand-written runners compute the
// same results, and prints every table.
func TestOverheadModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the modules of the overhead benchmark")
	}
	driver := buildOverhead(t, t.TempDir(), []int{300})
	out, err := exec.Command(driver, "-workers", "2", "-budget", "1ms").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, shape := range testmod.OverheadShapes {
		assert.Contains(t, string(out), fmt.Sprintf("| %s | 300 | 2 |", shape))
	}
	assert.Contains(t, string(out), "| levels | default |")
	assert.Contains(t, string(out), "| eager | default |")
}

// BenchmarkOverhead prints the runtime's cost per task beside hand-written
// Go (docs/performance.md): for each DAG shape of [testmod.OverheadShapes]
// and size (10,000 and 100,000 tasks, or the comma-separated sizes in
// $OVERHEAD_SIZES), a job written as a user writes one (config, one task
// type per task, jobgen generate) runs through its generated Job() and
// Job.Run, with W workers (2 and 8, or $OVERHEAD_WORKERS), levels and eager,
// interleaved with hand-written runners of the same DAG; then the
// allocations per task, the cost of Job(), and the peak live heap of a
// chain of large values. The modules are kept in the user's cache folder
// ($OVERHEAD_DIR to choose another), so that a second run compiles only
// what changed: the task code of 100,000 tasks takes minutes.
func BenchmarkOverhead(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if s := os.Getenv("OVERHEAD_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			require.NoError(b, err, "OVERHEAD_SIZES")
			sizes = append(sizes, n)
		}
	}
	workers := "2,8"
	if s := os.Getenv("OVERHEAD_WORKERS"); s != "" {
		workers = s
	}
	root := os.Getenv("OVERHEAD_DIR")
	if root == "" {
		cache, err := os.UserCacheDir()
		require.NoError(b, err)
		sum := sha256.Sum256([]byte(testmod.RepoRoot(b)))
		root = filepath.Join(cache, "taskorchestrator", "overhead-"+hex.EncodeToString(sum[:6]))
	}
	driver := buildOverhead(b, root, sizes)
	for b.Loop() {
		cmd := exec.Command(driver, "-workers", workers)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		require.NoError(b, cmd.Run())
	}
}
