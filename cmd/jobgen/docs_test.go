package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/taskorchestrator/taskorchestrator/config"
	"github.com/taskorchestrator/taskorchestrator/generator"
	goldenpkg "github.com/taskorchestrator/taskorchestrator/internal/golden"
	"github.com/taskorchestrator/taskorchestrator/internal/plan"
	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

// TestDocs checks that the pictures and outputs shown in README.md and
// docs/ are what jobgen prints today for this repository's jobs; with
// -update it rewrites them (and, when Graphviz's dot is installed, redraws
// the SVGs): go test ./cmd/jobgen -run TestDocs -update, or make graphs.
func TestDocs(t *testing.T) {
	root := testmod.RepoRoot(t)
	res, err := generator.Generate(context.Background(), generator.Options{Dir: root})
	require.NoError(t, err)
	require.NotEmpty(t, res.Jobs)
	for i := range res.Jobs {
		j := &res.Jobs[i]
		t.Run(j.Name, func(t *testing.T) {
			syncBlock(t, filepath.Join(root, "README.md"), "graph "+j.Name, "```mermaid\n"+mermaidGraph(j)+"```\n")
			dotFile := filepath.Join(root, "docs", "graphs", j.Name+".dot")
			golden(t, dotFile, dotGraph(j))
			svg := filepath.Join(root, "docs", "graphs", j.Name+".svg")
			if *goldenpkg.Update {
				redraw(t, dotFile, svg)
			}
			checkSVG(t, svg, j)
		})
	}

	j1 := &res.Jobs[0]
	names := make([]string, len(j1.Tasks))
	deps := make([][]int, len(j1.Tasks))
	for i, t := range j1.Tasks {
		names[i], deps[i] = t.Name, t.Deps
	}
	var planText bytes.Buffer
	require.NoError(t, plan.New(j1.Name, names, deps, j1.Levels, 1).WriteText(&planText))
	syncBlock(t, filepath.Join(root, "README.md"), "dry-run "+j1.Name, fmt.Sprintf("```console\n$ ./bin/%s --dry-run --workers 1\n%s```\n", j1.Name, planText.String()))
	cli := filepath.Join(root, "docs", "cli.md")
	syncBlock(t, cli, "plan "+j1.Name, fmt.Sprintf("```console\n$ jobgen plan %s --workers 1\n%s```\n", j1.Name, planText.String()))
	syncBlock(t, cli, "graph "+j1.Name+" dot", fmt.Sprintf("```dot\n%s```\n", dotGraph(j1)))
	check, err := os.ReadFile(filepath.Join("testdata", "many_problems", "want", "check.txt"))
	require.NoError(t, err)
	syncBlock(t, cli, "check many_problems", fmt.Sprintf("```console\n$ jobgen check\n%s```\n", check))

	// The Temporal examples of docs/cli.md are lines of a golden file.
	doc, err := os.ReadFile(cli)
	require.NoError(t, err)
	_, section, found := strings.Cut(string(doc), "\n## Jobs on Temporal")
	require.True(t, found, "docs/cli.md has no section on jobs on Temporal")
	section, _, _ = strings.Cut(section, "\n## ")
	unencodable, err := os.ReadFile(filepath.Join(root, "generator", "testdata", "error_temporal_unencodable", "want", "errors.txt"))
	require.NoError(t, err)
	examples := 0
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, generator.DefaultConfig+":") {
			examples++
			assert.Contains(t, strings.Split(string(unencodable), "\n"), line, "docs/cli.md: not a line of generator/testdata/error_temporal_unencodable/want/errors.txt")
		}
	}
	assert.Positive(t, examples, "docs/cli.md shows Temporal messages")
}

// syncBlock checks that the text between the lines "<!-- begin NAME -->"
// and "<!-- end NAME -->" of a Markdown file is want, or with -update
// rewrites it.
func syncBlock(t *testing.T, file, name, want string) {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	begin, end := "<!-- begin "+name+" -->\n", "<!-- end "+name+" -->"
	text := string(data)
	i := strings.Index(text, begin)
	k := strings.Index(text, end)
	require.True(t, i >= 0 && k > i, "%s has no block %q ... %q", file, begin, end)
	got := text[i+len(begin) : k]
	if *goldenpkg.Update {
		require.NoError(t, os.WriteFile(file, []byte(text[:i+len(begin)]+want+text[k:]), 0o644))
		return
	}
	assert.Equal(t, want, got, "%s: block %q is stale; run: go test ./cmd/jobgen -run TestDocs -update", file, name)
}

