package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/generator"
	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

const cfgRel = "config/job_config.json"

// oneTask is a config of job "pipe" with one task of the given name (a JSON
// string literal); the literal starts at 1:39.
func oneTask(nameLit string) string {
	return `{"jobs": {"pipe": {"tasks": [{"name": ` + nameLit + `}]}}}` + "\n"
}

// oneJob is a config of one job with the given key (a JSON string
// literal), which starts at 1:11.
func oneJob(keyLit string) string {
	return `{"jobs": {` + keyLit + `: {"tasks": [{"name": "jobs.pipe.numbers"}]}}}` + "\n"
}

// ringOfTasks is a config of job "pipe" with n tasks t0 ... t<n-1> in one
// cycle: each depends on the next, the last on the first. The first name
// starts at 1:39.
func ringOfTasks(n int) string {
	var b strings.Builder
	b.WriteString(`{"jobs": {"pipe": {"tasks": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{"name": "jobs.pipe.t%d", "dependencies": ["jobs.pipe.t%d"]}`, i, (i+1)%n)
	}
	b.WriteString("]}}}\n")
	return b.String()
}

// linkOut moves rel of the module to a new folder outside it and puts a
// symbolic link to it in its place.
func linkOut(rel string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		outside := filepath.Join(t.TempDir(), filepath.Base(rel))
		require.NoError(t, os.Rename(filepath.Join(dir, filepath.FromSlash(rel)), outside))
		require.NoError(t, os.Symlink(outside, filepath.Join(dir, filepath.FromSlash(rel))))
	}
}

// replaceConfig removes the config file and calls put with its path to put
// something else there (snapshotInputs removes it again before it writes
// the config back).
func replaceConfig(put func(t *testing.T, cfg string)) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		cfg := filepath.Join(dir, filepath.FromSlash(cfgRel))
		require.NoError(t, os.Remove(cfg))
		put(t, cfg)
	}
}

