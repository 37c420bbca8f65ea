// Package state keeps the results of a job's tasks in a folder, so that a
// later run can resume (a job binary's --state and --resume).
//
// Each task that succeeds gets a record, <folder>/<task>.json, written to
// a temporary file, synced and renamed into place: a killed process leaves
// every record whole or absent. A record holds the task's result as JSON,
// the key of the task's definition and a random id; a dependent's record
// holds the ids of the records of the dependencies its result came from.
// A record can be restored only while all of these still hold: its key
// matches the task as compiled now, and each dependency is restorable with
// the id it recorded. So a changed Run signature, result type (its fields
// included), dependency list or input invalidates the task and everything
// downstream of it, and so does a dependency that ran again since.
package state

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/taskorchestrator/taskorchestrator/runtime/internal/runtypes"
)

// version is the record format's version, part of every key.
const version = "taskorchestrator-state-v1"

// record is one task's stored result.
type record struct {
	Version int    `json:"version"`
	Job     string `json:"job"`
	Task    string `json:"task"`
	Key     string `json:"key"`
	ID      string `json:"id"`
	// Deps maps the name of each dependency to the id of its record.
	Deps map[string]string `json:"deps"`
	// Params are the run's inputs, in the record of a task that takes them.
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result"`
}

// Store is the state folder of one run.
type Store struct {
	dir    string
	job    *runtime.Job
	keys   []string       // per task: the key of its definition
	result []reflect.Type // per task: the type of its result, nil for none
	takes  []bool         // per task: Run takes the params
	params json.RawMessage
	byName map[string]int
	fsync  bool
	unlock func()
	mu     sync.Mutex
	ids    []string // per task: the id of its record this run relies on
	errs   []error  // records that could not be written
}

