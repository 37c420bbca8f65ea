package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/taskorchestrator/taskorchestrator/internal/textdist"
)

// validate checks root against the embedded schema and returns one Error for
// every violation, at the position of the value (or key) it is about. The
// error is for failures that are not about the input.
func validate(file string, root *node, lines *lineTable) (Errors, error) {
	sch, err := loadSchema()
	if err != nil {
		return nil, err
	}
	err = sch.schema.Validate(toValue(root))
	if err == nil {
		return nil, nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, fmt.Errorf("config: validate %s: %w", file, err)
	}
	r := reporter{file: file, root: root, lines: lines, doc: sch.doc}
	r.walk(ve)
	return r.errs, nil
}

// toValue converts a tree into the values the jsonschema package validates:
// nil, bool, json.Number, string, []any and map[string]any. Of duplicate keys
// the first wins, as everywhere in this package. A number out of range (already
// reported by the parser) becomes 0, because math/big cannot hold it.
func toValue(n *node) any {
	switch n.kind {
	case kindBool:
		return n.b
	case kindNumber:
		if !numberInRange(n.str) {
			return json.Number("0")
		}
		return json.Number(n.str)
	case kindString:
		return n.str
	case kindArray:
		a := make([]any, len(n.elems))
		for i, e := range n.elems {
			a[i] = toValue(e)
		}
		return a
	case kindObject:
		m := make(map[string]any, len(n.members))
		for _, mem := range n.members {
			if _, dup := m[mem.key]; !dup {
				m[mem.key] = toValue(mem.val)
			}
		}
		return m
	}
	return nil
}

// reporter turns the leaves of a ValidationError into Errors.
type reporter struct {
	file  string
	root  *node
	lines *lineTable
	doc   any // the schema, decoded
	errs  Errors
}

func (r *reporter) walk(ve *jsonschema.ValidationError) {
	if len(ve.Causes) == 0 {
		before := len(r.errs)
		r.leaf(ve)
		if len(r.errs) == before {
			// Never let a failed keyword pass silently, even if leaf could
			// not phrase it.
			n, path, _ := lookupNode(r.root, ve.InstanceLocation)
			r.add(n.off, path, ve.Message)
		}
		return
	}
	for _, c := range ve.Causes {
		r.walk(c)
	}
}

// add records msg at off, prefixed with where it is.
func (r *reporter) add(off int, path []segment, msg string) {
	if where := formatPath(path); where != "" {
		msg = where + ": " + msg
	}
	r.errs.Add(r.file, r.lines.pos(off), "%s", msg)
}

// leaf reports one failed keyword.
func (r *reporter) leaf(ve *jsonschema.ValidationError) {
	kwLoc := ve.KeywordLocation
	kw := kwLoc[strings.LastIndexByte(kwLoc, '/')+1:]
	// The schema object that holds the keyword, to quote its values.
	frag := ""
	if i := strings.IndexByte(ve.AbsoluteKeywordLocation, '#'); i >= 0 {
		frag = ve.AbsoluteKeywordLocation[i+1:]
	}
	if i := strings.LastIndexByte(frag, '/'); i >= 0 {
		frag = frag[:i]
	}
	sobj, _ := lookupDoc(r.doc, frag).(map[string]any)

	n, path, keyOff := lookupNode(r.root, ve.InstanceLocation)

	if strings.Contains(kwLoc, "/propertyNames/") && keyOff >= 0 {
		// The instance is a key of the object one step up.
		key := path[len(path)-1].key
		path = path[:len(path)-1]
		msg := ve.Message
		if pat, ok := sobj["pattern"].(string); ok && kw == "pattern" {
			msg = "does not match pattern " + pat
		}
		r.add(keyOff, path, "key "+quote(key)+" "+msg)
		return
	}

	switch kw {
	case "type":
		r.add(n.off, path, fmt.Sprintf("must be %s, got %s", wantType(sobj["type"]), gotType(n)))
	case "required":
		req, _ := sobj["required"].([]any)
		for _, k := range req {
			if k, ok := k.(string); ok && n.kind == kindObject && n.get(k) == nil {
				r.add(n.off, path, "missing required key "+quote(k))
			}
		}
	case "unevaluatedProperties":
		// Reported once for each such key, at its value.
		if keyOff >= 0 {
			key := path[len(path)-1].key
			props, _ := sobj["properties"].(map[string]any)
			r.add(keyOff, path[:len(path)-1], "unknown key "+quote(key)+suggest(key, props))
		}
	case "additionalProperties":
		// Reported once for the object, naming all such keys.
		props, _ := sobj["properties"].(map[string]any)
		seen := make(map[string]bool)
		for _, m := range n.members {
			if _, known := props[m.key]; known || seen[m.key] {
				continue
			}
			seen[m.key] = true
			r.add(m.keyOff, path, "unknown key "+quote(m.key)+suggest(m.key, props))
		}
	case "pattern":
		pat, _ := sobj["pattern"].(string)
		if hint, ok := sobj["patternErrorMessage"].(string); ok {
			r.add(n.off, path, hint+", got "+quote(n.str))
		} else {
			r.add(n.off, path, quote(n.str)+" does not match pattern "+pat)
		}
	case "minItems", "minProperties":
		min, _ := sobj[kw].(float64)
		count := len(n.elems) + len(n.members)
		if min == 1 {
			r.add(n.off, path, "must not be empty")
		} else {
			r.add(n.off, path, fmt.Sprintf("must have at least %v entries, got %d", min, count))
		}
	case "uniqueItems":
		first := make(map[string]int)
		for i, e := range n.elems {
			k := canonical(e)
			if j, dup := first[k]; dup {
				p := append(path[:len(path):len(path)], segment{index: i})
				r.add(e.off, p, fmt.Sprintf("duplicate value %s (first at %s)", shortValue(e), r.lines.pos(n.elems[j].off)))
				continue
			}
			first[k] = i
		}
	case "minimum", "maximum":
		lo, hasLo := sobj["minimum"].(float64)
		hi, hasHi := sobj["maximum"].(float64)
		switch {
		case hasLo && hasHi:
			r.add(n.off, path, fmt.Sprintf("must be between %v and %v, got %s", lo, hi, n.str))
		default:
			r.add(n.off, path, strings.ReplaceAll(ve.Message, " but found ", ", got "))
		}
	default:
		r.add(n.off, path, ve.Message)
	}
}

