package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

// buildOverhead writes the modules of the overhead benchmark under root
// (see [testmod.Overhead]), runs jobgen generate in each job's module and
// builds the drivers, one per job; it returns the jobs and their drivers'
// paths.
func buildOverhead(tb testing.TB, root string, sizes []int) ([]testmod.OverheadJob, []string) {
	tb.Helper()
	jobs, dirs := testmod.Overhead(tb, root, sizes)
	bin := filepath.Join(tb.TempDir(), "jobgen")
	testmod.Go(tb, ".", "build", "-o", bin, ".")
	for _, dir := range dirs {
		cmd := exec.Command(bin, "generate", "-dir", dir)
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("jobgen generate -dir %s: %v\n%s", dir, err, out)
		}
	}
	args := []string{"build", "-o", "bin/", "./cmd/..."}
	if slices.Max(sizes) > 20_000 {
		// One package at a time: the compiler takes several GB for a
		// package of 100,000 task types.
		args = []string{"build", "-p", "1", "-o", "bin/", "./cmd/..."}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join(root, "driver")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOMEMLIMIT=4GiB")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build of the drivers: %v\n%s", err, out)
	}
	drivers := make([]string, len(jobs))
	for k, j := range jobs {
		drivers[k] = filepath.Join(root, "driver", "bin", j.Name())
	}
	return jobs, drivers
}

// record is a line of a driver's output (bench.Record).
type record struct {
	Kind              string
	Shape             string
	N, W              int
	NS, Allocs, Bytes []float64 // hand-written, levels, hand-written eager, eager
	FirstJob, Job     float64
	Schedule, Options string
	MiB               float64
}

// runOverhead runs the drivers with args, writes the ratio table to w as
// its rows come, then the other tables, and returns the records.
func runOverhead(tb testing.TB, w io.Writer, drivers []string, args ...string) []record {
	tb.Helper()
	fmt.Fprintf(w, "GOMAXPROCS %d, %s\n\n", goruntime.GOMAXPROCS(0), goruntime.Version())
	fmt.Fprintln(w, "| shape | tasks | W | levels ns/task | hand-written | ratio | eager ns/task | hand-written eager | ratio |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	var recs []record
	for _, d := range drivers {
		out, err := exec.Command(d, args...).Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			tb.Fatalf("%s: %v\n%s", d, err, ee.Stderr)
		}
		require.NoError(tb, err, d)
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			var r record
			require.NoError(tb, json.Unmarshal([]byte(line), &r), "%s: %s", d, line)
			recs = append(recs, r)
			if r.Kind == "row" {
				fmt.Fprintf(w, "| %s | %d | %d | %.1f | %.1f | **%.2f** | %.1f | %.1f | **%.2f** |\n",
					r.Shape, r.N, r.W, r.NS[1], r.NS[0], r.NS[1]/r.NS[0], r.NS[3], r.NS[2], r.NS[3]/r.NS[2])
			}
		}
	}
	fmt.Fprintln(w, "\nAllocations and bytes per task of one run (the runtime's include Job()):")
	fmt.Fprintln(w, "\n| shape | tasks | W | levels allocs | levels B | eager allocs | eager B | hand-written allocs | hand-written B | hand-written eager allocs | hand-written eager B |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range recs {
		if r.Kind == "row" {
			fmt.Fprintf(w, "| %s | %d | %d | %.2f | %.1f | %.2f | %.1f | %.2f | %.1f | %.2f | %.1f |\n", r.Shape, r.N, r.W,
				r.Allocs[1], r.Bytes[1], r.Allocs[3], r.Bytes[3], r.Allocs[0], r.Bytes[0], r.Allocs[2], r.Bytes[2])
		}
	}
	fmt.Fprintln(w, "\nJob(), ns per task: the first call in the process, and the least of five more:")
	fmt.Fprintln(w, "\n| shape | tasks | first Job() | Job() |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, r := range recs {
		if r.Kind == "job" {
			fmt.Fprintf(w, "| %s | %d | %.1f | %.1f |\n", r.Shape, r.N, r.FirstJob, r.Job)
		}
	}
	fmt.Fprintf(w, "\nPeak live heap of a chain of %d tasks, each returning a new []byte of %d MiB, with W = 2:\n", testmod.BigChainTasks, testmod.BigChainBytes>>20)
	fmt.Fprintln(w, "\n| schedule | options | peak MiB |")
	fmt.Fprintln(w, "|---|---|---:|")
	for _, r := range recs {
		if r.Kind == "peak" {
			fmt.Fprintf(w, "| %s | %s | %.0f |\n", r.Schedule, r.Options, r.MiB)
		}
	}
	return recs
}

// TestOverheadModule builds the overhead benchmark's modules for small
// jobs and runs its drivers once, so that the benchmark keeps working: the
// drivers check that the runtime and the hand-written runners compute the
// same results.
func TestOverheadModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the modules of the overhead benchmark")
	}
	_, drivers := buildOverhead(t, t.TempDir(), []int{300})
	var out strings.Builder
	recs := runOverhead(t, &out, drivers, "-workers", "2", "-budget", "1ms")
	for _, shape := range testmod.OverheadShapes {
		assert.Contains(t, out.String(), fmt.Sprintf("| %s | 300 | 2 |", shape))
	}
	peaks := 0
	for _, r := range recs {
		if r.Kind == "peak" {
			peaks++
			limit := float64(testmod.BigChainTasks*testmod.BigChainBytes) / (1 << 20) / 2
			if r.Options == "default" {
				assert.Less(t, r.MiB, limit, "%s: a run holds only the results still to be taken", r.Schedule)
			} else {
				assert.Greater(t, r.MiB, limit, "%s: KeepResults holds every result", r.Schedule)
			}
		}
	}
	assert.Equal(t, 4, peaks, "levels and eager, by default and with KeepResults")
}

// BenchmarkOverhead prints the runtime's cost per task beside hand-written
// Go (docs/performance.md): for each DAG shape of [testmod.OverheadShapes]
// and size (10,000 and 100,000 tasks, or the comma-separated sizes in
// $OVERHEAD_SIZES), a job written as a user writes one (config, one task
// type per task, jobgen generate) runs through its generated Job() and
// Job.Run, with W workers (2 and 8, or $OVERHEAD_WORKERS), levels and eager,
// interleaved with hand-written runners of the same DAG, in a process of
// its own; then the allocations per task, the cost of Job(), and the peak
// live heap of a chain of large values. The modules are kept in the user's
// cache folder ($OVERHEAD_DIR to choose another), so that a second run
// compiles only what changed: the task code of 100,000 tasks takes
// minutes.
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
	_, drivers := buildOverhead(b, root, sizes)
	for b.Loop() {
		runOverhead(b, os.Stdout, drivers, "-workers", workers)
	}
}
