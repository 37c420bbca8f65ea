package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/token"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// maxDepth is how deeply arrays and objects may nest. A job config needs 6.
const maxDepth = 64

// parser holds what one Parse call knows about its file.
type parser struct {
	path   string
	data   []byte
	file   *token.File
	report func(token.Position, string)
	errors int

	// Set by positions:
	stopped    bool     // nesting too deep: Parse stops there
	outOfRange bool     // a number out of range was reported
	stack      []*frame // where the token pass stopped on a syntax error
	failAt     int      // the offset of the token it stopped at
}

func newParser(path string, data []byte, report func(token.Position, string)) *parser {
	// One byte more than the file, so that the end of the file has a
	// position too, and one on a line of its own after a last newline, as
	// an editor shows it.
	f := token.NewFileSet().AddFile(path, -1, len(data)+1)
	lines := []int{0}
	for i, c := range data {
		if c == '\n' {
			lines = append(lines, i+1)
		}
	}
	f.SetLines(lines)
	return &parser{path: path, data: data, file: f, report: report}
}

// pos is the position of the byte at off; len(p.data) is the end of the
// file.
func (p *parser) pos(off int) token.Position {
	return p.file.Position(p.file.Pos(off))
}

// errorf reports a problem at off, prefixed with path when there is one.
func (p *parser) errorf(off int, path []segment, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if where := formatPath(path); where != "" {
		msg = where + ": " + msg
	}
	p.errors++
	p.report(p.pos(off), msg)
}

// encoding reports a byte-order mark or invalid UTF-8, which JSON does not
// allow (encoding/json would turn the latter into U+FFFD quietly).
func (p *parser) encoding() bool {
	if bytes.HasPrefix(p.data, []byte("\xEF\xBB\xBF")) {
		p.errorf(0, nil, "file starts with a UTF-8 byte-order mark (BOM), which JSON does not allow: save it as UTF-8 without BOM")
		return false
	}
	if utf8.Valid(p.data) {
		return true
	}
	for off := 0; ; {
		r, size := utf8.DecodeRune(p.data[off:])
		if r == utf8.RuneError && size <= 1 {
			p.errorf(off, nil, "invalid UTF-8 byte 0x%02x: save the file as UTF-8", p.data[off])
			return false
		}
		off += size
	}
}

// decodeAny decodes data as one JSON value for the validator, numbers as
// json.Number. An error is a syntax error: a *json.SyntaxError, io.EOF or
// io.ErrUnexpectedEOF, or a *trailingError.
func decodeAny(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if off := skipSpace(data, int(dec.InputOffset())); off < len(data) {
		return nil, &trailingError{off}
	}
	return doc, nil
}

// trailingError is something after the top-level value.
type trailingError struct{ off int }

func (e *trailingError) Error() string { return "data after the top-level value" }

func skipSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
		off++
	}
	return off
}

// node is where one JSON value is in the file.
type node struct {
	off    int              // the value's first byte
	keyOff int              // the opening quote of its key; -1 for an array element or the root
	keys   []string         // an object's keys in file order, each once
	fields map[string]*node // an object's members; of a repeated key the last, as encoding/json decodes it
	elems  []*node          // an array's elements
}

// frame is an object or array the token pass is inside.
type frame struct {
	n      *node
	object bool
	path   []segment      // from the root to n
	key    string         // the key whose value comes next
	keyOff int            // its offset; -1 while a key is expected
	first  map[string]int // each key's first offset, for repeats
}

