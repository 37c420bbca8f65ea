// Package inputs holds the rules a job's run inputs (the config's "params"
// struct) follow, shared by the generator, which checks them at generate
// time, and runtime/jobmain, which turns the struct's fields into flags.
package inputs

import (
	"strings"
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
