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

var update = flag.Bool("update", false, "rewrite testdata/output.txt from the current output")

// TestOutput runs the example and compares its output with testdata/output.txt. After an intended
// change, regenerate it with go test ./examples/sla -update and review the diff.
func TestOutput(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, run(&buf))
	golden := filepath.Join("testdata", "output.txt")
	if *update {
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -update to create it")
	assert.Equal(t, string(want), buf.String())
}

// TestOutputIsDeterministic: two runs print the same bytes.
func TestOutputIsDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, run(&a))
	require.NoError(t, run(&b))
	assert.Equal(t, a.String(), b.String())
}
