package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/output.txt")

// TestOutput runs the example and compares what it prints with the reviewed output in
// testdata/output.txt (rewrite it with go test ./examples/embed -update, then read the diff).
func TestOutput(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, run(context.Background(), &buf))
	golden := filepath.Join("testdata", "output.txt")
	if *update {
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), buf.String())
}

// The session exercises what an embedder cares about; check the facts, not just the golden text.
func TestSessionFacts(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, run(context.Background(), &buf))
	out := buf.String()
	for _, want := range []string{
		"POST /customers/C-1001/complaints -> 201",
		"POST /customers/C-1001/complaints -> 200", // the double submit
		"POST /customers/C-1002/complaints -> 422",
		"description: is required",
		"/resolve -> 409",
		"Complaint ",
		"Strip batch B2611-07 was faulty; replacement sent.",
		"GET /track/AAAA-BBBB-CCCC -> 404",
	} {
		assert.Contains(t, out, want)
	}
}
