package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/trace"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tracesvg:", err)
		os.Exit(1)
	}
}

// run reads the trace named by args[0], or stdin without arguments, and
// writes its SVG to stdout.
func run(args []string, stdin io.Reader, stdout io.Writer) error {
	in := stdin
	switch len(args) {
	case 0:
	case 1:
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	default:
		return fmt.Errorf("usage: tracesvg [trace.json] > trace.svg")
	}
	var file trace.File
	if err := json.NewDecoder(bufio.NewReader(in)).Decode(&file); err != nil {
		return fmt.Errorf("read trace: %w", err)
	}
	w := bufio.NewWriter(stdout)
	if err := drawSVG(w, file); err != nil {
		return err
	}
	return w.Flush()
}
