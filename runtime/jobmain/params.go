package jobmain

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/taskorchestrator/taskorchestrator/internal/inputs"
	"github.com/taskorchestrator/taskorchestrator/runtime"
	"github.com/urfave/cli/v2"
)

// inputCategory is the heading of the input flags in -h.
const inputCategory = "INPUTS (the job's params; also read from --params FILE)"

// inputSet is the input flags of a job with a params type ([runtime.Job.Params]):
// one per exported field of the struct.
type inputSet struct {
	job    string
	typ    reflect.Type
	fields []inputField
}

// inputField is one input: a field of the params struct and its flag.
type inputField struct {
	index    int    // in the struct
	field    string // the Go field name
	jsonName string // its key in a --params file
	flag     string // the flag's name, without dashes
	kind     string // see kindOf
	help     string
	def      string
	hasDef   bool
	required bool
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// kindOf names the kind of input a field of type t is, "" if none: the
// rules of internal/inputs, which jobgen checks at generate time.
func kindOf(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return inputs.KindTime
	case t == reflect.TypeFor[time.Duration]():
		return inputs.KindDuration
	case reflect.PointerTo(t).Implements(textUnmarshaler):
		return inputs.KindText
	}
	switch t.Kind() {
	case reflect.String:
		return inputs.KindString
	case reflect.Bool:
		return inputs.KindBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return inputs.KindInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return inputs.KindUint
	case reflect.Float32, reflect.Float64:
		return inputs.KindFloat
	}
	return ""
}

// newInputSet reads the input fields of job's params type; nil for a job
// without one. An error means a params type jobgen would have refused: a
// job built by hand.
func newInputSet(job *runtime.Job) (*inputSet, error) {
	if job.Params == nil {
		return nil, nil
	}
	t := reflect.TypeOf(job.Params)
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("params type %v is not a struct", t)
	}
	s := &inputSet{job: job.Name, typ: t}
	var errs []error
	seen := map[string]string{}
	for i := range t.NumField() {
		f := t.Field(i)
		kind := kindOf(f.Type)
		if !f.IsExported() || f.Anonymous || kind == "" {
			errs = append(errs, fmt.Errorf("params field %s.%s (%v) cannot be an input: want an exported field of type %s", t.Name(), f.Name, f.Type, inputs.Supported))
			continue
		}
		in := inputField{index: i, field: f.Name, kind: kind, flag: inputs.FlagName(f.Name, f.Tag.Get(inputs.TagFlag)), help: f.Tag.Get(inputs.TagHelp)}
		in.jsonName = f.Name
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			in.jsonName = name
		}
		in.def, in.hasDef = f.Tag.Lookup(inputs.TagDefault)
		in.required = f.Tag.Get(inputs.TagRequired) == "true"
		if msg := inputs.CheckFlagName(in.flag); msg != "" {
			errs = append(errs, fmt.Errorf("params field %s.%s: flag --%s %s", t.Name(), f.Name, in.flag, msg))
			continue
		}
		if other, dup := seen[in.flag]; dup {
			errs = append(errs, fmt.Errorf("params field %s.%s: flag --%s is also field %s's", t.Name(), f.Name, in.flag, other))
			continue
		}
		seen[in.flag] = f.Name
		s.fields = append(s.fields, in)
	}
	return s, errors.Join(errs...)
}

// flags returns the input flags, under their own heading in -h.
func (s *inputSet) flags() []cli.Flag {
	var fs []cli.Flag
	for _, in := range s.fields {
		ph, syntax := inputs.Form(in.kind)
		var parts []string
		if in.help != "" {
			parts = append(parts, in.help)
		}
		if ph != "" {
			parts = append(parts, "`"+ph+"` is "+syntax)
		}
		usage := strings.Join(parts, "; ")
		if in.required {
			usage += " (required)"
		}
		env := []string{EnvVar(s.job, in.flag)}
		if in.kind == inputs.KindBool {
			fs = append(fs, &cli.BoolFlag{Name: in.flag, EnvVars: env, Usage: usage, Category: inputCategory, DefaultText: in.def})
			continue
		}
		fs = append(fs, &cli.StringFlag{Name: in.flag, EnvVars: env, Usage: usage, Category: inputCategory, DefaultText: in.def})
	}
	return fs
}

// parse builds the run's params: each field from its flag or environment
// variable if set, else from the --params file (file, when not ""), else
// its default. An error is a usage error naming the flag and the expected
// form.
func (s *inputSet) parse(c *cli.Context, file string) (any, error) {
	v := reflect.New(s.typ).Elem()
	var errs []error
	for _, in := range s.fields {
		if in.hasDef {
			if err := in.set(v.Field(in.index), in.def); err != nil {
				errs = append(errs, fmt.Errorf("--%s: its default %q is invalid: %w", in.flag, in.def, err))
			}
		}
	}
	fromFile := map[string]bool{}
	if file != "" {
		keys, err := s.readFile(file, v)
		if err != nil {
			return nil, err
		}
		for _, in := range s.fields {
			for k := range keys {
				if strings.EqualFold(k, in.jsonName) {
					fromFile[in.field] = true
				}
			}
		}
	}
	for _, in := range s.fields {
		if !c.IsSet(in.flag) {
			if in.required && !fromFile[in.field] {
				errs = append(errs, fmt.Errorf("--%s is required (or $%s, or %q in a --params file)", in.flag, EnvVar(s.job, in.flag), in.jsonName))
			}
			continue
		}
		raw := c.String(in.flag)
		if in.kind == inputs.KindBool {
			raw = strconv.FormatBool(c.Bool(in.flag))
		}
		if err := in.set(v.Field(in.index), raw); err != nil {
			errs = append(errs, fmt.Errorf("--%s (or $%s): invalid value %q: %w", in.flag, EnvVar(s.job, in.flag), raw, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return v.Interface(), nil
}

// readFile decodes the --params file into v and returns its keys.
func (s *inputSet) readFile(file string, v reflect.Value) (map[string]json.RawMessage, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--params: %w", err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("--params %s: want a JSON object of the job's params: %w", file, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v.Addr().Interface()); err != nil {
		return nil, fmt.Errorf("--params %s: %w", file, err)
	}
	return keys, nil
}

// set parses raw into the field f.
func (in inputField) set(f reflect.Value, raw string) error {
	switch in.kind {
	case inputs.KindText:
		return f.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw))
	case inputs.KindString:
		f.SetString(raw)
		return nil
	}
	bits := 0
	if in.kind == inputs.KindInt || in.kind == inputs.KindUint || in.kind == inputs.KindFloat {
		bits = f.Type().Bits()
	}
	v, err := inputs.Parse(in.kind, f.Type().String(), bits, raw)
	if err != nil {
		return err
	}
	switch v := v.(type) {
	case int64:
		f.SetInt(v)
	case uint64:
		f.SetUint(v)
	case float64:
		f.SetFloat(v)
	case bool:
		f.SetBool(v)
	case time.Duration:
		f.SetInt(int64(v))
	case time.Time:
		f.Set(reflect.ValueOf(v))
	}
	return nil
}
