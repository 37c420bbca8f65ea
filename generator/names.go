package generator

import (
	"fmt"
	"go/token"
	"regexp"
	"strings"
	"unicode"

	"github.com/taskorchestrator/taskorchestrator/internal/text"
)

// snakeRE is the ASCII allowlist every name from the config must pass
// before it becomes a package, identifier, file or path: lower-case words
// separated by single underscores.
var snakeRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// predeclared lists Go's predeclared identifiers.
var predeclared = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true,
	"complex128": true, "error": true, "float32": true, "float64": true, "int": true,
	"int8": true, "int16": true, "int32": true, "int64": true, "rune": true,
	"string": true, "uint": true, "uint8": true, "uint16": true, "uint32": true,
	"uint64": true, "uintptr": true, "true": true, "false": true, "iota": true,
	"nil": true, "append": true, "cap": true, "clear": true, "close": true,
	"complex": true, "copy": true, "delete": true, "imag": true, "len": true,
	"make": true, "max": true, "min": true, "new": true, "panic": true,
	"print": true, "println": true, "real": true, "recover": true,
}

// reservedJobNames are names a job cannot take because generated code,
// the go tool or this repository's layout already uses them.
var reservedJobNames = map[string]bool{
	"main": true, "init": true, "internal": true, "testdata": true, "vendor": true,
	"jobgen": true, "os": true, "taskrt": true, "jobmain": true, "temporaljob": true,
}

// windowsDevices are file names Windows cannot create.
var windowsDevices = map[string]bool{
	"con": true, "prn": true, "aux": true, "nul": true,
	"com0": true, "com1": true, "com2": true, "com3": true, "com4": true, "com5": true,
	"com6": true, "com7": true, "com8": true, "com9": true,
	"lpt0": true, "lpt1": true, "lpt2": true, "lpt3": true, "lpt4": true, "lpt5": true,
	"lpt6": true, "lpt7": true, "lpt8": true, "lpt9": true,
}

// buildSuffixes are file-name suffixes the go tool treats as build
// constraints (_test, GOOS, GOARCH): a task file named so would be left out
// of the build or of the package.
var buildSuffixes = func() map[string]bool {
	m := map[string]bool{"test": true}
	for _, s := range strings.Fields(`aix android darwin dragonfly freebsd hurd illumos ios js linux
		nacl netbsd openbsd plan9 solaris wasip1 windows zos
		386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le
		mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm`) {
		m[s] = true
	}
	return m
}()

// maxWordLen bounds a word from the config, so that every file name derived
// from it (<job>_gen.go, <file>.go) stays well inside the 255-byte limit of
// common file systems.
const maxWordLen = 100

// checkWord checks one snake_case word from the config (a job key or the
// last part of a task or handler name) and says what is wrong with it, or
// returns "" when it is fine. what names the word in the message. The
// allowlist admits lower-case ASCII only, so two accepted words never differ
// only in case, also on case-insensitive file systems.
func checkWord(what, w string) string {
	switch {
	case len(w) > maxWordLen:
		return fmt.Sprintf("%s %s is longer than %d characters", what, text.Quote(w), maxWordLen)
	case !snakeRE.MatchString(w):
		return fmt.Sprintf("%s %s is not snake_case (lower-case ASCII letters and digits, words joined by single underscores, starting with a letter)", what, text.Quote(w))
	case token.IsKeyword(w):
		return fmt.Sprintf("%s %s is a Go keyword", what, text.Quote(w))
	case predeclared[w]:
		return fmt.Sprintf("%s %s is a predeclared Go identifier", what, text.Quote(w))
	case windowsDevices[w]:
		return fmt.Sprintf("%s %s is a reserved device name on Windows", what, text.Quote(w))
	}
	if i := strings.LastIndexByte(w, '_'); i >= 0 && buildSuffixes[w[i+1:]] {
		return fmt.Sprintf("%s %s ends in %s, which the go tool reads as a build constraint", what, text.Quote(w), text.Quote(w[i:]))
	}
	return ""
}

// checkJobName checks a key under "jobs".
func checkJobName(name string) string {
	if msg := checkWord("job name", name); msg != "" {
		return msg
	}
	if reservedJobNames[name] {
		return fmt.Sprintf("job name %s is reserved (generated code or the go tool uses it)", text.Quote(name))
	}
	return ""
}

