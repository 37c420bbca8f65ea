package generator

import (
	"go/token"
	"go/types"
	"reflect"
	"strconv"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// This file holds the one check of whether a type survives a trip through
// JSON: encoded on one side, decoded into a new value of the same type on
// the other. Temporal needs it for the results of tasks (they cross
// machines as payloads of the SDK's default data converter: nil, []byte as
// binary, proto messages as proto JSON, and everything else with
// encoding/json), and so will a --state folder that keeps results as
// JSON files. Both call [encodeProblems] with their [encodeRules].

// encodeProblem is one finding of [encodeProblems].
type encodeProblem struct {
	// Path is where the problem is: the type checked, then each struct
	// field on the way, "[]job1.Sale → Sale.Src".
	Path string
	// Msg says what is wrong, naming the field (or "it", the type
	// itself): "field Sale.Src (io.Reader) is an interface, which the data
	// converter cannot decode into". Lower-case, no final period.
	Msg string
	// Warning marks a value that makes the trip but loses something on
	// the way; otherwise encoding or decoding fails at run time.
	Warning bool
	// Pos is the declaration of the offending field, or token.NoPos when
	// the problem is not a field's.
	Pos token.Pos
}

// encodeRules are what tells the users of the check apart.
type encodeRules struct {
	// decoder names what decodes the values, in messages.
	decoder string
	// protoRoot trusts a checked type that is a protocol buffers message
	// (golang/protobuf's ProtoReflect, or gogo's Reset, String and
	// ProtoMessage), which Temporal carries as proto JSON. Only the type
	// itself: a message inside a struct goes through encoding/json.
	protoRoot bool
}

// temporalRules are the rules of Temporal's default data converter.
var temporalRules = encodeRules{decoder: "the data converter", protoRoot: true}

// encodeProblems returns every reason why a value of type root cannot make
// the trip through JSON (errors), or may lose something on the way
// (warnings), in the order of the fields; each problem once, however many
// paths lead to it. It walks what encoding/json walks: the elements of
// pointers, slices, arrays and maps, and the exported fields of structs
// (embedded structs included, fields tagged `json:"-"` left out), visiting
// each named type once, so recursive types end. A type whose pointer
// implements both json.Marshaler and json.Unmarshaler, or both
// encoding.TextMarshaler and encoding.TextUnmarshaler, decides its own
// encoding: it is trusted and not walked.
//
// Errors: a channel, a func, an unsafe.Pointer, a complex number, any
// interface type (error and any included, and even one whose methods
// include MarshalJSON: a zero interface value has no concrete type to
// decode into), a map whose key encoding/json rejects (it takes string and
// integer kinds and types that implement encoding.TextMarshaler and, by
// pointer, encoding.TextUnmarshaler), and an embedded pointer to an
// unexported struct type, which encoding/json cannot allocate when
// decoding. Warnings: unexported fields of a walked struct (encoding/json
// leaves them out, silently), time.Time (RFC 3339 text with the UTC
// offset: the zone name and the monotonic clock reading are lost), and a
// struct that gets its Marshaler from an embedded field, so that only that
// field is encoded.
func encodeProblems(root types.Type, rules encodeRules) []encodeProblem {
	if rules.protoRoot && isProtoMessage(root) {
		return nil
	}
	w := &encodeWalker{rules: rules, root: typeName(root), reported: map[string]bool{}}
	w.walk(root, encodeSpot{direct: true})
	return w.problems
}

// encodeWalker holds the state of one [encodeProblems] call.
type encodeWalker struct {
	rules    encodeRules
	root     string       // the checked type, for paths
	seen     typeutil.Map // named types already walked
	reported map[string]bool
	problems []encodeProblem
}

// encodeSpot is where the walker is in the checked type.
type encodeSpot struct {
	steps []string   // the struct fields on the way: "Report.Items", "Item.X"
	field *types.Var // the last of them; nil at the root
	// direct is set when the type at hand is the field's (or the root's)
	// own type, not an element of it.
	direct bool
}

// at returns the spot of a field reached from s. A field of an anonymous
// struct replaces the step to the struct (Out.Meta becomes Out.Meta.X).
func (s encodeSpot) at(step string, f *types.Var, replace bool) encodeSpot {
	steps := s.steps[:len(s.steps):len(s.steps)]
	if replace && len(steps) > 0 {
		steps = steps[:len(steps)-1]
	}
	return encodeSpot{steps: append(steps, step), field: f, direct: true}
}

// inside returns the spot of an element of the type at s.
func (s encodeSpot) inside() encodeSpot {
	s.direct = false
	return s
}

// subject names the spot in a message: "field Report.Items → Item.X
// (any)", or "it" for the checked type.
func (s encodeSpot) subject() string {
	if s.field == nil {
		return "it"
	}
	return "field " + strings.Join(s.steps, " → ") + " (" + typeName(s.field.Type()) + ")"
}

// is says that the type u at s is what noun describes: "field Sale.Src
// (io.Reader) is an interface", or for an element "field S.Fns ([]func())
// holds a func (func())".
func (s encodeSpot) is(noun string, u types.Type) string {
	if s.direct {
		return s.subject() + " is " + noun
	}
	return s.subject() + " holds " + noun + " (" + typeName(u) + ")"
}

// report records a problem at s, once.
func (w *encodeWalker) report(s encodeSpot, warning bool, pos token.Pos, msg string) {
	key := strconv.Itoa(int(pos)) + "\x00" + msg
	if w.reported[key] {
		return
	}
	w.reported[key] = true
	path := w.root
	if len(s.steps) > 0 {
		path += " → " + strings.Join(s.steps, " → ")
	}
	w.problems = append(w.problems, encodeProblem{Path: path, Msg: msg, Warning: warning, Pos: pos})
}

// fieldPos is the position of the field at s, if any.
func (s encodeSpot) fieldPos() token.Pos {
	if s.field == nil {
		return token.NoPos
	}
	return s.field.Pos()
}

const cannotEncode = ", which encoding/json cannot encode"

func (w *encodeWalker) walk(t types.Type, s encodeSpot) {
	t = types.Unalias(t)
	switch {
	case isTime(t):
		msg := s.subject() + " is encoded as RFC 3339 text"
		if !s.direct {
			msg = s.subject() + " holds time.Time, encoded as RFC 3339 text"
		}
		w.report(s, true, s.fieldPos(), msg+", which keeps the UTC offset but not the zone name or the monotonic reading (times in UTC round-trip exactly)")
		return
	case types.IsInterface(t):
		w.report(s, false, s.fieldPos(), s.is("an interface", t)+", which "+w.rules.decoder+" cannot decode into")
		return
	case w.trusted(t, s):
		return
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			w.report(s, false, s.fieldPos(), s.is("a complex number", t)+cannotEncode)
		case u.Kind() == types.UnsafePointer:
			w.report(s, false, s.fieldPos(), s.is("an unsafe.Pointer", t)+cannotEncode)
		}
		return
	case *types.Chan:
		w.report(s, false, s.fieldPos(), s.is("a channel", t)+cannotEncode)
		return
	case *types.Signature:
		w.report(s, false, s.fieldPos(), s.is("a func", t)+cannotEncode)
		return
	case *types.Map:
		if k := types.Unalias(u.Key()); !goodMapKey(k) {
			what := s.subject() + " has keys of type " + typeName(k)
			if !s.direct {
				what = s.subject() + " holds a map with keys of type " + typeName(k)
			}
			w.report(s, false, s.fieldPos(), what+", which encoding/json rejects: keys must be strings, integers, or implement encoding.TextMarshaler and TextUnmarshaler")
		}
	}
	if n, ok := t.(*types.Named); ok {
		if w.seen.At(n) != nil {
			return
		}
		w.seen.Set(n, true)
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		w.walk(u.Elem(), s.inside())
	case *types.Slice:
		w.walk(u.Elem(), s.inside())
	case *types.Array:
		w.walk(u.Elem(), s.inside())
	case *types.Map:
		w.walk(u.Elem(), s.inside())
	case *types.Struct:
		w.fields(t, u, s)
	}
}

