package config_test

import (
	"cmp"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/taskorchestrator/taskorchestrator/generator/internal/config"
)

// problem is one call of Parse's report.
type problem struct {
	pos token.Position
	msg string
}

func (p problem) String() string { return p.pos.String() + ": " + p.msg }

// parse runs config.Parse and returns its config and its problems sorted
// by position and without repeats, as the generator's collector keeps
// them, one a line.
func parse(path string, data []byte) (*config.Config, []problem, string) {
	var list []problem
	cfg := config.Parse(path, data, func(pos token.Position, msg string) { list = append(list, problem{pos, msg}) })
	slices.SortStableFunc(list, func(a, b problem) int {
		return cmp.Or(cmp.Compare(a.pos.Line, b.pos.Line), cmp.Compare(a.pos.Column, b.pos.Column), cmp.Compare(a.msg, b.msg))
	})
	list = slices.Compact(list)
	lines := make([]string, len(list))
	for i, p := range list {
		lines[i] = p.String()
	}
	return cfg, list, strings.Join(lines, "\n")
}

// load parses the file at path.
func load(t *testing.T, path string) *config.Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, problems := parse(path, data)
	if problems != "" {
		t.Fatal(problems)
	}
	return cfg
}

// lc is "line:col" of pos, or "-" for none.
func lc(pos token.Position) string {
	if !pos.IsValid() {
		return "-"
	}
	return strconv.Itoa(pos.Line) + ":" + strconv.Itoa(pos.Column)
}

// deps lists a task's dependencies as "name@line:col".
func deps(task config.Task) []string {
	var out []string
	for _, d := range task.Dependencies {
		out = append(out, d.Name+"@"+lc(d.Pos))
	}
	return out
}
