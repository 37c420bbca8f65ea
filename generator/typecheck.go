package generator

import (
	"context"
	"fmt"
	"go/build"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// typeCheck loads the job packages with go/packages and checks every task
// and handler type against the conventions and contracts. A failure to run
// the go tool is returned; problems in the code are recorded in g.diags.
func (g *generator) typeCheck(ctx context.Context) error {
	if len(g.jobs) == 0 {
		return nil
	}
	patterns := []string{runtimePath}
	for _, j := range g.jobs {
		patterns = append(patterns, j.pkgPath)
		if j.handler != nil {
			patterns = append(patterns, j.handler.pkgPath)
		}
	}
	slices.Sort(patterns)
	patterns = slices.Compact(patterns)
	cfg := &packages.Config{
		Context: ctx,
		Dir:     g.opts.Dir,
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedTypes |
			packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedImports,
		Tests: false,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return fmt.Errorf("load job packages: %w", err)
	}
	byPath := map[string]*packages.Package{}
	for _, p := range pkgs {
		byPath[p.PkgPath] = p
	}
	rt := byPath[runtimePath]
	if rt == nil || rt.Types == nil || rt.Types.Scope().Lookup("Handler") == nil {
		return fmt.Errorf("load %s: not found from %s (is it required in go.mod?)", runtimePath, g.opts.Dir)
	}
	handlerIface := rt.Types.Scope().Lookup("Handler").Type().Underlying().(*types.Interface)
	// The generated code is for the runtime the module builds with, not
	// for the one jobgen was built with: they can differ.
	if rt.Types.Scope().Lookup("Sig") == nil || rt.Types.Scope().Lookup("Table") == nil {
		return fmt.Errorf("load %s: no Sig or Table: the runtime in the module's go.mod is older than this jobgen; upgrade it", runtimePath)
	}
	broken := map[string]bool{}
	for _, p := range pkgs {
		for _, e := range packageErrors(p) {
			g.addPackageError(p, e)
			broken[p.PkgPath] = true
		}
	}
	g.checkImports(pkgs, broken)
	g.jobs = slices.DeleteFunc(g.jobs, func(j *job) bool {
		p := byPath[j.pkgPath]
		if p == nil || broken[j.pkgPath] || (j.handler != nil && broken[j.handler.pkgPath]) {
			return true // its errors are reported already
		}
		if p.Name != j.cfg.Name {
			g.errorf(j.cfg.Pos, "job %s: package in jobs/%s is named %s, want %s", text.Quote(j.cfg.Name), j.cfg.Name, p.Name, j.cfg.Name)
			return true
		}
		g.warnUnlisted(j, p)
		ok := true
		for _, t := range j.tasks {
			ok = g.checkTask(j, t, p) && ok
		}
		if j.handler != nil {
			ok = g.checkHandlerType(j, byPath[j.handler.pkgPath], handlerIface) && ok
		}
		if j.params != nil {
			ok = g.checkParamsType(j, p) && ok
		}
		if j.cfg.Temporal != nil {
			ok = g.checkTemporal(j, p.Fset) && ok
		} else {
			g.checkStorable(j, p.Fset)
		}
		return !ok || !g.bind(j)
	})
	return nil
}

// checkImports reports, once each, the packages that the loaded packages
// import and that do not compile, at the positions of their errors, and
// marks the loaded packages that import them, directly or not, as broken:
// go build would fail on them, so the generator must not say all is well.
func (g *generator) checkImports(roots []*packages.Package, broken map[string]bool) {
	reported := map[string]bool{}
	for _, root := range roots {
		packages.Visit([]*packages.Package{root}, nil, func(d *packages.Package) {
			if d == root || len(d.Errors) == 0 {
				return
			}
			broken[root.PkgPath] = true
			if reported[d.PkgPath] {
				return
			}
			reported[d.PkgPath] = true
			name := d.PkgPath
			if d.Dir != "" {
				name = g.rel(d.Dir)
			}
			for _, e := range packageErrors(d) {
				for _, line := range strings.Split(e.Msg, "\n") {
					if strings.HasPrefix(line, "# ") || strings.TrimSpace(line) == "" {
						continue // the go tool's heading of the package
					}
					pos, msg := e.Pos, line
					if f, rest, ok := cutPos(line); ok {
						pos, msg = f, rest
					}
					at := g.splitPos(pos)
					if at.Filename == "" || at.Filename == "-" {
						at.Filename = name
					}
					g.diags.errorf(at, "package %s, which %s imports, does not compile: %s", name, g.rel(root.Dir), msg)
				}
			}
		})
	}
}

// cutPos splits "file.go:3:23: msg" into its position and message.
func cutPos(line string) (pos, msg string, ok bool) {
	i := strings.Index(line, ".go:")
	if i < 0 {
		return "", "", false
	}
	j := strings.Index(line[i+4:], ": ")
	if j < 0 {
		return "", "", false
	}
	return strings.TrimSpace(line[:i+4+j]), line[i+4+j+2:], true
}

// packageErrors returns a package's errors without repeats: the go tool
// reports a compile error both as a list error (prefixed "# pkg") and as a
// type error, so list errors are kept only when there is nothing else.
func packageErrors(p *packages.Package) []packages.Error {
	var list, other []packages.Error
	for _, e := range p.Errors {
		if e.Kind == packages.ListError {
			list = append(list, e)
		} else {
			other = append(other, e)
		}
	}
	if len(other) > 0 {
		return other
	}
	return list
}

// addPackageError records an error of the go tool or the type checker as it
// is: it already carries its Go position, or else it is about the package
// as a whole, and gets the package's folder.
func (g *generator) addPackageError(p *packages.Package, e packages.Error) {
	pos := g.splitPos(e.Pos)
	if pos.Filename == "" || pos.Filename == "-" {
		pos.Filename = p.PkgPath
		if p.Dir != "" {
			pos.Filename = g.rel(p.Dir)
		}
	}
	g.diags.errorf(pos, "%s", e.Msg)
}

// splitPos splits a "file:line:col" (or "file:line", or "file")
// position of the go tool into a path relative to the module root and a
// line and column.
func (g *generator) splitPos(s string) token.Position {
	var nums []int
	for range 2 {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(s[i+1:])
		if err != nil {
			break
		}
		nums = append([]int{n}, nums...)
		s = s[:i]
	}
	pos := token.Position{Filename: g.rel(s)}
	if len(nums) > 0 {
		pos.Line = nums[0]
	}
	if len(nums) > 1 {
		pos.Column = nums[1]
	}
	return pos
}

// rel makes an absolute file name relative to the module root, with forward
// slashes, for messages.
func (g *generator) rel(file string) string {
	if r, err := filepath.Rel(g.opts.Dir, file); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return file
}

// goPos formats the position of a Go object for a message.
func (g *generator) goPos(fset *token.FileSet, pos token.Pos) string {
	p := fset.Position(pos)
	return fmt.Sprintf("%s:%d:%d", g.rel(p.Filename), p.Line, p.Column)
}

// typesByFile indexes the package-level types of p by the base name of
// the file that declares them, in name order, once per package: a lookup
// per task that went through the whole scope made generating a job of
// 10,000 tasks take over a minute.
func (g *generator) typesByFile(p *packages.Package) map[string][]*types.TypeName {
	if idx, ok := g.byFile[p]; ok {
		return idx
	}
	idx := map[string][]*types.TypeName{}
	scope := p.Types.Scope()
	for _, name := range scope.Names() {
		if o, ok := scope.Lookup(name).(*types.TypeName); ok {
			base := filepath.Base(p.Fset.Position(o.Pos()).Filename)
			idx[base] = append(idx[base], o)
		}
	}
	if g.byFile == nil {
		g.byFile = map[*packages.Package]map[string][]*types.TypeName{}
	}
	g.byFile[p] = idx
	return idx
}

// lookupType finds the type the conventions name in file: typeName (the
// file name in PascalCase) or a spelling of it with words in capitals, the
// way Go spells initialisms (write_status_csv -> WriteStatusCsv or
// WriteStatusCSV), whichever the file declares. It reports what is wrong
// when none is declared there, when two are, or when the type is declared
// in another file.
func (g *generator) lookupType(p *packages.Package, typeName, file string, at token.Position, where string) *types.Named {
	want := file + ".go"
	var matches []*types.TypeName
	var declared []string // the types file declares, for a hint
	for _, o := range g.typesByFile(p)[want] {
		declared = append(declared, o.Name())
		if spellsFile(o.Name(), file) {
			matches = append(matches, o)
		}
	}
	var obj *types.TypeName
	switch len(matches) {
	case 1:
		obj = matches[0]
	case 0:
		if why := g.excluded(p, want); why != "" {
			g.errorf(at, "%s: jobs/%s/%s %s", where, p.Name, want, why)
			return nil
		}
		if o, _ := p.Types.Scope().Lookup(typeName).(*types.TypeName); o != nil {
			g.errorf(at, "%s: type %s is declared in %s, want %s (%s)", where, typeName, text.Quote(filepath.Base(p.Fset.Position(o.Pos()).Filename)), text.Quote(want), g.goPos(p.Fset, o.Pos()))
			return nil
		}
		hint := ""
		if best := text.Closest(typeName, declared); best != "" {
			o := p.Types.Scope().Lookup(best)
			hint = fmt.Sprintf(" (did you mean %s, declared at %s?)", text.Quote(best), g.goPos(p.Fset, o.Pos()))
		}
		g.errorf(at, "%s: jobs/%s/%s does not declare type %s%s", where, p.Name, want, lookedFor(file), hint)
		return nil
	default:
		var both []string
		for _, o := range matches {
			both = append(both, fmt.Sprintf("%s (%s)", o.Name(), g.goPos(p.Fset, o.Pos())))
		}
		g.errorf(at, "%s: jobs/%s/%s declares %s: each spells the type of %s, keep one", where, p.Name, want, strings.Join(both, " and "), want)
		return nil
	}
	named, _ := types.Unalias(obj.Type()).(*types.Named)
	if obj.IsAlias() || named == nil {
		g.errorf(at, "%s: %s must be a defined type, not an alias (%s)", where, typeName, g.goPos(p.Fset, obj.Pos()))
		return nil
	}
	if named.TypeParams().Len() > 0 {
		g.errorf(at, "%s: type %s must not be generic (%s)", where, typeName, g.goPos(p.Fset, obj.Pos()))
		return nil
	}
	if types.IsInterface(named) {
		g.errorf(at, "%s: type %s must be a concrete type, not an interface (%s)", where, typeName, g.goPos(p.Fset, obj.Pos()))
		return nil
	}
	return named
}

// excluded says why the go tool left the file named base of package p out
// of the build, with the position of the cause, or returns "" when it did
// not: a build constraint (//go:build ignore, a GOOS), or an import of "C"
// while cgo is disabled.
func (g *generator) excluded(p *packages.Package, base string) string {
	var file string
	for _, f := range p.IgnoredFiles {
		if filepath.Base(f) == base {
			file = f
		}
	}
	if file == "" {
		return ""
	}
	fset := token.NewFileSet()
	f, _ := parser.ParseFile(fset, file, nil, parser.ImportsOnly|parser.ParseComments)
	if f == nil {
		return "is left out of the build by the go tool"
	}
	withCgo := build.Default
	withCgo.CgoEnabled = true
	if match, _ := withCgo.MatchFile(filepath.Dir(file), base); match {
		for _, imp := range f.Imports {
			if imp.Path.Value == `"C"` {
				return fmt.Sprintf(`is left out of the build: it imports "C", and cgo is disabled (CGO_ENABLED=0, or no C compiler was found) (%s)`, g.goPos(fset, imp.Pos()))
			}
		}
	}
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if constraint.IsGoBuild(c.Text) || constraint.IsPlusBuild(c.Text) {
				return fmt.Sprintf("is left out of the build by its build constraint %s (%s)", text.Quote(c.Text), g.goPos(fset, c.Pos()))
			}
		}
	}
	return "is left out of the build by the go tool"
}

