package config

import (
	"encoding/json"
	"fmt"
	"go/token"
	"math/big"
	"strings"
	"time"

	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// Config is a decoded job configuration.
type Config struct {
	Path string // the path given to Parse, the Filename of every position
	Jobs []Job  // in file order
}

// Job is one entry of "jobs".
type Job struct {
	Name string         // the key under "jobs"
	Pos  token.Position // position of the job's key

	Handler    string         // "handler", or "" when absent
	HandlerPos token.Position // position of the handler value, or the zero Position when absent

	// Params is "params", the dotted name of the file that declares the
	// job's run inputs (e.g. "jobs.job1.params" for type Params in
	// jobs/job1/params.go), or "" when absent: the job takes no inputs.
	Params    string
	ParamsPos token.Position // position of the params value, or the zero Position when absent

	KeepGoing bool // "keep_going", false when absent

	// Temporal is the job's "temporal" object, or nil when absent: the job
	// opts in to running on Temporal.
	Temporal *Temporal

	Tasks []Task // in file order
}

// Temporal is a job's "temporal" object: the job may run on Temporal.
type Temporal struct {
	Pos token.Position // position of the "temporal" value

	// Pinned runs every activity of a run on the worker that ran the
	// handler's Setup ("pinned", false when absent).
	Pinned bool
}

// Task is one entry of a job's "tasks".
type Task struct {
	Name string         // "name", e.g. "jobs.job1.load_sales"
	Pos  token.Position // position of the name value

	Dependencies []Dependency // "dependencies", in file order

	Timeout    time.Duration  // "timeout", or 0 when absent (no limit)
	TimeoutPos token.Position // position of the timeout value, or the zero Position when absent

	Retries    int            // "retries", 0 when absent
	RetriesPos token.Position // position of the retries value, or the zero Position when absent
}

// Dependency is one entry of a task's "dependencies".
type Dependency struct {
	Name string         // the name of the task depended on
	Pos  token.Position // position of the string value
}

// Parse parses, validates and decodes the config in data; path is the
// Filename of its positions. It calls report once for every problem: a
// syntax error (parsing stops there), a repeated key, a number out of
// range, each violation of the schema, a timeout or retries value that
// does not decode. It returns the Config only when there was none, and
// nil otherwise.
func Parse(path string, data []byte, report func(pos token.Position, msg string)) *Config {
	p := newParser(path, data, report)
	if !p.encoding() {
		return nil
	}
	doc, syntax := decodeAny(data)
	root := p.positions()
	switch {
	case p.stopped: // nesting too deep
		return nil
	case syntax != nil:
		p.syntaxError(syntax)
		return nil
	case p.outOfRange:
		return nil // the validator would spend a long time on such a number
	}
	if err := p.validate(doc, root); err != nil {
		// The schema itself is broken: a bug of this module, reported at
		// the top of the file rather than hidden.
		p.errorf(0, nil, "%v", err)
	}
	if p.errors > 0 {
		return nil
	}
	cfg := p.decode(root)
	if p.errors > 0 {
		return nil
	}
	return cfg
}

// file is the shape of a valid config, for encoding/json.
type file struct {
	Jobs map[string]struct {
		Handler   string `json:"handler"`
		Params    string `json:"params"`
		KeepGoing bool   `json:"keep_going"`
		Temporal  *struct {
			Pinned bool `json:"pinned"`
		} `json:"temporal"`
		Tasks []struct {
			Name         string       `json:"name"`
			Dependencies []string     `json:"dependencies"`
			Timeout      *string      `json:"timeout"`
			Retries      *json.Number `json:"retries"`
		} `json:"tasks"`
	} `json:"jobs"`
}

// decode decodes data, which passed the schema, with encoding/json, and
// adds the positions from the tree: jobs come in file order, which a map
// does not keep.
func (p *parser) decode(root *node) *Config {
	var f file
	if err := json.Unmarshal(p.data, &f); err != nil {
		// The schema let through what the structs cannot hold: a bug.
		p.errorf(0, nil, "decode: %v", err)
		return nil
	}
	cfg := &Config{Path: p.path}
	jobs := root.fields["jobs"]
	for _, name := range jobs.keys {
		fj, nj := f.Jobs[name], jobs.fields[name]
		job := Job{Name: name, Pos: p.pos(nj.keyOff), Handler: fj.Handler, Params: fj.Params, KeepGoing: fj.KeepGoing}
		if n := nj.fields["handler"]; n != nil {
			job.HandlerPos = p.pos(n.off)
		}
		if n := nj.fields["params"]; n != nil {
			job.ParamsPos = p.pos(n.off)
		}
		if fj.Temporal != nil {
			job.Temporal = &Temporal{Pos: p.pos(nj.fields["temporal"].off), Pinned: fj.Temporal.Pinned}
		}
		for i, ft := range fj.Tasks {
			nt := nj.fields["tasks"].elems[i]
			where := []segment{{key: "jobs", index: -1}, {key: name, index: -1}, {key: "tasks", index: -1}, {index: i}}
			task := Task{Name: ft.Name, Pos: p.pos(nt.fields["name"].off)}
			for k, dep := range ft.Dependencies {
				task.Dependencies = append(task.Dependencies, Dependency{Name: dep, Pos: p.pos(nt.fields["dependencies"].elems[k].off)})
			}
			if ft.Timeout != nil {
				off := nt.fields["timeout"].off
				task.TimeoutPos = p.pos(off)
				task.Timeout = p.duration(off, append(where, segment{key: "timeout", index: -1}), *ft.Timeout)
			}
			if ft.Retries != nil {
				off := nt.fields["retries"].off
				task.RetriesPos = p.pos(off)
				task.Retries = p.integer(off, append(where, segment{key: "retries", index: -1}), string(*ft.Retries))
			}
			job.Tasks = append(job.Tasks, task)
		}
		cfg.Jobs = append(cfg.Jobs, job)
	}
	return cfg
}

// duration decodes a timeout that matched the schema's pattern, which
// time.ParseDuration may still refuse (too large) or round to zero.
func (p *parser) duration(off int, path []segment, s string) time.Duration {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		p.errorf(off, path, "invalid duration %s (out of range)", text.Quote(s))
	case d <= 0:
		p.errorf(off, path, "duration %s must be positive", text.Quote(s))
	}
	return max(d, 0)
}

// integer decodes a number that the schema found to be an integer, such
// as 2, 2.0 or 1e1.
func (p *parser) integer(off int, path []segment, lit string) int {
	r, ok := new(big.Rat).SetString(lit)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		p.errorf(off, path, "must be an integer, got %s", text.Quote(lit))
		return 0
	}
	return int(r.Num().Int64())
}

// segment is one step of a path from the root to a value: an object key or
// an array index.
type segment struct {
	key   string
	index int // -1 for an object key
}

// formatPath renders a path for messages: jobs.job1.tasks[2].name.
func formatPath(path []segment) string {
	var b strings.Builder
	for _, s := range path {
		switch {
		case s.index >= 0:
			fmt.Fprintf(&b, "[%d]", s.index)
		case isPlainKey(s.key):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		default:
			b.WriteString("[" + text.Quote(s.key) + "]")
		}
	}
	return b.String()
}

// isPlainKey reports whether key can be printed after a dot.
func isPlainKey(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9' {
			continue
		}
		return false
	}
	return true
}
