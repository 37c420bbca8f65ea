package config

import (
	"math/big"
	"os"
	"time"
)

// Config is a decoded job configuration.
type Config struct {
	Path string // the path given to Load or Parse, used in every message
	Jobs []Job  // in file order
}

// Job is one entry of "jobs".
type Job struct {
	Name string // the key under "jobs"
	Pos  Pos    // position of the job's key

	Handler    string // "handler", or "" when absent
	HandlerPos Pos    // position of the handler value, or the zero Pos when absent

	// Params is "params", the dotted name of the file that declares the
	// job's run inputs (e.g. "jobs.job1.params" for type Params in
	// jobs/job1/params.go), or "" when absent: the job takes no inputs.
	Params    string
	ParamsPos Pos // position of the params value, or the zero Pos when absent

	KeepGoing bool // "keep_going", false when absent

	// Temporal is the job's "temporal" object, or nil when absent: the job
	// opts in to running on Temporal.
	Temporal *Temporal

	Tasks []Task // in file order
}

// Temporal is a job's "temporal" object: the job may run on Temporal.
type Temporal struct {
	Pos Pos // position of the "temporal" value

	// Pinned runs every activity of a run on the worker that ran the
	// handler's Setup ("pinned", false when absent).
	Pinned bool
}

// Task is one entry of a job's "tasks".
type Task struct {
	Name string // "name", e.g. "jobs.job1.load_sales"
	Pos  Pos    // position of the name value

	Dependencies []Dependency // "dependencies", in file order

	Timeout    time.Duration // "timeout", or 0 when absent (no limit)
	TimeoutPos Pos           // position of the timeout value, or the zero Pos when absent

	Retries    int // "retries", 0 when absent
	RetriesPos Pos // position of the retries value, or the zero Pos when absent
}

// Dependency is one entry of a task's "dependencies".
type Dependency struct {
	Name string // the name of the task depended on
	Pos  Pos    // position of the string value
}

// Load reads the config file at path and parses it with [Parse]. A failure to
// read the file is returned as it is (an *fs.PathError), so that callers can
// tell it from invalid input, which is reported as [Errors].
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses, validates and decodes the config in data; path names the file
// in messages. If the input is invalid, the error is an [Errors] holding every
// problem found, sorted by position: a JSON syntax error (parsing stops
// there), duplicate keys, and each violation of the embedded schema. Only a
// config that passes all of these is decoded. Parse does not check naming
// conventions, repeated task names or unknown dependencies.
func Parse(path string, data []byte) (*Config, error) {
	lines := newLineTable(data)
	root, errs := parseJSON(path, data, lines)
	if root == nil {
		return nil, errs.Err()
	}
	verrs, err := validate(path, root, lines)
	if err != nil {
		return nil, err
	}
	errs = append(errs, verrs...)
	if len(errs) > 0 {
		return nil, errs.dedup().Err()
	}
	d := decoder{file: path, lines: lines}
	cfg := d.config(root)
	if len(d.errs) > 0 {
		return nil, d.errs.dedup().Err()
	}
	return cfg, nil
}

// decoder turns a tree that passed the schema into a Config. It relies on the
// schema for the shape, but checks every type again so that a mismatch
// between the two can never panic.
type decoder struct {
	file  string
	lines *lineTable
	errs  Errors
}

func (d *decoder) pos(off int) Pos { return d.lines.pos(off) }

func (d *decoder) config(root *node) *Config {
	cfg := &Config{Path: d.file}
	jobs := root.get("jobs")
	if jobs == nil {
		return cfg
	}
	for _, m := range jobs.val.members {
		cfg.Jobs = append(cfg.Jobs, d.job(m))
	}
	return cfg
}

func (d *decoder) job(m member) Job {
	job := Job{Name: m.key, Pos: d.pos(m.keyOff)}
	if h := m.val.get("handler"); h != nil && h.val.kind == kindString {
		job.Handler, job.HandlerPos = h.val.str, d.pos(h.val.off)
	}
	if p := m.val.get("params"); p != nil && p.val.kind == kindString {
		job.Params, job.ParamsPos = p.val.str, d.pos(p.val.off)
	}
	if k := m.val.get("keep_going"); k != nil {
		job.KeepGoing = k.val.b
	}
	if tm := m.val.get("temporal"); tm != nil && tm.val.kind == kindObject {
		job.Temporal = &Temporal{Pos: d.pos(tm.val.off)}
		if p := tm.val.get("pinned"); p != nil {
			job.Temporal.Pinned = p.val.b
		}
	}
	if ts := m.val.get("tasks"); ts != nil {
		for i, t := range ts.val.elems {
			where := formatPath([]segment{{key: "jobs", index: -1}, {key: m.key, index: -1}, {key: "tasks", index: -1}, {index: i}})
			job.Tasks = append(job.Tasks, d.task(t, where))
		}
	}
	return job
}

func (d *decoder) task(n *node, where string) Task {
	var task Task
	if m := n.get("name"); m != nil {
		task.Name, task.Pos = m.val.str, d.pos(m.val.off)
	}
	if m := n.get("dependencies"); m != nil {
		for _, e := range m.val.elems {
			task.Dependencies = append(task.Dependencies, Dependency{Name: e.str, Pos: d.pos(e.off)})
		}
	}
	if m := n.get("timeout"); m != nil {
		task.TimeoutPos = d.pos(m.val.off)
		t, err := time.ParseDuration(m.val.str)
		switch {
		case err != nil:
			d.errs.Add(d.file, task.TimeoutPos, "%s.timeout: invalid duration %s (out of range)", where, quote(m.val.str))
		case t <= 0:
			d.errs.Add(d.file, task.TimeoutPos, "%s.timeout: duration %s must be positive", where, quote(m.val.str))
		default:
			task.Timeout = t
		}
	}
	if m := n.get("retries"); m != nil {
		task.RetriesPos = d.pos(m.val.off)
		r, ok := new(big.Rat).SetString(m.val.str)
		if ok && r.IsInt() && r.Num().IsInt64() && numberInRange(m.val.str) {
			task.Retries = int(r.Num().Int64())
		} else {
			d.errs.Add(d.file, task.RetriesPos, "%s.retries: must be an integer, got %s", where, quote(m.val.str))
		}
	}
	return task
}
