// Package report spells initialisms as Go does.
package report

import "context"

// LoadHTTPLogs is task load_http_logs, with HTTP in capitals.
type LoadHTTPLogs struct{}

// Run returns two status codes.
func (LoadHTTPLogs) Run(ctx context.Context) ([]int, error) { return []int{200, 404}, nil }
