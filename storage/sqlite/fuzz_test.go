package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/storage/sqlite"
)

// FuzzOpen feeds Open files of arbitrary content, the outside input a store meets first: whatever the
// bytes, Open must not panic, and when it refuses the file it must leave it (and its directory) exactly
// as it was. It may accept only an empty file or a redress database.
//
//	go test ./storage/sqlite -run '^$' -fuzz FuzzOpen -fuzztime 30s
func FuzzOpen(f *testing.F) {
	ctx := context.Background()
	seedFile := func(build func(path string)) []byte {
		path := filepath.Join(f.TempDir(), "seed.db")
		build(path)
		b, err := os.ReadFile(path)
		require.NoError(f, err)
		return b
	}
	ours := seedFile(func(path string) {
		s, err := sqlite.Open(ctx, path)
		require.NoError(f, err)
		require.NoError(f, s.Close())
	})
	foreign := seedFile(func(path string) {
		db, err := sql.Open("sqlite", path)
		require.NoError(f, err)
		_, err = db.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('li')")
		require.NoError(f, err)
		require.NoError(f, db.Close())
	})
	f.Add([]byte{})
	f.Add([]byte("hello"))
	f.Add([]byte("SQLite format 3\x00"))
	f.Add(append([]byte("SQLite format 3\x00"), make([]byte, 84)...))
	f.Add(ours)
	f.Add(foreign)
	f.Add(ours[:len(ours)/2]) // truncated
	corrupt := append([]byte(nil), ours...)
	for i := 100; i < len(corrupt); i += 97 {
		corrupt[i] ^= 0x5a
	}
	f.Add(corrupt)

	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "r.db")
		require.NoError(t, os.WriteFile(path, data, 0o644))
		before := fingerprint(t, dir)

		s, err := sqlite.Open(ctx, path)
		if err != nil {
			assert.Equal(t, before, fingerprint(t, dir), "a refused file is left as it was: %v", err)
			if errors.Is(err, sqlite.ErrForeignDatabase) || errors.Is(err, sqlite.ErrSchemaTooNew) {
				return
			}
			assert.Contains(t, err.Error(), path, "other errors still name the file")
			return
		}
		defer func() { require.NoError(t, s.Close()) }()
		assert.True(t, len(data) == 0 || string(data[68:72]) == "rdrs", "only an empty file or a redress database is accepted")
	})
}
