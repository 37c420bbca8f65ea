// Package time is a job whose name is also a package the generated code
// imports (for its task timeouts, and for the result type of Now).
package time

import (
	"context"
	stdtime "time"
)

// Now returns a fixed instant.
type Now struct{}

// Run returns the instant.
func (Now) Run(context.Context) (stdtime.Time, error) {
	return stdtime.Date(2024, 1, 2, 3, 4, 5, 0, stdtime.UTC), nil
}