// redraw renders the DOT file as SVG with Graphviz, when it is installed.
func redraw(t *testing.T, dotFile, svg string) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Logf("Graphviz's dot not found: %s not redrawn", svg)
		return
	}
	out, err := exec.Command(dot, "-Tsvg", dotFile, "-o", svg).CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// checkSVG checks that the SVG drawn from a job's DOT file has one node per
// task, one edge per dependency, and every label.
func checkSVG(t *testing.T, svg string, j *generator.Job) {
	data, err := os.ReadFile(svg)
	require.NoError(t, err, "missing picture; install Graphviz and run make graphs")
	text := string(data)
	edges := 0
	for _, task := range j.Tasks {
		assert.Contains(t, text, ">"+shortName(task.Name)+"</text>", "%s lacks task %s; run make graphs", svg, task.Name)
		edges += len(task.Deps)
		for _, a := range task.Args {
			if a < 0 {
				continue // the run's inputs, not an edge
			}
			assert.Contains(t, text, ">"+xmlEscape(j.Tasks[a].Result)+"</text>", "%s lacks an edge label; run make graphs", svg)
		}
	}
	assert.Equal(t, len(j.Tasks), strings.Count(text, `class="node"`), "%s: nodes; run make graphs", svg)
	assert.Equal(t, edges, strings.Count(text, `class="edge"`), "%s: edges; run make graphs", svg)
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestCIWorkflow runs the annotation step of the ready-to-copy workflow,
// docs/ci/jobgen.yml, on the output of jobgen check for a module with many
// problems, and checks that every error and warning becomes a GitHub
// annotation at its place.
func TestCIWorkflow(t *testing.T) {
	root := testmod.RepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "docs", "ci", "jobgen.yml"))
	require.NoError(t, err)
	text := string(data)
	assert.Contains(t, text, "go tool jobgen check")
	assert.Contains(t, text, "go tool jobgen diff")
	i := strings.Index(text, "sed -nE")
	require.True(t, i >= 0, "annotation step not found in docs/ci/jobgen.yml")
	k := strings.Index(text[i:], "jobgen.txt\n")
	require.True(t, k > 0, "annotation step not found in docs/ci/jobgen.yml")
	script := text[i : i+k+len("jobgen.txt")]
	sh, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not found")
	}
	dir := t.TempDir()
	check, err := os.ReadFile(filepath.Join("testdata", "many_problems", "want", "check.txt"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "jobgen.txt"), check, 0o644))
	cmd := exec.Command(sh, "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	problems := strings.Count(string(check), "\n") - 1 // all but the count
	assert.Len(t, lines, problems, "%s", out)
	assert.Equal(t, strings.Count(string(check), ": warning: "), strings.Count(string(out), "::warning "))
	assert.Contains(t, lines, `::error file=config/job_config.json,line=28,col=55::job "misc": task "jobs.misc.notify" depends on unknown task "jobs.misc.prepar" (did you mean "jobs.misc.prepare"?)`)
	assert.Contains(t, string(out), "::warning file=jobs/etl/archive.go,line=6,col=6::")

	ci, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "ci.yml"))
	require.NoError(t, err)
	assert.Contains(t, string(ci), "bash .ci/run")
}

// TestSchemaReference checks that the example config names its schema, so
// editors complete and check it (docs/editors.md), and that the file it
// names is the schema jobgen validates against.
func TestSchemaReference(t *testing.T) {
	root := testmod.RepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "config", "job_config.json"))
	require.NoError(t, err)
	var cfg struct {
		Schema string `json:"$schema"`
	}
	require.NoError(t, json.Unmarshal(data, &cfg))
	require.NotEmpty(t, cfg.Schema, `config/job_config.json has no "$schema"`)
	schema, err := os.ReadFile(filepath.Join(root, "config", filepath.FromSlash(cfg.Schema)))
	require.NoError(t, err)
	assert.Equal(t, string(config.Schema()), string(schema))
}