// checkTask checks a task's type and its Run method and records the
// parameter and result types for binding.
func (g *generator) checkTask(j *job, t *task, p *packages.Package) bool {
	where := fmt.Sprintf("job %s: task %s", text.Quote(j.cfg.Name), text.Quote(t.cfg.Name))
	named := g.lookupType(p, t.typeName, t.file, t.cfg.Pos, where)
	if named == nil {
		return false
	}
	t.typeName = named.Obj().Name() // the spelling the file declares
	switch named.Underlying().(type) {
	case *types.Struct, *types.Array, *types.Slice, *types.Map:
		t.literal = true
	}
	obj, _, _ := types.LookupFieldOrMethod(types.NewPointer(named), true, named.Obj().Pkg(), "Run")
	run, _ := obj.(*types.Func)
	if run == nil {
		g.errorf(t.cfg.Pos, "%s: type %s has no Run method (%s)", where, t.typeName, g.goPos(p.Fset, named.Obj().Pos()))
		return false
	}
	sig := run.Type().(*types.Signature)
	at := g.goPos(p.Fset, run.Pos())
	t.runPos = at
	const contract = "want Run(ctx context.Context, <dependency results>...) (T, error) or error"
	ps := sig.Params()
	if ps.Len() == 0 || !isContext(ps.At(0).Type()) {
		g.errorf(t.cfg.Pos, "%s: %s.Run's first parameter must be a context.Context; %s, have %s (%s)", where, t.typeName, contract, sigString(sig, p.Types), at)
		return false
	}
	rs := sig.Results()
	switch {
	case rs.Len() == 1 && isError(rs.At(0).Type()):
	case rs.Len() == 2 && isError(rs.At(1).Type()):
		t.result = rs.At(0).Type()
	default:
		g.errorf(t.cfg.Pos, "%s: %s.Run must return (T, error) or error; %s, have %s (%s)", where, t.typeName, contract, sigString(sig, p.Types), at)
		return false
	}
	t.variadic = sig.Variadic()
	for i := 1; i < ps.Len(); i++ {
		pt := ps.At(i).Type()
		if t.variadic && i == ps.Len()-1 {
			pt = pt.(*types.Slice).Elem()
		}
		t.params = append(t.params, pt)
		t.paramPos = append(t.paramPos, g.goPos(p.Fset, ps.At(i).Pos()))
	}
	ok := true
	for _, ty := range append(slices.Clone(t.params), t.result) {
		if ty == nil {
			continue
		}
		if err := expressible(ty, g.modPath+"/gen/"+j.cfg.Name); err != nil {
			g.errorf(t.cfg.Pos, "%s: %s.Run uses type %s, which generated code cannot name: %v (%s)", where, t.typeName, typeName(ty), err, at)
			ok = false
		}
	}
	return ok
}

