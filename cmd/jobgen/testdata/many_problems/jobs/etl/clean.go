package etl

import (
	"context"
	"strings"
)

// CleanRows are trimmed Rows.
type CleanRows []string

type Clean struct{}

func (Clean) Run(ctx context.Context, rows Rows) (CleanRows, error) {
	out := make(CleanRows, len(rows))
	for i, r := range rows {
		out[i] = strings.TrimSpace(r)
	}
	return out, nil
}
