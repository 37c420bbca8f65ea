// Package flow is a job whose tasks pass typed results, one of them slow
// (FLOW_SLOW) and one flaky (FLOW_FLAKY failures first); the tasks leave
// marks in FLOW_MARKS so that a test knows which process ran what.
package flow

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Numbers are what source produces.
type Numbers struct {
	Label  string
	Values []int
}

// Squares maps "v<n>" to n*n.
type Squares map[string]int

// Summary is what report writes to FLOW_OUT, as JSON.
type Summary struct {
	Squares Squares
	SlowSum int
	Flaky   string
}

// mark records in FLOW_MARKS that this process started what.
func mark(what string) {
	dir := os.Getenv("FLOW_MARKS")
	if dir == "" {
		return
	}
	name := fmt.Sprintf("%s-%d-%d", what, os.Getpid(), time.Now().UnixNano())
	_ = os.WriteFile(filepath.Join(dir, name), nil, 0o644)
}

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}
