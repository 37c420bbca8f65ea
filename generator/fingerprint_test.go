package generator

import (
	"go/token"
	"go/types"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/taskorchestrator/taskorchestrator/generator/internal/config"
)

// fingerprintJob builds a checked job of three tasks as the generator
// would: load -> (sum, count), with a handler.
func fingerprintJob() *job {
	pkg := types.NewPackage("example.com/m/jobs/a", "a")
	newType := func(name string, under types.Type) *types.Named {
		return types.NewNamed(types.NewTypeName(token.NoPos, pkg, name, nil), under, nil)
	}
	rows := newType("Rows", types.NewSlice(types.Typ[types.String]))
	total := newType("Total", types.Typ[types.Int64])
	return &job{
		cfg:     config.Job{Name: "a", KeepGoing: false},
		pkgPath: pkg.Path(),
		handler: &handler{pkgPath: pkg.Path(), typeName: "AHandler"},
		tasks: []*task{
			{cfg: config.Task{Name: "jobs.a.load"}, result: rows},
			{cfg: config.Task{Name: "jobs.a.sum", Timeout: 30 * time.Second, Retries: 2}, deps: []int{0}, args: []int{0}, params: []types.Type{rows}, result: total},
			{cfg: config.Task{Name: "jobs.a.report"}, deps: []int{0, 1}, args: []int{1}, params: []types.Type{total}, variadic: true},
		},
		levels: [][]int{{0}, {1}, {2}},
	}
}

func TestFingerprintText(t *testing.T) {
	want := `jobgen fingerprint v1
job "a"
handler example.com/m/jobs/a.AHandler
keep_going false
temporal off
task 0 "jobs.a.load"
  deps []
  args []
  timeout 0
  retries 0
  run func(context.Context) (example.com/m/jobs/a.Rows, error)
task 1 "jobs.a.sum"
  deps [0]
  args [0]
  timeout 30000000000
  retries 2
  run func(context.Context, example.com/m/jobs/a.Rows) (example.com/m/jobs/a.Total, error)
task 2 "jobs.a.report"
  deps [0 1]
  args [1]
  timeout 0
  retries 0
  run func(context.Context, ...example.com/m/jobs/a.Total) error
level 0 [0]
level 1 [1]
level 2 [2]
`
	assert.Equal(t, want, fingerprintText(fingerprintJob()))
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{64}$`), fingerprint(fingerprintJob()))
	assert.Equal(t, fingerprint(fingerprintJob()), fingerprint(fingerprintJob()), "same input, same fingerprint")
}

// TestFingerprintChanges checks that every ingredient of the fingerprint
// changes it.
func TestFingerprintChanges(t *testing.T) {
	base := fingerprint(fingerprintJob())
	tests := []struct {
		name string
		edit func(j *job)
	}{
		{"job name", func(j *job) { j.cfg.Name = "b" }},
		{"generic handler", func(j *job) { j.handler = nil }},
		{"handler type", func(j *job) { j.handler.typeName = "Other" }},
		{"keep_going", func(j *job) { j.cfg.KeepGoing = true }},
		{"temporal", func(j *job) { j.cfg.Temporal = &config.Temporal{} }},
		{"task name", func(j *job) { j.tasks[0].cfg.Name = "jobs.a.fetch" }},
		{"dependencies", func(j *job) { j.tasks[2].deps = []int{1} }},
		{"arguments", func(j *job) { j.tasks[2].args = []int{1, 1} }},
		{"timeout", func(j *job) { j.tasks[1].cfg.Timeout = time.Minute }},
		{"retries", func(j *job) { j.tasks[1].cfg.Retries = 3 }},
		{"parameter type", func(j *job) { j.tasks[1].params = []types.Type{types.Typ[types.Int]} }},
		{"variadic", func(j *job) { j.tasks[2].variadic = false }},
		{"result", func(j *job) { j.tasks[0].result = types.NewSlice(types.Typ[types.String]) }},
		{"no result", func(j *job) { j.tasks[1].result = nil }},
		{"levels", func(j *job) { j.levels = [][]int{{0}, {1, 2}} }},
		{"task order", func(j *job) { j.tasks[1], j.tasks[2] = j.tasks[2], j.tasks[1] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := fingerprintJob()
			tt.edit(j)
			assert.NotEqual(t, base, fingerprint(j))
		})
	}

	pinned, unpinned := fingerprintJob(), fingerprintJob()
	pinned.cfg.Temporal, unpinned.cfg.Temporal = &config.Temporal{Pinned: true}, &config.Temporal{}
	assert.NotEqual(t, fingerprint(unpinned), fingerprint(pinned), "pinned")

	moved := fingerprintJob()
	moved.cfg.Pos, moved.tasks[0].cfg.Pos = token.Position{Line: 9, Column: 9}, token.Position{Line: 20, Column: 3}
	assert.Equal(t, base, fingerprint(moved), "where things are in the config does not matter")
}
