package runtime

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	backoffBase = time.Millisecond // keep retry tests fast
	goleak.VerifyTestMain(m)
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		retry    int
		min, max time.Duration
	}{
		{1, backoffBase / 2, backoffBase},
		{2, backoffBase, 2 * backoffBase},
		{4, 4 * backoffBase, 8 * backoffBase},
		{100, backoffCap / 2, backoffCap},
	}
	for _, tt := range tests {
		for range 50 {
			d := backoff(tt.retry)
			assert.GreaterOrEqual(t, d, tt.min, "retry %d", tt.retry)
			assert.LessOrEqual(t, d, tt.max, "retry %d", tt.retry)
		}
	}
}