// wantType phrases a schema "type" value: "a string", "an integer or null".
func wantType(t any) string {
	var names []string
	switch t := t.(type) {
	case string:
		names = []string{t}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				names = append(names, s)
			}
		}
	}
	for i, s := range names {
		switch s {
		case "null":
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

// gotType names the type of n for a message; a number that is not an integer
// is shown as it is.
func gotType(n *node) string {
	if n.kind == kindNumber {
		if r, ok := new(big.Rat).SetString(n.str); ok && !r.IsInt() {
			return "number " + n.str
		}
	}
	return n.kind.String()
}

// shortValue renders a scalar for a message.
func shortValue(n *node) string {
	switch n.kind {
	case kindString:
		return quote(n.str)
	case kindNumber:
		return n.str
	case kindBool:
		return strconv.FormatBool(n.b)
	case kindNull:
		return "null"
	}
	return n.kind.String()
}

// canonical returns a string that is equal for JSON values that JSON Schema
// considers equal (uniqueItems): numbers by value, objects whatever the order
// of their keys.
func canonical(n *node) string {
	var b strings.Builder
	writeCanonical(&b, n)
	return b.String()
}

func writeCanonical(b *strings.Builder, n *node) {
	switch n.kind {
	case kindNull:
		b.WriteString("n")
	case kindBool:
		b.WriteString(strconv.FormatBool(n.b))
	case kindNumber:
		if r, ok := new(big.Rat).SetString(n.str); ok && numberInRange(n.str) {
			b.WriteString("#" + r.RatString())
		} else {
			b.WriteString("#0")
		}
	case kindString:
		b.WriteString(strconv.Quote(n.str))
	case kindArray:
		b.WriteByte('[')
		for _, e := range n.elems {
			writeCanonical(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case kindObject:
		v, _ := json.Marshal(toValue(n)) // sorts the keys
		b.Write(v)
	}
}

// suggest returns ` (did you mean "x"?)` when key is close to one of the
// known keys: the same but for case, or one or two typing mistakes away.
func suggest(key string, known map[string]any) string {
	best, bestDist := "", 3
	for k := range known {
		d := 3
		if strings.EqualFold(k, key) {
			d = 0
		} else if len(key) <= 64 {
			d = textdist.Distance(strings.ToLower(key), k)
		}
		if d < bestDist || d == bestDist && k < best {
			best, bestDist = k, d
		}
	}
	if best == "" || bestDist > 2 || bestDist >= len(best) {
		return ""
	}
	return " (did you mean " + quote(best) + "?)"
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

// lookupNode follows a JSON pointer from root. It returns the value, the
// path to it, and the offset of its key when it is an object member (else
// -1). A pointer that leads nowhere stops at the last value found.
func lookupNode(root *node, ptr string) (*node, []segment, int) {
	n, keyOff := root, -1
	var path []segment
	for _, tok := range pointerTokens(ptr) {
		switch n.kind {
		case kindObject:
			m := n.get(tok)
			if m == nil {
				return n, path, keyOff
			}
			n, keyOff = m.val, m.keyOff
			path = append(path, segment{key: tok, index: -1})
		case kindArray:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.elems) {
				return n, path, keyOff
			}
			n, keyOff = n.elems[i], -1
			path = append(path, segment{index: i})
		default:
			return n, path, keyOff
		}
	}
	return n, path, keyOff
}

// lookupDoc follows a JSON pointer in a decoded JSON document.
func lookupDoc(doc any, ptr string) any {
	for _, tok := range pointerTokens(ptr) {
		switch d := doc.(type) {
		case map[string]any:
			doc = d[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(d) {
				return nil
			}
			doc = d[i]
		default:
			return nil
		}
	}
	return doc
}