// TestHostileConfigs feeds jobgen one hostile config per case. Each must
// fail with exit 1 (never 0, never 2 and never a crash), name what is wrong
// and where (config/job_config.json:line:col), and leave gen/ and cmd/
// byte for byte as they were.
func TestHostileConfigs(t *testing.T) {
	fixtureCfg, err := os.ReadFile(filepath.Join("..", "..", "generator", "testdata", "typed_diamond", "job_config.json"))
	require.NoError(t, err)
	valid := string(fixtureCfg)
	half := valid[:len(valid)/2]
	const mb = 1 << 20

	tests := []struct {
		name   string
		config string                         // the whole config file
		edit   func(t *testing.T, dir string) // more changes to the module, if any
		wants  []string                       // substrings of stderr, the first with the position
	}{
		// Malformed JSON.
		{name: "empty file", config: "", wants: []string{cfgRel + ":1:1: "}},
		{name: "truncated", config: half, wants: []string{cfgRel + ":", "end of file"}},
		{name: "trailing data", config: valid + `{"jobs": {}}`, wants: []string{cfgRel + fmt.Sprintf(":%d:1: ", strings.Count(valid, "\n")+1), "after the top-level value"}},
		{name: "byte-order mark", config: "\xef\xbb\xbf" + valid, wants: []string{cfgRel + ":1:1: ", "byte-order mark"}},
		{name: "invalid UTF-8 in a string", config: oneTask("\"jobs.pipe.\xff\xfe\""), wants: []string{cfgRel + ":1:50: ", "invalid UTF-8"}},
		{name: "invalid UTF-8 outside strings", config: "{\"jobs\": \xc3\x28}", wants: []string{cfgRel + ":1:10: ", "UTF-8"}},
		{name: "NUL byte", config: "{\"jobs\":\x00{}}", wants: []string{cfgRel + ":1:9: "}},
		{name: "very deep nesting", config: `{"jobs": ` + strings.Repeat("[", 100000), wants: []string{cfgRel + ":1:", "nesting too deep"}},
		{name: "duplicate job", config: `{"jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.numbers"}]}, "pipe": {"tasks": [{"name": "jobs.pipe.evens"}]}}}`, wants: []string{cfgRel + ":1:63: ", "pipe"}},

		// Wrong types and shapes.
		{name: "null config", config: "null", wants: []string{cfgRel + ":1:1: ", "must be an object"}},
		{name: "null jobs", config: `{"jobs": null}`, wants: []string{cfgRel + ":1:10: ", "jobs"}},
		{name: "null tasks", config: `{"jobs": {"pipe": {"tasks": null}}}`, wants: []string{cfgRel + ":1:29: ", "jobs.pipe.tasks"}},
		{name: "null name", config: oneTask("null"), wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[0].name"}},
		{name: "null dependency", config: `{"jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.numbers", "dependencies": [null]}]}}}`, wants: []string{cfgRel + ":1:77: ", "dependencies[0]"}},
		{name: "wrong key case: Jobs", config: `{"Jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.numbers"}]}}}`, wants: []string{cfgRel + ":1:2: ", "Jobs"}},
		{name: "wrong key case: Name", config: `{"jobs": {"pipe": {"tasks": [{"Name": "jobs.pipe.numbers"}]}}}`, wants: []string{cfgRel + ":1:31: ", "Name"}},
		{name: "negative retries", config: `{"jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.numbers", "retries": -1}]}}}`, wants: []string{cfgRel + ":1:71: ", "retries"}},
		{name: "huge retries", config: `{"jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.numbers", "retries": 1e999999}]}}}`, wants: []string{cfgRel + ":1:71: ", "retries"}},
		{name: "temporal not an object", config: `{"jobs": {"pipe": {"temporal": true, "tasks": [{"name": "jobs.pipe.numbers"}]}}}`, wants: []string{cfgRel + ":1:32: ", "jobs.pipe.temporal: must be an object"}},
		{name: "temporal null", config: `{"jobs": {"pipe": {"temporal": null, "tasks": [{"name": "jobs.pipe.numbers"}]}}}`, wants: []string{cfgRel + ":1:32: ", "jobs.pipe.temporal: must be an object"}},
		{name: "temporal key typo", config: `{"jobs": {"pipe": {"temporal": {"pined": true}, "tasks": [{"name": "jobs.pipe.numbers"}]}}}`, wants: []string{cfgRel + ":1:33: ", `unknown key "pined" (did you mean "pinned"?)`}},
		{name: "temporal pinned not a boolean", config: `{"jobs": {"pipe": {"temporal": {"pinned": "yes"}, "tasks": [{"name": "jobs.pipe.numbers"}]}}}`, wants: []string{cfgRel + ":1:43: ", "jobs.pipe.temporal.pinned: must be a boolean"}},
		{name: "zero timeout", config: `{"jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.numbers", "timeout": "0s"}]}}}`, wants: []string{cfgRel + ":1:71: ", "timeout"}},

		// Huge files: each must fail fast, and the message must stay short.
		{name: "huge name (5 MB)", config: oneTask(`"jobs.pipe.` + strings.Repeat("a", 5*mb) + `"`), wants: []string{cfgRel + ":1:39: ", "longer than 100 characters"}},
		{name: "huge invalid name (5 MB)", config: oneTask(`"jobs.pipe.` + strings.Repeat("A", 5*mb) + `"`), wants: []string{cfgRel + ":1:39: ", `"jobs.pipe.AAAA`, "does not match pattern"}},
		{name: "huge whitespace (8 MB) before garbage", config: `{"jobs": ` + strings.Repeat(" ", 8*mb) + "@}", wants: []string{cfgRel + fmt.Sprintf(":1:%d: ", 10+8*mb)}},
		{name: "huge unknown key (5 MB)", config: `{"jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.numbers"}]}}, "x": [` + strings.Repeat(`"`+strings.Repeat("x", 62)+`",`, 5*mb/65) + "1]}", wants: []string{cfgRel + ":1:64: ", `"x"`}},
		{name: "cycle of 5000 tasks", config: ringOfTasks(5000), wants: []string{cfgRel + ":1:39: ",
			`job "pipe": task "jobs.pipe.t0" is on a dependency cycle of 5000 tasks: jobs.pipe.t0 -> jobs.pipe.t1 -> jobs.pipe.t2 -> jobs.pipe.t3 -> (4994 more) -> jobs.pipe.t4998 -> jobs.pipe.t4999 -> jobs.pipe.t0` + "\n"}},
		{name: "many errors (20000)", config: `{"jobs": {"pipe": {"tasks": [` + strings.Repeat(`{"name": 1},`, 19999) + `{"name": 1}]}}}`, wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[19999].name: must be a string", "jobgen: 20000 errors\n"}},

		// Names: the allowlist and what it protects.
		{name: "keyword job", config: oneJob(`"func"`), wants: []string{cfgRel + ":1:11: ", `job name "func" is a Go keyword`}},
		{name: "predeclared job", config: oneJob(`"string"`), wants: []string{cfgRel + ":1:11: ", "predeclared"}},
		{name: "reserved job: internal", config: oneJob(`"internal"`), wants: []string{cfgRel + ":1:11: ", `"internal" is reserved`}},
		{name: "reserved job: main", config: oneJob(`"main"`), wants: []string{cfgRel + ":1:11: ", `"main" is reserved`}},
		{name: "Windows device job", config: oneJob(`"aux"`), wants: []string{cfgRel + ":1:11: ", "device name"}},
		{name: "Windows device task", config: oneTask(`"jobs.pipe.com1"`), wants: []string{cfgRel + ":1:39: ", "device name"}},
		{name: "predeclared task", config: oneTask(`"jobs.pipe.len"`), wants: []string{cfgRel + ":1:39: ", "predeclared"}},
		{name: "test suffix", config: oneTask(`"jobs.pipe.numbers_test"`), wants: []string{cfgRel + ":1:39: ", `ends in "_test"`}},
		{name: "GOOS suffix", config: oneTask(`"jobs.pipe.numbers_windows"`), wants: []string{cfgRel + ":1:39: ", `ends in "_windows"`}},
		{name: "GOARCH suffix on a job", config: oneJob(`"pipe_arm64"`), wants: []string{cfgRel + ":1:11: ", `ends in "_arm64"`}},
		{name: "case-only difference in a task", config: oneTask(`"jobs.pipe.Numbers"`), wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[0].name"}},
		{name: "case-only difference in a job", config: oneJob(`"Pipe"`), wants: []string{cfgRel + ":1:11: ", "Pipe"}},
		{name: "case-only difference in a dependency", config: `{"jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.numbers"}, {"name": "jobs.pipe.evens", "dependencies": ["jobs.pipe.Numbers"]}]}}}`, wants: []string{cfgRel + ":1:106: ", "dependencies[0]"}},
		{name: "derived collision", config: `{"jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.task_a1"}, {"name": "jobs.pipe.task_a_1"}]}}}`,
			wants: []string{cfgRel + ":1:70: ", `its type name TaskA1 is also derived from task "jobs.pipe.task_a1" (at 1:39)`}},
		{name: "quote in a name", config: oneTask(`"jobs.pipe.a\"b"`), wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[0].name"}},
		{name: "backslash in a name", config: oneTask(`"jobs.pipe.a\\b"`), wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[0].name"}},
		{name: "newline in a name", config: oneTask(`"jobs.pipe.a\nfunc init() {}"`), wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[0].name"}},
		{name: "comment end in a name", config: oneTask(`"jobs.pipe.a*/"`), wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[0].name"}},
		{name: "unicode in a name", config: oneTask(`"jobs.pipe.n\u00fcmbers"`), wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[0].name"}},
		{name: "unicode look-alike job", config: oneJob(`"p\u0456pe"`), wants: []string{cfgRel + ":1:11: ", `"p\u0456pe"`}},
		{name: "unicode look-alike task", config: oneTask(`"jobs.pipe.n\u0443mbers"`), wants: []string{cfgRel + ":1:39: ", `"jobs.pipe.n\u0443mbers"`}},
		{name: "invisible letter in a task", config: oneTask(`"jobs.pipe.numbers\u3164"`), wants: []string{cfgRel + ":1:39: ", `"jobs.pipe.numbers\u3164"`}},
		{name: "invisible letter in a dependency", config: `{"jobs": {"pipe": {"tasks": [{"name": "jobs.pipe.numbers", "dependencies": ["jobs.pipe.\u3164"]}]}}}`, wants: []string{cfgRel + ":1:77: ", `"jobs.pipe.\u3164"`}},
		{name: "look-alike outside strings", config: "{\"jobs\": \u0456}", wants: []string{cfgRel + ":1:10: ", `'\u0456'`}},
		{name: "path traversal in a task", config: oneTask(`"jobs.../..x"`), wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[0].name"}},
		{name: "path traversal to /etc", config: oneTask(`"jobs.pipe.../../../etc/passwd"`), wants: []string{cfgRel + ":1:39: ", "jobs.pipe.tasks[0].name"}},
		{name: "path traversal in a job", config: oneJob(`"../../x"`), wants: []string{cfgRel + ":1:11: "}},
		{name: "path traversal in a handler", config: `{"jobs": {"pipe": {"handler": "jobs.pipe.x/../../y", "tasks": [{"name": "jobs.pipe.numbers"}]}}}`, wants: []string{cfgRel + ":1:31: ", "handler"}},
		{name: "handler in a reserved folder", config: `{"jobs": {"pipe": {"handler": "jobs.internal.pipe_handler", "tasks": [{"name": "jobs.pipe.numbers"}]}}}`,
			wants: []string{cfgRel + ":1:31: ", `package part of handler name "internal" is reserved`}},
		{name: "overlong name", config: oneTask(`"jobs.pipe.` + strings.Repeat("x", 101) + `"`), wants: []string{cfgRel + ":1:39: ", "longer than 100 characters"}},

		// Files that are not what they seem: links out of the module, files
		// that never end.
		{name: "job folder is a link out of the module", config: valid, edit: linkOut("jobs/pipe"),
			wants: []string{cfgRel + ":3:5: ", `job "pipe": jobs/pipe is a symbolic link to "/`, `", outside the module; jobgen reads task code only from inside the module`}},
		{name: "jobs folder is a link out of the module", config: valid, edit: linkOut("jobs"),
			wants: []string{cfgRel + ":3:5: ", `job "pipe": jobs/pipe is inside jobs, a symbolic link to "/`, `", outside the module`}},
		{name: "task file is a link out of the module", config: valid, edit: linkOut("jobs/pipe/evens.go"),
			wants: []string{cfgRel + ":7:18: ", `job "pipe": task "jobs.pipe.evens": jobs/pipe/evens.go is a symbolic link to "/`, `", outside the module`}},
		{name: "other Go file is a link out of the module", config: valid, edit: linkOut("jobs/pipe/types.go"),
			wants: []string{cfgRel + ":3:5: ", `job "pipe": jobs/pipe/types.go is a symbolic link to "/`, `", outside the module`}},
		{name: "dangling link as a task file", config: valid, edit: func(t *testing.T, dir string) {
			removeFile("jobs/pipe/evens.go")(t, dir)
			require.NoError(t, os.Symlink("nowhere.go", filepath.Join(dir, "jobs", "pipe", "evens.go")))
		}, wants: []string{cfgRel + ":7:18: ", `jobs/pipe/evens.go is a symbolic link to "nowhere.go", which cannot be followed: no such file or directory`}},
		{name: "config is a link to a device", edit: replaceConfig(func(t *testing.T, cfg string) {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skip("no /dev/zero here")
			}
			require.NoError(t, os.Symlink("/dev/zero", cfg))
		}),
			wants: []string{cfgRel + ": is a character device, not a regular file\n"}},
		{name: "config is a named pipe", edit: replaceConfig(func(t *testing.T, cfg string) {
			if err := mkfifo(cfg); errors.Is(err, errors.ErrUnsupported) {
				t.Skip("no named pipes here")
			} else {
				require.NoError(t, err)
			}
		}),
			wants: []string{cfgRel + ": is a named pipe, not a regular file\n"}},
		{name: "config of 64 MiB", config: valid, edit: replaceConfig(func(t *testing.T, cfg string) {
			require.NoError(t, os.WriteFile(cfg, []byte(valid), 0o644))
			require.NoError(t, os.Truncate(cfg, 64*mb)) // sparse: NUL bytes after the config
		}), wants: []string{cfgRel + ": is larger than 16 MiB, the most jobgen reads\n"}},

		// A hand-written file where a new job's wiring would go.
		{
			name:   "job collides with a hand-written command",
			config: `{"jobs": {"tools": {"tasks": [{"name": "jobs.tools.hello"}]}}}`,
			edit: func(t *testing.T, dir string) {
				testmod.WriteFile(t, dir, "jobs/tools/hello.go", "package tools\n\nimport \"context\"\n\ntype Hello struct{}\n\nfunc (Hello) Run(context.Context) error { return nil }\n")
				testmod.WriteFile(t, dir, "cmd/tools/main.go", "package main\n\nfunc main() {} // hand-written\n")
				t.Cleanup(func() { require.NoError(t, os.RemoveAll(filepath.Join(dir, "cmd", "tools"))) })
			},
			wants: []string{cfgRel + ":1:11: ", `job "tools": cmd/tools/main.go exists and was not generated by jobgen`},
		},
	}
	dir := fixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			restore := snapshotInputs(t, dir)
			defer restore()
			testmod.WriteFile(t, dir, cfgRel, tt.config)
			if tt.edit != nil {
				tt.edit(t, dir)
			}
			before := generated(t, dir)
			for _, cmd := range []string{"generate", "check"} {
				start := time.Now()
				code, stdout, stderr := jobgen(t, cmd, "-dir", dir)
				if len(tt.config) > mb {
					t.Logf("%s of %d MB: %v", cmd, len(tt.config)/mb, time.Since(start))
				}
				shown := stderr
				if len(shown) > 2000 {
					shown = shown[:2000] + "..."
				}
				assert.Equal(t, 1, code, "%s: exit code; stderr:\n%s", cmd, shown)
				assert.Empty(t, stdout)
				for _, w := range tt.wants {
					assert.Contains(t, stderr, w, cmd)
				}
				assert.True(t, strings.HasPrefix(stderr, cfgRel+":"), "%s: the first line is positioned:\n%s", cmd, shown)
				assert.Regexp(t, `jobgen: \d+ errors?(, \d+ warnings?)?\n$`, stderr, "ends with a count")
				for _, line := range strings.Split(stderr, "\n") {
					assert.Less(t, len(line), 1000, "%s: a line of the message is very long", cmd)
				}
				assert.Equal(t, -1, strings.IndexFunc(stderr, func(r rune) bool { return r >= 0x7f || r < ' ' && r != '\n' }),
					"%s: the message is printable ASCII, every other rune escaped:\n%s", cmd, shown)
				assert.Equal(t, before, generated(t, dir), "%s changed generated files", cmd)
			}
		})
	}
}

// TestSymlinkedOutputFolder makes gen/pipe a symbolic link to a folder
// outside the module: generate must refuse with exit 3 and leave that
// folder and every generated file as they were.
func TestSymlinkedOutputFolder(t *testing.T) {
	dir := fixture(t)
	outside := t.TempDir()
	testmod.Copy(t, filepath.Join(dir, "gen", "pipe"), outside)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "gen", "pipe")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "gen", "pipe")))
	replaceInConfig(`"retries": 1`, `"retries": 2`)(t, dir) // gen/pipe/pipe_gen.go would change
	beforeOutside := testmod.Snapshot(t, outside, ".")
	beforeGen := generated(t, dir)

	code, _, stderr := jobgen(t, "generate", "-dir", dir)
	assert.Equal(t, 3, code, stderr)
	assert.Contains(t, stderr, "refusing to write gen/pipe/pipe_gen.go")
	assert.Contains(t, stderr, "is not a plain folder")
	assert.Equal(t, beforeOutside, testmod.Snapshot(t, outside, "."), "the folder outside the module is unchanged")
	assert.Equal(t, beforeGen, generated(t, dir), "no generated file changed")
	assert.Empty(t, tempFiles(t, outside))
	assert.Empty(t, tempFiles(t, dir))
}

// TestReadOnlyOutputFolder makes gen/pipe read-only: generate must fail
// with exit 3 and leave every generated file whole and no temporary file.
// As root, file modes do not stop a write, so the run happens in a child
// process that sees gen/pipe through a read-only bind mount.
func TestReadOnlyOutputFolder(t *testing.T) {
	dir := fixture(t)
	replaceInConfig(`"retries": 1`, `"retries": 2`)(t, dir) // gen/pipe/pipe_gen.go would change
	before := generated(t, dir)
	ro := filepath.Join(dir, "gen", "pipe")

	var code int
	var stderr string
	if os.Geteuid() != 0 {
		require.NoError(t, os.Chmod(ro, 0o555))
		t.Cleanup(func() { os.Chmod(ro, 0o755) })
		code, _, stderr = jobgen(t, "generate", "-dir", dir)
	} else {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperJobgen$")
		cmd.Env = append(os.Environ(), "JOBGEN_HELPER_ARGS=generate\n-dir\n"+dir, "JOBGEN_HELPER_READ_ONLY="+ro)
		if err := inMountNamespace(cmd); err != nil {
			t.Skipf("cannot make a read-only folder for root here: %v", err)
		}
		var out bytes.Buffer
		cmd.Stderr = &out
		err := cmd.Run()
		stderr = out.String()
		if strings.Contains(stderr, "helper: mount") {
			t.Skipf("cannot make a read-only folder for root here: %s", stderr)
		}
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, stderr)
		code = exit.ExitCode()
	}
	assert.Equal(t, 3, code, stderr)
	assert.Contains(t, stderr, "write gen/pipe/pipe_gen.go")
	assert.Equal(t, before, generated(t, dir), "every generated file is whole and unchanged")
	assert.Empty(t, tempFiles(t, dir))
}

