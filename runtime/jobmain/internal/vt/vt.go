// Package vt is a minimal terminal screen for tests: it applies what a
// program wrote to a terminal (text, carriage returns, newlines, cursor up
// and the erase sequences) and returns the lines left on the screen, so a
// test can check what a person sees at the end, not only what was sent.
package vt

import (
	"strconv"
	"strings"
)

// Screen returns the lines that out leaves on a terminal of the given
// width that never scrolls its history away, without trailing spaces and
// without the empty lines at the end. Unknown escape sequences are
// ignored; a line longer than width wraps.
func Screen(out string, width int) []string {
	var lines [][]rune
	row, col := 0, 0
	line := func() *[]rune {
		for len(lines) <= row {
			lines = append(lines, nil)
		}
		return &lines[row]
	}
	r := []rune(out)
	for i := 0; i < len(r); i++ {
		switch c := r[i]; {
		case c == '\r':
			col = 0
		case c == '\n':
			row++
			col = 0
		case c == '\x1b' && i+1 < len(r) && r[i+1] == '[':
			j := i + 2
			for j < len(r) && (r[j] >= '0' && r[j] <= '9' || r[j] == ';' || r[j] == '?') {
				j++
			}
			if j >= len(r) {
				i = j
				break
			}
			n, err := strconv.Atoi(string(r[i+2 : j]))
			if err != nil {
				n = 0
			}
			switch r[j] {
			case 'A':
				row = max(0, row-max(n, 1))
			case 'J': // erase to the end of the screen
				l := line()
				if col < len(*l) {
					*l = (*l)[:col]
				}
				if row+1 < len(lines) {
					lines = lines[:row+1]
				}
			case 'K': // erase to the end of the line
				l := line()
				if col < len(*l) {
					*l = (*l)[:col]
				}
			}
			i = j
		default:
			if col >= width {
				row++
				col = 0
			}
			l := line()
			for len(*l) <= col {
				*l = append(*l, ' ')
			}
			(*l)[col] = c
			col++
		}
	}
	out2 := make([]string, len(lines))
	for k, l := range lines {
		out2[k] = strings.TrimRight(string(l), " ")
	}
	for len(out2) > 0 && out2[len(out2)-1] == "" {
		out2 = out2[:len(out2)-1]
	}
	return out2
}
