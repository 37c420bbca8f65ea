package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/taskorchestrator/taskorchestrator/internal/clip"
)

// maxDepth is how deeply arrays and objects may nest. A job config needs 6.
const maxDepth = 64

// kind is the JSON type of a node.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// String returns the JSON Schema name of the type ("string", "object", ...).
func (k kind) String() string {
	switch k {
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindArray:
		return "array"
	case kindObject:
		return "object"
	}
	return "null"
}

// node is one JSON value with the byte offset of its first byte.
type node struct {
	kind    kind
	off     int
	str     string         // the value of a string, the literal of a number
	b       bool           // the value of a boolean
	elems   []*node        // the elements of an array
	members []member       // the members of an object, in file order, duplicates included
	index   map[string]int // key -> first member, built by get for big objects
}

// member is one key-value pair of an object.
type member struct {
	key    string
	keyOff int // offset of the key's opening quote
	val    *node
}

// get returns the first member named key, or nil.
func (n *node) get(key string) *member {
	if len(n.members) <= 8 {
		for i := range n.members {
			if n.members[i].key == key {
				return &n.members[i]
			}
		}
		return nil
	}
	if n.index == nil {
		n.index = make(map[string]int, len(n.members))
		for i := len(n.members) - 1; i >= 0; i-- {
			n.index[n.members[i].key] = i
		}
	}
	if i, ok := n.index[key]; ok {
		return &n.members[i]
	}
	return nil
}

// lineTable turns byte offsets into positions.
type lineTable struct {
	starts []int // offset of the first byte of each line
}

func newLineTable(data []byte) *lineTable {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineTable{starts: starts}
}

