package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

func TestMain(m *testing.M) {
	testmod.Setup()
	os.Exit(m.Run())
}

// jobgen runs the command in-process and returns its exit code and output.
func jobgen(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"jobgen"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// fixture returns a module holding the typed_diamond example of the
// generator's golden tests, already generated.
func fixture(t *testing.T) string {
	t.Helper()
	dir := testmod.New(t, "example.com/fixture", filepath.Join("..", "..", "generator", "testdata", "typed_diamond"))
	code, _, stderr := jobgen(t, "generate", "-dir", dir)
	require.Equal(t, 0, code, stderr)
	return dir
}

func TestRepositoryIsUpToDate(t *testing.T) {
	code, _, stderr := jobgen(t, "check", "-dir", testmod.RepoRoot(t))
	assert.Equal(t, 0, code, "gen/ is stale; run go generate ./...\n%s", stderr)
}

func TestGenerateAndCheck(t *testing.T) {
	dir := fixture(t)
	code, _, stderr := jobgen(t, "check", "-dir", dir)
	require.Equal(t, 0, code, stderr)

	// Generating again rewrites nothing; the fixture's one warning stays.
	code, _, stderr = jobgen(t, "generate", "-dir", dir)
	require.Equal(t, 0, code)
	assert.NotContains(t, stderr, "updated")
	assert.Regexp(t, `(?m)^jobgen: 1 warning\n\z`, stderr)

	// A hand edit makes check fail and generate repair it.
	gen := filepath.Join(dir, "gen", "pipe", "pipe_gen.go")
	orig, err := os.ReadFile(gen)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(gen, append(orig, "// edited\n"...), 0o644))
	code, _, stderr = jobgen(t, "check", "-dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "gen/pipe/pipe_gen.go: generated file is out of date")
	code, _, stderr = jobgen(t, "generate", "-dir", dir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "updated gen/pipe/pipe_gen.go")
	got, err := os.ReadFile(gen)
	require.NoError(t, err)
	assert.Equal(t, string(orig), string(got))
}

func TestRemovedJobLeavesNoGeneratedFiles(t *testing.T) {
	dir := fixture(t)
	mine := filepath.Join(dir, "gen", "fan", "notes.go")
	require.NoError(t, os.WriteFile(mine, []byte("package fan\n"), 0o644))
	cfg := filepath.Join(dir, "config", "job_config.json")
	data, err := os.ReadFile(cfg)
	require.NoError(t, err)
	// Drop job "fan": keep everything up to the end of job "pipe".
	text := string(data)
	i := strings.Index(text, `    "fan"`)
	require.Positive(t, i)
	text = strings.TrimRight(text[:i], " \n,") + "\n  }\n}\n"
	require.NoError(t, os.WriteFile(cfg, []byte(text), 0o644))

	const keptWarning = "gen/fan/notes.go: warning: kept, as jobgen did not generate it (its first line is not the generated-code header); " +
		"the generated files beside it belong to no job of config/job_config.json and are removed, so gen/fan stays; move or delete it\n"
	code, _, stderr := jobgen(t, "check", "-dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "cmd/fan/main.go: generated file belongs to no job of config/job_config.json; go generate ./... removes it")
	assert.Contains(t, stderr, keptWarning)

	code, _, stderr = jobgen(t, "generate", "-dir", dir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, keptWarning)
	assert.Contains(t, stderr, "jobgen: removed gen/fan/fan_gen.go\n")
	assert.Contains(t, stderr, "jobgen: removed cmd/fan/main.go\n")
	assert.NotContains(t, stderr, "updated", "nothing else changed")
	assert.NoFileExists(t, filepath.Join(dir, "gen", "fan", "fan_gen.go"))
	assert.NoDirExists(t, filepath.Join(dir, "cmd", "fan"))
	assert.FileExists(t, mine, "a file without the generated marker is never touched")
	assert.FileExists(t, filepath.Join(dir, "gen", "pipe", "pipe_gen.go"))
}

// TestInvalidInput breaks a generated module in one way per case and checks
// that jobgen fails with exit 1, names the job, the task and the config
// position, and leaves every generated file as it was.
func TestInvalidInput(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(t *testing.T, dir string)
		wants    []string // substrings of stderr
		unwanted []string // what stderr must not hold
	}{
		{
			name:  "schema violation",
			edit:  replaceInConfig(`"retries": 1`, `"retries": "one"`),
			wants: []string{"config/job_config.json:8:86: jobs.pipe.tasks[2].retries: must be an integer, got string"},
		},
		{
			name:  "bad name",
			edit:  replaceInConfig(`"jobs.pipe.numbers"}`, `"jobs.pipe.Numbers"}`),
			wants: []string{"config/job_config.json:6:18:", `jobs.pipe.tasks[0].name`},
		},
		{
			name:  "missing file",
			edit:  removeFile("jobs/pipe/evens.go"),
			wants: []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens": file jobs/pipe/evens.go does not exist`},
		},
		{
			name: "task file is a folder",
			edit: func(t *testing.T, dir string) {
				removeFile("jobs/pipe/evens.go")(t, dir)
				writeFile("jobs/pipe/evens.go/keep.txt", "x\n")(t, dir)
			},
			wants: []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens": jobs/pipe/evens.go is a folder, not a file (it should be the Go file that declares type Evens)`},
		},
		{
			name:     "task file spelt with a capital",
			edit:     renameFile("jobs/pipe/evens.go", "jobs/pipe/Evens.go"),
			wants:    []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens": file jobs/pipe/evens.go does not exist (it should declare type Evens); "jobs/pipe/Evens.go" is there, but names must match exactly, case included`},
			unwanted: []string{"did you mean"},
		},
		{
			name:     "no suggestion of a name jobgen rejects",
			edit:     renameFile("jobs/pipe/evens.go", "jobs/pipe/evens_.go"),
			wants:    []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens": file jobs/pipe/evens.go does not exist (it should declare type Evens)` + "\n"},
			unwanted: []string{`did you mean "jobs.pipe.evens_"`},
		},
		{
			name:     "no suggestion of a job folder jobgen rejects",
			edit:     renameFile("jobs/pipe", "jobs/pipe_"),
			wants:    []string{`config/job_config.json:3:5: job "pipe": folder jobs/pipe does not exist` + "\n"},
			unwanted: []string{`did you mean "pipe_"`},
		},
		{
			name:  "file names that differ only in case",
			edit:  writeFile("jobs/pipe/Evens.go", "package pipe\n"),
			wants: []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens": files "Evens.go" and "evens.go" in jobs/pipe differ only in case, which the go tool refuses in one package`},
		},
		{
			name: "other files that differ only in case",
			edit: func(t *testing.T, dir string) {
				writeFile("jobs/pipe/util.go", "package pipe\n")(t, dir)
				writeFile("jobs/pipe/Util.go", "package pipe\n")(t, dir)
			},
			wants: []string{`config/job_config.json:3:5: job "pipe": files "Util.go" and "util.go" in jobs/pipe differ only in case`},
		},
		{
			name:  "task file excluded by a build constraint",
			edit:  writeFile("jobs/pipe/evens.go", "//go:build ignore\n\npackage pipe\n\ntype Evens struct{}\n"),
			wants: []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens": jobs/pipe/evens.go is left out of the build by its build constraint "//go:build ignore" (jobs/pipe/evens.go:1:1)`},
		},
		{
			name: "every file of a job excluded",
			edit: func(t *testing.T, dir string) {
				files, err := filepath.Glob(filepath.Join(dir, "jobs", "fan", "*.go"))
				require.NoError(t, err)
				for _, f := range files {
					data, err := os.ReadFile(f)
					require.NoError(t, err)
					require.NoError(t, os.WriteFile(f, append([]byte("//go:build ignore\n\n"), data...), 0o644))
				}
			},
			wants: []string{"jobs/fan: build constraints exclude all Go files in "}, // the go tool's message, without a position: the folder is where
		},
		{
			name: "cgo task file without cgo",
			edit: func(t *testing.T, dir string) {
				t.Setenv("CGO_ENABLED", "0")
				writeFile("jobs/pipe/evens.go", "package pipe\n\n// int two(void) { return 2; }\nimport \"C\"\n\ntype Evens struct{}\n")(t, dir)
			},
			wants: []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens": jobs/pipe/evens.go is left out of the build: it imports "C", and cgo is disabled (CGO_ENABLED=0, or no C compiler was found) (jobs/pipe/evens.go:4:8)`},
		},
		{
			name:  "missing type",
			edit:  writeFile("jobs/pipe/evens.go", "package pipe\n\ntype Evenz struct{}\n"),
			wants: []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens": jobs/pipe/evens.go does not declare type Evens`},
		},
		{
			name: "wrong Run signature",
			edit: writeFile("jobs/pipe/evens.go", "package pipe\n\ntype Evens struct{}\n\nfunc (Evens) Run(xs []int) (EvenNumbers, error) { return nil, nil }\n"),
			wants: []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens": Evens.Run's first parameter must be a context.Context`,
				"jobs/pipe/evens.go:5:14"},
		},
		{
			name:  "unbindable parameter",
			edit:  replaceInConfig(`["jobs.pipe.odds", "jobs.pipe.evens"]`, `["jobs.pipe.odds", "jobs.pipe.numbers"]`),
			wants: []string{`config/job_config.json:9:18: job "pipe": task "jobs.pipe.print_sums": no dependency provides parameter 1 of Run (pipe.EvenNumbers); dependencies: "jobs.pipe.odds" (pipe.OddNumbers), "jobs.pipe.numbers" ([]int)`},
		},
		{
			name: "ambiguous parameter",
			edit: func(t *testing.T, dir string) {
				writeFile("jobs/pipe/evens.go", "package pipe\n\nimport \"context\"\n\ntype Evens struct{}\n\nfunc (Evens) Run(ctx context.Context, xs []int) (OddNumbers, error) { return nil, nil }\n")(t, dir)
			},
			wants: []string{`config/job_config.json:9:18: job "pipe": task "jobs.pipe.print_sums": parameter 2 of Run (pipe.OddNumbers) could be filled by "jobs.pipe.odds" and "jobs.pipe.evens"`},
		},
		{
			name:  "unknown dependency",
			edit:  replaceInConfig(`["jobs.pipe.odds", "jobs.pipe.evens"]`, `["jobs.pipe.odds", "jobs.pipe.even"]`),
			wants: []string{`config/job_config.json:9:77: job "pipe": task "jobs.pipe.print_sums" depends on unknown task "jobs.pipe.even" (did you mean "jobs.pipe.evens"?)`},
		},
		{
			name:  "dependency on a task of another job",
			edit:  replaceInConfig(`"dependencies": ["jobs.pipe.numbers"]}`, `"dependencies": ["jobs.fan.part_a"]}`),
			wants: []string{`config/job_config.json:7:54: job "pipe": task "jobs.pipe.evens" depends on task "jobs.fan.part_a" of job "fan", but dependencies must stay inside one job`},
		},
		{
			name:  "dependency named for another job",
			edit:  replaceInConfig(`"dependencies": ["jobs.pipe.numbers"]}`, `"dependencies": ["jobs.fan.nothing_like_it"]}`),
			wants: []string{`config/job_config.json:7:54: job "pipe": task "jobs.pipe.evens" depends on "jobs.fan.nothing_like_it", which is not a task of job "pipe": dependencies must stay inside one job, so their names start with jobs.pipe.`},
		},
		{
			name:  "cycle",
			edit:  replaceInConfig(`{"name": "jobs.pipe.numbers"}`, `{"name": "jobs.pipe.numbers", "dependencies": ["jobs.pipe.print_sums"]}`),
			wants: []string{`config/job_config.json:7:18: job "pipe": task "jobs.pipe.evens" is on a dependency cycle: jobs.pipe.evens -> jobs.pipe.numbers -> jobs.pipe.print_sums -> jobs.pipe.evens`},
		},
		{
			name:  "invalid JSON",
			edit:  replaceInConfig(`"jobs": {`, `"jobs": {{`),
			wants: []string{"config/job_config.json:2:12: jobs: expected a key in double quotes"},
		},
	}
	dir := fixture(t)
	before := generated(t, dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restore := snapshotInputs(t, dir)
			defer restore()
			tt.edit(t, dir)
			for _, cmd := range []string{"generate", "check"} {
				code, stdout, stderr := jobgen(t, cmd, "-dir", dir)
				assert.Equal(t, 1, code, "%s: stderr:\n%s", cmd, stderr)
				assert.Empty(t, stdout)
				for _, w := range tt.wants {
					assert.Contains(t, stderr, w, cmd)
				}
				for _, w := range tt.unwanted {
					assert.NotContains(t, stderr, w, cmd)
				}
				assert.Regexp(t, `^[^\s:]+(:\d+:\d+)?: `, stderr, "%s: the first line says where", cmd)
				assert.Regexp(t, `jobgen: \d+ errors?(, \d+ warnings?)?\n$`, stderr, "ends with a count")
				assert.Equal(t, before, generated(t, dir), "%s changed generated files", cmd)
			}
		})
	}
}

