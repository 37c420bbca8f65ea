package state

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/runtime"
)

type saleV1 struct {
	Units int64
}

type saleV2 struct {
	Units int64
	Price int64 `json:"price"`
}

type tree struct {
	Kids []*tree
	At   time.Time
}

func TestCanonical(t *testing.T) {
	assert.NotEqual(t, canonical(reflect.TypeFor[[]saleV1]())[len("[]"):], canonical(reflect.TypeFor[[]saleV2]())[len("[]"):])
	assert.Contains(t, canonical(reflect.TypeFor[saleV2]()), `Price int64 "json:\"price\""`, "tags change the encoding, so they are part of the key")
	got := canonical(reflect.TypeFor[tree]())
	assert.Contains(t, got, "Kids []*github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/state.tree;", "a recursive type ends")
	assert.Contains(t, got, "At time.Time;", "a type that encodes itself is spelled by name")
	assert.Equal(t, "none", canonical(nil))
	assert.Equal(t, "map[string]int", canonical(reflect.TypeFor[map[string]int]()))
}

type chainTask struct{}

func (chainTask) Run(_ context.Context, x []byte) ([]byte, error) { return x, nil }

type srcTask struct{}

func (srcTask) Run(context.Context) ([]byte, error) { return make([]byte, 1024), nil }

// The signatures of the chain's tasks, as generated code declares them.
type (
	srcRunner interface {
		Run(context.Context) ([]byte, error)
	}
	chainRunner interface {
		Run(context.Context, []byte) ([]byte, error)
	}
)

var (
	srcSig = runtime.Sig[srcRunner, []byte]{Call: func(c *runtime.Call) error {
		r, err := (*c.Task().(*srcRunner)).Run(c.Context())
		return runtime.Return(c, r, err)
	}}
	chainSig = runtime.Sig[chainRunner, []byte]{Call: func(c *runtime.Call) error {
		r, err := (*c.Task().(*chainRunner)).Run(c.Context(), runtime.Arg[[]byte](c, 0))
		return runtime.Return(c, r, err)
	}}
	srcValue   srcRunner   = &srcTask{}
	chainValue chainRunner = &chainTask{}
)

func chain(n int) *runtime.Job {
	defs := []runtime.TaskDef{{Name: "t0", Sig: &srcSig, Value: &srcValue}}
	levels := [][]int{{0}}
	for i := 1; i < n; i++ {
		defs = append(defs, runtime.TaskDef{Name: "t" + string(rune('a'+i%26)) + time.Duration(i).String(), Deps: []int{i - 1}, Args: []int{i - 1}, Sig: &chainSig, Value: &chainValue})
		levels = append(levels, []int{i})
	}
	return (&runtime.Table{Name: "chain", Tasks: defs, Levels: levels}).Job()
}

func TestKeysCoverUpstream(t *testing.T) {
	a, err := Open(t.TempDir(), chain(3), nil)
	require.NoError(t, err)
	defer a.Close()
	j := chain(3)
	j.Tasks[0].Name = "renamed"
	b, err := Open(t.TempDir(), j, nil)
	require.NoError(t, err)
	defer b.Close()
	assert.NotEqual(t, a.keys[0], b.keys[0])
	assert.NotEqual(t, a.keys[2], b.keys[2], "a change upstream changes every key downstream")
	_, err = Open(t.TempDir(), j, nil)
	require.NoError(t, err)
}

func TestLockedFolder(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, chain(2), nil)
	require.NoError(t, err)
	_, err = Open(dir, chain(2), nil)
	require.ErrorContains(t, err, "is in use by another run")
	a.Close()
	b, err := Open(dir, chain(2), nil)
	require.NoError(t, err)
	b.Close()
}

// BenchmarkStateRecord measures what --state adds per task: encoding a
// 1 KiB result and writing its record through a synced temporary file.
func BenchmarkStateRecord(b *testing.B) {
	for _, fsync := range []bool{true, false} {
		name := "fsync"
		if !fsync {
			name = "no-fsync"
		}
		b.Run(name, func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "st"), chain(2), nil)
			require.NoError(b, err)
			defer s.Close()
			s.fsync = fsync
			res := make([]byte, 1024)
			b.ReportAllocs()
			for b.Loop() {
				if err := s.write(1, res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