// Open opens dir, creating it, for job, whose run has the inputs params
// (nil for none). It fails if a task's result cannot be stored (the
// generator's check, [runtime.Job.Unstorable]) or its types cannot be read,
// and if another process holds dir.
func Open(dir string, job *runtime.Job, params any) (*Store, error) {
	s := &Store{dir: dir, job: job, fsync: true, byName: map[string]int{}}
	n := len(job.Tasks)
	s.keys, s.result, s.takes, s.ids = make([]string, n), make([]reflect.Type, n), make([]bool, n), make([]string, n)
	var errs []error
	for i := range job.Tasks {
		if why, bad := job.Unstorable[i]; bad {
			errs = append(errs, errors.New(why))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("job %q cannot keep its results in a --state folder:\n%w", job.Name, err)
	}
	if params != nil {
		p, err := json.Marshal(params)
		if err != nil {
			return nil, fmt.Errorf("encode the params: %w", err)
		}
		s.params = p
	}
	// Keys in level order: a task's key covers its dependencies' keys.
	for _, level := range job.Levels {
		for _, i := range level {
			if err := s.key(i); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, t := range job.Tasks {
		s.byName[t.Name] = i
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lock(dir)
	if err != nil {
		return nil, err
	}
	s.unlock = unlock
	// Temporary files of a process that was killed while writing.
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(tmps) > 0 {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	return s, nil
}

// Close releases the folder.
func (s *Store) Close() {
	if s.unlock != nil {
		s.unlock()
		s.unlock = nil
	}
}

// key computes the key of task i: a hash of the job and task names, the
// Run signature with the full structure of every type in it, what fills
// each argument, and the keys of the dependencies.
func (s *Store) key(i int) error {
	t := &s.job.Tasks[i]
	args, res, err := runtypes.Of(t)
	if err != nil {
		return err
	}
	s.result[i] = res
	h := sha256.New()
	fmt.Fprintf(h, "%s\njob %q\ntask %q\n", version, s.job.Name, t.Name)
	for k, a := range t.Args {
		if a == runtime.ParamsArg {
			s.takes[i] = true
			fmt.Fprintf(h, "arg %d params %s\n", k, canonical(args[k]))
			continue
		}
		fmt.Fprintf(h, "arg %d task %q %s\n", k, s.job.Tasks[a].Name, canonical(args[k]))
	}
	fmt.Fprintf(h, "result %s\n", canonical(res))
	for _, d := range t.Deps {
		fmt.Fprintf(h, "dep %q %s\n", s.job.Tasks[d].Name, s.keys[d])
	}
	s.keys[i] = hex.EncodeToString(h.Sum(nil))
	return nil
}

// canonical spells t with the structure of every named type in it, so
// that a struct that gains, loses or retypes a field spells differently.
// A type that encodes itself (json.Marshaler, encoding.TextMarshaler) is
// spelled by name only.
func canonical(t reflect.Type) string {
	if t == nil {
		return "none"
	}
	var b strings.Builder
	writeType(&b, t, map[reflect.Type]bool{})
	return b.String()
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[interface{ MarshalText() ([]byte, error) }]()
)

func writeType(b *strings.Builder, t reflect.Type, seen map[reflect.Type]bool) {
	if t.Name() != "" && t.PkgPath() == "" {
		b.WriteString(t.Name()) // a predeclared type: int, string, error
		return
	}
	if t.Name() != "" {
		b.WriteString(t.PkgPath() + "." + t.Name())
		if seen[t] || t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
			reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
			return
		}
		seen[t] = true
		b.WriteByte('=')
	}
	switch t.Kind() {
	case reflect.Pointer:
		b.WriteByte('*')
		writeType(b, t.Elem(), seen)
	case reflect.Slice:
		b.WriteString("[]")
		writeType(b, t.Elem(), seen)
	case reflect.Array:
		fmt.Fprintf(b, "[%d]", t.Len())
		writeType(b, t.Elem(), seen)
	case reflect.Map:
		b.WriteString("map[")
		writeType(b, t.Key(), seen)
		b.WriteByte(']')
		writeType(b, t.Elem(), seen)
	case reflect.Struct:
		b.WriteString("struct{")
		for i := range t.NumField() {
			f := t.Field(i)
			fmt.Fprintf(b, "%s ", f.Name)
			writeType(b, f.Type, seen)
			if f.Tag != "" {
				fmt.Fprintf(b, " %q", f.Tag)
			}
			b.WriteByte(';')
		}
		b.WriteByte('}')
	default:
		b.WriteString(t.Kind().String())
	}
}

// path is the record file of task i.
func (s *Store) path(i int) string {
	return filepath.Join(s.dir, url.PathEscape(s.job.Tasks[i].Name)+".json")
}

// Plan is what a run with the state folder does with each task.
type Plan struct {
	// Restored holds, by task index, the results to restore.
	Restored map[int]any
	// Why says, by task index, why a task that has a record, or whose
	// record was needed, cannot be restored.
	Why map[int]string
}

// Load reads the records and returns the restorable results of the tasks
// want says to restore if they can (nil: every task).
func (s *Store) Load(want func(i int) bool) (*Plan, error) {
	p := &Plan{Restored: map[int]any{}, Why: map[int]string{}}
	ok := make([]bool, len(s.job.Tasks))
	for _, level := range s.job.Levels {
		for _, i := range level {
			rec, why, err := s.check(i, ok)
			if err != nil {
				return nil, err
			}
			if why == "" && (want == nil || want(i)) {
				var res any
				if res, err = s.decode(i, rec); err != nil {
					why = fmt.Sprintf("its stored result does not decode (%v)", err)
				} else {
					p.Restored[i] = res
				}
			}
			if why != "" {
				p.Why[i] = why
				continue
			}
			ok[i] = true
			s.ids[i] = rec.ID
		}
	}
	for i := range s.job.Tasks {
		if _, r := p.Restored[i]; !r {
			s.ids[i] = "" // it runs, or not at all: no record this run writes relies on the old one
		}
	}
	return p, nil
}

// check reads the record of task i and says why it cannot be restored, or
// "" if it can; ok says which tasks before it can. An error is a record
// that does not belong here.
func (s *Store) check(i int, ok []bool) (*record, string, error) {
	t := &s.job.Tasks[i]
	data, err := os.ReadFile(s.path(i))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "no stored result", nil
	}
	if err != nil {
		return nil, "", err
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Sprintf("its record %s is unreadable (%v)", s.path(i), err), nil
	}
	if rec.Job != s.job.Name {
		return nil, "", fmt.Errorf("%s holds a result of job %q, not of %q: give each job a --state folder of its own", s.path(i), rec.Job, s.job.Name)
	}
	if rec.Key != s.keys[i] {
		return nil, "its definition changed since it was stored (its Run signature, a type in it, or its dependencies)", nil
	}
	if s.takes[i] && !bytes.Equal(compact(rec.Params), compact(s.params)) {
		return nil, "the inputs changed: " + diffParams(rec.Params, s.params), nil
	}
	for _, d := range t.Deps {
		name := s.job.Tasks[d].Name
		switch {
		case !ok[d]:
			return nil, fmt.Sprintf("its dependency %s runs again", name), nil
		case rec.Deps[name] != s.ids[d]:
			return nil, fmt.Sprintf("its dependency %s ran again after it", name), nil
		}
	}
	return &rec, "", nil
}

// decode returns the result in rec as the exact type task i returns.
func (s *Store) decode(i int, rec *record) (any, error) {
	if s.result[i] == nil {
		return nil, nil
	}
	v := reflect.New(s.result[i])
	if err := json.Unmarshal(rec.Result, v.Interface()); err != nil {
		return nil, err
	}
	return v.Elem().Interface(), nil
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}

// diffParams names the inputs that differ between two params objects.
func diffParams(was, now json.RawMessage) string {
	var a, b map[string]json.RawMessage
	json.Unmarshal(was, &a)
	json.Unmarshal(now, &b)
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		if !bytes.Equal(compact(a[k]), compact(b[k])) {
			parts = append(parts, fmt.Sprintf("%s was %s, is %s", k, orNone(a[k]), orNone(b[k])))
		}
	}
	if len(parts) == 0 {
		return "the params differ"
	}
	return strings.Join(parts, "; ")
}

func orNone(b json.RawMessage) string {
	if len(b) == 0 {
		return "unset"
	}
	return string(compact(b))
}

// Observe stores the result of every task that succeeds, before its
// dependents start (the run calls it from the task's worker).
func (s *Store) Observe(e runtime.Event) {
	if e.Kind != runtime.TaskEnd || e.State != runtime.Succeeded {
		return
	}
	if err := s.write(e.Task.Index, e.Result); err != nil {
		s.mu.Lock()
		s.errs = append(s.errs, err)
		s.mu.Unlock()
	}
}

func (s *Store) write(i int, result any) error {
	t := &s.job.Tasks[i]
	res, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("task %q: store its result: %w", t.Name, err)
	}
	id := rand.Text()
	rec := record{Version: 1, Job: s.job.Name, Task: t.Name, Key: s.keys[i], ID: id, Deps: map[string]string{}, Result: res}
	if s.takes[i] {
		rec.Params = s.params
	}
	s.mu.Lock()
	for _, d := range t.Deps {
		rec.Deps[s.job.Tasks[d].Name] = s.ids[d]
	}
	s.mu.Unlock()
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("task %q: store its result: %w", t.Name, err)
	}
	if err := s.writeFile(s.path(i), append(data, '\n')); err != nil {
		return fmt.Errorf("task %q: store its result: %w", t.Name, err)
	}
	s.mu.Lock()
	s.ids[i] = id
	s.mu.Unlock()
	return nil
}

// writeFile writes data to path through a synced temporary file renamed
// into place.
func (s *Store) writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && s.fsync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// Err joins the errors of the records that could not be written.
func (s *Store) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}
