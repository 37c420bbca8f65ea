package generator

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// File is one generated file.
type File struct {
	// Path is relative to the module root, with forward slashes.
	Path string
	Data []byte
}

// Result is what a [Generate] call produced: the files to write and the
// generated files of jobs that no longer exist.
type Result struct {
	Files []File
	// Stale lists generated files (carrying [Marker]) under gen/ and cmd/
	// that belong to no job of the config.
	Stale []string
}

// outputRoots are the folders under the module root that generated files
// live in; nothing outside them is ever written or removed.
var outputRoots = []string{"gen", "cmd"}

// Changes compares the result with the files under dir and returns the
// paths that Commit would write or remove, sorted.
func (r *Result) Changes(dir string) ([]string, error) {
	var changed []string
	for _, f := range r.Files {
		same, err := sameContent(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Data)
		if err != nil {
			return nil, err
		}
		if !same {
			changed = append(changed, f.Path)
		}
	}
	changed = append(changed, r.Stale...)
	slices.Sort(changed)
	return changed, nil
}

// Commit writes the result under dir: each file whose content changed is
// written to a temporary file in its folder and renamed into place, so a
// reader never sees a partial file; unchanged files are not touched; stale
// generated files are removed, with their folder when it becomes empty.
// It returns the paths it wrote or removed.
func (r *Result) Commit(dir string) ([]string, error) {
	var done []string
	for _, f := range r.Files {
		full, err := outputPath(dir, f.Path)
		if err != nil {
			return done, err
		}
		same, err := sameContent(full, f.Data)
		if err != nil {
			return done, err
		}
		if same {
			continue
		}
		if err := writeAtomic(full, f.Data); err != nil {
			return done, err
		}
		done = append(done, f.Path)
	}
	for _, p := range r.Stale {
		full, err := outputPath(dir, p)
		if err != nil {
			return done, err
		}
		if err := os.Remove(full); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return done, fmt.Errorf("remove stale %s: %w", p, err)
		}
		_ = os.Remove(filepath.Dir(full)) // only succeeds when empty
		done = append(done, p)
	}
	return done, nil
}

// outputPath joins a generated file's path to dir after checking that it
// stays inside an output folder and that no folder on the way is a
// symbolic link, so a write can never land outside the module.
func outputPath(dir, rel string) (string, error) {
	clean := path.Clean(rel)
	parts := strings.Split(clean, "/")
	if !filepath.IsLocal(filepath.FromSlash(clean)) || len(parts) < 2 || !slices.Contains(outputRoots, parts[0]) {
		return "", fmt.Errorf("refusing to write %q: outside the output folders %v", rel, outputRoots)
	}
	at := dir
	for _, p := range parts[:len(parts)-1] {
		at = filepath.Join(at, p)
		fi, err := os.Lstat(at)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
			return "", fmt.Errorf("refusing to write %s: %s is not a plain folder", rel, at)
		}
	}
	full := filepath.Join(dir, filepath.FromSlash(clean))
	if fi, err := os.Lstat(full); err == nil && !fi.Mode().IsRegular() {
		return "", fmt.Errorf("refusing to write %s: it exists and is not a regular file", rel)
	}
	return full, nil
}

// writeAtomic writes data to a temporary file beside name and renames it
// into place.
func writeAtomic(name string, data []byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// sameContent reports whether the file holds exactly data; a missing file
// is not the same.
func sameContent(name string, data []byte) (bool, error) {
	old, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return bytes.Equal(old, data), nil
}

// staleFiles lists the files with the generated marker under gen/*/ and
// cmd/*/ that are not in keep.
func staleFiles(dir string, keep []File) ([]string, error) {
	want := map[string]bool{}
	for _, f := range keep {
		want[f.Path] = true
	}
	var stale []string
	for _, root := range outputRoots {
		subs, err := os.ReadDir(filepath.Join(dir, root))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			if !sub.IsDir() { // also skips symbolic links
				continue
			}
			files, err := os.ReadDir(filepath.Join(dir, root, sub.Name()))
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				rel := path.Join(root, sub.Name(), f.Name())
				if !f.Type().IsRegular() || !strings.HasSuffix(f.Name(), ".go") || want[rel] {
					continue
				}
				ours, err := hasMarker(filepath.Join(dir, filepath.FromSlash(rel)))
				if err != nil {
					return nil, err
				}
				if ours {
					stale = append(stale, rel)
				}
			}
		}
	}
	slices.Sort(stale)
	return stale, nil
}

// hasMarker reports whether a file's first line is jobgen's header.
func hasMarker(name string) (bool, error) {
	f, err := os.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	return strings.HasPrefix(line, Marker+" ") && strings.HasSuffix(strings.TrimRight(line, "\r\n"), "DO NOT EDIT."), nil
}
