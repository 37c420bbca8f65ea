// Package text holds the wording every message of jobgen and of the job
// binaries shares, so that each rule is written once: [Quote] shows a
// name from the input, [Clip] fits a line to a width, [Plural] picks a
// word for a count, and [Closest] and [Suggest] are the one "did you
// mean" policy.
package text

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
// Cyrillic look-alike or an invisible letter shows as what it is, and a
// hostile name can neither disguise itself nor make a message unreadable.
// When the literal would hold more than [Max] characters, it is cut at a
// rune and "..." follows the closing quote.
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

// Clip cuts s to at most width runes, ending in "…" when it cut; a width
// below 1 leaves s as it is.
func Clip(s string, width int) string {
	if width < 1 || utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

// Plural returns one when n is 1, and many otherwise.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Closest returns the candidate most like name, or "" when none is close
// enough to be a likely typo. Case is free (Tasks is close to tasks);
// beyond that a candidate may be at most one edit away (an insertion,
// deletion, substitution or swap of neighbouring bytes) for every three
// bytes of name. Of candidates equally close, the first in sorted order
// wins; name itself is never suggested. The cost is bounded by the
// candidates' lengths, whatever the length of name.
func Closest(name string, candidates []string) string {
	limit := len(name) / 3
	lower := strings.ToLower(name)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if c == name || len(c) < len(name)-limit || len(c) > len(name)+limit {
			continue // the lengths alone are too far apart
		}
		d := distance(lower, strings.ToLower(c))
		if d < bestDist || d == bestDist && c < best {
			best, bestDist = c, d
		}
	}
	return best
}

// Suggest returns ` (did you mean "x"?)` for the [Closest] candidate, or
// "" when there is none.
func Suggest(name string, candidates []string) string {
	if best := Closest(name, candidates); best != "" {
		return " (did you mean " + Quote(best) + "?)"
	}
	return ""
}

// distance is the optimal string alignment distance between a and b, in
// bytes: insertions, deletions, substitutions and swaps of neighbours each
// count one.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
