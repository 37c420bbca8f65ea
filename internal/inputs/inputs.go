// Package inputs holds the rules a job's run inputs (the config's "params"
// struct) follow, shared by the generator, which checks them at generate
// time, and runtime/jobmain, which turns the struct's fields into flags.
package inputs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Reserved are the flag names of a job binary itself (runtime/jobmain and
// runtime/temporaljob), which no input may take. A test of runtime/temporaljob
// checks that it lists every flag the binaries have.
var Reserved = map[string]bool{
	"help": true, "version": true, "h": true, "v": true,
	"workers": true, "timeout": true, "keep-going": true, "schedule": true,
	"dry-run": true, "json": true, "summary": true, "log-format": true,
	"log-level": true, "no-progress": true, "report": true, "trace": true,
	"params": true, "only": true, "from": true, "list": true,
	"state": true, "resume": true,
	"temporal": true, "namespace": true, "task-queue": true, "workflow-id": true,
	"max-in-flight": true, "heartbeat-timeout": true, "continue-as-new-after": true,
	"generate-completion": true,
}

// The struct tags of an input field.
const (
	// TagFlag renames the flag: `flag:"since"`. By default a field's flag
	// is its name in kebab case: MinUnits is --min-units.
	TagFlag = "flag"
	// TagHelp is the flag's description in -h.
	TagHelp = "help"
	// TagDefault is the value of a flag that is not given, in the flag's
	// own syntax: `default:"EU"`, `default:"24h"`.
	TagDefault = "default"
	// TagRequired, `required:"true"`, makes the run a usage error when
	// the input is given neither by flag, environment nor --params file.
	TagRequired = "required"
)

// FlagName is the flag of the field named field with the tag value tag
// (TagFlag): tag if set, else field in kebab case (MinUnits: min-units,
// HTTPPort: http-port, Region2: region2).
func FlagName(field, tag string) string {
	if tag != "" {
		return tag
	}
	var b strings.Builder
	rs := []rune(field)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			// A word starts at an upper-case letter after a lower-case one or
			// a digit, or before a lower-case one in a run of capitals.
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				(i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CheckFlagName returns what is wrong with a flag name, or "".
func CheckFlagName(name string) string {
	if name == "" {
		return "is empty"
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '-')
		if !ok {
			return "must be lower-case letters, digits and dashes, starting with a letter"
		}
	}
	if strings.HasSuffix(name, "-") || strings.Contains(name, "--") {
		return "must not end in a dash or hold two in a row"
	}
	if Reserved[name] {
		return "is a flag of the job binary itself"
	}
	return ""
}

// Supported says, in messages, what types an input field may have.
const Supported = "string, bool, an integer or float type, time.Duration, time.Time, or a type whose pointer implements encoding.TextUnmarshaler"

// The kinds of input, as [Parse] and [Form] name them. A string is set as
// it is, and a "text" input through its encoding.TextUnmarshaler.
const (
	KindString   = "string"
	KindText     = "text"
	KindBool     = "bool"
	KindInt      = "int"
	KindUint     = "uint"
	KindFloat    = "float"
	KindDuration = "duration"
	KindTime     = "time"
)

// Form returns the placeholder of a kind in -h and the form its values
// take, for messages; both are empty for strings and text types.
func Form(kind string) (placeholder, syntax string) {
	switch kind {
	case KindTime:
		return "DATE", "a date (2006-01-02) or an RFC 3339 time (2006-01-02T15:04:05Z)"
	case KindDuration:
		return "D", "a Go duration such as 90s or 1h30m"
	case KindInt:
		return "N", "an integer"
	case KindUint:
		return "N", "a non-negative integer"
	case KindFloat:
		return "X", "a number"
	case KindBool:
		return "", "true or false"
	}
	return "", ""
}

// Parse parses raw as an input of kind, whose Go type is named typ and,
// for the number kinds, is bits wide. It returns a time.Time, a
// time.Duration, a bool, an int64, a uint64 or a float64, or an error that
// says what form the value should take ("want an integer", "out of range
// for int8"). Strings and text types are not parsed here: it returns raw.
func Parse(kind, typ string, bits int, raw string) (any, error) {
	_, syntax := Form(kind)
	var v any
	var err error
	switch kind {
	case KindTime:
		if v, err = time.Parse(time.DateOnly, raw); err != nil {
			v, err = time.Parse(time.RFC3339, raw)
		}
	case KindDuration:
		v, err = time.ParseDuration(raw)
	case KindBool:
		v, err = strconv.ParseBool(raw)
	case KindInt:
		v, err = strconv.ParseInt(raw, 0, bits)
	case KindUint:
		v, err = strconv.ParseUint(raw, 0, bits)
	case KindFloat:
		v, err = strconv.ParseFloat(raw, bits)
	default:
		return raw, nil
	}
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, strconv.ErrRange):
		return nil, fmt.Errorf("out of range for %s", typ)
	}
	return nil, fmt.Errorf("want %s", syntax)
}
