package generator

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encodeSrc declares the types of TestEncodeProblems. Line numbers matter:
// the wanted problems name them.
const encodeSrc = `package a

import (
	"encoding/json"
	"io"
	"math/big"
	"net/netip"
	"time"
	"unsafe"
)

type Sale struct {
	Region string
	Src    io.Reader
	Date   time.Time
	note   string
	Skip   func() ` + "`json:\"-\"`" + `
	Amount *big.Int
	Raw    json.RawMessage
	Bytes  []byte
}

type Pair struct{ A, B Sale }

type Node struct {
	Next *Node
	Kids []Node
	F    func()
}

type Report struct{ Items []Item }

type Item struct{ X any }

type WithReader struct {
	io.Reader
	N int
}

type Event struct {
	time.Time
	Name string
}

type inner struct{ X int }

type EmbedsPtr struct{ *inner }

type EmbedsValue struct {
	inner
	hidden int
}

type Locked struct {
	a, b, c, d int
	Open       int
}

type Box[T any] struct{ V T }

type Opaque struct{ ch chan int }

func (Opaque) MarshalJSON() ([]byte, error) { return nil, nil }
func (*Opaque) UnmarshalJSON([]byte) error  { return nil }

type Level struct{ f func() }

func (Level) MarshalText() ([]byte, error) { return nil, nil }
func (*Level) UnmarshalText([]byte) error  { return nil }

type WriteOnlyKey struct{ S string }

func (WriteOnlyKey) MarshalText() ([]byte, error) { return nil, nil }

type SelfCoded interface {
	MarshalJSON() ([]byte, error)
	UnmarshalJSON([]byte) error
}

type Msg struct {
	state int
	Body  any
}

func (*Msg) Reset()         {}
func (*Msg) String() string { return "" }
func (*Msg) ProtoMessage()  {}

type Out struct {
	Meta struct {
		X chan int
		y int
	}
}

type When struct{ At *time.Time }

type Point struct{ X, Y int }

type Region string

type Tree map[string]Tree

type Funcs struct{ Fns []func() }

var _ = unsafe.Pointer(nil)
var _ netip.Addr
`

