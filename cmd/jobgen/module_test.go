package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

// docCheckout is the path docs/use-in-your-module.md gives for an
// unreleased checkout; the test puts this checkout's in its place.
const docCheckout = "/path/to/taskorchestrator"

// TestUseFromAnotherModule does exactly what docs/use-in-your-module.md
// tells a user to do, read from the page itself: in an empty folder, it
// runs the commands of every sh block in order (the go get of a released
// version left out, the block for an unreleased checkout run with this
// checkout's path: the one deviation the page states), writes every file
// the page shows where the page shows it, and runs the commands of the
// console block, whose output must be what the page shows (durations and
// the count of workers aside). The go command runs with the environment of
// a user: no GOFLAGS=-mod=mod, no go.sum copied from here.
func TestUseFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module from scratch")
	}
	doc, err := os.ReadFile(filepath.Join(testmod.RepoRoot(t), "docs", "use-in-your-module.md"))
	require.NoError(t, err)
	steps := docSteps(t, string(doc))

	work, out := t.TempDir(), t.TempDir()
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	var consoles [][2]string // command, expected output
	files := 0
	for _, s := range steps {
		switch s.kind {
		case "sh":
			for line := range strings.Lines(s.text) {
				if strings.Contains(line, "<version>") {
					continue // needs a released version
				}
				script.WriteString(strings.ReplaceAll(line, docCheckout, testmod.RepoRoot(t)))
			}
		case "file":
			files++
			require.NotContains(t, s.text, "\nEOF\n")
			fmt.Fprintf(&script, "mkdir -p %q\ncat > %q <<'EOF'\n%sEOF\n", filepath.Dir(s.path), s.path, s.text)
		case "console":
			for _, c := range consoleCommands(s.text) {
				fmt.Fprintf(&script, "{ %s; } > %q 2>&1\n", c[0], filepath.Join(out, fmt.Sprint("console", len(consoles))))
				consoles = append(consoles, c)
			}
		}
	}
	require.Equal(t, 6, files, "doc.go, the config and four tasks: every file of the job")
	require.NotEmpty(t, consoles)
	res := userShell(t, work, script.String())
	require.NoError(t, res.err, "the page's commands failed:\n%s\n%s", script.String(), res.out)

	shop := filepath.Join(work, "shop")
	assert.FileExists(t, filepath.Join(shop, "gen", "orders", "orders_gen.go"))
	assert.FileExists(t, filepath.Join(shop, "cmd", "orders", "main.go"))
	for k, c := range consoles {
		got, err := os.ReadFile(filepath.Join(out, fmt.Sprint("console", k)))
		require.NoError(t, err)
		assert.Equal(t, normalize(c[1]), normalize(string(got)), "output of %s", c[0])
	}

	// Beyond the page: --version, and a cycle fails go generate with a
	// positioned error and writes nothing.
	res = userShell(t, shop, "./bin/orders --version")
	require.NoError(t, res.err, res.out)
	assert.Regexp(t, `^orders version \(devel\), module example\.com/shop, `+regexp.QuoteMeta(testmod.ThisModule)+` v0\.0\.0 \(replaced by .*\), go1\.\d+.*, job fingerprint [0-9a-f]{12}\n$`, res.out)
	cfg := filepath.Join(shop, "config", "job_config.json")
	data, err := os.ReadFile(cfg)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(cfg, []byte(strings.Replace(string(data),
		`{"name": "jobs.orders.load_orders"}`, `{"name": "jobs.orders.load_orders", "dependencies": ["jobs.orders.report"]}`, 1)), 0o644))
	res = userShell(t, shop, "go generate ./...")
	require.Error(t, res.err)
	assert.Contains(t, res.out, `config/job_config.json:7:18: job "orders": task "jobs.orders.count" is on a dependency cycle`)
	res = userShell(t, shop, "go tool jobgen check")
	require.Error(t, res.err)
	assert.Contains(t, res.out, "jobgen: 1 error")
}

// docStep is a step of the page: the commands of a sh or console block,
// or a file.
type docStep struct {
	kind string // "sh", "console" or "file"
	path string // of a file
	text string
}

// docSteps reads the fenced blocks of a page in order: sh and console
// blocks, and go and json blocks whose paragraph before them starts with
// the backquoted path of the file they are.
func docSteps(t *testing.T, page string) []docStep {
	t.Helper()
	fence := regexp.MustCompile("(?s)(?:^|\n)```(\\w*)\n(.*?)```\n")
	lead := regexp.MustCompile("^`([\\w./-]+\\.(?:go|json))`")
	var steps []docStep
	last := 0
	for _, m := range fence.FindAllStringSubmatchIndex(page, -1) {
		lang, body := page[m[2]:m[3]], page[m[4]:m[5]]
		before := page[last:m[0]]
		last = m[1]
		if i := strings.LastIndex(strings.TrimRight(before, "\n"), "\n\n"); i >= 0 {
			before = before[i+2:]
		}
		switch lang {
		case "sh", "console":
			steps = append(steps, docStep{kind: lang, text: body})
		case "go", "json":
			if p := lead.FindStringSubmatch(strings.TrimLeft(before, "\n")); p != nil {
				steps = append(steps, docStep{kind: "file", path: p[1], text: body}) // from the module root, where the commands cd to
			}
		}
	}
	return steps
}

// consoleCommands splits a console block into its commands ("$ ...") and
// the output shown after each.
func consoleCommands(block string) [][2]string {
	var cmds [][2]string
	for line := range strings.Lines(block) {
		if c, ok := strings.CutPrefix(line, "$ "); ok {
			cmds = append(cmds, [2]string{strings.TrimSpace(c), ""})
		} else if len(cmds) > 0 {
			cmds[len(cmds)-1][1] += line
		}
	}
	return cmds
}

// normalize blanks out what changes from run to run: durations, log
// times, the count of workers.
func normalize(s string) string {
	s = regexp.MustCompile(`(?m)^time=\S+ `).ReplaceAllString(s, "")
	s = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s)\b`).ReplaceAllString(s, "<duration>")
	s = regexp.MustCompile(`\b\d+ workers?\b`).ReplaceAllString(s, "<n> workers")
	return s
}

type shellResult struct {
	out string
	err error
}

// userShell runs script with bash in dir, with the environment a user
// has: this process's, without the GOFLAGS=-mod=mod that testmod.Setup
// puts there for the other tests.
func userShell(t *testing.T, dir, script string) shellResult {
	t.Helper()
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOFLAGS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	return shellResult{string(out), err}
}
