package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A tiny run on the memory store: the generator, the in-process server and the baseline fit together
// and report every figure. (The figures themselves are measured by running the program, not here.)
func TestSmallRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-store", "memory", "-c", "4", "-n", "40"}, &out))
	text := out.String()
	for _, want := range []string{"HTTP intake, in-process redressd on memory, 4 clients, 40 requests", "req/s", "p99", "errors 0", "intakes/s", "ratio HTTP / in-process"} {
		assert.Contains(t, text, want)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"-c", "0"}, {"-c", "8", "-n", "4"}, {"-url", "http://127.0.0.1:1"}, {"-store", "oracle", "-n", "20"}} {
		assert.Error(t, run(context.Background(), args, &bytes.Buffer{}), "%v", args)
	}
}

// -ids records what was acknowledged and -verify finds each again; an ID the server never stored is
// reported missing.
func TestIDsAndVerify(t *testing.T) {
	ctx := context.Background()
	stop, url, key, err := startInProcess(ctx, options{store: "memory"})
	require.NoError(t, err)
	defer stop()
	res, err := hammer(ctx, url, key, 3, 12)
	require.NoError(t, err)
	require.Len(t, res.ids, 12)

	path := filepath.Join(t.TempDir(), "ids.txt")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(res.ids, "\n")), 0o644))
	var out bytes.Buffer
	require.NoError(t, run(ctx, []string{"-url", url, "-key", key, "-verify", path}, &out))
	assert.Equal(t, "12 complaints answered 201, 12 stored, 0 missing\n", out.String())

	require.NoError(t, os.WriteFile(path, []byte(strings.Join(append(res.ids, "01NEVERSTORED00000000000000"), "\n")), 0o644))
	err = run(ctx, []string{"-url", url, "-key", key, "-verify", path}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "01NEVERSTORED")
}