// checkHandlerType checks that a custom handler exists where its name says
// and implements the runtime's Handler.
func (g *generator) checkHandlerType(j *job, p *packages.Package, iface *types.Interface) bool {
	where := fmt.Sprintf("job %s: handler %s", text.Quote(j.cfg.Name), text.Quote(j.cfg.Handler))
	d, _ := splitHandlerName(j.cfg.Handler)
	if p == nil {
		g.errorf(j.cfg.HandlerPos, "%s: package jobs/%s could not be loaded", where, d.pkg)
		return false
	}
	named := g.lookupType(p, j.handler.typeName, d.file, j.cfg.HandlerPos, where)
	if named == nil {
		return false
	}
	j.handler.typeName = named.Obj().Name()
	ptr := types.NewPointer(named)
	if !types.Implements(ptr, iface) {
		m, wrong := types.MissingMethod(ptr, iface, true)
		why := fmt.Sprintf("missing method %s", m.Name())
		if wrong {
			why = fmt.Sprintf("method %s has the wrong signature, want %s", m.Name(), types.TypeString(m.Type(), nil))
		}
		g.errorf(j.cfg.HandlerPos, "%s: *%s does not implement %s.Handler (%s) (%s)", where, j.handler.typeName, runtimePath, why, g.goPos(p.Fset, named.Obj().Pos()))
		return false
	}
	return true
}

