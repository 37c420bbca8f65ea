package generator

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// File is one generated file.
type File struct {
	// Path is relative to the module root, with forward slashes.
	Path string
	Data []byte
}

// Result is what a [Generate] call produced: the diagnostics and, when
// none is an error, the files to write, the generated files of jobs that
// no longer exist, and the checked graph of every job.
type Result struct {
	// Diagnostics lists every problem of the input, errors and warnings,
	// sorted by position.
	Diagnostics []Diagnostic
	// Files are the files to write, sorted by path.
	Files []File
	// Stale lists generated files (carrying the generated-code header)
	// under gen/ and cmd/ that belong to no job of the config.
	Stale []string
	// Leftovers lists the temporary files of [Result.Commit]'s atomic
	// writes (".<name>.go.tmp-<n>") found in the output folders: a run
	// killed between writing one and renaming it into place leaves it
	// behind. Commit removes those older than [LeftoverAge].
	Leftovers []string
	// Jobs is the checked graph of every job, in config order.
	Jobs []Job
}

// HasErrors reports whether a diagnostic is an error: the input is invalid,
// and there is nothing to write.
func (r *Result) HasErrors() bool {
	return slices.ContainsFunc(r.Diagnostics, func(d Diagnostic) bool { return d.Severity == SeverityError })
}

// errInvalid is what [Result.Diff] and [Result.Commit] return for a
// Result with errors.
var errInvalid = errors.New("generator: the input has errors, so there is nothing to write")

// Job is the checked dependency graph of one job, as generated.
type Job struct {
	Name  string
	Tasks []Task // in config order
	// Levels holds the indices in Tasks of each level's tasks, sorted by
	// name: a task is one level above its deepest dependency.
	Levels [][]int
}

// Task is one task of a [Job].
type Task struct {
	Name  string // e.g. "jobs.job1.load_sales"
	Deps  []int  // indices in Job.Tasks of its dependencies, in config order
	Level int
	// Result is the type Run returns beside its error, as messages write it
	// ("[]job1.Sale"), or "" when Run returns only an error.
	Result string
	// Args are the dependencies whose results are passed to Run, in
	// parameter order; the other dependencies only order the tasks.
	Args []int
}

// ChangeKind says what [Result.Commit] would do to a file.
type ChangeKind int

// The kinds of [Change].
const (
	Create ChangeKind = iota // the file is missing
	Update                   // the file differs from what would be written
	Remove                   // the file is a stale generated file
)

// String returns "create", "update" or "remove".
func (k ChangeKind) String() string {
	switch k {
	case Create:
		return "create"
	case Update:
		return "update"
	case Remove:
		return "remove"
	}
	return fmt.Sprintf("ChangeKind(%d)", int(k))
}

// Change is one file that [Result.Commit] would write or remove, with its
// content on disk (Old, nil when missing) and the content it would get
// (New, nil when removed).
type Change struct {
	Path     string
	Kind     ChangeKind
	Old, New []byte
}

// Diff compares the result with the files under dir and returns what
// [Result.Commit] would change, sorted by path.
func (r *Result) Diff(dir string) ([]Change, error) {
	if r.HasErrors() {
		return nil, errInvalid
	}
	var changes []Change
	for _, f := range r.Files {
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changes = append(changes, Change{Path: f.Path, Kind: Create, New: f.Data})
		case err != nil:
			return nil, err
		case !bytes.Equal(old, f.Data):
			changes = append(changes, Change{Path: f.Path, Kind: Update, Old: old, New: f.Data})
		}
	}
	for _, p := range r.Stale {
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		changes = append(changes, Change{Path: p, Kind: Remove, Old: old})
	}
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return changes, nil
}

// outputRoots are the folders under the module root that generated files
// live in; nothing outside them is ever written or removed.
var outputRoots = []string{"gen", "cmd"}

// Commit writes the result under dir: each file whose content changed is
// written to a temporary file in its folder and renamed into place, so a
// reader never sees a partial file; unchanged files are not touched; stale
// generated files are removed, with their folder when it becomes empty, and
// so are the [Result.Leftovers] older than [LeftoverAge]. It returns the
// paths it wrote or removed.
//
// Every path is checked before the first write: a path outside the output
// folders, a symbolic link or non-folder on the way, or an existing file
// that does not carry the generated-code header makes Commit return an error without
// changing anything. The writes themselves go through an [os.Root] at dir,
// so even a folder swapped for a symbolic link during the run cannot lead
// them outside dir.
func (r *Result) Commit(dir string) ([]string, error) {
	if r.HasErrors() {
		return nil, errInvalid
	}
	for _, f := range r.Files {
		full, err := outputPath(dir, f.Path)
		if err != nil {
			return nil, err
		}
		if err := checkOverwrite(full, f.Path); err != nil {
			return nil, err
		}
	}
	for _, p := range r.Stale {
		if _, err := outputPath(dir, p); err != nil {
			return nil, err
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
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
		if err := writeAtomic(root, f.Path, f.Data); err != nil {
			return done, fmt.Errorf("write %s: %w", f.Path, err)
		}
		done = append(done, f.Path)
	}
	for _, p := range r.Stale {
		name := filepath.FromSlash(path.Clean(p))
		if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return done, fmt.Errorf("remove stale %s: %w", p, err)
		}
		_ = root.Remove(filepath.Dir(name)) // only succeeds when empty
		done = append(done, p)
	}
	for _, p := range r.Leftovers {
		name := filepath.FromSlash(path.Clean(p))
		if _, err := outputPath(dir, p); err != nil || !isLeftover(root, name, time.Now()) {
			continue // gone, young (maybe another run's), or no longer ours to remove
		}
		if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return done, fmt.Errorf("remove leftover %s: %w", p, err)
		}
		_ = root.Remove(filepath.Dir(name)) // only succeeds when empty
		done = append(done, p)
	}
	return done, nil
}

