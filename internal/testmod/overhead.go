package testmod

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// OverheadShapes are the DAG shapes of the overhead benchmark, in the order
// it reports them:
//
//   - wide: one level of N sources;
//   - layered: levels of 100, each task after the first level taking the
//     results of two tasks of the level before;
//   - chain: N levels of one task, each taking the result of the one before;
//   - fanio: a hub, 100 tasks taking its result (fan-out), the next hub
//     taking theirs (fan-in), and so on.
//
// Every task is a no-op of its own type that passes a uint64 (above 255, so
// that boxing it in an interface would allocate).
var OverheadShapes = []string{"wide", "layered", "chain", "fanio"}

// overheadWidth is the width of the levels of the layered and fanio shapes.
const overheadWidth = 100

// BigChainTasks and BigChainBytes are the length of the overhead module's
// large-value chain (job bigchain) and the size of the []byte each of its
// tasks returns.
const (
	BigChainTasks = 24
	BigChainBytes = 8 << 20
)

//go:embed testdata/overhead_driver.go
var overheadDriver string

// OverheadJob is a job of the overhead module.
type OverheadJob struct {
	Shape string // one of OverheadShapes, or "bigchain"
	N     int    // tasks
}

// Name is the job's key: shape and size, e.g. "wide10000".
func (j OverheadJob) Name() string {
	if j.Shape == "bigchain" {
		return "bigchain"
	}
	return fmt.Sprintf("%s%d", j.Shape, j.N)
}

// Overhead writes under root the modules of the overhead benchmark: one
// module per job (root/<job>, module example.com/<job>, with its config and
// task code, the way a user writes them: one task type per file), a job per
// shape of [OverheadShapes] and size of sizes plus the large-value chain
// "bigchain", and the driver module (root/driver), with the driver package
// (bench) and a main per job (cmd/<job>) that runs that job's generated
// code beside hand-written runners of the same DAG and prints its
// measurements, one JSON record a line: each job runs in a process of its
// own, as a job binary does. It writes a file only if its content
// changed, so that the go command finds what it built before in its cache.
// It returns the jobs (in the order of the tables) and their module
// folders; nothing is generated yet.
func Overhead(t testing.TB, root string, sizes []int) ([]OverheadJob, []string) {
	t.Helper()
	var jobs []OverheadJob
	for _, s := range OverheadShapes {
		for _, n := range sizes {
			jobs = append(jobs, OverheadJob{s, n})
		}
	}
	jobs = append(jobs, OverheadJob{"bigchain", BigChainTasks})
	repo := RepoRoot(t)
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	driverMod := "module example.com/overheaddriver\n\ngo 1.26.0\n\nrequire " + ThisModule + " v0.0.0\n"
	replaces := "\nreplace " + ThisModule + " => " + repo + "\n"
	drv := filepath.Join(root, "driver")
	for _, j := range jobs {
		name := j.Name()
		dir := filepath.Join(root, name)
		dirs = append(dirs, dir)
		writeOverheadJob(t, dir, j, repo, string(sum))
		mod := "example.com/" + name
		driverMod += "require " + mod + " v0.0.0\n"
		replaces += "replace " + mod + " => ../" + name + "\n"
		main := fmt.Sprintf("// Command %s measures job %s (see package bench).\npackage main\n\nimport (\n\t\"example.com/overheaddriver/bench\"\n\tjob %q\n)\n\nfunc main() { bench.Main(bench.Entry{Shape: %q, N: %d, Job: job.Job}) }\n",
			name, name, mod+"/gen/"+name, j.Shape, j.N)
		if j.Shape == "bigchain" {
			main = fmt.Sprintf("// Command bigchain measures the peak heap of job bigchain (see package bench).\npackage main\n\nimport (\n\t\"example.com/overheaddriver/bench\"\n\tjob %q\n\ttasks %q\n)\n\nfunc main() { bench.BigChain(job.Job, tasks.Peak, tasks.ResetPeak) }\n",
				mod+"/gen/"+name, mod+"/jobs/"+name)
		}
		writeIfChanged(t, drv, "cmd/"+name+"/main.go", main)
	}
	writeIfChanged(t, drv, "go.mod", driverMod+replaces)
	writeIfChanged(t, drv, "go.sum", string(sum))
	writeIfChanged(t, drv, "bench/bench.go", overheadDriver)
	return jobs, dirs
}

