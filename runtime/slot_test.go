package runtime

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSlot(t *testing.T) {
	for _, tt := range []struct{ pos, end int }{{0, 1}, {5, 21}, {1<<31 - 2, 1<<31 - 1}} {
		for _, claiming := range []bool{false, true} {
			s := slotOf(tt.pos, tt.end)
			if claiming {
				s |= slotClaiming
			}
			assert.NotZero(t, s)
			pos, end := unslot(s)
			assert.Equal(t, tt.pos, pos)
			assert.Equal(t, tt.end, end)
			assert.Equal(t, claiming, s&slotClaiming != 0)
		}
	}
}
