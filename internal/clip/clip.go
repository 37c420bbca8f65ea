// Package clip quotes text from the input for messages: every name, key or
// value that jobgen and the config loader show goes through [Quote], so a
// hostile name can neither disguise itself nor make a message unreadable.
package clip

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Max is the most characters [Quote] shows between the quotes. It is above
// the longest name that passes the naming rules (jobs.<100>.<100>), so
// those are never shortened.
const Max = 256

// Quote returns s as a double-quoted Go string literal in which every
// non-ASCII or non-printable rune is escaped (\u0456, \u3164, \xff), so a
// Cyrillic look-alike or an invisible letter shows as what it is. When the
// literal would hold more than [Max] characters, it is cut at a rune and
// "..." follows the closing quote.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	n := 0
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		q := strconv.QuoteToASCII(s[i : i+size]) // one rune, or one invalid byte
		q = q[1 : len(q)-1]
		if n+len(q) > Max {
			b.WriteString(`"...`)
			return b.String()
		}
		b.WriteString(q)
		n += len(q)
		i += size
	}
	b.WriteByte('"')
	return b.String()
}
