package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/sqlite"
	"github.com/redresshq/redress/storage/storagetest"
)

// newStore opens a fresh database file in the test's temporary directory and closes it when the test
// ends. It runs with synchronous=NORMAL: these tests check what the store does, not what the disk
// keeps after a power cut, and an fsync per commit would make them wait on a shared disk for nothing
// (TestOpenSetsPragmas checks that the default is FULL; the open and reopen tests run with it).
func newStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.OpenWith(t.Context(), filepath.Join(t.TempDir(), "redress.db"), sqlite.Config{Synchronous: sqlite.SyncNormal})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return newStore(t) })
}
