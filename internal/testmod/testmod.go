// Package testmod builds throwaway Go modules for tests: a copy of a
// testdata folder with a go.mod that requires this repository through a
// replace directive, the way a user's module would.
package testmod

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
)

// ThisModule is the import path of this repository's module.
const ThisModule = "github.com/taskorchestrator/taskorchestrator"

// RepoRoot returns the absolute path of this repository's checkout.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := goruntime.Caller(0)
	if !ok {
		t.Fatal("testmod: cannot locate source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Setup prepares the process for throwaway modules; call it from TestMain.
// It sets GOFLAGS=-mod=mod so that the go command, and go/packages inside
// the generator, complete a throwaway module's go.mod as they go.
func Setup() {
	os.Setenv("GOFLAGS", "-mod=mod")
}

// New creates a module named modPath in a new temporary folder, copies the
// tree under src into it (skipping folders named "want"), places a file
// named job_config.json found at the top of src at config/job_config.json,
// and makes the module require this repository. It returns the folder.
func New(t testing.TB, modPath, src string) string {
	t.Helper()
	dir := t.TempDir()
	if src != "" {
		Copy(t, src, dir)
		if _, err := os.Stat(filepath.Join(dir, "job_config.json")); err == nil {
			if err := os.MkdirAll(filepath.Join(dir, "config"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(dir, "job_config.json"), filepath.Join(dir, "config", "job_config.json")); err != nil {
				t.Fatal(err)
			}
		}
	}
	root := RepoRoot(t)
	gomod := "module " + modPath + "\n\ngo 1.26\n\nrequire " + ThisModule + " v0.0.0\n\nreplace " + ThisModule + " => " + root + "\n"
	WriteFile(t, dir, "go.mod", gomod)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	WriteFile(t, dir, "go.sum", string(sum))
	return dir
}

// Copy copies the regular files under src into dst, skipping "want"
// folders.
func Copy(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == "want" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// WriteFile writes content to dir/rel, creating folders.
func WriteFile(t testing.TB, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Go runs the go command in dir and returns its combined output; it fails
// the test when the command fails.
func Go(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := GoErr(dir, args...)
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return out
}

// GoErr runs the go command in dir and returns its combined output and
// error. The command runs with GOFLAGS=-mod=mod, so that it completes a
// throwaway module's go.mod, whether or not [Setup] was called.
func GoErr(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Snapshot returns the content of every regular file under dir/rel, keyed by
// slash path relative to dir; a missing folder gives an empty map.
func Snapshot(t testing.TB, dir, rel string) map[string]string {
	t.Helper()
	files := map[string]string{}
	root := filepath.Join(dir, rel)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == root {
				return filepath.SkipDir
			}
			return err
		}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			r, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(r)] = string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Buffer is a bytes.Buffer safe for concurrent use, for the output of a
// process or a display that a test reads while it is written.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
