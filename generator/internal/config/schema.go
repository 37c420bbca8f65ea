package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	schemafile "github.com/taskorchestrator/taskorchestrator/config"
	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// patternMessage is the schema's "patternErrorMessage" keyword, which VS
// Code shows when a value breaks its "pattern"; jobgen says the same.
type patternMessage string

func (patternMessage) Validate(jsonschema.ValidationContext, any) error { return nil }

type patternMessageCompiler struct{}

func (patternMessageCompiler) Compile(_ jsonschema.CompilerContext, m map[string]any) (jsonschema.ExtSchema, error) {
	if msg, ok := m["patternErrorMessage"].(string); ok {
		return patternMessage(msg), nil
	}
	return nil, nil
}

// compiled is the embedded schema, compiled once.
var compiled = sync.OnceValues(func() (*jsonschema.Schema, error) {
	data := schemafile.Schema()
	var top struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal(data, &top); err != nil || top.ID == "" {
		return nil, fmt.Errorf("embedded schema: no $id (%v)", err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schema refers to %s, which is not embedded", s)
	}
	meta := jsonschema.MustCompileString("patternErrorMessage.json", `{"properties": {"patternErrorMessage": {"type": "string"}}}`)
	c.RegisterExtension("patternErrorMessage", meta, patternMessageCompiler{})
	if err := c.AddResource(top.ID, bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	sch, err := c.Compile(top.ID)
	if err != nil {
		return nil, fmt.Errorf("compile the embedded schema: %w", err)
	}
	return sch, nil
})

// validate checks doc against the schema and reports every violation at
// the value, or the key, it is about. The error is for a schema that does
// not compile.
func (p *parser) validate(doc any, root *node) error {
	sch, err := compiled()
	if err != nil {
		return err
	}
	err = sch.Validate(doc)
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		p.violations(sch, doc, root, ve)
		return nil
	}
	return err
}

// violations reports the leaves of a ValidationError.
func (p *parser) violations(sch *jsonschema.Schema, doc any, root *node, ve *jsonschema.ValidationError) {
	for _, c := range ve.Causes {
		p.violations(sch, doc, root, c)
	}
	if len(ve.Causes) > 0 {
		return
	}
	before := p.errors
	at := find(root, doc, ve.InstanceLocation)
	toks := pointerTokens(ve.KeywordLocation)
	if s := schemaAt(sch, toks); s != nil {
		p.violation(s, toks[len(toks)-1], at, strings.Contains(ve.KeywordLocation, "/propertyNames/"))
	}
	if p.errors == before {
		// Never let a failed keyword pass silently, even one the messages
		// below do not know.
		p.errorf(at.n.off, at.path, "%s", ve.Message)
	}
}

// violation reports the failed keyword kw of the schema object s about the
// value at; ofKey says that the value is the key of at (propertyNames).
func (p *parser) violation(s *jsonschema.Schema, kw string, at place, ofKey bool) {
	n, path, v := at.n, at.path, at.v
	if ofKey {
		if at.n.keyOff < 0 || len(path) == 0 {
			return
		}
		key := path[len(path)-1].key
		msg := "does not satisfy the schema"
		if kw == "pattern" && s.Pattern != nil {
			msg = "does not match pattern " + s.Pattern.String()
		}
		p.errorf(n.keyOff, path[:len(path)-1], "key %s %s", text.Quote(key), msg)
		return
	}
	switch kw {
	case "type":
		p.errorf(n.off, path, "must be %s, got %s", wantType(s.Types), gotType(v))
	case "required":
		obj, _ := v.(map[string]any)
		for _, k := range s.Required {
			if _, ok := obj[k]; !ok {
				p.errorf(n.off, path, "missing required key %s", text.Quote(k))
			}
		}
	case "additionalProperties":
		// Reported at each unknown key, in file order.
		known := slices.Sorted(maps.Keys(s.Properties))
		for _, k := range n.keys {
			if _, ok := s.Properties[k]; !ok {
				p.errorf(n.fields[k].keyOff, path, "unknown key %s%s", text.Quote(k), text.Suggest(k, known))
			}
		}
	case "pattern":
		str, _ := v.(string)
		if hint, ok := s.Extensions["patternErrorMessage"].(patternMessage); ok {
			p.errorf(n.off, path, "%s, got %s", hint, text.Quote(str))
		} else if s.Pattern != nil {
			p.errorf(n.off, path, "%s does not match pattern %s", text.Quote(str), s.Pattern.String())
		}
	case "minItems", "minProperties":
		least, count := s.MinItems, len(n.elems)
		if kw == "minProperties" {
			least, count = s.MinProperties, len(n.keys)
		}
		if least == 1 {
			p.errorf(n.off, path, "must not be empty")
		} else {
			p.errorf(n.off, path, "must have at least %d entries, got %d", least, count)
		}
	case "uniqueItems":
		arr, _ := v.([]any)
		first := map[string]int{}
		for i, e := range arr {
			k := canonical(e)
			if j, dup := first[k]; dup && i < len(n.elems) {
				p.errorf(n.elems[i].off, append(path[:len(path):len(path)], segment{index: i}), "duplicate value %s (first at %s)", shortValue(e), lineCol(p.pos(n.elems[j].off)))
				continue
			}
			first[k] = i
		}
	case "minimum", "maximum":
		num, _ := v.(json.Number)
		switch {
		case s.Minimum != nil && s.Maximum != nil:
			p.errorf(n.off, path, "must be between %s and %s, got %s", s.Minimum.RatString(), s.Maximum.RatString(), num)
		case s.Minimum != nil:
			p.errorf(n.off, path, "must be at least %s, got %s", s.Minimum.RatString(), num)
		case s.Maximum != nil:
			p.errorf(n.off, path, "must be at most %s, got %s", s.Maximum.RatString(), num)
		}
	}
}

// schemaAt follows a keyword location (without its last token, the
// keyword) through the compiled schema to the schema object that holds
// the keyword, or returns nil for a step this schema does not take.
func schemaAt(s *jsonschema.Schema, toks []string) *jsonschema.Schema {
	if len(toks) == 0 {
		return nil
	}
	for i := 0; i < len(toks)-1 && s != nil; i++ {
		switch toks[i] {
		case "properties":
			i++
			if i == len(toks)-1 {
				return nil
			}
			s = s.Properties[toks[i]]
		case "additionalProperties":
			s, _ = s.AdditionalProperties.(*jsonschema.Schema)
		case "propertyNames":
			s = s.PropertyNames
		case "items":
			if s.Items2020 != nil {
				s = s.Items2020
			} else {
				s, _ = s.Items.(*jsonschema.Schema)
			}
		case "$ref":
			s = s.Ref
		default:
			return nil
		}
	}
	return s
}

// place is a value of the document: its position node, the path to it and
// the decoded value.
type place struct {
	n    *node
	path []segment
	v    any
}

// find follows an instance location from the root of both trees. A
// location that leads nowhere stops at the last value found.
func find(root *node, doc any, ptr string) place {
	at := place{n: root, v: doc}
	for _, tok := range pointerTokens(ptr) {
		switch v := at.v.(type) {
		case map[string]any:
			n := at.n.fields[tok]
			if n == nil {
				return at
			}
			at = place{n: n, path: append(at.path, segment{key: tok, index: -1}), v: v[tok]}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) || i >= len(at.n.elems) {
				return at
			}
			at = place{n: at.n.elems[i], path: append(at.path, segment{index: i}), v: v[i]}
		default:
			return at
		}
	}
	return at
}

