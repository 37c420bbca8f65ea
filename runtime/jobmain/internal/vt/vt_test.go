package vt

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScreen(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want []string
	}{
		{"plain", "a\nb\n", []string{"a", "b"}},
		{"carriage return overwrites", "abc\rX\n", []string{"Xbc"}},
		{"up and erase", "log\nbar1\nbar2\n\x1b[2A\r\x1b[Jlog2\nbar1\n", []string{"log", "log2", "bar1"}},
		{"erase line", "abc\r\x1b[Kd\n", []string{"d"}},
		{"wrap", "abcdef\n", []string{"abcd", "ef"}},
		{"colours ignored", "\x1b[31mred\x1b[0m\n", []string{"red"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Screen(tt.out, 4+map[bool]int{true: 96}[tt.name != "wrap"]))
		})
	}
}