func TestEnvironmentAndUsage(t *testing.T) {
	tests := []struct {
		name string
		args func(dir string) []string
		code int
		want string
	}{
		{"no command", func(string) []string { return nil }, 2, "no command given"},
		{"unknown command", func(string) []string { return []string{"frobnicate"} }, 2, `unknown command "frobnicate"`},
		{"unknown flag", func(d string) []string { return []string{"generate", "-nope"} }, 2, "flag provided but not defined: -nope"},
		{"extra argument", func(d string) []string { return []string{"generate", "-dir", d, "extra"} }, 2, "takes no arguments"},
		{"missing config", func(d string) []string { return []string{"generate", "-dir", d, "-config", "config/nope.json"} }, 3, "read config"},
		{"no module", func(d string) []string { return []string{"check", "-dir", filepath.Join(d, "jobs")} }, 3, "read module"},
		{"help of an unknown command", func(string) []string { return []string{"help", "frobnicate"} }, 2, "No help topic for 'frobnicate'"},
	}
	dir := fixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := jobgen(t, tt.args(dir)...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.want)
			// run alone prints the error, once, as the last line.
			assert.Equal(t, 1, strings.Count(stderr, "jobgen: "), stderr)
			assert.Regexp(t, `(?m)^jobgen: .*`+regexp.QuoteMeta(tt.want)+`.*\n$`, stderr)
		})
	}
}