// TestHelperJobgen is not a test: TestReadOnlyOutputFolder and
// TestConcurrentGenerate run the test binary with it as a child process that
// runs jobgen with the arguments in JOBGEN_HELPER_ARGS, one a line.
func TestHelperJobgen(t *testing.T) {
	args := os.Getenv("JOBGEN_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process for TestReadOnlyOutputFolder and TestConcurrentGenerate")
	}
	if ro := os.Getenv("JOBGEN_HELPER_READ_ONLY"); ro != "" {
		if err := mountReadOnly(ro); err != nil {
			fmt.Fprintf(os.Stderr, "helper: mount %s read-only: %v\n", ro, err)
			os.Exit(99)
		}
	}
	os.Exit(run(context.Background(), append([]string{"jobgen"}, strings.Split(args, "\n")...), os.Stdout, os.Stderr))
}

// TestConcurrentGenerate runs two `jobgen generate` processes at once on a
// module whose config changed (one job edited, one removed): both succeed,
// and the result is exactly what one run gives, with no temporary file
// left. (Processes, not goroutines: urfave/cli keeps global state, so run
// is not safe for concurrent use within one process.)
func TestConcurrentGenerate(t *testing.T) {
	dir := fixture(t)
	replaceInConfig(`"retries": 1`, `"retries": 2`)(t, dir)
	// Drop job "fan", as TestRemovedJobLeavesNoGeneratedFiles does.
	cfg := filepath.Join(dir, filepath.FromSlash(cfgRel))
	data, err := os.ReadFile(cfg)
	require.NoError(t, err)
	text := string(data)
	i := strings.Index(text, `    "fan"`)
	require.Positive(t, i)
	require.NoError(t, os.WriteFile(cfg, []byte(strings.TrimRight(text[:i], " \n,")+"\n  }\n}\n"), 0o644))

	const runs = 2
	cmds := make([]*exec.Cmd, runs)
	outs := make([]bytes.Buffer, runs)
	for r := range cmds {
		cmds[r] = exec.Command(os.Args[0], "-test.run=^TestHelperJobgen$")
		cmds[r].Env = append(os.Environ(), "JOBGEN_HELPER_ARGS=generate\n-dir\n"+dir)
		cmds[r].Stdout, cmds[r].Stderr = &outs[r], &outs[r]
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Start())
	}
	for r, cmd := range cmds {
		assert.NoError(t, cmd.Wait(), "run %d:\n%s", r, &outs[r])
	}
	code, _, stderr := jobgen(t, "check", "-dir", dir)
	assert.Equal(t, 0, code, "the result is up to date:\n%s", stderr)
	files := generated(t, dir)
	assert.Contains(t, files["gen/pipe/pipe_gen.go"], "Retries: 2")
	assert.NotContains(t, files, "gen/fan/fan_gen.go")
	assert.NotContains(t, files, "cmd/fan/main.go")
	assert.Empty(t, tempFiles(t, dir))
	testmod.Go(t, dir, "build", "./...")
}

