package time

import (
	"context"
	"fmt"
	stdtime "time"
)

// Elapsed prints the year of the instant Now returned.
type Elapsed struct{}

// Run prints the year.
func (Elapsed) Run(_ context.Context, t stdtime.Time) error {
	fmt.Println("year", t.Year())
	return nil
}
