package daily

import (
	"fmt"
	"time"
)

// Level is an enum input: its pointer implements encoding.TextUnmarshaler.
type Level int

const (
	Low Level = iota
	High
)

func (l *Level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "low":
		*l = Low
	case "high":
		*l = High
	default:
		return fmt.Errorf("want low or high, not %q", b)
	}
	return nil
}

func (l Level) MarshalText() ([]byte, error) {
	return []byte([]string{"low", "high"}[l]), nil
}

// Inputs has a field of every kind of input.
type Inputs struct {
	Name    string        `help:"who to greet"`
	Verbose bool          `help:"say more"`
	Count   int           `default:"3"`
	Small   int8          `default:"-8"`
	Big     uint64        `default:"0x10"`
	Ratio   float64       `default:"0.5"`
	Every   time.Duration `default:"90s"`
	Day     time.Time     `flag:"on" default:"2026-01-02"`
	Level   Level         `default:"high"`
	Tag     string        `json:"tag"`
}
