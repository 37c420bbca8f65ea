package fan

import (
	"context"
	"strings"
)

type Merge struct{}

// Run takes every Part dependency in config order through the variadic
// parameter.
func (Merge) Run(ctx context.Context, prior error, parts ...Part) (string, error) {
	var names []string
	for _, p := range parts {
		names = append(names, p.Name)
	}
	return strings.Join(names, "+") + " prior=" + errString(prior), nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