func generated(t *testing.T, dir string) map[string]string {
	files := testmod.Snapshot(t, dir, "gen")
	for k, v := range testmod.Snapshot(t, dir, "cmd") {
		files[k] = v
	}
	require.NotEmpty(t, files)
	return files
}

// snapshotInputs saves config/ and jobs/ and returns a function that puts
// them back exactly.
func snapshotInputs(t *testing.T, dir string) func() {
	saved := testmod.Snapshot(t, dir, "config")
	for k, v := range testmod.Snapshot(t, dir, "jobs") {
		saved[k] = v
	}
	return func() {
		require.NoError(t, os.RemoveAll(filepath.Join(dir, "jobs")))
		require.NoError(t, os.RemoveAll(filepath.Join(dir, "config"))) // it may be a link to a device, or a named pipe
		for p, content := range saved {
			testmod.WriteFile(t, dir, p, content)
		}
	}
}

func replaceInConfig(old, new string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		p := filepath.Join(dir, "config", "job_config.json")
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		require.Contains(t, string(data), old)
		require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644))
	}
}

func removeFile(rel string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		require.NoError(t, os.Remove(filepath.Join(dir, rel)))
	}
}

func renameFile(from, to string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		require.NoError(t, os.Rename(filepath.Join(dir, filepath.FromSlash(from)), filepath.Join(dir, filepath.FromSlash(to))))
	}
}