// checkTemporal checks that the result of every task of a job that runs
// on Temporal can cross machines as a payload of the data converter (see
// [encodeProblems]): errors for what fails at run time, warnings for what
// arrives changed. Checking results is enough: every parameter of Run
// after ctx is filled with the result of a dependency, so its type is a
// result type checked here.
func (g *generator) checkTemporal(j *job, fset *token.FileSet) bool {
	ok := true
	for _, t := range j.tasks {
		if t.result == nil {
			continue
		}
		where := fmt.Sprintf("job %q: task %q: result type %s", j.cfg.Name, t.cfg.Name, typeName(t.result))
		for _, p := range encodeProblems(t.result, temporalRules) {
			at := g.moduleGoPos(fset, p.Pos, t.runPos)
			if p.Warning {
				g.warnf(t.cfg.Pos, "%s may lose data crossing machines on Temporal: %s (%s)", where, p.Msg, at)
				continue
			}
			g.errorf(t.cfg.Pos, "%s cannot cross machines on Temporal: %s (%s)", where, p.Msg, at)
			ok = false
		}
	}
	return ok
}

// stateRules are the rules of encoding/json, which stores results for a job
// binary's --state.
var stateRules = encodeRules{decoder: "encoding/json"}

// checkStorable records, for each task whose result encoding/json cannot
// store and load back (see [encodeProblems]; warnings aside), why: the job
// still runs, but its binary refuses --state with that reason. A job on
// Temporal needs no record: checkTemporal made those errors.
func (g *generator) checkStorable(j *job, fset *token.FileSet) {
	for i, t := range j.tasks {
		if t.result == nil {
			continue
		}
		for _, p := range encodeProblems(t.result, stateRules) {
			if p.Warning {
				continue
			}
			if j.unstorable == nil {
				j.unstorable = map[int]string{}
			}
			j.unstorable[i] = fmt.Sprintf("task %q: result type %s cannot be stored as JSON: %s (%s)", t.cfg.Name, typeName(t.result), p.Msg, g.moduleGoPos(fset, p.Pos, t.runPos))
			break
		}
	}
}

