package clikit

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{
			name: "jobgen as a tool of a released version",
			bi:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: ThisModule, Version: "v0.4.0"}},
			want: "v0.4.0, go1.26.8",
		},
		{
			name: "jobgen from its checkout, with a revision",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: ThisModule, Version: "(devel)"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}},
			want: "(devel) rev 0123456789ab+dirty, go1.26.8",
		},
		{
			name: "a job binary of another module",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/shop", Version: "(devel)"},
				Deps: []*debug.Module{{Path: "golang.org/x/term", Version: "v0.48.0"}, {Path: ThisModule, Version: "v0.4.0"}}},
			want: "(devel), module example.com/shop, " + ThisModule + " v0.4.0, go1.26.8",
		},
		{
			name: "a job binary of a module that replaces this one",
			bi: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "example.com/shop", Version: "(devel)"},
				Deps: []*debug.Module{{Path: ThisModule, Version: "v0.0.0", Replace: &debug.Module{Path: "../taskorchestrator"}}}},
			want: "(devel), module example.com/shop, " + ThisModule + " v0.0.0 (replaced by ../taskorchestrator), go1.26.8",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Version(tt.bi, true))
		})
	}
	assert.Equal(t, "unknown (no build information)", Version(nil, false))
}

// completionApp is a program with one command and two flags.
func completionApp(out *bytes.Buffer) *cli.App {
	return &cli.App{
		Name:                 "prog",
		Writer:               out,
		EnableBashCompletion: true,
		Flags:                []cli.Flag{&cli.IntFlag{Name: "workers"}, &cli.BoolFlag{Name: "keep-going"}},
		Commands: []*cli.Command{
			{Name: "worker", Action: func(*cli.Context) error { return nil }},
			CompletionCommand(func(err error) error { return err }),
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

func TestCompletionCommand(t *testing.T) {
	tests := []struct {
		shell   string
		want    []string
		wantErr string
	}{
		{shell: "bash", want: []string{"complete -o bashdefault -o default -F _prog_complete prog", "--generate-bash-completion"}},
		{shell: "zsh", want: []string{"#compdef prog", "compdef _prog_complete prog"}},
		{shell: "fish", want: []string{"complete -c prog", "workers"}},
		{shell: "", wantErr: "completion needs a shell: bash, zsh or fish"},
		{shell: "tcsh", wantErr: `completion: unknown shell "tcsh": want bash, zsh or fish`},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			var out bytes.Buffer
			err := completionApp(&out).Run([]string{"prog", "completion", tt.shell})
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				return
			}
			require.NoError(t, err)
			for _, w := range tt.want {
				assert.Contains(t, out.String(), w)
			}
		})
	}
}

// TestBashCompletion sources the bash script and completes as bash would,
// with the program answering --generate-bash-completion in-process through
// a shell function of its name.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	answer := func(args ...string) string {
		// urfave/cli reads the word before --generate-bash-completion
		// from os.Args, not from the arguments given to Run.
		args = append([]string{"prog"}, args...)
		defer func(saved []string) { os.Args = saved }(os.Args)
		os.Args = args
		var out bytes.Buffer
		require.NoError(t, completionApp(&out).Run(args))
		return out.String()
	}
	// What the program prints for the two requests the script makes.
	commands := answer("--generate-bash-completion")
	flags := answer("--w", "--generate-bash-completion")
	assert.Contains(t, commands, "worker")
	assert.Contains(t, flags, "--workers")
	// The script runs "prog" itself: a shell function stands in for it.
	fake := "prog() { case \"$*\" in *--w*) printf '%s' \"$FLAGS\";; *) printf '%s' \"$COMMANDS\";; esac; }\n"
	for _, tt := range []struct{ words, want string }{
		{"prog wo", "worker"},
		{"prog --w", "--workers"},
	} {
		words := strings.Fields(tt.words)
		script := fake + bashScript("prog") + "COMP_WORDS=(" + strings.Join(words, " ") + "); COMP_CWORD=" + string(rune('0'+len(words)-1)) + "; _prog_complete; echo \"${COMPREPLY[*]}\"\n"
		cmd := exec.Command(bash, "-c", script)
		cmd.Env = append(cmd.Environ(), "COMMANDS="+commands, "FLAGS="+flags)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatal(errors.Join(err, errors.New(string(out))))
		}
		assert.Equal(t, tt.want, strings.TrimSpace(string(out)), tt.words)
	}
}