// writeOverheadJob writes the module of one job of the overhead benchmark.
func writeOverheadJob(t testing.TB, dir string, j OverheadJob, repo, sum string) {
	name := j.Name()
	writeIfChanged(t, dir, "go.mod", "module example.com/"+name+"\n\ngo 1.26.0\n\nrequire "+ThisModule+" v0.0.0\n\nreplace "+ThisModule+" => "+repo+"\n")
	writeIfChanged(t, dir, "go.sum", sum)
	pkg := "jobs/" + name + "/"
	writeIfChanged(t, dir, pkg+"doc.go", fmt.Sprintf("// Package %s is a synthetic job of %d no-op tasks (%s).\npackage %s\n", name, j.N, j.Shape, name))
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "{\n  \"jobs\": {\n    %q: {\n      \"tasks\": [\n", name)
	for i := range j.N {
		kind, deps := overheadTask(j.Shape, j.N, i)
		writeIfChanged(t, dir, fmt.Sprintf("%st%d.go", pkg, i), fmt.Sprintf(overheadSources[kind], name, i))
		fmt.Fprintf(&cfg, "        {\"name\": \"jobs.%s.t%d\"", name, i)
		if len(deps) > 0 {
			cfg.WriteString(", \"dependencies\": [")
			for k, d := range deps {
				if k > 0 {
					cfg.WriteString(", ")
				}
				fmt.Fprintf(&cfg, "\"jobs.%s.t%d\"", name, d)
			}
			cfg.WriteString("]")
		}
		cfg.WriteString("}")
		if i < j.N-1 {
			cfg.WriteString(",")
		}
		cfg.WriteString("\n")
	}
	cfg.WriteString("      ]\n    }\n  }\n}\n")
	writeIfChanged(t, dir, "config/job_config.json", cfg.String())
	if j.Shape == "bigchain" {
		writeIfChanged(t, dir, pkg+"probe.go", fmt.Sprintf(bigChainProbe, name, BigChainBytes))
	} else {
		writeIfChanged(t, dir, pkg+"avg.go", fmt.Sprintf(overheadAvg, name))
	}
}

// overheadTask returns the kind of task i of a job of the shape with n
// tasks (a key of overheadSources) and its dependencies, all of which it
// takes as arguments.
func overheadTask(shape string, n, i int) (string, []int) {
	const w = overheadWidth
	switch shape {
	case "wide":
		return "source", nil
	case "chain":
		if i == 0 {
			return "source", nil
		}
		return "inc", []int{i - 1}
	case "layered":
		k, p := i/w, i%w
		if k == 0 {
			return "source", nil
		}
		return "avg", []int{(k-1)*w + p, (k-1)*w + (p+1)%w}
	case "fanio":
		// Groups of w+1 tasks: a hub, then w tasks after it; the next hub
		// takes the w tasks before it.
		if i == 0 {
			return "source", nil
		}
		g, p := (i-1)/(w+1), (i-1)%(w+1)
		hub := g * (w + 1)
		if p < w {
			return "inc", []int{hub}
		}
		deps := make([]int, w)
		for k := range deps {
			deps[k] = hub + 1 + k
		}
		return "avg", deps
	case "bigchain":
		if i == 0 {
			return "bigsource", nil
		}
		return "bigstep", []int{i - 1}
	}
	panic("unknown shape " + shape)
}

// overheadSources are the task files of the overhead module, by kind; each
// takes the package name and the task's index.
var overheadSources = map[string]string{
	"source": `package %s

import "context"

// T%[2]d is a source.
type T%[2]d struct{}

// Run returns 1000.
func (T%[2]d) Run(context.Context) (uint64, error) { return 1000, nil }
`,
	"inc": `package %s

import "context"

// T%[2]d takes one result.
type T%[2]d struct{}

// Run returns x + 1.
func (T%[2]d) Run(_ context.Context, x uint64) (uint64, error) { return x + 1, nil }
`,
	"avg": `package %s

import "context"

// T%[2]d takes several results.
type T%[2]d struct{}

// Run returns the average of xs, plus one.
func (T%[2]d) Run(_ context.Context, xs ...uint64) (uint64, error) { return avg(xs), nil }
`,
	"bigsource": `package %s

import "context"

// T%[2]d returns a large value.
type T%[2]d struct{}

// Run returns a new large slice.
func (T%[2]d) Run(context.Context) ([]byte, error) { return step(nil), nil }
`,
	"bigstep": `package %s

import "context"

// T%[2]d takes a large value and returns another.
type T%[2]d struct{}

// Run returns a new large slice made from in.
func (T%[2]d) Run(_ context.Context, in []byte) ([]byte, error) { return step(in), nil }
`,
}

const overheadAvg = `package %s

func avg(xs []uint64) uint64 {
	var s uint64
	for _, x := range xs {
		s += x
	}
	return s/uint64(len(xs)) + 1
}
`

// bigChainProbe records the peak of the live heap while the chain runs:
// each step measures it after a collection, holding its input and its new
// output, which is when most is alive.
const bigChainProbe = `package %s

import (
	"runtime"
	"sync/atomic"
)

var peak atomic.Uint64

// step returns a new slice of the chain's size, one more than in at index 0,
// and records the live heap.
func step(in []byte) []byte {
	out := make([]byte, %d)
	if in != nil {
		out[0] = in[0] + 1
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	for p := peak.Load(); m.HeapAlloc > p && !peak.CompareAndSwap(p, m.HeapAlloc); p = peak.Load() {
	}
	runtime.KeepAlive(in)
	return out
}

// Peak returns the largest live heap a step measured since ResetPeak.
func Peak() uint64 { return peak.Load() }

// ResetPeak forgets the peak.
func ResetPeak() { peak.Store(0) }
`

// writeIfChanged writes content to dir/rel unless the file already has it.
func writeIfChanged(t testing.TB, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if old, err := os.ReadFile(p); err == nil && string(old) == content {
		return
	}
	WriteFile(t, dir, rel, content)
}
