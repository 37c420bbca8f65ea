// Package clikit holds what the command lines of jobgen and of the job
// binaries share: the text of --version, read from the binary's build
// information, and the completion command that prints a shell's script.
package clikit

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// ThisModule is the import path of this repository's module.
const ThisModule = "github.com/taskorchestrator/taskorchestrator"

// Version returns what --version prints after "<program> version ": the
// version of the binary's main module and, when that module is not this
// one (a job binary built in a user's module), the version of this module
// it was built with; then the Go version. "(devel)" is the version of a
// module built from its own checkout; a VCS revision follows when the go
// tool recorded one.
func Version(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "unknown (no build information)"
	}
	parts := []string{modVersion(bi.Main, bi.Settings)}
	if bi.Main.Path != ThisModule {
		if bi.Main.Path != "" {
			parts[0] += ", module " + bi.Main.Path
		}
		for _, d := range bi.Deps {
			if d.Path == ThisModule {
				parts = append(parts, ThisModule+" "+modVersion(*d, nil))
			}
		}
	}
	parts = append(parts, bi.GoVersion)
	return strings.Join(parts, ", ")
}

// modVersion formats a module's version, with its replacement and, for
// the main module, the VCS revision from settings.
func modVersion(m debug.Module, settings []debug.BuildSetting) string {
	v := m.Version
	if v == "" {
		v = "(devel)"
	}
	if m.Replace != nil {
		r := m.Replace.Path
		if m.Replace.Version != "" && m.Replace.Version != "(devel)" {
			r += " " + m.Replace.Version
		}
		v += " (replaced by " + r + ")"
	}
	var rev string
	var dirty bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev != "" && !strings.Contains(v, rev[:min(12, len(rev))]) {
		v += " rev " + rev[:min(12, len(rev))]
		if dirty {
			v += "+dirty"
		}
	}
	return v
}

// BuildVersion is [Version] of the running binary.
func BuildVersion() string { return Version(debug.ReadBuildInfo()) }

// CompletionCommand is the "completion" command: it prints the script that
// makes bash, zsh or fish complete the commands and flags of the program
// (the app must set EnableBashCompletion). usage wraps its errors as the
// caller's usage errors.
func CompletionCommand(usage func(error) error) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the script that makes bash, zsh or fish complete this program's commands and flags",
		ArgsUsage: "bash|zsh|fish",
		Action: func(c *cli.Context) error {
			prog := c.App.Name
			var script string
			switch shell := c.Args().First(); shell {
			case "bash":
				script = bashScript(prog)
			case "zsh":
				script = zshScript(prog)
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				script = s
			case "":
				return usage(errors.New("completion needs a shell: bash, zsh or fish"))
			default:
				return usage(fmt.Errorf("completion: unknown shell %q: want bash, zsh or fish", shell))
			}
			_, err := fmt.Fprint(c.App.Writer, script)
			return err
		},
	}
}

// funcName is the shell function of prog's completion.
func funcName(prog string) string {
	return "_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, prog) + "_complete"
}

// bashScript is urfave/cli's bash_autocomplete for prog, without its need
// for the bash-completion package: it asks the program itself, through
// --generate-bash-completion, what may follow the words typed so far.
func bashScript(prog string) string {
	return fmt.Sprintf(`# bash completion for %[1]s: source <(%[1]s completion bash)
%[2]s() {
  local cur="${COMP_WORDS[COMP_CWORD]}" opts
  if [[ "$cur" == -* ]]; then
    opts=$("${COMP_WORDS[@]:0:COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o bashdefault -o default -F %[2]s %[1]s
`, prog, funcName(prog))
}

// zshScript is urfave/cli's zsh_autocomplete for prog.
func zshScript(prog string) string {
	return fmt.Sprintf(`#compdef %[1]s
# zsh completion for %[1]s: source <(%[1]s completion zsh)
%[2]s() {
  local -a opts
  local cur=${words[-1]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef %[2]s %[1]s
`, prog, funcName(prog))
}