// fields walks the fields of the struct t (underlying type st) at s, as
// encoding/json sees them.
func (w *encodeWalker) fields(t types.Type, st *types.Struct, s encodeSpot) {
	owner, anonymous := "struct", false
	if n, ok := t.(*types.Named); ok {
		owner = n.Obj().Name()
		if args := n.TypeArgs(); args.Len() > 0 {
			names := make([]string, args.Len())
			for i := range names {
				names[i] = typeName(args.At(i))
			}
			owner += "[" + strings.Join(names, ", ") + "]"
		}
	} else if len(s.steps) > 0 {
		owner, anonymous = s.steps[len(s.steps)-1], true // Out.Meta.X
	}
	var unexported []*types.Var
	for i := range st.NumFields() {
		f := st.Field(i)
		tag := reflect.StructTag(st.Tag(i)).Get("json")
		if tag == "-" {
			continue
		}
		step := owner + "." + f.Name()
		if f.Embedded() {
			ft := types.Unalias(f.Type())
			ptr, isPtr := ft.(*types.Pointer)
			base := ft
			if isPtr {
				base = types.Unalias(ptr.Elem())
			}
			_, isStruct := base.Underlying().(*types.Struct)
			if !f.Exported() {
				switch {
				case !isStruct:
					continue // encoding/json leaves out embedded fields of unexported non-struct types
				case isPtr && tagName(tag) == "":
					w.report(s.at(step, f, anonymous), false, f.Pos(), "embedded field "+step+" ("+typeName(ft)+") is a pointer to an unexported struct type, which encoding/json cannot allocate when decoding")
					continue
				}
			}
		} else if !f.Exported() {
			unexported = append(unexported, f)
			continue
		}
		w.walk(f.Type(), s.at(step, f, anonymous))
	}
	if len(unexported) == 0 {
		return
	}
	first := unexported[0]
	if len(unexported) == 1 {
		fs := s.at(owner+"."+first.Name(), first, anonymous)
		w.report(fs, true, first.Pos(), fs.subject()+" is unexported, so encoding/json leaves it out: it arrives as the zero value")
		return
	}
	const most = 3
	var names []string
	for _, f := range unexported[:min(len(unexported), most)] {
		names = append(names, owner+"."+f.Name())
	}
	list := strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	if len(unexported) > most {
		list = strings.Join(names, ", ") + " and " + strconv.Itoa(len(unexported)-most) + " more"
	}
	via, steps := "", s.steps
	if anonymous {
		steps = steps[:len(steps)-1]
	}
	if len(steps) > 0 {
		via = " (in " + strings.Join(steps, " → ") + ")"
	}
	w.report(s, true, first.Pos(), "fields "+list+via+" are unexported, so encoding/json leaves them out: they arrive as zero values")
}

