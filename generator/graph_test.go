package generator

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFindCycles(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		deps  [][]int
		want  [][]string // each loop, then the other members after "|"
	}{
		{"acyclic diamond", []string{"a", "b", "c", "d"}, [][]int{nil, {0}, {0}, {1, 2}}, nil},
		{"self loop", []string{"a"}, [][]int{{0}}, [][]string{{"a", "a"}}},
		{"three, starts at smallest", []string{"c", "b", "a"}, [][]int{{2}, {0}, {1}}, [][]string{{"a", "b", "c", "a"}}},
		{"two separate", []string{"x", "y", "p", "q"}, [][]int{{1}, {0}, {3}, {2}}, [][]string{{"p", "q", "p"}, {"x", "y", "x"}}},
		{"shortest way back", []string{"a", "b", "c", "d"}, [][]int{{1, 2}, {2}, {3}, {0}}, [][]string{{"a", "c", "d", "a", "|", "b"}}},
		{"diamond closed into a loop", []string{"load", "region", "month", "report"}, [][]int{{3}, {0}, {0}, {1, 2}},
			[][]string{{"load", "report", "month", "load", "|", "region"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][]string
			for _, c := range findCycles(tt.names, tt.deps) {
				var names []string
				for _, i := range c.loop {
					names = append(names, tt.names[i])
				}
				if len(c.others) > 0 {
					names = append(names, "|")
				}
				for _, i := range c.others {
					names = append(names, tt.names[i])
				}
				got = append(got, names)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLevels(t *testing.T) {
	names := []string{"load", "by_region", "by_month", "report", "late"}
	deps := [][]int{nil, {0}, {0}, {1, 2}, {0}}
	level, byLevel := levels(names, deps)
	assert.Equal(t, []int{0, 1, 1, 2, 1}, level)
	assert.Equal(t, [][]int{{0}, {2, 1, 4}, {3}}, byLevel, "tasks within a level sorted by name")
}

func TestLevelsDeepChain(t *testing.T) {
	// A long chain must not overflow anything and gives one task a level.
	const n = 100_000
	names := make([]string, n)
	deps := make([][]int, n)
	for i := range n {
		names[i] = fmt.Sprint(i)
		if i > 0 {
			deps[i] = []int{i - 1}
		}
	}
	assert.Empty(t, findCycles(names, deps))
	level, byLevel := levels(names, deps)
	assert.Equal(t, n-1, level[n-1])
	assert.Len(t, byLevel, n)
}

func TestElide(t *testing.T) {
	names := func(n int, format string) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf(format, i))
		}
		return out
	}
	assert.Equal(t, "t0 -> t1 -> t2", elide(names(3, "t%d"), " -> "))
	assert.Equal(t, strings.Join(names(maxListed, "t%d"), ", "), elide(names(maxListed, "t%d"), ", "))
	assert.Equal(t, "t0, t1, t2, t3, (4 more), t8, t9, t10", elide(names(maxListed+1, "t%d"), ", "))
	assert.Equal(t, "t0 -> t1 -> t2 -> t3 -> (99993 more) -> t99997 -> t99998 -> t99999", elide(names(100000, "t%d"), " -> "))
	long := names(5, "jobs.pipe."+strings.Repeat("x", 190)+"%d")
	got := elide(long, " -> ")
	assert.Equal(t, long[0]+" -> (3 more) -> "+long[4], got, "long names: one each way")
	assert.Less(t, len(elide(names(5000, "jobs."+strings.Repeat("j", 100)+"."+strings.Repeat("f", 95)+"%04d"), ", ")), 600)
}