// pascal turns a snake_case word into the exported Go type name the
// conventions derive from it: load_sales -> LoadSales, task4 -> Task4.
func pascal(snake string) string {
	var b strings.Builder
	for _, part := range strings.Split(snake, "_") {
		if part == "" {
			continue
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// spellsFile reports whether name is a type name the conventions derive
// from the snake_case file name: each word of file with its first letter
// in upper case, or all of it (load_sales -> LoadSales, LOADSales,
// LoadSALES or LOADSALES), so that initialisms can be spelt as Go spells
// them (write_status_csv -> WriteStatusCSV).
func spellsFile(name, file string) bool {
	rest := name
	for _, w := range strings.Split(file, "_") {
		if len(rest) < len(w) {
			return false
		}
		if seg := rest[:len(w)]; seg != pascal(w) && seg != strings.ToUpper(w) {
			return false
		}
		rest = rest[len(w):]
	}
	return rest == ""
}

// spellings lists the type names [spellsFile] accepts for file, the
// PascalCase one first, up to limit of them; more says there are others.
func spellings(file string, limit int) (names []string, more bool) {
	names = []string{""}
	for _, w := range strings.Split(file, "_") {
		forms := []string{pascal(w)}
		if up := strings.ToUpper(w); up != forms[0] {
			forms = append(forms, up)
		}
		var next []string
		for _, n := range names {
			for _, f := range forms {
				next = append(next, n+f)
			}
		}
		names = next
		if len(names) > limit {
			return names[:limit], true
		}
	}
	return names, false
}

// lookedFor lists, for a message, the type names looked for in file: its
// PascalCase one and the spellings with words in capitals ("Load or LOAD",
// "LoadSales, LOADSales, LoadSALES or LOADSALES"), or when there are many
// the rule with the likeliest of them.
func lookedFor(file string) string {
	names, more := spellings(file, 4)
	switch {
	case more:
		words := strings.Split(file, "_")
		last := pascal(strings.Join(words[:len(words)-1], "_")) + strings.ToUpper(words[len(words)-1])
		return fmt.Sprintf("%s or another spelling with words in capitals, such as %s", pascal(file), last)
	case len(names) == 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// dotted is a name of the form <root>.<pkg>.<file> from the config, such as
// jobs.job1.load_sales or runtime.generic_job_handler.
type dotted struct {
	root, pkg, file string
}

// splitTaskName splits a task name "jobs.<job>.<file>" and checks each part;
// it returns the parts and "" or a message saying what is wrong.
func splitTaskName(name string) (dotted, string) {
	parts := strings.Split(name, ".")
	if len(parts) != 3 || parts[0] != "jobs" {
		return dotted{}, fmt.Sprintf("task name %s is not of the form jobs.<job>.<file>", text.Quote(name))
	}
	d := dotted{root: parts[0], pkg: parts[1], file: parts[2]}
	if msg := checkWord("job part of task name", d.pkg); msg != "" {
		return d, msg
	}
	if msg := checkWord("file part of task name", d.file); msg != "" {
		return d, msg
	}
	return d, ""
}

// genericHandlerName is the config name of the built-in handler.
const genericHandlerName = "runtime.generic_job_handler"

// splitHandlerName splits a handler name "jobs.<pkg>.<file>" and checks
// each part, like [splitTaskName].
func splitHandlerName(name string) (dotted, string) {
	parts := strings.Split(name, ".")
	if len(parts) != 3 || parts[0] != "jobs" {
		return dotted{}, fmt.Sprintf("handler name %s is neither %s nor of the form jobs.<package>.<file>", text.Quote(name), text.Quote(genericHandlerName))
	}
	d := dotted{root: parts[0], pkg: parts[1], file: parts[2]}
	if msg := checkWord("package part of handler name", d.pkg); msg != "" {
		return d, msg
	}
	if reservedJobNames[d.pkg] {
		return d, fmt.Sprintf("package part of handler name %s is reserved (generated code or the go tool uses it)", text.Quote(d.pkg))
	}
	if msg := checkWord("file part of handler name", d.file); msg != "" {
		return d, msg
	}
	return d, ""
}
