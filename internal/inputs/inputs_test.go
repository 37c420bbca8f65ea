package inputs

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFlagName(t *testing.T) {
	for field, want := range map[string]string{
		"Region": "region", "MinUnits": "min-units", "HTTPPort": "http-port",
		"Region2": "region2", "From": "from", "URL": "url", "TopN": "top-n",
	} {
		assert.Equal(t, want, FlagName(field, ""), field)
	}
	assert.Equal(t, "since", FlagName("From", "since"))
}

func TestCheckFlagName(t *testing.T) {
	assert.Empty(t, CheckFlagName("min-units"))
	assert.Contains(t, CheckFlagName("workers"), "flag of the job binary")
	assert.Contains(t, CheckFlagName("Min"), "lower-case")
	assert.Contains(t, CheckFlagName("a--b"), "two in a row")
	assert.Contains(t, CheckFlagName(""), "empty")
}
