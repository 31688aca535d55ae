package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/output.golden")

// TestOutput runs the example on a journal in a temporary directory and compares what it prints
// with the reviewed output: the same complaints, timers, outbox messages and journal lines on every
// run.
func TestOutput(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, run(t.Context(), &buf, t.TempDir()))
	golden := filepath.Join("testdata", "output.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), buf.String())
}
