package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"github.com/urfave/cli/v2"

	"github.com/taskorchestrator/taskorchestrator/generator"
	"github.com/taskorchestrator/taskorchestrator/internal/plan"
)

// diff prints a unified diff, from the files on disk to what generate would
// write, of every generated file that would change; it fails with exit 1
// when there is one.
func diff(c *cli.Context, stdout, stderr io.Writer) error {
	if c.Args().Present() {
		return usageErr("diff takes no arguments, got %q", c.Args().First())
	}
	dir, res, err := load(c, stderr)
	if err != nil {
		return err
	}
	changes, err := res.Diff(dir)
	if err != nil {
		return envErr(err)
	}
	for _, ch := range changes {
		patch, err := unifiedDiff(ch)
		if err != nil {
			return envErr(err)
		}
		if _, err := io.WriteString(stdout, patch); err != nil {
			return envErr(err)
		}
	}
	return staleErr(len(changes))
}

// unifiedDiff formats one change as git does: a/ and b/ before the paths,
// /dev/null for a missing side, three lines of context.
func unifiedDiff(ch generator.Change) (string, error) {
	from, to := "a/"+ch.Path, "b/"+ch.Path
	switch ch.Kind {
	case generator.Create:
		from = "/dev/null"
	case generator.Remove:
		to = "/dev/null"
	}
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: splitLines(ch.Old), B: splitLines(ch.New),
		FromFile: from, ToFile: to, Context: 3,
	})
	if err != nil {
		return "", err
	}
	if text == "" { // same text, but one side is missing: an empty file
		text = fmt.Sprintf("--- %s\n+++ %s\n", from, to)
	}
	return text, nil
}

// splitLines splits text into lines that keep their "\n"; a last line
// without one gets the marker git and patch use.
func splitLines(data []byte) []string {
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	}
	return lines
}

// job loads the config and returns the checked graph of the job the
// command names.
func job(c *cli.Context, stderr io.Writer) (*generator.Job, error) {
	if c.NArg() != 1 {
		return nil, usageErr("%s needs exactly one job name: jobgen %s <job>", c.Command.Name, c.Command.Name)
	}
	name := c.Args().First()
	_, res, err := load(c, stderr)
	if err != nil {
		return nil, err
	}
	var names []string
	for i := range res.Jobs {
		if res.Jobs[i].Name == name {
			return &res.Jobs[i], nil
		}
		names = append(names, res.Jobs[i].Name)
	}
	return nil, usageErr("no job %q in %s; its jobs are: %s", name, c.String("config"), strings.Join(names, ", "))
}

// graph draws a job's task graph.
func graph(c *cli.Context, stdout, stderr io.Writer) error {
	format := c.String("format")
	render, ok := map[string]func(*generator.Job) string{"dot": dotGraph, "mermaid": mermaidGraph}[format]
	if !ok {
		return usageErr("--format must be dot or mermaid, not %q", format)
	}
	j, err := job(c, stderr)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(stdout, render(j)); err != nil {
		return envErr(err)
	}
	return nil
}

// planCmd prints a job's plan, as the job binary's --dry-run does.
func planCmd(c *cli.Context, stdout, stderr io.Writer) error {
	workers := c.Int("workers")
	if workers < 1 {
		return usageErr("--workers must be at least 1, not %d", workers)
	}
	j, err := job(c, stderr)
	if err != nil {
		return err
	}
	names, deps := plan.Unpack(j.Tasks, func(t generator.Task) (string, []int) { return t.Name, t.Deps })
	p := plan.New(j.Name, names, deps, j.Levels, workers)
	write := p.WriteText
	if c.Bool("json") {
		write = p.WriteJSON
	}
	if err := write(stdout); err != nil {
		return envErr(err)
	}
	return nil
}
