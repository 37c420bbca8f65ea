package plan

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		names    []string
		deps     [][]int
		levels   [][]int
		workers  int
		wantPath []string
		wantMax  int
		wantWide int
		notes    int
	}{
		{
			name:     "empty",
			wantPath: []string{},
		},
		{
			name:     "chain",
			names:    []string{"c", "b", "a"},
			deps:     [][]int{{1}, {2}, nil},
			levels:   [][]int{{2}, {1}, {0}},
			workers:  1,
			wantPath: []string{"a", "b", "c"},
			wantMax:  1,
		},
		{
			// a -> b -> d and a -> c -> d, plus e -> d: the path goes
			// through the first task by name at each level.
			name:     "diamond",
			names:    []string{"a", "c", "b", "d", "e"},
			deps:     [][]int{nil, {0}, {0}, {1, 2, 4}, nil},
			levels:   [][]int{{0, 4}, {2, 1}, {3}},
			workers:  1,
			wantPath: []string{"a", "b", "d"},
			wantMax:  2,
			notes:    1,
		},
		{
			// The deepest dependency of "z" is not its first one.
			name:     "skip level",
			names:    []string{"a", "b", "z"},
			deps:     [][]int{nil, {0}, {0, 1}},
			levels:   [][]int{{0}, {1}, {2}},
			wantPath: []string{"a", "b", "z"},
			wantMax:  1,
		},
		{
			name:     "wide level later",
			names:    []string{"r", "x", "y", "z"},
			deps:     [][]int{nil, {0}, {0}, {0}},
			levels:   [][]int{{0}, {1, 2, 3}},
			workers:  3,
			wantPath: []string{"r", "x"},
			wantMax:  3,
			wantWide: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New("j", tt.names, tt.deps, tt.levels, tt.workers)
			assert.Equal(t, tt.wantPath, p.CriticalPath)
			assert.Equal(t, tt.wantMax, p.MaxWidth)
			assert.Equal(t, tt.wantWide, p.WidestLevel)
			assert.Len(t, p.Notes, tt.notes)
			for _, l := range p.Levels {
				assert.Equal(t, l.Width, len(l.Tasks))
			}

			var buf bytes.Buffer
			require.NoError(t, p.WriteJSON(&buf))
			var back Plan
			require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
			assert.Equal(t, p.CriticalPath, back.CriticalPath)
			assert.Equal(t, len(p.Levels), len(back.Levels))
		})
	}
}

func TestWriteText(t *testing.T) {
	p := New("j", []string{"a", "c", "b", "d", "e"}, [][]int{nil, {0}, {0}, {1, 2, 4}, nil}, [][]int{{0, 4}, {2, 1}, {3}}, 1)
	var buf bytes.Buffer
	require.NoError(t, p.WriteText(&buf))
	assert.Equal(t, `j: 5 tasks in 3 levels, 1 worker
level 0 (width 2):
  a
  e
level 1 (width 2):
  b (after a)
  c (after a)
level 2 (width 1):
  d (after c, b, e)
critical path (3 tasks): a -> b -> d
note: --workers 1 is below the width of the widest level (level 0, 2 tasks): it runs in 2 rounds of at most 1 task
`, buf.String())
}

func TestUnpack(t *testing.T) {
	type task struct {
		name string
		deps []int
	}
	names, deps := Unpack([]task{{"a", nil}, {"b", []int{0}}}, func(t task) (string, []int) { return t.name, t.deps })
	assert.Equal(t, []string{"a", "b"}, names)
	assert.Equal(t, [][]int{nil, {0}}, deps)
}