// pos returns the 1-based line and byte column of off.
func (t *lineTable) pos(off int) Pos {
	i := sort.Search(len(t.starts), func(i int) bool { return t.starts[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return Pos{Line: i + 1, Col: off - t.starts[i] + 1}
}

// segment is one step of a path from the root to a value: an object key or
// an array index.
type segment struct {
	key   string
	index int // -1 for an object key
}

// formatPath renders a path for messages: jobs.job1.tasks[2].name.
func formatPath(path []segment) string {
	var b strings.Builder
	for _, s := range path {
		switch {
		case s.index >= 0:
			fmt.Fprintf(&b, "[%d]", s.index)
		case isPlainKey(s.key):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		default:
			b.WriteString("[" + quote(s.key) + "]")
		}
	}
	return b.String()
}

// isPlainKey reports whether key can be printed after a dot.
func isPlainKey(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// quote quotes s for a message, escaping every non-ASCII rune and
// shortening very long strings: it is [clip.Quote], the one helper the
// config loader and the generator quote names with.
func quote(s string) string { return clip.Quote(s) }

// parser is a JSON parser that records the offset of every value and key.
// It stops at the first syntax error; duplicate keys and numbers out of range
// are reported and parsing goes on.
type parser struct {
	file  string
	data  []byte
	lines *lineTable
	i     int
	path  []segment // where the parser is, for messages about keys
	errs  Errors
	fatal bool
}

// parseJSON parses data as one JSON value. It returns nil and at least one
// error on a syntax error, and otherwise the tree and the problems that did
// not stop it (duplicate keys, numbers out of range).
func parseJSON(file string, data []byte, lines *lineTable) (*node, Errors) {
	p := &parser{file: file, data: data, lines: lines}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.fail(0, "file starts with a UTF-8 byte-order mark (BOM), which JSON does not allow: save it as UTF-8 without BOM")
		return nil, p.errs
	}
	root := p.value(0)
	if p.fatal {
		return nil, p.errs
	}
	p.skipSpace()
	if p.i < len(p.data) {
		p.fail(p.i, "unexpected "+describeAt(p.data, p.i)+" after the top-level value")
		return nil, p.errs
	}
	return root, p.errs
}

// errorAt records a problem that does not stop the parser, prefixed with
// the path of the value being parsed.
func (p *parser) errorAt(off int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if where := formatPath(p.path); where != "" {
		msg = where + ": " + msg
	}
	p.errs.Add(p.file, p.lines.pos(off), "%s", msg)
}

// fail records a syntax error; the parser stops.
func (p *parser) fail(off int, msg string) {
	p.errorAt(off, "%s", msg)
	p.fatal = true
}

// tooDeep reports an array or object nested more than maxDepth levels deep,
// without the path to it, which would be as long as the nesting.
func (p *parser) tooDeep(off int) {
	p.errs.Add(p.file, p.lines.pos(off), "nesting too deep (more than %d levels)", maxDepth)
	p.fatal = true
}

// found describes the byte at p.i after the text what: "expected X, found 'y'".
func (p *parser) found(what string) string {
	return what + "found " + describeAt(p.data, p.i)
}

// describeAt names the character at off for a message.
func describeAt(data []byte, off int) string {
	if off >= len(data) {
		return "end of file"
	}
	r, size := utf8.DecodeRune(data[off:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("invalid UTF-8 byte 0x%02x", data[off])
	}
	return strconv.QuoteRuneToASCII(r)
}

func (p *parser) skipSpace() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses the value at p.i; depth is the number of enclosing arrays and
// objects.
func (p *parser) value(depth int) *node {
	p.skipSpace()
	if p.i >= len(p.data) {
		p.fail(p.i, "unexpected end of file, expected a value")
		return nil
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		off := p.i
		s, ok := p.string()
		if !ok {
			return nil
		}
		return &node{kind: kindString, off: off, str: s}
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		return p.literal()
	default:
		p.fail(p.i, p.found("expected a value, "))
		return nil
	}
}

func (p *parser) object(depth int) *node {
	open := p.i
	if depth > maxDepth {
		p.tooDeep(open)
		return nil
	}
	p.i++ // '{'
	n := &node{kind: kindObject, off: open}
	var seen map[string]int // key -> offset of its first occurrence
	comma := -1             // offset of the last comma
	for {
		p.skipSpace()
		if p.i >= len(p.data) {
			p.fail(p.i, p.unclosed("object", open))
			return nil
		}
		c := p.data[p.i]
		if c == '}' {
			if comma >= 0 {
				p.fail(comma, "trailing comma before '}'")
				return nil
			}
			p.i++
			return n
		}
		if len(n.members) > 0 && comma < 0 {
			p.fail(p.i, p.found("expected ',' or '}' after object member, "))
			return nil
		}
		if c != '"' {
			p.fail(p.i, p.found("expected a string key in double quotes, "))
			return nil
		}
		keyOff := p.i
		key, ok := p.string()
		if !ok {
			return nil
		}
		if first, dup := seen[key]; dup {
			p.errorAt(keyOff, "duplicate key %s (first at %s)", quote(key), p.lines.pos(first))
		} else {
			if seen == nil {
				seen = make(map[string]int)
			}
			seen[key] = keyOff
		}
		p.skipSpace()
		if p.i >= len(p.data) {
			p.fail(p.i, "unexpected end of file, expected ':' after object key")
			return nil
		}
		if p.data[p.i] != ':' {
			p.fail(p.i, p.found("expected ':' after object key, "))
			return nil
		}
		p.i++
		p.path = append(p.path, segment{key: key, index: -1})
		val := p.value(depth)
		p.path = p.path[:len(p.path)-1]
		if val == nil {
			return nil
		}
		n.members = append(n.members, member{key: key, keyOff: keyOff, val: val})
		comma = -1
		p.skipSpace()
		if p.i < len(p.data) && p.data[p.i] == ',' {
			comma = p.i
			p.i++
		}
	}
}

func (p *parser) array(depth int) *node {
	open := p.i
	if depth > maxDepth {
		p.tooDeep(open)
		return nil
	}
	p.i++ // '['
	n := &node{kind: kindArray, off: open}
	comma := -1
	for {
		p.skipSpace()
		if p.i >= len(p.data) {
			p.fail(p.i, p.unclosed("array", open))
			return nil
		}
		if p.data[p.i] == ']' {
			if comma >= 0 {
				p.fail(comma, "trailing comma before ']'")
				return nil
			}
			p.i++
			return n
		}
		if len(n.elems) > 0 && comma < 0 {
			p.fail(p.i, p.found("expected ',' or ']' after array element, "))
			return nil
		}
		p.path = append(p.path, segment{index: len(n.elems)})
		val := p.value(depth)
		p.path = p.path[:len(p.path)-1]
		if val == nil {
			return nil
		}
		n.elems = append(n.elems, val)
		comma = -1
		p.skipSpace()
		if p.i < len(p.data) && p.data[p.i] == ',' {
			comma = p.i
			p.i++
		}
	}
}

// unclosed is the message for the end of the file inside an array or object.
func (p *parser) unclosed(what string, open int) string {
	return fmt.Sprintf("unexpected end of file, %s opened at %s is not closed", what, p.lines.pos(open))
}

// string parses the string whose opening quote is at p.i.
func (p *parser) string() (string, bool) {
	open := p.i
	p.i++
	start := p.i
	var b []byte // nil until the first escape
	for {
		if p.i >= len(p.data) {
			p.fail(p.i, fmt.Sprintf("unexpected end of file in string starting at %s", p.lines.pos(open)))
			return "", false
		}
		c := p.data[p.i]
		switch {
		case c == '"':
			var s string
			if b == nil {
				s = string(p.data[start:p.i])
			} else {
				s = string(append(b, p.data[start:p.i]...))
			}
			p.i++
			return s, true
		case c < 0x20:
			p.fail(p.i, fmt.Sprintf("control character %s in string (escape it)", strconv.QuoteRune(rune(c))))
			return "", false
		case c == '\\':
			b = append(b, p.data[start:p.i]...)
			var ok bool
			if b, ok = p.escape(b); !ok {
				return "", false
			}
			start = p.i
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.data[p.i:])
			if r == utf8.RuneError && size <= 1 {
				p.fail(p.i, fmt.Sprintf("invalid UTF-8 byte 0x%02x in string", c))
				return "", false
			}
			p.i += size
		}
	}
}

// escape decodes the escape sequence at p.i and appends it to b.
func (p *parser) escape(b []byte) ([]byte, bool) {
	at := p.i
	if at+1 >= len(p.data) {
		p.i = len(p.data)
		p.fail(p.i, "unexpected end of file in escape sequence")
		return nil, false
	}
	c := p.data[at+1]
	p.i += 2
	switch c {
	case '"', '\\', '/':
		return append(b, c), true
	case 'b':
		return append(b, '\b'), true
	case 'f':
		return append(b, '\f'), true
	case 'n':
		return append(b, '\n'), true
	case 'r':
		return append(b, '\r'), true
	case 't':
		return append(b, '\t'), true
	case 'u':
		r, ok := p.hex4(at)
		if !ok {
			return nil, false
		}
		if utf16.IsSurrogate(r) {
			r2 := utf8.RuneError
			if p.i+1 < len(p.data) && p.data[p.i] == '\\' && p.data[p.i+1] == 'u' {
				save := p.i
				p.i += 2
				lo, ok := p.hex4(save)
				if !ok {
					return nil, false
				}
				if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
					r2 = dec
				} else {
					// Not a pair: keep the second escape for the next round.
					p.i = save
				}
			}
			r = r2
		}
		return utf8.AppendRune(b, r), true
	}
	p.fail(at, fmt.Sprintf("invalid escape sequence '\\' followed by %s in string", describeAt(p.data, at+1)))
	return nil, false
}

// hex4 reads the four hex digits of a \u escape that starts at at.
func (p *parser) hex4(at int) (rune, bool) {
	if p.i+4 > len(p.data) {
		p.i = len(p.data)
		p.fail(p.i, "unexpected end of file in \\u escape")
		return 0, false
	}
	var r rune
	for _, c := range p.data[p.i : p.i+4] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			p.fail(at, "invalid \\u escape in string: want 4 hex digits")
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	p.i += 4
	return r, true
}

// number parses a number; its literal is kept as it is.
func (p *parser) number() *node {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.data) && '0' <= p.data[p.i] && p.data[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	need := func(what string) bool {
		if p.i >= len(p.data) {
			p.fail(p.i, "unexpected end of file in number")
			return false
		}
		p.fail(p.i, p.found("invalid number: expected a digit "+what+", "))
		return false
	}
	if p.data[p.i] == '-' {
		p.i++
	}
	intStart := p.i
	if n := digits(); n == 0 {
		need("after '-'")
		return nil
	} else if n > 1 && p.data[intStart] == '0' {
		p.fail(start, "invalid number: leading zeros are not allowed")
		return nil
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if digits() == 0 {
			need("after '.'")
			return nil
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			need("in exponent")
			return nil
		}
	}
	lit := string(p.data[start:p.i])
	if !numberInRange(lit) {
		p.errorAt(start, "number %s is out of range", quote(lit))
	}
	return &node{kind: kindNumber, off: start, str: lit}
}

// numberInRange reports whether a number literal is small enough to be
// handed to math/big safely and quickly: at most 64 bytes, and an exponent
// below 1000 either way. No config needs more.
func numberInRange(lit string) bool {
	if len(lit) > 64 {
		return false
	}
	exp := ""
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		exp = strings.TrimLeft(lit[i+1:], "+-")
	}
	return len(strings.TrimLeft(exp, "0")) <= 3
}

// literal parses true, false or null.
func (p *parser) literal() *node {
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' {
			p.i++
			continue
		}
		break
	}
	switch word := string(p.data[start:p.i]); word {
	case "true", "false":
		return &node{kind: kindBool, off: start, b: word == "true"}
	case "null":
		return &node{kind: kindNull, off: start}
	default:
		p.fail(start, fmt.Sprintf("invalid value %s: want true, false, null, a number, a string, an array or an object", quote(word)))
		return nil
	}
}