// moduleGoPos formats pos for a message when it is in a file of the
// module, and returns instead when it is not: a field of a standard
// library type would print a path that depends on the machine.
func (g *generator) moduleGoPos(fset *token.FileSet, pos token.Pos, instead string) string {
	if !pos.IsValid() {
		return instead
	}
	file := fset.Position(pos).Filename
	if r, err := filepath.Rel(g.opts.Dir, file); err != nil || !filepath.IsAbs(file) || strings.HasPrefix(r, "..") {
		return instead
	}
	return g.goPos(fset, pos)
}

// bind fills each task's parameters with its dependencies' results by type
// (see the package documentation). It reports whether all bound, and warns
// about every dependency whose result is dropped by a task that takes the
// results of others: it is most often a parameter of the wrong type.
func (g *generator) bind(j *job) bool {
	ok := true
	defer func() {
		if ok {
			g.warnUnused(j)
		}
	}()
	for _, t := range j.tasks {
		where := fmt.Sprintf("job %s: task %s", text.Quote(j.cfg.Name), text.Quote(t.cfg.Name))
		t.args = nil
		// A problem of a parameter is reported once for all the parameters
		// of its type, at the first one's position.
		type problem struct {
			kind   int // noProvider, ambiguous or likeVariadic
			params []int
			cands  []int
		}
		const (
			noProvider = iota
			ambiguous
			likeVariadic
			paramsTwice
			paramsVariadic
		)
		var problems []*problem
		note := func(kind, pi int, cands []int) {
			for _, p := range problems {
				if p.kind == kind && types.Identical(t.params[p.params[0]], t.params[pi]) {
					p.params = append(p.params, pi)
					return
				}
			}
			problems = append(problems, &problem{kind: kind, params: []int{pi}, cands: cands})
		}
		for pi, pt := range t.params {
			var cands []int
			for _, d := range t.deps {
				if r := j.tasks[d].result; r != nil && types.Identical(r, pt) {
					cands = append(cands, d)
				}
			}
			last := t.variadic && pi == len(t.params)-1
			isParams := j.params != nil && types.Identical(pt, j.params.typ)
			switch {
			case isParams && last:
				note(paramsVariadic, pi, nil)
			case isParams && len(cands) > 0:
				note(paramsTwice, pi, cands)
			case isParams:
				t.args = append(t.args, paramsArg)
			case !last && t.variadic && types.Identical(pt, t.params[len(t.params)-1]):
				note(likeVariadic, pi, nil)
			case last:
				t.args = append(t.args, cands...)
			case len(cands) == 1:
				t.args = append(t.args, cands[0])
			case len(cands) == 0:
				note(noProvider, pi, nil)
			default:
				note(ambiguous, pi, cands)
			}
		}
		for _, p := range problems {
			ok = false
			pt := typeName(t.params[p.params[0]])
			which := paramNumbers(p.params)
			at := t.paramPos[p.params[0]]
			switch p.kind {
			case likeVariadic:
				g.errorf(t.cfg.Pos, "%s: %s of Run (%s) %s the type of the variadic parameter, so which dependency fills %s is ambiguous (%s)", where, which, pt, text.Plural(len(p.params), "has", "have"), text.Plural(len(p.params), "it", "them"), at)
			case paramsVariadic:
				g.errorf(t.cfg.Pos, "%s: the variadic parameter of Run (...%s) has the job's params type; take the params as a parameter of its own (%s)", where, pt, at)
			case paramsTwice:
				var names []string
				for _, c := range p.cands {
					names = append(names, text.Quote(j.tasks[c].cfg.Name))
				}
				g.errorf(t.cfg.Pos, "%s: %s of Run (%s) could be filled by the job's params or by %s; give the result a type of its own (%s)", where, which, pt, elide(names, " and "), at)
			case noProvider:
				g.errorf(t.cfg.Pos, "%s: no dependency provides %s of Run (%s); dependencies: %s (%s)", where, which, pt, g.describeDeps(j, t), at)
			case ambiguous:
				var names []string
				for _, c := range p.cands {
					names = append(names, text.Quote(j.tasks[c].cfg.Name))
				}
				g.errorf(t.cfg.Pos, "%s: %s of Run (%s) could be filled by %s; take them all with a variadic ...%s, or give them distinct types (%s)", where, which, pt, elide(names, " and "), pt, at)
			}
		}
	}
	return ok
}

