package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

// TestSyntheticModule proves the synthetic module of the scale benchmark
// on a small job: jobgen generates its wiring, and the job binary builds
// and runs every task.
func TestSyntheticModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a job binary")
	}
	dir := testmod.Synthetic(t, "example.com/synth", 200)
	code, _, stderr := jobgen(t, "generate", "-dir", dir)
	require.Equal(t, 0, code, stderr)
	out := testmod.Go(t, dir, "run", "./cmd/synth")
	assert.Contains(t, out, "synth: 200 succeeded in ")
}

// usage is what one command cost: wall time, CPU time (user and system,
// of the command and the processes it waited for, such as the compiler
// under go build) and peak resident memory of the largest of them.
type usage struct {
	wall, cpu time.Duration
	maxRSS    float64 // MB
}

// measure runs name with args in dir, with env added to the environment,
// and returns its usage.
func measure(tb testing.TB, dir string, env []string, name string, args ...string) usage {
	tb.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return usage{
		wall:   wall,
		cpu:    cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		maxRSS: float64(ru.Maxrss) / 1024, // KB on Linux
	}
}

// scaleRun is what generating and building one synthetic job cost.
type scaleRun struct {
	generate, jobs, build usage
	genBytes              int64
}

// scale writes a synthetic module of n tasks under a module path of its
// own (so that nothing comes from the build cache), builds the job's
// package (the user's task code, measured apart), runs jobgen generate,
// which then finds that package's export data in the build cache, and
// builds the generated package, builds times: build is the run with the
// least CPU time, the steadiest figure on a busy machine. Each build
// after the first compiles the generated package again, and only it, as a
// comment appended to it changes its cache key.
func scale(tb testing.TB, jobgenBin string, n, builds int) scaleRun {
	dir := testmod.Synthetic(tb, fmt.Sprintf("example.com/synth%d", time.Now().UnixNano()), n)
	var r scaleRun
	// A memory limit keeps the compiler's heap (about 120KB per task type
	// with no limit) in check at 100,000 tasks, on a machine shared with
	// other work.
	r.jobs = measure(tb, dir, []string{"GOMEMLIMIT=4GiB"}, "go", "build", "./jobs/...")
	r.generate = measure(tb, dir, nil, jobgenBin, "generate", "-dir", dir)
	gen := filepath.Join(dir, "gen", "synth", "synth_gen.go")
	fi, err := os.Stat(gen)
	if err != nil {
		tb.Fatal(err)
	}
	r.genBytes = fi.Size()
	for k := range builds {
		if k > 0 {
			f, err := os.OpenFile(gen, os.O_APPEND|os.O_WRONLY, 0)
			if err == nil {
				_, err = fmt.Fprintf(f, "// build %d\n", k)
				err = errors.Join(err, f.Close())
			}
			if err != nil {
				tb.Fatal(err)
			}
		}
		u := measure(tb, dir, nil, "go", "build", "./gen/...")
		if k == 0 || u.cpu < r.build.cpu {
			r.build = u
		}
	}
	return r
}

// BenchmarkScale measures jobgen generate and go build of the generated
// package for synthetic jobs of N tasks (see [testmod.Synthetic]): N is
// 1000, 10000 and 100000, or the comma-separated sizes in $JOBGEN_SCALE.
// Per size it reports the wall time, CPU time and peak memory of jobgen
// generate, of go build of the generated package (the user's package of
// task types is built first and reported apart as jobs-*: its cost is the
// user's code, and jobgen, which needs its export data, would otherwise
// pay it), and the build's CPU time per task beyond that of a
// 10-task job (build-us/task), whose ratio between sizes tells whether the
// generated code compiles in linear time. The generated package is built
// several times (5 times at 10 tasks, 100000/N times between 3 and 5 at
// N), and the build with the least CPU time is reported.
func BenchmarkScale(b *testing.B) {
	sizes := []int{1000, 10000, 100000}
	if s := os.Getenv("JOBGEN_SCALE"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			require.NoError(b, err, "JOBGEN_SCALE")
			sizes = append(sizes, n)
		}
	}
	bin := filepath.Join(b.TempDir(), "jobgen")
	testmod.Go(b, ".", "build", "-o", bin, ".")
	const small = 10
	base := scale(b, bin, small, 5)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			var r scaleRun
			for b.Loop() {
				r = scale(b, bin, n, max(3, min(5, 100_000/n)))
			}
			b.ReportMetric(r.generate.wall.Seconds(), "generate-s")
			b.ReportMetric(r.generate.cpu.Seconds(), "generate-cpu-s")
			b.ReportMetric(r.generate.maxRSS, "generate-MB")
			b.ReportMetric(r.jobs.wall.Seconds(), "jobs-s")
			b.ReportMetric(r.jobs.cpu.Seconds(), "jobs-cpu-s")
			b.ReportMetric(r.jobs.maxRSS, "jobs-MB")
			b.ReportMetric(r.build.wall.Seconds(), "build-s")
			b.ReportMetric(r.build.cpu.Seconds(), "build-cpu-s")
			b.ReportMetric(r.build.maxRSS, "build-MB")
			b.ReportMetric(float64(r.build.cpu-base.build.cpu)/float64(time.Microsecond)/float64(n-small), "build-us/task")
			b.ReportMetric((r.build.maxRSS-base.build.maxRSS)*1024/float64(n-small), "build-KB/task")
			b.ReportMetric((r.generate.wall + r.build.wall).Seconds(), "generate+build-s")
			b.ReportMetric(float64(r.genBytes)/float64(n), "gen-B/task")
		})
	}
}
