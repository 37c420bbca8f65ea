package generator

import (
	"context"
	"errors"
	"fmt"
	"go/types"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/taskorchestrator/taskorchestrator/config"
)

// DefaultConfig is where the config lives, relative to the module root.
const DefaultConfig = "config/job_config.json"

// RuntimePath is the import path of the runtime that generated code uses.
const RuntimePath = "github.com/taskorchestrator/taskorchestrator/runtime"

// jobmainPath is the import path of the job binaries' command-line helper.
const jobmainPath = RuntimePath + "/jobmain"

// temporaljobPath is the import path of the command-line helper of the
// binaries of jobs that may run on Temporal.
const temporaljobPath = RuntimePath + "/temporaljob"

// Options says where the generator reads and writes. Paths are relative to
// Dir and use forward slashes.
type Options struct {
	// Dir is the module root: the folder holding go.mod, config/, jobs/,
	// gen/ and cmd/. It must be set.
	Dir string
	// Config is the config file; empty means [DefaultConfig].
	Config string
}

// job is one job of the config with everything the generator learned
// about it.
type job struct {
	cfg     config.Job
	pkgPath string // import path of jobs/<job>
	tasks   []*task
	byName  map[string]int
	handler *handler // nil: the runtime's GenericJobHandler
	levels  [][]int
	bad     bool // a problem was reported; nothing is generated for it
}

// task is one task of a job.
type task struct {
	cfg      config.Task
	file     string // snake_case file name without .go
	typeName string
	deps     []int
	// From the type check:
	params   []types.Type // Run's parameters after ctx; for a variadic one, its element type
	paramPos []string     // "file:line:col" of each of params, for messages
	variadic bool
	result   types.Type // nil when Run returns only an error
	args     []int      // the dependency that fills each parameter (variadic: several)
	runPos   string     // "file:line:col" of the Run method, for messages
	level    int
}

// handler is a custom handler named in the config.
type handler struct {
	pkgPath, typeName string
}

// generator holds the state of one Generate call.
type generator struct {
	opts    Options
	modPath string
	cfgPath string // display path of the config
	errs    config.Errors
	jobs    []*job
}

