package generator_test

import (
	"os"
	"testing"

	"github.com/taskorchestrator/taskorchestrator/internal/testmod"
)

func TestMain(m *testing.M) {
	testmod.Setup()
	os.Exit(m.Run())
}
