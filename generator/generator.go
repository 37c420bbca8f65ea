package generator

import (
	"context"
	"errors"
	"fmt"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/tools/go/packages"

	"github.com/taskorchestrator/taskorchestrator/generator/internal/config"
	"github.com/taskorchestrator/taskorchestrator/internal/plan"
	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// DefaultConfig is where the config lives, relative to the module root.
const DefaultConfig = "config/job_config.json"

// runtimePath is the import path of the runtime that generated code uses.
const runtimePath = "github.com/taskorchestrator/taskorchestrator/runtime"

// jobmainPath is the import path of the job binaries' command-line helper.
const jobmainPath = runtimePath + "/jobmain"

// temporaljobPath is the import path of the command-line helper of the
// binaries of jobs that may run on Temporal.
const temporaljobPath = runtimePath + "/temporaljob"

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
	params  *params  // nil: the job takes no inputs
	// unstorable says, by task index, why a task's result cannot be
	// stored as JSON, for --state (see checkStorable).
	unstorable map[int]string
	levels     [][]int
	bad        bool // a problem was reported; nothing is generated for it
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
	// literal: the task type's underlying type takes a composite literal
	// (a struct, array, slice or map), so &T{} is its value in generated
	// code, which the compiler lays out statically; new(T) otherwise.
	literal bool
	level   int
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
	diags   collector
	jobs    []*job
	realDir string                                             // opts.Dir with symbolic links resolved, once needed
	byFile  map[*packages.Package]map[string][]*types.TypeName // see typesByFile
}

