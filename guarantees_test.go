package taskorchestrator_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGuaranteesNameRealTests keeps docs/guarantees.md honest: every test
// or fuzz target it cites as pinning a guarantee is declared in a _test.go
// file of the module.
func TestGuaranteesNameRealTests(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("docs", "guarantees.md"))
	require.NoError(t, err)
	declared := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)\w+)\(`)
	require.NoError(t, filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != "." {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, "_test.go") {
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
				declared[m[1]] = true
			}
		}
		return nil
	}))
	cited := regexp.MustCompile("`((?:Test|Fuzz)\\w+)`").FindAllStringSubmatch(string(doc), -1)
	require.NotEmpty(t, cited)
	for _, m := range cited {
		assert.True(t, declared[m[1]], "docs/guarantees.md cites %s, which no test declares", m[1])
	}
}