// tagName is the name part of a json struct tag.
func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	return name
}

// trusted reports whether t encodes and decodes itself (see
// [encodeProblems]). When it gets those methods from an embedded field of
// a struct with other fields, only that field is encoded: trusted warns.
func (w *encodeWalker) trusted(t types.Type, s encodeSpot) bool {
	if _, isPtr := t.Underlying().(*types.Pointer); isPtr {
		return false // walked to its element, which is checked in turn
	}
	ms := types.NewPointer(t) // the method set encoding/json can use when decoding
	var method string
	switch {
	case types.Implements(ms, jsonMarshaler) && types.Implements(ms, jsonUnmarshaler):
		method = "MarshalJSON"
	case types.Implements(ms, textMarshaler) && types.Implements(ms, textUnmarshaler):
		method = "MarshalText"
	default:
		return false
	}
	st, _ := t.Underlying().(*types.Struct)
	if st == nil || st.NumFields() < 2 {
		return true
	}
	if obj, index, _ := types.LookupFieldOrMethod(ms, false, nil, method); obj != nil && len(index) > 1 {
		f := st.Field(index[0])
		w.report(s, true, f.Pos(), s.subject()+" gets "+method+" from its embedded field "+f.Name()+" ("+typeName(f.Type())+"), so encoding/json encodes that field alone: the other fields are lost")
	}
	return true
}

// goodMapKey reports whether encoding/json encodes and decodes maps with
// keys of type k.
func goodMapKey(k types.Type) bool {
	if b, ok := k.Underlying().(*types.Basic); ok && b.Info()&(types.IsString|types.IsInteger) != 0 {
		return true
	}
	if types.IsInterface(k) {
		return false
	}
	if _, isPtr := k.Underlying().(*types.Pointer); isPtr {
		return false // encodes, but decoding needs TextUnmarshaler on **T
	}
	return types.Implements(k, textMarshaler) && types.Implements(types.NewPointer(k), textUnmarshaler)
}

// isTime reports whether t is time.Time.
func isTime(t types.Type) bool {
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time"
}

// isProtoMessage reports whether t, not an interface, is a protocol
// buffers message as Temporal's data converter tells them: it has
// golang/protobuf's ProtoReflect() protoreflect.Message, or gogo's Reset,
// String and ProtoMessage.
func isProtoMessage(t types.Type) bool {
	t = types.Unalias(t)
	if types.IsInterface(t) {
		return false
	}
	if types.Implements(t, gogoMessage) {
		return true
	}
	obj, _, _ := types.LookupFieldOrMethod(t, false, nil, "ProtoReflect")
	fn, _ := obj.(*types.Func)
	if fn == nil {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Params().Len() != 0 || sig.Results().Len() != 1 {
		return false
	}
	n, ok := types.Unalias(sig.Results().At(0).Type()).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "google.golang.org/protobuf/reflect/protoreflect" && n.Obj().Name() == "Message"
}

// The interfaces of the standard library that decide an encoding, and
// gogo's proto.Message, declared here so that the check needs none of
// those packages loaded: types.Implements compares method names and
// signatures only.
var (
	jsonMarshaler   = newInterface(method("MarshalJSON", nil, bytesAndError))
	jsonUnmarshaler = newInterface(method("UnmarshalJSON", []types.Type{bytesType}, errorOnly))
	textMarshaler   = newInterface(method("MarshalText", nil, bytesAndError))
	textUnmarshaler = newInterface(method("UnmarshalText", []types.Type{bytesType}, errorOnly))
	gogoMessage     = newInterface(
		method("Reset", nil, nil),
		method("String", nil, []types.Type{types.Typ[types.String]}),
		method("ProtoMessage", nil, nil))
)

var (
	bytesType     = types.NewSlice(types.Typ[types.Byte])
	errorType     = types.Universe.Lookup("error").Type()
	bytesAndError = []types.Type{bytesType, errorType}
	errorOnly     = []types.Type{errorType}
)

func method(name string, params, results []types.Type) *types.Func {
	vars := func(ts []types.Type) *types.Tuple {
		vs := make([]*types.Var, len(ts))
		for i, t := range ts {
			vs[i] = types.NewParam(token.NoPos, nil, "", t)
		}
		return types.NewTuple(vs...)
	}
	return types.NewFunc(token.NoPos, nil, name, types.NewSignatureType(nil, nil, nil, vars(params), vars(results), false))
}

func newInterface(methods ...*types.Func) *types.Interface {
	return types.NewInterfaceType(methods, nil).Complete()
}