// Generate validates the config and the task code it names, and returns
// the files to write with the diagnostics: every problem found in the
// input, errors and warnings, sorted by position. When one of them is an
// error ([Result.HasErrors]), the input is invalid and the Result holds
// no files. The error is for environment failures only: go.mod missing or
// unreadable, a config that cannot be read, the go tool failing. Generate
// writes nothing: see [Result.Commit].
func Generate(ctx context.Context, opts Options) (*Result, error) {
	if opts.Dir == "" {
		return nil, errors.New("generator: Options.Dir is not set")
	}
	if opts.Config == "" {
		opts.Config = DefaultConfig
	}
	g := &generator{opts: opts, cfgPath: path.Clean(filepath.ToSlash(opts.Config))}
	gomod, err := readInput(filepath.Join(opts.Dir, "go.mod"))
	var bad *badInputError
	if errors.As(err, &bad) {
		return nil, fmt.Errorf("read module: go.mod %s", bad.msg)
	}
	if err != nil {
		return nil, fmt.Errorf("read module: %w", err)
	}
	g.modPath = modfile.ModulePath(gomod)
	if g.modPath == "" {
		return nil, fmt.Errorf("%s: no module path", filepath.Join(opts.Dir, "go.mod"))
	}
	data, err := readInput(filepath.Join(opts.Dir, filepath.FromSlash(g.cfgPath)))
	if errors.As(err, &bad) {
		g.errorf(token.Position{Filename: g.cfgPath}, "%s", bad.msg)
		return g.invalid(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg := config.Parse(g.cfgPath, data, g.diags.report)
	if cfg == nil {
		return g.invalid(), nil
	}
	g.checkNames(cfg)
	g.checkGraphs() // on every job, even one with a bad name, so that no cycle goes unreported
	g.jobs = slices.DeleteFunc(g.jobs, func(j *job) bool { return j.bad })
	g.checkFiles()
	if err := g.typeCheck(ctx); err != nil {
		return nil, err
	}
	if g.diags.errors > 0 {
		return g.invalid(), nil
	}
	res, err := g.emit()
	if err != nil {
		return nil, err
	}
	res.Diagnostics = g.diags.sorted()
	return res, nil
}

// invalid is the Result of an invalid input: its diagnostics, warnings
// included, and nothing to write.
func (g *generator) invalid() *Result {
	return &Result{Diagnostics: g.diags.sorted()}
}

// MaxInputSize is the most bytes [Generate] reads of the config (and of
// go.mod): 16 MiB, well above the config of a job of 100,000 tasks (about
// 10 MiB), so that a config that is a huge file, or a link to one, fails at
// once instead of filling the memory.
const MaxInputSize = 16 << 20

// badInputError is a file that [readInput] refuses to read: not a regular
// file, or larger than [MaxInputSize].
type badInputError struct{ msg string }

func (e *badInputError) Error() string { return e.msg }

// readInput reads the regular file name, at most [MaxInputSize] bytes of
// it. Anything else (a device such as /dev/zero, a named pipe, which would
// block, a folder, a larger file) is a *badInputError, checked before it
// is opened and again once it is.
func readInput(name string) ([]byte, error) {
	regular := func(fi fs.FileInfo) error {
		if !fi.Mode().IsRegular() {
			kind := "folder"
			if !fi.IsDir() {
				kind = fileKind(fi.Mode())
			}
			return &badInputError{fmt.Sprintf("is a %s, not a regular file", kind)}
		}
		return nil
	}
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := regular(fi); err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := regular(fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxInputSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxInputSize {
		return nil, &badInputError{fmt.Sprintf("is larger than %d MiB, the most jobgen reads", MaxInputSize>>20)}
	}
	return data, nil
}

// errorf records an error at pos, most often the position of a value of
// the config.
func (g *generator) errorf(pos token.Position, format string, args ...any) {
	g.diags.errorf(pos, format, args...)
}

// warnf records a warning at pos.
func (g *generator) warnf(pos token.Position, format string, args ...any) {
	g.diags.warnf(pos, format, args...)
}

// lineCol formats a position of the config for a message about another
// value of it: "9:18".
func lineCol(pos token.Position) string {
	return fmt.Sprintf("%d:%d", pos.Line, pos.Column)
}

// checkNames applies the naming conventions to every job, task, dependency
// and handler name, and builds the jobs that pass.
func (g *generator) checkNames(cfg *config.Config) {
	owner := map[string]string{} // task name -> the first job that lists it
	for _, cj := range cfg.Jobs {
		for _, ct := range cj.Tasks {
			if _, seen := owner[ct.Name]; !seen {
				owner[ct.Name] = cj.Name
			}
		}
	}
	for _, cj := range cfg.Jobs {
		if msg := checkJobName(cj.Name); msg != "" {
			g.errorf(cj.Pos, "%s", msg)
			continue
		}
		j := &job{cfg: cj, pkgPath: g.modPath + "/jobs/" + cj.Name, byName: map[string]int{}}
		ok := g.checkHandler(j)
		ok = g.checkParamsName(j) && ok
		types := map[string]*task{}
		for _, ct := range cj.Tasks {
			where := fmt.Sprintf("job %s: task %s", text.Quote(cj.Name), text.Quote(ct.Name))
			d, msg := splitTaskName(ct.Name)
			switch {
			case msg != "":
				g.errorf(ct.Pos, "%s: %s", where, msg)
				ok = false
				continue
			case d.pkg != cj.Name:
				g.errorf(ct.Pos, "%s: belongs to job %s, but is listed under job %s (want jobs.%s.%s)", where, text.Quote(d.pkg), text.Quote(cj.Name), cj.Name, d.file)
				ok = false
				continue
			}
			if i, dup := j.byName[ct.Name]; dup {
				g.errorf(ct.Pos, "%s: listed twice (first at %s)", where, lineCol(j.tasks[i].cfg.Pos))
				ok = false
				continue
			}
			t := &task{cfg: ct, file: d.file, typeName: pascal(d.file)}
			if other, dup := types[t.typeName]; dup {
				g.errorf(ct.Pos, "%s: its type name %s is also derived from task %s (at %s)", where, t.typeName, text.Quote(other.cfg.Name), lineCol(other.cfg.Pos))
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
					g.unknownDependency(cj.Name, t.cfg.Name, dep, owner[dep.Name], slices.Collect(maps.Keys(j.byName)))
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

// unknownDependency reports a dependency of task of job that names no task
// of the job: other is the job that lists it, or "". A task can only depend
// on tasks of its own job, since each job is a binary of its own.
func (g *generator) unknownDependency(job, task string, dep config.Dependency, other string, names []string) {
	where := fmt.Sprintf("job %s: task %s", text.Quote(job), text.Quote(task))
	hint := text.Suggest(dep.Name, names)
	d, _ := splitTaskName(dep.Name)
	switch {
	case other != "" && other != job:
		g.errorf(dep.Pos, "%s depends on task %s of job %s, but dependencies must stay inside one job (each job is a binary of its own)%s", where, text.Quote(dep.Name), text.Quote(other), hint)
	case hint == "" && d.pkg != "" && d.pkg != job:
		g.errorf(dep.Pos, "%s depends on %s, which is not a task of job %s: dependencies must stay inside one job, so their names start with jobs.%s.", where, text.Quote(dep.Name), text.Quote(job), job)
	default:
		g.errorf(dep.Pos, "%s depends on unknown task %s%s", where, text.Quote(dep.Name), hint)
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
		g.errorf(j.cfg.HandlerPos, "job %s: %s%s", text.Quote(j.cfg.Name), msg, text.Suggest(name, []string{genericHandlerName}))
		return false
	}
	j.handler = &handler{pkgPath: g.modPath + "/jobs/" + d.pkg, typeName: pascal(d.file)}
	return true
}

// checkFiles checks that the folders and files the names point at exist and
// are what they should be, so the type check can say precisely what is
// missing.
func (g *generator) checkFiles() {
	var names folderNames
	g.jobs = slices.DeleteFunc(g.jobs, func(j *job) bool {
		folder := path.Join("jobs", j.cfg.Name)
		switch problem := g.checkSource(folder, true); problem {
		case "":
		case notExist:
			hint := text.Suggest(j.cfg.Name, acceptable(g.listDir("jobs", true), checkJobName))
			if onDisk, _ := names.spelling(g.opts.Dir, folder); onDisk != "" {
				hint = fmt.Sprintf("; %s is there, but names must match exactly, case included", text.Quote(onDisk))
			}
			g.errorf(j.cfg.Pos, "job %s: folder %s does not exist%s", text.Quote(j.cfg.Name), folder, hint)
			return true
		default:
			g.errorf(j.cfg.Pos, "job %s: %s %s", text.Quote(j.cfg.Name), folder, problem)
			return true
		}
		ok := true
		for _, t := range j.tasks {
			where := fmt.Sprintf("job %s: task %s", text.Quote(j.cfg.Name), text.Quote(t.cfg.Name))
			ok = g.checkSourceFile(&names, t.cfg.Pos, where, j.cfg.Name, t.file, t.typeName) && ok
		}
		if j.handler != nil {
			d, _ := splitHandlerName(j.cfg.Handler)
			where := fmt.Sprintf("job %s: handler %s", text.Quote(j.cfg.Name), text.Quote(j.cfg.Handler))
			if problem := g.checkSource(path.Join("jobs", d.pkg), true); problem != "" && problem != notExist {
				g.errorf(j.cfg.HandlerPos, "%s: jobs/%s %s", where, d.pkg, problem)
				ok = false
			} else {
				ok = g.checkSourceFile(&names, j.cfg.HandlerPos, where, d.pkg, d.file, j.handler.typeName) && ok
			}
		}
		if j.params != nil {
			ok = g.checkParamsFile(&names, j) && ok
		}
		ok = g.checkFolders(&names, j) && ok
		if ok {
			ok = g.checkSpelling(j) // only a case-insensitive file system gets here with a wrong case
		}
		ok = g.checkOutputs(j) && ok
		return !ok
	})
}

// checkSourceFile checks jobs/<pkg>/<file>.go, named by the config at pos:
// when it is missing, it points at a file of the same name but for case, or
// suggests a close name that the conventions accept. It reports whether the
// file is fine.
func (g *generator) checkSourceFile(names *folderNames, pos token.Position, where, pkg, file, typeName string) bool {
	folder := path.Join("jobs", pkg)
	prefix := "jobs." + pkg + "."
	rel := path.Join(folder, file+".go")
	switch problem := g.checkSource(rel, false); problem {
	case "":
		return true
	case notExist:
		hint := suggestFile(prefix, file, acceptable(g.listDir(folder, false), func(f string) string { return checkWord("file", f) }))
		if onDisk, _ := names.spelling(g.opts.Dir, rel); onDisk != "" {
			hint = fmt.Sprintf("; %s is there, but names must match exactly, case included", text.Quote(onDisk))
		}
		g.errorf(pos, "%s: file %s does not exist (it should declare type %s)%s", where, rel, typeName, hint)
	default:
		g.errorf(pos, "%s: %s %s (it should be the Go file that declares type %s)", where, rel, problem, typeName)
	}
	return false
}

// checkGraphs rejects dependency cycles and computes the levels of every
// job whose types checked out.
func (g *generator) checkGraphs() {
	for _, j := range g.jobs {
		names, deps := plan.Unpack(j.tasks, func(t *task) (string, []int) { return t.cfg.Name, t.deps })
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
			if len(c.loop) > maxListed {
				msg = fmt.Sprintf("is on a dependency cycle of %d tasks", len(c.loop)-1)
			}
			also := ""
			if len(c.others) > 0 {
				others := make([]string, len(c.others))
				for k, i := range c.others {
					others[k] = names[i]
				}
				also = "; also on a cycle with them: " + elide(others, ", ")
			}
			first := c.loop[0]
			g.errorf(j.tasks[first].cfg.Pos, "job %s: task %s %s: %s%s", text.Quote(j.cfg.Name), text.Quote(names[first]), msg, elide(path, " -> "), also)
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

// maxListed is the most names a message lists in full; see [elide].
const maxListed = 10

// elide joins names with sep. A list of more than [maxListed] names, or
// longer than about 600 bytes, keeps its first few and last few names, up to
// about 300 bytes each way, and says how many it leaves out between them,
// so that a cycle through 5,000 tasks is still one readable line.
func elide(names []string, sep string) string {
	const budget = 300
	total := 0
	for _, n := range names {
		total += len(n) + len(sep)
	}
	if len(names) <= maxListed && total <= 2*budget {
		return strings.Join(names, sep)
	}
	head, used := 0, 0
	for head < 4 && head < len(names)-2 && (head == 0 || used+len(names[head]) <= budget) {
		used += len(names[head]) + len(sep)
		head++
	}
	tail, used := 0, 0
	for tail < 3 && head+tail < len(names)-1 && (tail == 0 || used+len(names[len(names)-1-tail]) <= budget) {
		used += len(names[len(names)-1-tail]) + len(sep)
		tail++
	}
	left := len(names) - head - tail
	return strings.Join(names[:head], sep) + sep + fmt.Sprintf("(%d more)", left) + sep + strings.Join(names[len(names)-tail:], sep)
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
	if best := text.Closest(file, files); best != "" {
		return fmt.Sprintf(" (did you mean %s?)", text.Quote(prefix+best))
	}
	return ""
}

// acceptable returns the names that check accepts (returns "" for), so
// that a "did you mean" never suggests a name jobgen would reject.
func acceptable(names []string, check func(string) string) []string {
	return slices.DeleteFunc(names, func(n string) bool { return check(n) != "" })
}