// positions passes over the tokens of data and returns the tree of
// positions of its values. It reports repeated keys and numbers out of
// range, and stops at nesting deeper than maxDepth (reported) or at a
// syntax error (left to syntaxError, with p.stack and p.failAt saying
// where it was).
func (p *parser) positions() *node {
	dec := json.NewDecoder(bytes.NewReader(p.data))
	dec.UseNumber()
	var stack []*frame
	var root *node
	for {
		// InputOffset is the end of the last token: the next one starts
		// after the spaces, and the ',' or ':' that Token skips.
		start := int(dec.InputOffset())
		for start < len(p.data) && strings.IndexByte(" \t\r\n,:", p.data[start]) >= 0 {
			start++
		}
		tok, err := dec.Token()
		if err != nil {
			p.stack, p.failAt = stack, start
			return nil
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return root
			}
			continue
		}
		if top != nil && top.object && top.keyOff < 0 {
			key := tok.(string) // Token returns only strings where a key goes
			if first, dup := top.first[key]; dup {
				p.errorf(start, top.path, "duplicate key %s (first at %s)", text.Quote(key), lineCol(p.pos(first)))
			} else {
				top.first[key] = start
			}
			top.key, top.keyOff = key, start
			continue
		}
		n := &node{off: start, keyOff: -1}
		var path []segment
		switch {
		case top == nil:
			root = n
		case top.object:
			n.keyOff = top.keyOff
			if _, seen := top.n.fields[top.key]; !seen {
				top.n.keys = append(top.n.keys, top.key)
			}
			top.n.fields[top.key] = n
			path = append(top.path[:len(top.path):len(top.path)], segment{key: top.key, index: -1})
			top.keyOff = -1
		default:
			path = append(top.path[:len(top.path):len(top.path)], segment{index: len(top.n.elems)})
			top.n.elems = append(top.n.elems, n)
		}
		switch tok := tok.(type) {
		case json.Delim: // '{' or '['
			if len(stack) == maxDepth {
				p.errorf(start, nil, "nesting too deep (more than %d levels)", maxDepth)
				p.stopped = true
				return nil
			}
			f := &frame{n: n, object: tok == '{', path: path, keyOff: -1}
			if f.object {
				n.fields, f.first = map[string]*node{}, map[string]int{}
			}
			stack = append(stack, f)
		case json.Number:
			if !numberInRange(string(tok)) {
				p.errorf(start, path, "number %s is out of range", text.Quote(string(tok)))
				p.outOfRange = true
			}
		}
		if len(stack) == 0 {
			return root // a scalar at the top
		}
	}
}