// LeftoverAge is how old a temporary file of an atomic write must be for
// [Result.Commit] to remove it as left over by a killed run. A live write
// holds its temporary file for the time it takes to write, sync and rename
// one file, far less than this, so a run never removes the temporary file
// of another that is still going.
const LeftoverAge = 5 * time.Minute

// tempRE matches the name of a temporary file of [writeAtomic] (see
// [createTemp]).
var tempRE = regexp.MustCompile(`^\..+\.go\.tmp-[0-9]+$`)

// isLeftover reports whether name, a path under root, is a regular file
// named like a temporary file of [writeAtomic] and last modified at least
// [LeftoverAge] before now.
func isLeftover(root *os.Root, name string, now time.Time) bool {
	fi, err := root.Lstat(name)
	return err == nil && fi.Mode().IsRegular() && tempRE.MatchString(fi.Name()) && now.Sub(fi.ModTime()) >= LeftoverAge
}

// checkOverwrite refuses to replace an existing file that jobgen did not
// write: nothing without the generated-code header is ever touched.
func checkOverwrite(full, rel string) error {
	ours, err := hasMarker(full)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !ours {
		return fmt.Errorf("refusing to overwrite %s: it was not generated by jobgen (its first line is not the generated-code header)", rel)
	}
	return nil
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

// writeAtomic writes data to a temporary file beside rel (a slash path
// relative to root) and renames it into place, so that a reader, or a run
// that is interrupted, sees the old file or the new one, never a part. The
// temporary file is removed if anything fails before the rename; a process
// killed in between leaves a hidden ".<name>.tmp-<n>" file that the go tool
// ignores, and that a later Commit removes (see [LeftoverAge]).
func writeAtomic(root *os.Root, rel string, data []byte) (err error) {
	name := filepath.FromSlash(path.Clean(rel))
	if err := root.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmpName, tmp, err := createTemp(root, filepath.Dir(name), "."+filepath.Base(name)+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			root.Remove(tmpName)
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
	return root.Rename(tmpName, name)
}

// createTemp creates a new file named prefix and a random number in the
// folder dir of root, like [os.CreateTemp].
func createTemp(root *os.Root, dir, prefix string) (string, *os.File, error) {
	for range 100 {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return name, f, err
	}
	return "", nil, fmt.Errorf("create a temporary file in %s: too many tries", dir)
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
// cmd/*/ that are not in keep; the temporary files of atomic writes there;
// and the other entries of the folders that hold stale files: they stay
// when the stale files are removed.
func staleFiles(dir string, keep []File) (stale, temps, kept []string, err error) {
	want := map[string]bool{}
	for _, f := range keep {
		want[f.Path] = true
	}
	for _, root := range outputRoots {
		subs, err := os.ReadDir(filepath.Join(dir, root))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		for _, sub := range subs {
			if !sub.IsDir() { // also skips symbolic links
				continue
			}
			files, err := os.ReadDir(filepath.Join(dir, root, sub.Name()))
			if err != nil {
				return nil, nil, nil, err
			}
			var here, others []string
			for _, f := range files {
				rel := path.Join(root, sub.Name(), f.Name())
				if want[rel] {
					continue
				}
				if f.Type().IsRegular() && tempRE.MatchString(f.Name()) {
					temps = append(temps, rel)
					continue
				}
				ours := false
				if f.Type().IsRegular() && strings.HasSuffix(f.Name(), ".go") {
					ours, err = hasMarker(filepath.Join(dir, filepath.FromSlash(rel)))
					if err != nil {
						return nil, nil, nil, err
					}
				}
				if ours {
					here = append(here, rel)
				} else {
					others = append(others, rel)
				}
			}
			stale = append(stale, here...)
			if len(here) > 0 {
				kept = append(kept, others...)
			}
		}
	}
	slices.Sort(stale)
	slices.Sort(temps)
	slices.Sort(kept)
	return stale, temps, kept, nil
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
	return strings.HasPrefix(line, marker+" ") && strings.HasSuffix(strings.TrimRight(line, "\r\n"), "DO NOT EDIT."), nil
}
