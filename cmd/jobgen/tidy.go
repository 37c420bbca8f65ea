package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// tidyHint tells, after generate wrote the mains of job binaries (written
// lists the paths it wrote), whether they import packages that go.mod and
// go.sum do not cover yet, as in a new module whose go.mod was tidied
// before the mains existed: go build would fail with "missing go.sum
// entry", and go mod tidy is what fixes it. It asks the go tool (go list)
// and stays silent when it cannot tell.
func tidyHint(ctx context.Context, stderr io.Writer, dir string, written []string) {
	var mains []string
	for _, p := range written {
		if strings.HasPrefix(p, "cmd/") && path.Base(p) == "main.go" {
			mains = append(mains, p)
		}
	}
	if len(mains) == 0 {
		return
	}
	if _, err := os.Stat(filepath.Join(dir, "vendor")); err == nil {
		return // vendored: go mod vendor, not tidy, is the step
	}
	args := []string{"list", "-mod=readonly", "-e", "-deps", "-f", "{{if and .Error (not .Module) (not .Standard)}}{{.ImportPath}}{{end}}"}
	for _, m := range mains {
		args = append(args, "./"+path.Dir(m))
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return
	}
	missing := strings.Fields(string(out))
	if len(missing) == 0 {
		return
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	shown := missing[:min(3, len(missing))]
	list := strings.Join(shown, ", ")
	if len(missing) > len(shown) {
		list += fmt.Sprintf(" and %d more", len(missing)-len(shown))
	}
	what := mains[0] + " imports"
	if len(mains) > 1 {
		what = fmt.Sprintf("the %d mains it wrote import", len(mains))
	}
	fmt.Fprintf(stderr, "jobgen: %s %s, which go.mod and go.sum do not cover yet: run go mod tidy before go build\n", what, list)
}