// Generate validates the config and the task code it names, and returns
// the files to write. Problems with the input come back as a
// [config.Errors] listing all of them; any other error is an environment
// failure (an unreadable file, go list failing). Generate writes nothing:
// see [Result.Commit].
func Generate(ctx context.Context, opts Options) (*Result, error) {
	if opts.Dir == "" {
		return nil, errors.New("generator: Options.Dir is not set")
	}
	if opts.Config == "" {
		opts.Config = DefaultConfig
	}
	g := &generator{opts: opts, cfgPath: path.Clean(filepath.ToSlash(opts.Config))}
	gomod, err := os.ReadFile(filepath.Join(opts.Dir, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("read module: %w", err)
	}
	g.modPath = modfile.ModulePath(gomod)
	if g.modPath == "" {
		return nil, fmt.Errorf("%s: no module path", filepath.Join(opts.Dir, "go.mod"))
	}
	data, err := os.ReadFile(filepath.Join(opts.Dir, filepath.FromSlash(g.cfgPath)))
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := config.Parse(g.cfgPath, data)
	if err != nil {
		return nil, err
	}
	g.checkNames(cfg)
	g.checkGraphs() // on every job, even one with a bad name, so that no cycle goes unreported
	g.jobs = slices.DeleteFunc(g.jobs, func(j *job) bool { return j.bad })
	g.checkFiles()
	if err := g.typeCheck(ctx); err != nil {
		return nil, err
	}
	g.errs.Sort()
	if slices.ContainsFunc(g.errs, func(e *config.Error) bool { return !e.Warning }) {
		return nil, g.errs // the warnings too, in position order
	}
	res, err := g.emit()
	if err != nil {
		return nil, err
	}
	res.Warnings = g.errs
	return res, nil
}

// errorf records a problem at a position of the config.
func (g *generator) errorf(pos config.Pos, format string, args ...any) {
	g.errs.Add(g.cfgPath, pos, format, args...)
}

// warnf records a warning at a position of file, a path relative to the
// module root.
func (g *generator) warnf(file string, pos config.Pos, format string, args ...any) {
	g.errs = append(g.errs, &config.Error{Path: file, Pos: pos, Msg: fmt.Sprintf(format, args...), Warning: true})
}

// checkNames applies the naming conventions to every job, task, dependency
// and handler name, and builds the jobs that pass.
func (g *generator) checkNames(cfg *config.Config) {
	for _, cj := range cfg.Jobs {
		if msg := checkJobName(cj.Name); msg != "" {
			g.errorf(cj.Pos, "%s", msg)
			continue
		}
		j := &job{cfg: cj, pkgPath: g.modPath + "/jobs/" + cj.Name, byName: map[string]int{}}
		ok := g.checkHandler(j)
		types := map[string]*task{}
		for _, ct := range cj.Tasks {
			where := fmt.Sprintf("job %q: task %q", cj.Name, clip(ct.Name))
			d, msg := splitTaskName(ct.Name)
			switch {
			case msg != "":
				g.errorf(ct.Pos, "%s: %s", where, msg)
				ok = false
				continue
			case d.pkg != cj.Name:
				g.errorf(ct.Pos, "%s: belongs to job %q, but is listed under job %q (want jobs.%s.%s)", where, d.pkg, cj.Name, cj.Name, d.file)
				ok = false
				continue
			}
			if i, dup := j.byName[ct.Name]; dup {
				g.errorf(ct.Pos, "%s: listed twice (first at %s)", where, j.tasks[i].cfg.Pos)
				ok = false
				continue
			}
			t := &task{cfg: ct, file: d.file, typeName: pascal(d.file)}
			if other, dup := types[t.typeName]; dup {
				g.errorf(ct.Pos, "%s: its type name %s is also derived from task %q (at %s)", where, t.typeName, other.cfg.Name, other.cfg.Pos)
				ok = false
				continue
			}
			types[t.typeName] = t
			j.byName[ct.Name] = len(j.tasks)
			j.tasks = append(j.tasks, t)
		}
		for _, t := range j.tasks {
			for _, dep := range t.cfg.Dependencies {
				i, found := j.byName[dep.Name]
				if !found {
					g.errorf(dep.Pos, "job %q: task %q depends on unknown task %q%s", cj.Name, t.cfg.Name, clip(dep.Name), didYouMean(dep.Name, slices.Collect(maps.Keys(j.byName))))
					ok = false
					continue
				}
				t.deps = append(t.deps, i)
			}
		}
		j.bad = !ok
		g.jobs = append(g.jobs, j)
	}
}

// checkHandler checks the job's handler name; it reports whether it is
// fine.
func (g *generator) checkHandler(j *job) bool {
	name := j.cfg.Handler
	if name == "" || name == genericHandlerName {
		return true
	}
	d, msg := splitHandlerName(name)
	if msg != "" {
		g.errorf(j.cfg.HandlerPos, "job %q: %s%s", j.cfg.Name, msg, didYouMean(name, []string{genericHandlerName}))
		return false
	}
	j.handler = &handler{pkgPath: g.modPath + "/jobs/" + d.pkg, typeName: pascal(d.file)}
	return true
}

// checkFiles checks that the folders and files the names point at exist,
// so the type check can say precisely what is missing.
func (g *generator) checkFiles() {
	g.jobs = slices.DeleteFunc(g.jobs, func(j *job) bool {
		dir := filepath.Join(g.opts.Dir, "jobs", j.cfg.Name)
		if !isDir(dir) {
			g.errorf(j.cfg.Pos, "job %q: folder jobs/%s does not exist%s", j.cfg.Name, j.cfg.Name, didYouMean(j.cfg.Name, g.listDir("jobs", true)))
			return true
		}
		ok := true
		for _, t := range j.tasks {
			file := path.Join("jobs", j.cfg.Name, t.file+".go")
			if !isFile(filepath.Join(g.opts.Dir, filepath.FromSlash(file))) {
				g.errorf(t.cfg.Pos, "job %q: task %q: file %s does not exist (it should declare type %s)%s", j.cfg.Name, t.cfg.Name, file, t.typeName,
					suggestFile("jobs."+j.cfg.Name+".", t.file, g.listDir(path.Join("jobs", j.cfg.Name), false)))
				ok = false
			}
		}
		if j.handler != nil {
			d, _ := splitHandlerName(j.cfg.Handler)
			file := path.Join("jobs", d.pkg, d.file+".go")
			if !isFile(filepath.Join(g.opts.Dir, filepath.FromSlash(file))) {
				g.errorf(j.cfg.HandlerPos, "job %q: handler %q: file %s does not exist (it should declare type %s)%s", j.cfg.Name, j.cfg.Handler, file, j.handler.typeName,
					suggestFile("jobs."+d.pkg+".", d.file, g.listDir(path.Join("jobs", d.pkg), false)))
				ok = false
			}
		}
		if ok {
			ok = g.checkSpelling(j) // only a case-insensitive file system gets here with a wrong case
		}
		ok = g.checkOutputs(j) && ok
		return !ok
	})
}

// checkGraphs rejects dependency cycles and computes the levels of every
// job whose types checked out.
func (g *generator) checkGraphs() {
	for _, j := range g.jobs {
		names := make([]string, len(j.tasks))
		deps := make([][]int, len(j.tasks))
		for i, t := range j.tasks {
			names[i], deps[i] = t.cfg.Name, t.deps
		}
		cycles := findCycles(names, deps)
		for _, c := range cycles {
			path := make([]string, len(c.loop))
			for k, i := range c.loop {
				path[k] = names[i]
			}
			msg := "depends on itself"
			if len(c.loop) > 2 {
				msg = "is on a dependency cycle"
			}
			also := ""
			if len(c.others) > 0 {
				others := make([]string, len(c.others))
				for k, i := range c.others {
					others[k] = names[i]
				}
				also = "; also on a cycle with them: " + strings.Join(others, ", ")
			}
			first := c.loop[0]
			g.errorf(j.tasks[first].cfg.Pos, "job %q: task %q %s: %s%s", j.cfg.Name, names[first], msg, strings.Join(path, " -> "), also)
		}
		if len(cycles) > 0 {
			continue // still type-checked, for the other problems; never emitted, as errors were reported
		}
		var level []int
		level, j.levels = levels(names, deps)
		for i, t := range j.tasks {
			t.level = level[i]
		}
	}
}

// listDir returns the names of the folders (dirs) or of the Go files,
// without ".go" and leaving out tests, in the folder rel of the module, for
// suggestions. A folder that cannot be read gives none.
func (g *generator) listDir(rel string, dirs bool) []string {
	entries, err := os.ReadDir(filepath.Join(g.opts.Dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		switch {
		case dirs && e.IsDir():
			names = append(names, e.Name())
		case !dirs && e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go"):
			names = append(names, strings.TrimSuffix(e.Name(), ".go"))
		}
	}
	return names
}

// suggestFile returns ` (did you mean "<prefix><f>"?)` for the file f
// among files closest to file, or "".
func suggestFile(prefix, file string, files []string) string {
	if best := closest(file, files); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", prefix+best)
	}
	return ""
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
