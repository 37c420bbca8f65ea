package generator

import (
	"go/build"
	"go/token"
	"io"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzNames feeds arbitrary strings to the name checks. They must never
// panic, and whatever they accept must be safe to use as a Go package name,
// an exported type name, a file name and a path, judged by go/token,
// go/build and path/filepath rather than by the checks' own lists. The seed
// corpus is in testdata/fuzz/FuzzNames, so the seeds run in every go test.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"job1", "load_sales", "jobs.job1.load_sales", "runtime.generic_job_handler"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if checkWord("name", name) == "" {
			checkAcceptedWord(t, name)
		}
		if checkJobName(name) == "" {
			checkAcceptedWord(t, name)
			if name == "main" || name == "init" {
				t.Errorf("job name %q accepted; a job's package cannot be named so", name)
			}
			for _, p := range []string{WiringPath(name), MainPath(name)} {
				if !filepath.IsLocal(p) || path.Clean(p) != p || strings.Count(p, "/") != 2 {
					t.Errorf("job %q gives the output path %q", name, p)
				}
			}
		}
		if d, msg := splitTaskName(name); msg == "" {
			if "jobs."+d.pkg+"."+d.file != name {
				t.Errorf("task name %q split into %+v", name, d)
			}
			checkAcceptedWord(t, d.pkg)
			checkAcceptedWord(t, d.file)
		}
		if d, msg := splitHandlerName(name); msg == "" {
			if "jobs."+d.pkg+"."+d.file != name {
				t.Errorf("handler name %q split into %+v", name, d)
			}
			checkAcceptedWord(t, d.pkg)
			checkAcceptedWord(t, d.file)
			if checkJobName(d.pkg) != "" {
				t.Errorf("handler name %q accepted with a package name that is no valid job name", name)
			}
		}
	})
}

// checkAcceptedWord checks a word the name checks accepted.
func checkAcceptedWord(t *testing.T, w string) {
	t.Helper()
	if !token.IsIdentifier(w) || token.IsKeyword(w) {
		t.Fatalf("accepted %q is not a Go identifier", w)
	}
	if strings.ToLower(w) != w || strings.ContainsFunc(w, func(r rune) bool { return r > 0x7f }) {
		t.Errorf("accepted %q is not lower-case ASCII, so two accepted names could differ only in case", w)
	}
	if len(w) > maxWordLen {
		t.Errorf("accepted %q is longer than %d", w, maxWordLen)
	}
	if ty := pascal(w); !token.IsIdentifier(ty) || !token.IsExported(ty) {
		t.Errorf("accepted %q gives the type name %q, which is no exported identifier", w, ty)
	}
	if strings.HasSuffix(w, "_test") {
		t.Errorf("accepted %q: the go tool would read %s.go as a test file", w, w)
	}
	if windowsReserved(w) {
		t.Errorf("accepted %q, a reserved device name on Windows", w)
	}
	// Two contexts whose GOOS and GOARCH differ: a file name with any known
	// GOOS or GOARCH suffix is left out of at least one of them.
	for _, goos := range [][2]string{{"linux", "amd64"}, {"windows", "arm64"}} {
		ctx := build.Default
		ctx.GOOS, ctx.GOARCH = goos[0], goos[1]
		ctx.OpenFile = func(string) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("package p\n")), nil
		}
		ok, err := ctx.MatchFile(".", w+".go")
		if err != nil || !ok {
			t.Errorf("accepted %q, but the go tool leaves %s.go out of a %s/%s build (err %v)", w, w, goos[0], goos[1], err)
		}
	}
}

// windowsReserved reports whether Windows reserves the name of a file, as
// Microsoft documents it ("Naming Files, Paths, and Namespaces").
func windowsReserved(name string) bool {
	base, _, _ := strings.Cut(strings.ToLower(name), ".")
	switch base {
	case "con", "prn", "aux", "nul", "conin$", "conout$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "com") || strings.HasPrefix(base, "lpt")) {
		return base[3] >= '0' && base[3] <= '9'
	}
	return false
}
