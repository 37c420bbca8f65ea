package taskorchestrator_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/taskorchestrator/taskorchestrator"

// TestArchitecture keeps docs/architecture.md true to the code: the import
// rules it states hold (checked with go list), every function its diagrams
// name is declared somewhere in the module, and its Mermaid diagrams have
// no ';' in a sequence message, where Mermaid would end the statement.
func TestArchitecture(t *testing.T) {
	t.Run("imports", func(t *testing.T) {
		tests := []struct {
			pkg       string
			forbidden []string // import path prefixes
			// module, when not nil, lists the only prefixes that the
			// package's dependencies inside the module may have.
			module []string
		}{
			{pkg: module + "/runtime", module: []string{}},
			{pkg: module + "/internal/text", module: []string{}},
			{pkg: module + "/internal/inputs", module: []string{}},
			{pkg: module + "/internal/plan", module: []string{module + "/internal/text"}},
			// config is the schema's bytes; the loader is the generator's.
			{pkg: module + "/config", module: []string{}},
			{pkg: module + "/generator/internal/config", module: []string{module + "/config", module + "/internal/text"}},
			// The generator reads the runtime through go/packages, never
			// imports it.
			{pkg: module + "/generator", module: []string{module + "/generator/", module + "/config", module + "/internal/text", module + "/internal/plan", module + "/internal/inputs"}},
			{pkg: module + "/jobs/...", forbidden: []string{module + "/gen/", module + "/generator", module + "/cmd/"}},
			{pkg: module + "/cmd/jobgen", module: []string{module + "/generator", module + "/config", module + "/internal/"}},
			// Only a job that opts in to Temporal links its SDK: job2 does not.
			{pkg: module + "/runtime/jobmain", forbidden: []string{"go.temporal.io/", module + "/runtime/temporaljob"}, module: []string{module + "/runtime", module + "/internal/clikit", module + "/internal/plan", module + "/internal/text", module + "/internal/inputs"}},
			{pkg: module + "/cmd/job2", forbidden: []string{"go.temporal.io/", module + "/runtime/temporaljob"}},
			// jobtest runs in a user's tests: the runtime and the standard library.
			{pkg: module + "/runtime/jobtest", forbidden: []string{"go.temporal.io/", "github.com/stretchr/", "github.com/urfave/", "golang.org/x/"}, module: []string{module + "/runtime"}},
			{pkg: module + "/runtime/temporaljob", forbidden: []string{module + "/generator", module + "/config", module + "/gen/", module + "/jobs/", module + "/cmd/"}},
		}
		for _, tt := range tests {
			out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", tt.pkg).Output()
			require.NoError(t, err, "go list %s", tt.pkg)
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				dep, _, _ := strings.Cut(line, " ")
				if strings.TrimSuffix(dep, "/...") == strings.TrimSuffix(tt.pkg, "/...") || strings.HasPrefix(dep, strings.TrimSuffix(tt.pkg, "...")) {
					continue // the package itself
				}
				for _, f := range tt.forbidden {
					assert.False(t, strings.HasPrefix(dep, f), "%s depends on %s", tt.pkg, dep)
				}
				if tt.module != nil && (dep == module || strings.HasPrefix(dep, module+"/")) {
					allowed := false
					for _, m := range tt.module {
						allowed = allowed || strings.HasPrefix(dep, m)
					}
					assert.True(t, allowed, "%s depends on %s, which is not in %v", tt.pkg, dep, tt.module)
				}
			}
		}
	})

	doc, err := os.ReadFile(filepath.Join("docs", "architecture.md"))
	require.NoError(t, err)
	diagrams := regexp.MustCompile("(?s)```mermaid\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	require.NotEmpty(t, diagrams)

	t.Run("functions", func(t *testing.T) {
		declared := declaredFuncs(t)
		call := regexp.MustCompile(`\b([A-Za-z]\w*)\(`)
		for _, d := range diagrams {
			for _, m := range call.FindAllStringSubmatch(d[1], -1) {
				builtin := types.Universe.Lookup(m[1]) != nil
				assert.True(t, declared[m[1]] || builtin, "docs/architecture.md names %s(), which the module does not declare", m[1])
			}
		}
	})

	t.Run("mermaid", func(t *testing.T) {
		for _, d := range diagrams {
			if !strings.HasPrefix(d[1], "sequenceDiagram") {
				continue
			}
			for _, line := range strings.Split(d[1], "\n") {
				assert.NotContains(t, line, ";", "a ';' ends a Mermaid statement: %q", line)
			}
		}
	})
}

// declaredFuncs returns the names of the functions and methods declared in
// the module's non-test Go files, outside testdata.
func declaredFuncs(t *testing.T) map[string]bool {
	names := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok {
				names[fd.Name.Name] = true
			}
		}
		return nil
	})
	require.NoError(t, err)
	return names
}

// TestDocLinks checks that every relative link of README.md and docs/*.md
// points at a file of the repository.
func TestDocLinks(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join("docs", "*.md"))
	require.NoError(t, err)
	pages = append(pages, "README.md")
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	for _, page := range pages {
		data, err := os.ReadFile(page)
		require.NoError(t, err)
		for _, m := range link.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			_, err := os.Stat(filepath.Join(filepath.Dir(page), filepath.FromSlash(target)))
			assert.NoError(t, err, "%s links to %s, which does not exist", page, target)
		}
	}
}