func TestEncodeProblems(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "a.go", encodeSrc, 0)
	require.NoError(t, err)
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("example.com/m/jobs/a", fset, []*ast.File{f}, nil)
	require.NoError(t, err)

	const (
		iface  = ", which the data converter cannot decode into"
		encode = ", which encoding/json cannot encode"
		keys   = ", which encoding/json rejects: keys must be strings, integers, or implement encoding.TextMarshaler and TextUnmarshaler"
		rfc    = ", which keeps the UTC offset but not the zone name or the monotonic reading (times in UTC round-trip exactly)"
	)
	tests := []struct {
		name  string
		typ   string // a type expression in package a
		want  []string
		rules *encodeRules // nil: temporalRules
	}{
		// Fine.
		{name: "basic types", typ: "struct{ A int; B string; C float64; D bool; E uintptr; F time.Duration }"},
		{name: "bytes", typ: "[]byte"},
		{name: "raw message", typ: "json.RawMessage"},
		{name: "big numbers", typ: "struct{ I *big.Int; F big.Float; R *big.Rat }"},
		{name: "text marshaler", typ: "netip.Addr"},
		{name: "maps with good keys", typ: "struct{ A map[string]int; B map[int64][]string; C map[Region]uint8; D map[netip.Addr]bool }"},
		{name: "arrays and pointers", typ: "*[3]*float64"},
		{name: "recursive map", typ: "Tree"},
		{name: "trusted JSON marshaler", typ: "[]Opaque"},
		{name: "trusted text marshaler", typ: "map[string]*Level"},
		{name: "unexported embedded struct", typ: "EmbedsValue", want: []string{
			"W a.EmbedsValue → EmbedsValue.hidden: field EmbedsValue.hidden (int) is unexported, so encoding/json leaves it out: it arrives as the zero value @51:2"}},

		// Errors.
		{name: "channel", typ: "chan int", want: []string{"E chan int: it is a channel" + encode}},
		{name: "func", typ: "func()", want: []string{"E func(): it is a func" + encode}},
		{name: "unsafe pointer", typ: "unsafe.Pointer", want: []string{"E unsafe.Pointer: it is an unsafe.Pointer" + encode}},
		{name: "complex", typ: "complex128", want: []string{"E complex128: it is a complex number" + encode}},
		{name: "complex element", typ: "[]complex64", want: []string{"E []complex64: it holds a complex number (complex64)" + encode}},
		{name: "any", typ: "any", want: []string{"E any: it is an interface" + iface}},
		{name: "error", typ: "error", want: []string{"E error: it is an interface" + iface}},
		{name: "reader in a map", typ: "map[string]io.Reader", want: []string{"E map[string]io.Reader: it holds an interface (io.Reader)" + iface}},
		{name: "interface with marshal methods", typ: "SelfCoded", want: []string{"E a.SelfCoded: it is an interface" + iface}},
		{name: "float keys", typ: "map[float64]int", want: []string{"E map[float64]int: it has keys of type float64" + keys}},
		{name: "bool keys", typ: "[]map[bool]int", want: []string{"E []map[bool]int: it holds a map with keys of type bool" + keys}},
		{name: "struct keys", typ: "map[Point]int", want: []string{"E map[a.Point]int: it has keys of type a.Point" + keys}},
		{name: "pointer keys", typ: "map[*string]int", want: []string{"E map[*string]int: it has keys of type *string" + keys}},
		{name: "keys without TextUnmarshaler", typ: "map[WriteOnlyKey]int", want: []string{"E map[a.WriteOnlyKey]int: it has keys of type a.WriteOnlyKey" + keys}},
		{name: "field holds funcs", typ: "Funcs", want: []string{"E a.Funcs → Funcs.Fns: field Funcs.Fns ([]func()) holds a func (func())" + encode + " @104:20"}},
		{name: "embedded interface", typ: "WithReader", want: []string{"E a.WithReader → WithReader.Reader: field WithReader.Reader (io.Reader) is an interface" + iface + " @36:5"}},
		{name: "embedded pointer to unexported struct", typ: "EmbedsPtr", want: []string{
			"E a.EmbedsPtr → EmbedsPtr.inner: embedded field EmbedsPtr.inner (*a.inner) is a pointer to an unexported struct type, which encoding/json cannot allocate when decoding @47:25"}},
		{name: "generic", typ: "Box[any]", want: []string{"E a.Box[any] → Box[any].V: field Box[any].V (any) is an interface" + iface + " @59:25"}},

		// A struct with several problems, each once however often the
		// struct appears; recursion ends.
		{name: "sales", typ: "[]Sale", want: []string{
			"E []a.Sale → Sale.Src: field Sale.Src (io.Reader) is an interface" + iface + " @14:2",
			"W []a.Sale → Sale.Date: field Sale.Date (time.Time) is encoded as RFC 3339 text" + rfc + " @15:2",
			"W []a.Sale → Sale.note: field Sale.note (string) is unexported, so encoding/json leaves it out: it arrives as the zero value @16:2",
		}},
		{name: "sales twice", typ: "struct{ P Pair; M map[string]Sale; S *Sale }", want: []string{
			"E struct{P a.Pair; M map[string]a.Sale; S *a.Sale} → struct.P → Pair.A → Sale.Src: field struct.P → Pair.A → Sale.Src (io.Reader) is an interface" + iface + " @14:2",
			"W struct{P a.Pair; M map[string]a.Sale; S *a.Sale} → struct.P → Pair.A → Sale.Date: field struct.P → Pair.A → Sale.Date (time.Time) is encoded as RFC 3339 text" + rfc + " @15:2",
			"W struct{P a.Pair; M map[string]a.Sale; S *a.Sale} → struct.P → Pair.A → Sale.note: field struct.P → Pair.A → Sale.note (string) is unexported, so encoding/json leaves it out: it arrives as the zero value @16:2",
		}},
		{name: "recursive", typ: "*Node", want: []string{"E *a.Node → Node.F: field Node.F (func()) is a func" + encode + " @28:2"}},
		{name: "deep path", typ: "Report", want: []string{"E a.Report → Report.Items → Item.X: field Report.Items → Item.X (any) is an interface" + iface + " @33:19"}},
		{name: "anonymous struct", typ: "Out", want: []string{
			"E a.Out → Out.Meta.X: field Out.Meta.X (chan int) is a channel" + encode + " @91:3",
			"W a.Out → Out.Meta.y: field Out.Meta.y (int) is unexported, so encoding/json leaves it out: it arrives as the zero value @92:3",
		}},

		// Warnings.
		{name: "time", typ: "time.Time", want: []string{"W time.Time: it is encoded as RFC 3339 text" + rfc}},
		{name: "time pointer", typ: "When", want: []string{"W a.When → When.At: field When.At (*time.Time) holds time.Time, encoded as RFC 3339 text" + rfc + " @96:19"}},
		{name: "many unexported fields", typ: "Locked", want: []string{
			"W a.Locked: fields Locked.a, Locked.b, Locked.c and 1 more are unexported, so encoding/json leaves them out: they arrive as zero values @55:2"}},
		{name: "unexported fields deeper", typ: "[]struct{ L Locked }", want: []string{
			"W []struct{L a.Locked} → struct.L: fields Locked.a, Locked.b, Locked.c and 1 more (in struct.L) are unexported, so encoding/json leaves them out: they arrive as zero values @55:2"}},
		{name: "marshaler from an embedded field", typ: "Event", want: []string{
			"W a.Event: it gets MarshalJSON from its embedded field Time (time.Time), so encoding/json encodes that field alone: the other fields are lost @41:7"}},

		// Proto messages: trusted as the checked type only.
		{name: "proto message", typ: "*Msg"},
		{name: "proto message by value", typ: "Msg", want: []string{
			"E a.Msg → Msg.Body: field Msg.Body (any) is an interface" + iface + " @82:2",
			"W a.Msg → Msg.state: field Msg.state (int) is unexported, so encoding/json leaves it out: it arrives as the zero value @81:2",
		}},
		{name: "proto message inside", typ: "[]*Msg", want: []string{
			"E []*a.Msg → Msg.Body: field Msg.Body (any) is an interface" + iface + " @82:2",
			"W []*a.Msg → Msg.state: field Msg.state (int) is unexported, so encoding/json leaves it out: it arrives as the zero value @81:2",
		}},
		{name: "proto message without proto rules", typ: "*Msg", rules: &encodeRules{decoder: "encoding/json"}, want: []string{
			"E *a.Msg → Msg.Body: field Msg.Body (any) is an interface, which encoding/json cannot decode into @82:2",
			"W *a.Msg → Msg.state: field Msg.state (int) is unexported, so encoding/json leaves it out: it arrives as the zero value @81:2",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tv, err := types.Eval(fset, pkg, f.Decls[len(f.Decls)-1].Pos(), tt.typ) // in the file scope, with its imports
			require.NoError(t, err)
			require.True(t, tv.IsType(), "%s is not a type", tt.typ)
			rules := temporalRules
			if tt.rules != nil {
				rules = *tt.rules
			}
			var got []string
			for _, p := range encodeProblems(tv.Type, rules) {
				kind := "E"
				if p.Warning {
					kind = "W"
				}
				at := ""
				if p.Pos.IsValid() {
					pos := fset.Position(p.Pos)
					at = fmt.Sprintf(" @%d:%d", pos.Line, pos.Column)
				}
				got = append(got, fmt.Sprintf("%s %s: %s%s", kind, p.Path, p.Msg, at))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}
