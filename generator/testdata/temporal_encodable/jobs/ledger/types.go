package ledger

import (
	"encoding/json"
	"math/big"
	"strconv"
	"time"
)

// Entry is fine to cross machines but for three things jobgen warns
// about: At is a time.Time, Stamp encodes as its embedded time.Time alone,
// and cache is unexported.
type Entry struct {
	At     time.Time
	Stamp  Stamped
	Amount *big.Int        // trusted: *big.Int has MarshalJSON and UnmarshalJSON
	Memo   string          `json:"memo,omitempty"`
	Raw    []byte          // base64 text
	Extra  json.RawMessage // as it is
	Tags   map[Tag]int     // string keys
	ByDay  map[int]Sum     // integer keys
	Next   *Entry          // recursive: walked once
	Hook   func()          `json:"-"` // left out on purpose: no problem
	cache  map[string]int
}

// Stamped gets MarshalJSON and UnmarshalJSON from time.Time, so Label is
// lost on the way.
type Stamped struct {
	time.Time
	Label string
}

// Tag is a string kind, a fine map key.
type Tag string

// Sum is a struct of one trusted field.
type Sum struct {
	Money Money
}

// Money encodes itself, so its unexported fields and its channel are not
// jobgen's business.
type Money struct {
	cents int64
	done  chan struct{}
}

func (m Money) MarshalJSON() ([]byte, error) { return []byte(strconv.FormatInt(m.cents, 10)), nil }

func (m *Money) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(string(b), 10, 64)
	m.cents = n
	return err
}