// TestInterruptedGenerate cancels generate before it can finish (as
// SIGINT does): it fails with exit 3 and writes nothing.
func TestInterruptedGenerate(t *testing.T) {
	dir := fixture(t)
	replaceInConfig(`"retries": 1`, `"retries": 2`)(t, dir)
	before := generated(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"jobgen", "generate", "-dir", dir}, &stdout, &stderr)
	assert.Equal(t, 3, code, stderr.String())
	assert.Contains(t, stderr.String(), "context canceled")
	assert.Equal(t, before, generated(t, dir))
	assert.Empty(t, tempFiles(t, dir))
}

// tempFiles lists the temporary files of atomic writes under dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(d.Name(), ".tmp-") {
			found = append(found, p)
		}
		return nil
	}))
	return found
}

// TestLeftoverTempFiles plants the temporary files that a generate killed
// between write and rename leaves: generate removes those older than
// generator.LeftoverAge, with their folder when nothing else is in it, and
// keeps a young one, which may be another run's; check and generate warn
// about each.
func TestLeftoverTempFiles(t *testing.T) {
	dir := fixture(t)
	old := time.Now().Add(-generator.LeftoverAge - time.Minute)
	plant := func(rel string, mtime time.Time) {
		testmod.WriteFile(t, dir, rel, "// Code generated by jobgen from config/job_config.json. DO NOT EDIT.\n\npackage half")
		require.NoError(t, os.Chtimes(filepath.Join(dir, filepath.FromSlash(rel)), mtime, mtime))
	}
	plant("gen/pipe/.pipe_gen.go.tmp-1234567", old)
	plant("cmd/gone/.main.go.tmp-42", old) // of a job that is gone: the folder goes too
	plant("cmd/fan/.main.go.tmp-7", time.Now())
	testmod.WriteFile(t, dir, "gen/pipe/.notes.tmp-1", "not ours: not named like our temporary files\n")

	code, _, stderr := jobgen(t, "check", "-dir", dir)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "gen/pipe/.pipe_gen.go.tmp-1234567: warning: temporary file of a jobgen run that was killed between writing and renaming a file; jobgen generate removes it\n")
	assert.Contains(t, stderr, "cmd/fan/.main.go.tmp-7: warning: temporary file of a jobgen run that was killed between writing and renaming a file; jobgen generate removes it once it is 5m0s old")

	code, _, stderr = jobgen(t, "generate", "-dir", dir)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "jobgen: removed gen/pipe/.pipe_gen.go.tmp-1234567\n")
	assert.Contains(t, stderr, "jobgen: removed cmd/gone/.main.go.tmp-42\n")
	assert.NotContains(t, stderr, "jobgen: removed cmd/fan/")
	assert.NoDirExists(t, filepath.Join(dir, "cmd", "gone"))
	assert.FileExists(t, filepath.Join(dir, "cmd", "fan", ".main.go.tmp-7"), "a young one may be another run's")
	assert.FileExists(t, filepath.Join(dir, "gen", "pipe", ".notes.tmp-1"))
	assert.ElementsMatch(t, []string{filepath.Join(dir, "cmd", "fan", ".main.go.tmp-7"), filepath.Join(dir, "gen", "pipe", ".notes.tmp-1")}, tempFiles(t, dir))
}

// TestLinkInsideModule links a task file to a file elsewhere in the module:
// that is fine, only links that leave the module are refused.
func TestLinkInsideModule(t *testing.T) {
	dir := fixture(t)
	testmod.WriteFile(t, dir, "sources/evens.go.txt", "")
	require.NoError(t, os.Rename(filepath.Join(dir, "jobs", "pipe", "evens.go"), filepath.Join(dir, "sources", "evens.go.txt")))
	require.NoError(t, os.Symlink(filepath.Join("..", "..", "sources", "evens.go.txt"), filepath.Join(dir, "jobs", "pipe", "evens.go")))
	code, _, stderr := jobgen(t, "check", "-dir", dir)
	assert.Equal(t, 0, code, stderr)
}