func writeFile(rel, content string) func(*testing.T, string) {
	return func(t *testing.T, dir string) { testmod.WriteFile(t, dir, rel, content) }
}

// TestConventions covers what a Go user expects of a command: --version,
// the exit codes in -h, and shell completion.
func TestConventions(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout []string // regexps
		wantStderr string
	}{
		{name: "version", args: []string{"--version"}, wantStdout: []string{`^jobgen version .*go1\.\d+.*\n$`}},
		{name: "help lists exit codes", args: []string{"-h"}, wantStdout: []string{`EXIT CODES:\n   0  fine\n   1  invalid input`, `\n   3  an environment failure`, `completion +print the script`}},
		{name: "zsh completion", args: []string{"completion", "zsh"}, wantStdout: []string{`^#compdef jobgen\n`}},
		{name: "completion of an unknown shell", args: []string{"completion", "csh"}, wantCode: 2, wantStderr: `jobgen: completion: unknown shell "csh": want bash, zsh or fish`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := jobgen(t, tt.args...)
			assert.Equal(t, tt.wantCode, code, stderr)
			for _, re := range tt.wantStdout {
				assert.Regexp(t, re, stdout)
			}
			assert.Contains(t, stderr, tt.wantStderr)
		})
	}
}

// TestStaleSignatureFailsBuild changes a Run signature without running go
// generate: go build fails, and its error names the task and says what to
// do.
func TestStaleSignatureFailsBuild(t *testing.T) {
	dir := fixture(t)
	file := filepath.Join(dir, "jobs", "pipe", "print_sums.go")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	changed := strings.Replace(string(data), "odds OddNumbers) error", "odds OddNumbers, verbose bool) error", 1)
	require.NotEqual(t, string(data), changed)
	require.NoError(t, os.WriteFile(file, []byte(changed), 0o644))
	out, err := testmod.GoErr(dir, "build", "./...")
	require.Error(t, err, out)
	assert.Regexp(t, `(?m)^gen/pipe/pipe_gen\.go:\d+:\d+: cannot use &jobs_pipe_print_sums__Run_changed__run_go_generate\{\} .* \*jobs_pipe_print_sums__Run_changed__run_go_generate does not implement sig\d+Runner \(wrong type for method Run\)$`, out)
	assert.Contains(t, out, "have Run(context.Context,")
}

// TestGenerateSaysToTidy: when the mains generate writes import packages
// that go.sum does not cover yet (go mod tidy ran before they existed),
// generate says to run go mod tidy; when it covers them, it says nothing.
func TestGenerateSaysToTidy(t *testing.T) {
	// A new module tidied before its first go generate, as a user's.
	dir := testmod.New(t, "example.com/fixture", filepath.Join("..", "..", "generator", "testdata", "typed_diamond"))
	testmod.Go(t, dir, "mod", "tidy")
	data, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	require.NoError(t, err)
	require.NotContains(t, string(data), "golang.org/x/term ", "tidy saw no import of it yet")
	code, _, stderr := jobgen(t, "generate", "-dir", dir)
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `(?m)^jobgen: the 2 mains it wrote import .*golang\.org/x/term, which go\.mod and go\.sum do not cover yet: run go mod tidy before go build$`, stderr)

	dir = testmod.New(t, "example.com/fixture", filepath.Join("..", "..", "generator", "testdata", "typed_diamond"))
	code, _, stderr = jobgen(t, "generate", "-dir", dir)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "go mod tidy")
}
