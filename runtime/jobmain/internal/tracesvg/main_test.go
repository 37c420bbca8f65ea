package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	const traceFile = "../trace/testdata/recorder.json"
	want, err := os.ReadFile("../trace/testdata/recorder.svg")
	require.NoError(t, err)

	var out bytes.Buffer
	require.NoError(t, run([]string{traceFile}, nil, &out))
	assert.Equal(t, string(want), out.String(), "the file's SVG")

	in, err := os.Open(traceFile)
	require.NoError(t, err)
	defer in.Close()
	out.Reset()
	require.NoError(t, run(nil, in, &out))
	assert.Equal(t, string(want), out.String(), "stdin's SVG")

	assert.ErrorContains(t, run([]string{"a", "b"}, nil, &out), "usage: tracesvg")
	assert.Error(t, run([]string{"missing.json"}, nil, &out))
	assert.ErrorContains(t, run(nil, strings.NewReader("{"), &out), "read trace")
}