// pointerTokens splits a JSON pointer as the jsonschema package writes it:
// each token escaped as in RFC 6901 and then as a URL path segment.
func pointerTokens(ptr string) []string {
	if ptr == "" {
		return nil
	}
	toks := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, t := range toks {
		if u, err := url.PathUnescape(t); err == nil {
			t = u
		}
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks
}

// wantType phrases a schema "type": "a string", "an integer or null".
func wantType(types []string) string {
	names := make([]string, len(types))
	for i, s := range types {
		switch s {
		case "null":
			names[i] = s
		case "integer", "object", "array":
			names[i] = "an " + s
		default:
			names[i] = "a " + s
		}
	}
	if len(names) == 0 {
		return "of another type"
	}
	return strings.Join(names, " or ")
}

// gotType names the JSON type of v for a message; a number that is not an
// integer is shown as it is.
func gotType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if r, ok := new(big.Rat).SetString(string(v)); ok && !r.IsInt() {
			return "number " + string(v)
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// shortValue renders a scalar for a message, and names the type of
// anything else.
func shortValue(v any) string {
	switch v := v.(type) {
	case string:
		return text.Quote(v)
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return gotType(v)
}

// canonical returns a string that is equal for JSON values that JSON Schema
// considers equal (uniqueItems): numbers by value, objects whatever the
// order of their keys.
func canonical(v any) string {
	var b strings.Builder
	var write func(v any)
	write = func(v any) {
		switch v := v.(type) {
		case nil:
			b.WriteString("n")
		case bool:
			b.WriteString(strconv.FormatBool(v))
		case json.Number:
			if r, ok := new(big.Rat).SetString(string(v)); ok {
				b.WriteString("#" + r.RatString())
			} else {
				b.WriteString("#" + string(v))
			}
		case string:
			b.WriteString(strconv.Quote(v))
		case []any:
			b.WriteByte('[')
			for _, e := range v {
				write(e)
				b.WriteByte(',')
			}
			b.WriteByte(']')
		case map[string]any:
			b.WriteByte('{')
			for _, k := range slices.Sorted(maps.Keys(v)) {
				b.WriteString(strconv.Quote(k) + ":")
				write(v[k])
				b.WriteByte(',')
			}
			b.WriteByte('}')
		}
	}
	write(v)
	return b.String()
}
