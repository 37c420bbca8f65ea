package flow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Flaky fails its first FLOW_FLAKY attempts, counted in FLOW_MARKS.
type Flaky struct{}

// Run fails until it has failed FLOW_FLAKY times.
func (Flaky) Run(ctx context.Context, n Numbers) (string, error) {
	mark("flaky")
	if dir := os.Getenv("FLOW_MARKS"); dir != "" {
		failed, _ := filepath.Glob(filepath.Join(dir, "flaky-failed-*"))
		if len(failed) < envInt("FLOW_FLAKY") {
			mark("flaky-failed")
			return "", fmt.Errorf("flaky failure %d", len(failed)+1)
		}
	}
	return fmt.Sprintf("%s: %d values", n.Label, len(n.Values)), nil
}
