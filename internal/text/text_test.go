package text

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jobs.job1.load_sales", `"jobs.job1.load_sales"`},
		{"p\u0456pe", `"p\u0456pe"`},                 // Cyrillic і
		{"x\u3164", `"x\u3164"`},                     // Hangul filler, invisible
		{"a\"b\\c\n", `"a\"b\\c\n"`},                 // Go escapes
		{"it's", `"it's"`},                           // no escape needed
		{"bad\xff\xfe", `"bad\xff\xfe"`},             // invalid UTF-8
		{"e\u0301\U0001F600", `"e\u0301\U0001f600"`}, // combining mark, emoji
		{strings.Repeat("a", Max), `"` + strings.Repeat("a", Max) + `"`},
		{strings.Repeat("a", Max+1), `"` + strings.Repeat("a", Max) + `"...`},
		{strings.Repeat("\u0456", Max), `"` + strings.Repeat(`\u0456`, Max/6) + `"...`},
	}
	for _, tt := range tests {
		got := Quote(tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
		for _, r := range got {
			assert.Less(t, r, rune(0x7f), "ASCII only: %s", got)
		}
		if !strings.HasSuffix(got, "...") {
			s, err := strconv.Unquote(got)
			assert.NoError(t, err)
			if !strings.ContainsRune(tt.in, '\ufffd') && strings.ToValidUTF8(tt.in, "") == tt.in {
				assert.Equal(t, tt.in, s, "round trip")
			}
		}
	}
	long := Quote(strings.Repeat("x", 5<<20))
	assert.Len(t, long, Max+5)
}

func TestClip(t *testing.T) {
	assert.Equal(t, "abc", Clip("abc", 3))
	assert.Equal(t, "ab…", Clip("abcd", 3))
	assert.Equal(t, "éé…", Clip("éééé", 3), "runes, not bytes")
	assert.Equal(t, "abcd", Clip("abcd", 0), "no width: as it is")
	assert.Equal(t, "…", Clip("abcd", 1))
}

func TestPlural(t *testing.T) {
	assert.Equal(t, "task", Plural(1, "task", "tasks"))
	assert.Equal(t, "tasks", Plural(0, "task", "tasks"))
	assert.Equal(t, "tasks", Plural(2, "task", "tasks"))
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "abc", 0},
		{"", "abc", 3},
		{"kitten", "sitting", 3},
		{"name", "nmae", 1}, // a swap of neighbours counts one
		{"tasks", "task", 1},
		{"load_sale", "load_sales", 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, distance(tt.a, tt.b), "%q, %q", tt.a, tt.b)
		assert.Equal(t, tt.want, distance(tt.b, tt.a), "symmetric: %q, %q", tt.b, tt.a)
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"name", "dependencies", "timeout", "retries"}
	tests := []struct {
		name       string
		candidates []string
		want       string
	}{
		{"nmae", keys, "name"},                              // a swap
		{"Name", keys, "name"},                              // case is free
		{"NAME", keys, "name"},                              // all of it
		{"retry", keys, ""},                                 // two edits in five bytes: too far
		{"retires", keys, "retries"},                        // one swap in seven
		{"temporal", keys, ""},                              // nothing like it
		{"x", []string{"y", "X"}, "X"},                      // one byte allows case only
		{"name", []string{"name"}, ""},                      // never itself
		{"handlr", []string{"handler", "handle"}, "handle"}, // a tie goes to the first in sorted order
		{"jobs.job1.load_sale", []string{"jobs.job1.load_sales", "jobs.job1.report"}, "jobs.job1.load_sales"},
		{"ghost", []string{"gost", "pipe"}, "gost"},
		{"", keys, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Closest(tt.name, tt.candidates), "%q", tt.name)
	}
	assert.Equal(t, ` (did you mean "name"?)`, Suggest("nmae", keys))
	assert.Equal(t, "", Suggest("zzzz", keys))

	// A huge name costs nothing: no candidate is near its length.
	assert.Equal(t, "", Closest(strings.Repeat("n", 1<<20), keys))
}