// lineCol formats a position without its file, for "first at 3:5".
func lineCol(pos token.Position) string {
	return strconv.Itoa(pos.Line) + ":" + strconv.Itoa(pos.Column)
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

// syntaxError reports the syntax error err of decodeAny in words for
// people, at the byte that caused it, prefixed with the path of the
// innermost object or array the token pass was in.
func (p *parser) syntaxError(err error) {
	var path []segment
	if len(p.stack) > 0 {
		top := p.stack[len(p.stack)-1]
		path = top.path
		if top.object && top.keyOff >= 0 {
			path = append(path[:len(path):len(path)], segment{key: top.key, index: -1})
		}
	}
	var se *json.SyntaxError
	var te *trailingError
	switch {
	case errors.As(err, &te):
		p.errorf(te.off, nil, "unexpected %s after the top-level value", describe(p.data, te.off))
	case errors.Is(err, io.EOF):
		p.errorf(len(p.data), nil, "unexpected end of file, expected a value")
	case errors.Is(err, io.ErrUnexpectedEOF):
		p.errorf(len(p.data), path, "%s", p.unexpectedEOF())
	case errors.As(err, &se) && se.Offset >= 1 && int(se.Offset) <= len(p.data):
		// Offset counts the bytes read, the last of them the culprit.
		off, msg := p.explain(int(se.Offset)-1, se.Error())
		p.errorf(off, path, "%s", msg)
	default:
		p.errorf(0, nil, "%v", err)
	}
}

// unexpectedEOF says what the end of the file cut short.
func (p *parser) unexpectedEOF() string {
	if p.failAt < len(p.data) {
		switch c := p.data[p.failAt]; {
		case c == '"':
			return "unexpected end of file in the string that starts at " + lineCol(p.pos(p.failAt))
		case c == '-' || '0' <= c && c <= '9':
			return "unexpected end of file in a number"
		}
	}
	if len(p.stack) == 0 {
		return "unexpected end of file"
	}
	top := p.stack[len(p.stack)-1]
	what := "array"
	if top.object {
		what = "object"
	}
	return fmt.Sprintf("unexpected end of file: the %s opened at %s is not closed", what, lineCol(p.pos(top.n.off)))
}

// explain phrases encoding/json's message msg about the byte at off, and
// returns the offset the message is about.
func (p *parser) explain(off int, msg string) (int, string) {
	found := "found " + describe(p.data, off)
	prev := off - 1
	for prev >= 0 && strings.IndexByte(" \t\r\n", p.data[prev]) >= 0 {
		prev--
	}
	c := p.data[off]
	switch {
	case (c == '}' || c == ']') && prev >= 0 && p.data[prev] == ',':
		return prev, fmt.Sprintf("trailing comma before '%c': JSON allows none", c)
	case c == '/' && !strings.Contains(msg, "literal") && !strings.Contains(msg, "escape"):
		return off, "JSON does not allow comments"
	case strings.HasSuffix(msg, "looking for beginning of object key string"):
		return off, "expected a key in double quotes, " + found
	case strings.HasSuffix(msg, "looking for beginning of value") && isLetter(c):
		return p.word(off)
	case strings.HasSuffix(msg, "looking for beginning of value"):
		return off, "expected a value, " + found
	case strings.HasSuffix(msg, "after object key"):
		return off, "expected ':' after the key, " + found
	case strings.HasSuffix(msg, "after object key:value pair") || strings.HasSuffix(msg, "after array element"):
		if start, ok := leadingZero(p.data, off); ok {
			return start, "invalid number: leading zeros are not allowed"
		}
		if strings.HasSuffix(msg, "after array element") {
			return off, "expected ',' or ']' after an array element, " + found
		}
		return off, "expected ',' or '}' after an object member, " + found
	case strings.HasSuffix(msg, "in string literal"):
		return off, fmt.Sprintf("control character %s in a string (escape it)", strconv.QuoteRune(rune(c)))
	case strings.HasSuffix(msg, "in string escape code"):
		return off - 1, fmt.Sprintf("invalid escape sequence \\%c in a string", c)
	case strings.Contains(msg, `\u hexadecimal character escape`):
		return off, `invalid \u escape in a string: want 4 hex digits, ` + found
	case strings.Contains(msg, "after decimal point in numeric literal"):
		return off, "invalid number: expected a digit after '.', " + found
	case strings.Contains(msg, "in exponent of numeric literal"):
		return off, "invalid number: expected a digit in the exponent, " + found
	case strings.Contains(msg, "numeric literal"):
		return off, "invalid number: expected a digit, " + found
	case strings.Contains(msg, "in literal "):
		return p.word(off)
	}
	return off, strings.TrimPrefix(msg, "invalid character ")
}

// word reports the letters around off, such as True, None or tru, which
// are no JSON value.
func (p *parser) word(off int) (int, string) {
	start, end := off, off
	for start > 0 && isLetter(p.data[start-1]) {
		start--
	}
	for end < len(p.data) && (isLetter(p.data[end]) || '0' <= p.data[end] && p.data[end] <= '9') {
		end++
	}
	return start, fmt.Sprintf("invalid value %s: want true, false, null, a number, a string, an array or an object", text.Quote(string(p.data[start:end])))
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }

// leadingZero reports whether the digit at off follows a number that is a
// lone 0 (as in 01 or -01), and where that number starts.
func leadingZero(data []byte, off int) (int, bool) {
	if c := data[off]; c < '0' || c > '9' || off == 0 || data[off-1] != '0' {
		return 0, false
	}
	start := off - 1
	if start > 0 && data[start-1] == '-' {
		start--
	}
	if start > 0 && strings.IndexByte("0123456789.eE+-", data[start-1]) >= 0 {
		return 0, false
	}
	return start, true
}

// describe names the character at off for a message.
func describe(data []byte, off int) string {
	if off >= len(data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(data[off:])
	return strconv.QuoteRuneToASCII(r)
}