// paramNumbers names parameters by their 0-based index after ctx, for a
// message: "parameter 1", "parameters 1 and 2", "parameters 1, 2 and 3".
func paramNumbers(idx []int) string {
	nums := make([]string, len(idx))
	for k, i := range idx {
		nums[k] = strconv.Itoa(i + 1)
	}
	if len(nums) == 1 {
		return "parameter " + nums[0]
	}
	return "parameters " + strings.Join(nums[:len(nums)-1], ", ") + " and " + nums[len(nums)-1]
}

// warnUnused warns about each dependency that has a result no parameter of
// Run takes, in a task whose Run takes the results of others.
func (g *generator) warnUnused(j *job) {
	for _, t := range j.tasks {
		if len(t.params) == 0 {
			continue
		}
		for k, d := range t.deps {
			r := j.tasks[d].result
			if r == nil || slices.Contains(t.args, d) {
				continue
			}
			g.warnf(t.cfg.Dependencies[k].Pos,
				"job %s: task %s: no parameter of %s.Run takes the result of dependency %s (%s), so it only orders the tasks; Run takes %s (%s)",
				text.Quote(j.cfg.Name), text.Quote(t.cfg.Name), t.typeName, text.Quote(j.tasks[d].cfg.Name), typeName(r), paramList(t), t.runPos)
		}
	}
}

// paramList formats the types of a task's parameters after ctx.
func paramList(t *task) string {
	parts := make([]string, len(t.params))
	for i, p := range t.params {
		parts[i] = typeName(p)
		if t.variadic && i == len(t.params)-1 {
			parts[i] = "..." + parts[i]
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// warnUnlisted warns about each file of a job's package that looks like a
// task (jobs/<job>/<file>.go declares the type <File> with a Run method)
// but that no task of the job names.
func (g *generator) warnUnlisted(j *job, p *packages.Package) {
	listed := map[string]bool{}
	for _, t := range j.tasks {
		listed[t.file] = true
	}
	if d, msg := splitHandlerName(j.cfg.Handler); msg == "" && d.pkg == j.cfg.Name {
		listed[d.file] = true
	}
	for _, f := range p.GoFiles {
		file := strings.TrimSuffix(filepath.Base(f), ".go")
		if listed[file] || checkWord("file", file) != "" {
			continue
		}
		var obj *types.TypeName
		for _, o := range g.typesByFile(p)[file+".go"] {
			if spellsFile(o.Name(), file) {
				obj = o
				break
			}
		}
		if obj == nil || obj.IsAlias() {
			continue
		}
		if m, _, _ := types.LookupFieldOrMethod(types.NewPointer(obj.Type()), true, obj.Pkg(), "Run"); m == nil {
			continue
		}
		pos := p.Fset.Position(obj.Pos())
		g.warnf(token.Position{Filename: g.rel(pos.Filename), Line: pos.Line, Column: pos.Column},
			"job %s: %s declares task type %s, but no task of the job names it; add {\"name\": %s} to %s, or delete the file",
			text.Quote(j.cfg.Name), g.rel(pos.Filename), obj.Name(), text.Quote("jobs."+j.cfg.Name+"."+file), g.cfgPath)
	}
}

// describeDeps lists a task's dependencies with their result types.
func (g *generator) describeDeps(j *job, t *task) string {
	if len(t.deps) == 0 {
		return "none"
	}
	var parts []string
	for _, d := range t.deps {
		r := "no result"
		if res := j.tasks[d].result; res != nil {
			r = typeName(res)
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", text.Quote(j.tasks[d].cfg.Name), r))
	}
	return elide(parts, ", ")
}

// typeName formats a type for messages, packages by name.
func typeName(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Name() })
}

// sigString formats a signature for messages.
func sigString(sig *types.Signature, pkg *types.Package) string {
	return "func" + strings.TrimPrefix(types.TypeString(sig, types.RelativeTo(pkg)), "func")
}

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}
