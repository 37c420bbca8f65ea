package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	goldenpkg "github.com/taskorchestrator/taskorchestrator/internal/golden"
	"github.com/taskorchestrator/taskorchestrator/runtime/jobmain/internal/trace"
)

// The inputs are the recorder's own goldens (see trace's
// TestRecorderGolden), so the pictures follow what a binary writes.
const traceData = "../trace/testdata"

func TestRun(t *testing.T) {
	traceFile := filepath.Join(traceData, "recorder.json")
	want, err := os.ReadFile(filepath.Join("testdata", "recorder.svg"))
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

func TestSVGGolden(t *testing.T) {
	tests := []struct {
		trace, svg string
		wantSpans  int // drawn spans: <g> elements
		wantTexts  []string
	}{
		{
			trace:     "recorder.json",
			svg:       "recorder.svg",
			wantSpans: 8, // run, setup, teardown, load, by_region, by_month twice, report
			wantTexts: []string{"job shop", "worker 0", "worker 1", "run", "jobs.shop.load", "setup", "0 ms", "8 ms", "level 2", "failed attempt"},
		},
		{
			// The tasks take less than half of the run: a second panel
			// zooms on them.
			trace:     "recorder_short.json",
			svg:       "recorder_zoom.svg",
			wantSpans: 8 + 5, // and the 5 task spans again
			wantTexts: []string{"tasks, from 0.6 ms to 7 ms", "30 ms"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.svg, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(traceData, tt.trace))
			require.NoError(t, err)
			var file trace.File
			require.NoError(t, json.Unmarshal(data, &file))
			var buf bytes.Buffer
			require.NoError(t, drawSVG(&buf, file))
			goldenpkg.Check(t, filepath.Join("testdata", tt.svg), buf.Bytes())

			// Well-formed XML, with one group per span.
			dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
			spans, texts := 0, []string{}
			for {
				tok, err := dec.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				require.NoError(t, err)
				if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" {
					spans++
				}
				if cd, ok := tok.(xml.CharData); ok {
					texts = append(texts, string(cd))
				}
			}
			assert.Equal(t, tt.wantSpans, spans)
			all := strings.Join(texts, "|")
			for _, want := range tt.wantTexts {
				assert.Contains(t, all, want)
			}
		})
	}
}

func TestSVGEmpty(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, drawSVG(&buf, trace.File{}))
	require.NoError(t, xml.Unmarshal(buf.Bytes(), new(struct{})))
}
