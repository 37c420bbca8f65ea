package generator

import (
	"fmt"
	"go/types"
	"reflect"

	"golang.org/x/tools/go/packages"

	"github.com/taskorchestrator/taskorchestrator/internal/inputs"
	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// params is a job's input type, named by the config's "params".
type params struct {
	file, typeName string
	typ            types.Type // from the type check
}

// checkParamsName checks the job's "params" name: jobs.<job>.<file>, in
// the job's own package. It reports whether it is fine.
func (g *generator) checkParamsName(j *job) bool {
	name := j.cfg.Params
	if name == "" {
		return true
	}
	where := fmt.Sprintf("job %s: params %s", text.Quote(j.cfg.Name), text.Quote(name))
	d, msg := splitTaskName(name)
	switch {
	case msg != "":
		g.errorf(j.cfg.ParamsPos, "%s: %s", where, msg)
		return false
	case d.pkg != j.cfg.Name:
		g.errorf(j.cfg.ParamsPos, "%s: must be in the job's own package: jobs.%s.<file>", where, j.cfg.Name)
		return false
	}
	j.params = &params{file: d.file, typeName: pascal(d.file)}
	return true
}

// checkParamsFile checks that the file of the job's params exists.
func (g *generator) checkParamsFile(names *folderNames, j *job) bool {
	where := fmt.Sprintf("job %s: params %s", text.Quote(j.cfg.Name), text.Quote(j.cfg.Params))
	return g.checkSourceFile(names, j.cfg.ParamsPos, where, j.cfg.Name, j.params.file, j.params.typeName)
}

// checkParamsType checks the job's params type: a struct whose every field
// is an input runtime/jobmain can set from a flag (see internal/inputs),
// with valid tags, distinct flag names and defaults that parse.
func (g *generator) checkParamsType(j *job, p *packages.Package) bool {
	where := fmt.Sprintf("job %s: params %s", text.Quote(j.cfg.Name), text.Quote(j.cfg.Params))
	named := g.lookupType(p, j.params.typeName, j.params.file, j.cfg.ParamsPos, where)
	if named == nil {
		return false
	}
	j.params.typeName = named.Obj().Name()
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		g.errorf(j.cfg.ParamsPos, "%s: type %s must be a struct, its fields the job's inputs (%s)", where, j.params.typeName, g.goPos(p.Fset, named.Obj().Pos()))
		return false
	}
	ok = true
	flags := map[string]string{} // flag name -> field
	for i := range st.NumFields() {
		f := st.Field(i)
		at := g.goPos(p.Fset, f.Pos())
		bad := func(format string, args ...any) {
			g.errorf(j.cfg.ParamsPos, "%s: field %s.%s %s (%s)", where, j.params.typeName, f.Name(), fmt.Sprintf(format, args...), at)
			ok = false
		}
		if f.Embedded() {
			bad("is embedded; list the inputs as fields of their own")
			continue
		}
		if !f.Exported() {
			bad("is unexported, so no flag can set it; export it, or keep it out of the params type")
			continue
		}
		kind := inputKind(f.Type())
		if kind == "" {
			bad("has type %s, which is not an input type: want %s", typeName(f.Type()), inputs.Supported)
			continue
		}
		tag := reflect.StructTag(st.Tag(i))
		name := inputs.FlagName(f.Name(), tag.Get(inputs.TagFlag))
		if msg := inputs.CheckFlagName(name); msg != "" {
			hint := ""
			if inputs.Reserved[name] {
				hint = fmt.Sprintf("; rename it with a tag such as `%s:\"%s-%s\"`", inputs.TagFlag, j.cfg.Name, name)
			}
			bad("has flag name --%s, which %s%s", name, msg, hint)
			continue
		}
		if other, dup := flags[name]; dup {
			bad("has flag name --%s, as field %s has", name, other)
			continue
		}
		flags[name] = f.Name()
		def, hasDef := tag.Lookup(inputs.TagDefault)
		req, hasReq := tag.Lookup(inputs.TagRequired)
		if hasReq && req != "true" && req != "false" {
			bad("has tag %s:%q; want %q or %q", inputs.TagRequired, req, "true", "false")
			continue
		}
		if hasDef && req == "true" {
			bad("is required and has a default; keep one")
			continue
		}
		if hasDef {
			if err := checkDefault(kind, f.Type(), def); err != nil {
				bad("has default %q: %v", def, err)
			}
		}
	}
	if ok {
		j.params.typ = named
	}
	return ok
}

// inputKind names the kind of input (internal/inputs) a field of type t
// is, "" if it is none.
func inputKind(t types.Type) string {
	if implementsTextUnmarshaler(t) {
		return inputs.KindText
	}
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" {
		switch n.Obj().Name() {
		case "Duration":
			return inputs.KindDuration
		case "Time":
			return inputs.KindTime // time.Time implements UnmarshalText too, but parses RFC 3339 only
		}
	}
	b, ok := t.Underlying().(*types.Basic)
	if !ok {
		return ""
	}
	switch {
	case b.Kind() == types.String:
		return inputs.KindString
	case b.Kind() == types.Bool:
		return inputs.KindBool
	case b.Info()&types.IsUnsigned != 0 && b.Kind() != types.Uintptr:
		return inputs.KindUint
	case b.Info()&types.IsInteger != 0 && b.Kind() != types.Uintptr:
		return inputs.KindInt
	case b.Info()&types.IsFloat != 0:
		return inputs.KindFloat
	}
	return ""
}

func implementsTextUnmarshaler(t types.Type) bool {
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time" {
		return false
	}
	ms := types.NewMethodSet(types.NewPointer(t))
	sel := ms.Lookup(nil, "UnmarshalText")
	if sel == nil {
		return false
	}
	sig, _ := sel.Obj().Type().(*types.Signature)
	if sig == nil || sig.Params().Len() != 1 || sig.Results().Len() != 1 || !isError(sig.Results().At(0).Type()) {
		return false
	}
	s, ok := sig.Params().At(0).Type().(*types.Slice)
	if !ok {
		return false
	}
	b, ok := s.Elem().(*types.Basic)
	return ok && b.Kind() == types.Byte
}

// checkDefault parses a default value as runtime/jobmain will (with
// internal/inputs), for every kind but a TextUnmarshaler, whose default
// is checked when the binary starts.
func checkDefault(kind string, t types.Type, def string) error {
	if kind == inputs.KindText || kind == inputs.KindString {
		return nil
	}
	typ, bits := "", 0
	if b, ok := t.Underlying().(*types.Basic); ok {
		typ, bits = b.Name(), int(types.SizesFor("gc", "amd64").Sizeof(b))*8
	}
	_, err := inputs.Parse(kind, typ, bits, def)
	return err
}
