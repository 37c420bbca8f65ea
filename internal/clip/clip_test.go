package clip

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
