package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	goldenpkg "github.com/taskorchestrator/taskorchestrator/internal/golden"

	"github.com/taskorchestrator/taskorchestrator/generator"
	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

// TestGolden generates every case under testdata in a module of its own.
// A case with want/errors.txt must fail with exactly those errors (and
// warnings) and leave nothing written; any other case must generate exactly
// the files under want/ with the warnings of want/warnings.txt, build, and
// its job binaries must run and print want/run_<job>.txt.
func TestGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	for _, c := range cases {
		if !c.IsDir() || c.Name() == "fuzz" {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			src := filepath.Join("testdata", c.Name())
			dir := testmod.New(t, "example.com/"+c.Name(), src)
			res, err := generator.Generate(context.Background(), generator.Options{Dir: dir})
			require.NoError(t, err, "invalid input is diagnostics, not an error")
			wantErrs := filepath.Join(src, "want", "errors.txt")
			if _, statErr := os.Stat(wantErrs); statErr == nil || (*goldenpkg.Update && res.HasErrors()) {
				require.True(t, res.HasErrors(), "case expects errors")
				assert.Empty(t, res.Files, "an invalid input has nothing to write")
				got := strings.ReplaceAll(lines(res.Diagnostics), dir, "$WORK") + "\n"
				golden(t, wantErrs, got)
				_, err := res.Commit(dir)
				assert.Error(t, err, "a Result with errors cannot be committed")
				assert.Empty(t, testmod.Snapshot(t, dir, "gen"), "an invalid config must write nothing")
				return
			}
			require.False(t, res.HasErrors(), lines(res.Diagnostics))
			for _, f := range res.Files {
				golden(t, filepath.Join(src, "want", filepath.FromSlash(f.Path)), string(f.Data))
			}
			wantWarns := filepath.Join(src, "want", "warnings.txt")
			if _, statErr := os.Stat(wantWarns); statErr == nil || len(res.Diagnostics) > 0 {
				for _, d := range res.Diagnostics {
					assert.Equal(t, generator.SeverityWarning, d.Severity, d.String())
				}
				golden(t, wantWarns, lines(res.Diagnostics)+"\n")
			}
			wantFiles := testmod.Snapshot(t, filepath.Join(src, "want"), ".")
			for p := range wantFiles {
				if strings.HasPrefix(p, "gen/") || strings.HasPrefix(p, "cmd/") {
					assert.Contains(t, paths(res.Files), p, "golden file %s is no longer generated", p)
				}
			}

			// Twice gives the same bytes.
			again, err := generator.Generate(context.Background(), generator.Options{Dir: dir})
			require.NoError(t, err)
			assert.Equal(t, res.Files, again.Files, "generation is not deterministic")

			written, err := res.Commit(dir)
			require.NoError(t, err)
			assert.Len(t, written, len(res.Files))
			written, err = res.Commit(dir)
			require.NoError(t, err)
			assert.Empty(t, written, "unchanged files must not be rewritten")

			testmod.Go(t, dir, "vet", "./...")
			for name, want := range wantFiles {
				job, ok := strings.CutPrefix(name, "run_")
				if !ok {
					continue
				}
				job = strings.TrimSuffix(job, ".txt")
				out := testmod.Go(t, dir, "run", "./cmd/"+job)
				for _, line := range strings.Split(strings.TrimSpace(want), "\n") {
					assert.Contains(t, out, line, "output of job %s", job)
				}
			}
		})
	}
}

// lines prints diagnostics one a line, as jobgen does.
func lines(diags []generator.Diagnostic) string {
	s := make([]string, len(diags))
	for i, d := range diags {
		s[i] = d.String()
	}
	return strings.Join(s, "\n")
}

func paths(files []generator.File) []string {
	var ps []string
	for _, f := range files {
		ps = append(ps, f.Path)
	}
	return ps
}

// golden compares got with the file at path (see package golden).
func golden(t *testing.T, path, got string) {
	t.Helper()
	goldenpkg.Check(t, path, []byte(got))
}
