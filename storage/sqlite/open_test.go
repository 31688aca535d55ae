package sqlite_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/sqlite"
	"github.com/redresshq/redress/storage/storagetest"
)

// fingerprint is the content of every file in dir, by name, so a test can prove that a refused open
// changed nothing (and created no -wal or -shm file).
func fingerprint(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = sha256.Sum256(b)
	}
	return out
}

// rawDB opens path with the plain driver, outside any Store, and closes it at the end of the test.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func exec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := db.ExecContext(t.Context(), s)
		require.NoError(t, err, s)
	}
}

func pragma(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var v string
	require.NoError(t, db.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v))
	return v
}

func TestOpenSetsPragmas(t *testing.T) {
	tests := []struct {
		name     string
		cfg      sqlite.Config
		sync     string // PRAGMA synchronous: 1 NORMAL, 2 FULL, 3 EXTRA
		busyMsec string
	}{
		{"zero config", sqlite.Config{}, "2", "5000"},
		{"normal", sqlite.Config{Synchronous: sqlite.SyncNormal, BusyTimeout: time.Second}, "1", "1000"},
		{"extra", sqlite.Config{Synchronous: sqlite.SyncExtra}, "3", "5000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlite.OpenWith(t.Context(), filepath.Join(t.TempDir(), "r.db"), tt.cfg)
			require.NoError(t, err)
			defer func() { require.NoError(t, s.Close()) }()
			db := s.DB()
			assert.Equal(t, "wal", pragma(t, db, "journal_mode"))
			assert.Equal(t, "1", pragma(t, db, "foreign_keys"))
			assert.Equal(t, tt.sync, pragma(t, db, "synchronous"))
			assert.Equal(t, tt.busyMsec, pragma(t, db, "busy_timeout"))
			assert.Equal(t, "1919185523", pragma(t, db, "application_id"), "0x72647273, rdrs")
		})
	}
}

func TestOpenWithBadConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		cfg  sqlite.Config
	}{
		{"unknown synchronous", "a.db", sqlite.Config{Synchronous: "OFF"}},
		{"negative busy timeout", "a.db", sqlite.Config{BusyTimeout: -time.Second}},
		{"negative readers", "a.db", sqlite.Config{MaxReaders: -1}},
		{"negative cache", "a.db", sqlite.Config{CacheSizeKiB: -1}},
		{"empty path", "", sqlite.Config{}},
		{"in-memory", ":memory:", sqlite.Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path != "" && path != ":memory:" {
				path = filepath.Join(dir, path)
			}
			_, err := sqlite.OpenWith(t.Context(), path, tt.cfg)
			require.ErrorIs(t, err, sqlite.ErrConfig)
		})
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a refused config creates no file")
}

// TestOpenRefusesForeignFiles opens files that are not redress databases: each is refused with
// ErrForeignDatabase and left byte for byte as it was, with no log or shared-memory file beside it.
func TestOpenRefusesForeignFiles(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
	}{
		{"text file", func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path, []byte("name,amount\nzhang,199\n"), 0o644))
		}},
		{"short binary file", func(t *testing.T, path string) {
			require.NoError(t, os.WriteFile(path, []byte("SQLite"), 0o644))
		}},
		{"another application's database", func(t *testing.T, path string) {
			exec(t, rawDB(t, path), "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)",
				"INSERT INTO users (name) VALUES ('li')")
		}},
		{"another tool's schema_migrations", func(t *testing.T, path string) {
			exec(t, rawDB(t, path), "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, dirty INTEGER)",
				"INSERT INTO schema_migrations VALUES (3, 0)")
		}},
		{"another application id, no tables", func(t *testing.T, path string) {
			exec(t, rawDB(t, path), "PRAGMA application_id = 1234", "CREATE TABLE t (x)", "DROP TABLE t")
		}},
		{"redress id without migrations table", func(t *testing.T, path string) {
			exec(t, rawDB(t, path), "PRAGMA application_id = 1919185523", "CREATE TABLE complaints (x)")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "data.db")
			tt.setup(t, path)
			before := fingerprint(t, dir)

			_, err := sqlite.Open(t.Context(), path)
			require.ErrorIs(t, err, sqlite.ErrForeignDatabase)
			assert.Contains(t, err.Error(), path, "the error names the file")
			assert.Equal(t, before, fingerprint(t, dir), "nothing changed")
		})
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "redress.db")
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	insertOne(t, s, storagetest.NewComplaint("acme", 0))
	require.NoError(t, s.Close())
	// A future redress adds migration N+1.
	future := sqlite.SchemaVersion() + 1
	db := rawDB(t, path)
	_, err = db.ExecContext(t.Context(), "INSERT INTO schema_migrations (version, name) VALUES (?, 'from the future')", future)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	before := fingerprint(t, dir)

	_, err = sqlite.Open(t.Context(), path)
	require.ErrorIs(t, err, sqlite.ErrSchemaTooNew)
	var ve *sqlite.SchemaVersionError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, sqlite.SchemaVersionError{Found: future, Known: sqlite.SchemaVersion()}, *ve)
	assert.Equal(t, before, fingerprint(t, dir), "nothing changed")

	// Migrate on a handle of its own refuses the same way.
	db = rawDB(t, path)
	require.ErrorIs(t, sqlite.Migrate(t.Context(), db), sqlite.ErrSchemaTooNew)
}

// TestOpenRefusesReadOnly: a file or directory without write permission is refused at open, before
// anything is written, with ErrReadOnly. (The checks read permission bits, so they hold for root too.)
func TestOpenRefusesReadOnly(t *testing.T) {
	existing := func(t *testing.T, dir string) string {
		path := filepath.Join(dir, "redress.db")
		s, err := sqlite.Open(t.Context(), path)
		require.NoError(t, err)
		insertOne(t, s, storagetest.NewComplaint("acme", 0))
		require.NoError(t, s.Close())
		return path
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to open
	}{
		{"read-only file", func(t *testing.T, dir string) string {
			path := existing(t, dir)
			require.NoError(t, os.Chmod(path, 0o444))
			return path
		}},
		{"existing file in a read-only directory", func(t *testing.T, dir string) string {
			path := existing(t, dir)
			require.NoError(t, os.Chmod(dir, 0o555))
			return path
		}},
		{"new file in a read-only directory", func(t *testing.T, dir string) string {
			require.NoError(t, os.Chmod(dir, 0o555))
			return filepath.Join(dir, "new.db")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Cleanup(func() { _ = os.Chmod(dir, 0o755) }) // so TempDir can remove it
			path := tt.setup(t, dir)
			before := fingerprint(t, dir)
			_, err := sqlite.Open(t.Context(), path)
			require.ErrorIs(t, err, sqlite.ErrReadOnly)
			assert.Equal(t, before, fingerprint(t, dir), "nothing changed")
		})
	}
}

func TestOpenBadPath(t *testing.T) {
	dir := t.TempDir()
	_, err := sqlite.Open(t.Context(), filepath.Join(dir, "no", "such", "dir", "r.db"))
	require.ErrorIs(t, err, fs.ErrNotExist)

	_, err = sqlite.Open(t.Context(), dir) // a directory, not a file
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is a directory")

	file := filepath.Join(dir, "plain")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = sqlite.Open(t.Context(), filepath.Join(file, "r.db")) // a file where a directory should be
	require.Error(t, err)
}

func TestOpenEmptyFileBecomesDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "touched.db")
	require.NoError(t, os.WriteFile(path, nil, 0o644)) // touch: zero bytes, a valid empty database
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

// TestOpenCanceled: an open whose context has ended fails with the context's error.
func TestOpenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	require.ErrorIs(t, err, context.Canceled)
}

func insertOne(t *testing.T, s storage.Store, c *complaint.Complaint) {
	t.Helper()
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error {
		if err := tx.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: c.Tenant, Complaint: c}); err != nil {
			return err
		}
		if err := tx.EventAppend(t.Context(), &storage.EventAppendParams{Tenant: c.Tenant, Events: []complaint.Event{storagetest.NewEvent(c, 1)}}); err != nil {
			return err
		}
		if err := tx.TimerSet(t.Context(), &storage.TimerSetParams{Tenant: c.Tenant, Timer: storage.Timer{
			Tenant: c.Tenant, ComplaintID: c.ID, Kind: "sla.first_response", DueAt: c.CreatedAt.Add(2 * time.Hour)}}); err != nil {
			return err
		}
		return tx.OutboxEnqueue(t.Context(), &storage.OutboxEnqueueParams{Tenant: c.Tenant, Messages: []storage.OutboxMessage{
			storagetest.NewOutboxMessage(c.Tenant, 0)}})
	}))
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redress.db")
	c := storagetest.NewComplaint("acme", 7)
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	insertOne(t, s, c)
	require.NoError(t, s.Close())

	s, err = sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	require.NoError(t, s.View(t.Context(), func(tx storage.ReadTx) error {
		got, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, c, got)
		evs, err := tx.EventList(t.Context(), &storage.EventListParams{Tenant: "acme", ComplaintID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, []complaint.Event{storagetest.NewEvent(c, 1)}, evs)
		tms, err := tx.TimerList(t.Context(), &storage.TimerListParams{Tenant: "acme", ComplaintID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, []storage.Timer{{Tenant: "acme", ComplaintID: c.ID, Kind: "sla.first_response", DueAt: c.CreatedAt.Add(2 * time.Hour)}}, tms)
		return nil
	}))
	var ms []storage.OutboxMessage
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error {
		ms, err = tx.OutboxClaim(t.Context(), &storage.OutboxClaimParams{Now: storagetest.Epoch.Add(time.Hour), Lease: time.Minute, Limit: 10})
		return err
	}))
	require.Len(t, ms, 1)
	assert.Equal(t, storagetest.NewOutboxMessage("acme", 0).ID, ms[0].ID)
}

func schemaRows(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&n))
	return n
}

func TestMigrateIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redress.db")
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	insertOne(t, s, storagetest.NewComplaint("acme", 0))
	require.Equal(t, sqlite.SchemaVersion(), schemaRows(t, s.DB()))

	for range 3 {
		require.NoError(t, sqlite.Migrate(t.Context(), s.DB()))
	}
	assert.Equal(t, sqlite.SchemaVersion(), schemaRows(t, s.DB()), "no migration recorded twice")
	_, err = getComplaint(t, s, "acme", storagetest.NewComplaint("acme", 0).ID)
	require.NoError(t, err, "data survives")
}

// TestMigrateConcurrently: several processes (here: separate handles) migrating one new file at once
// apply each migration exactly once.
func TestMigrateConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redress.db")
	const handles = 4
	dbs := make([]*sql.DB, handles)
	for i := range dbs {
		dbs[i] = rawDB(t, path+"?_pragma=busy_timeout(10000)")
	}
	errs := make([]error, handles)
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() { errs[i] = sqlite.Migrate(t.Context(), db) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, sqlite.SchemaVersion(), schemaRows(t, dbs[0]))

	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func getComplaint(t *testing.T, s storage.Store, tenant, id string) (*complaint.Complaint, error) {
	t.Helper()
	var c *complaint.Complaint
	err := s.View(t.Context(), func(tx storage.ReadTx) error {
		var err error
		c, err = tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: tenant, ID: id})
		return err
	})
	return c, err
}

func TestClosedStore(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "r.db"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "a second Close is harmless")
	require.ErrorIs(t, s.Update(t.Context(), func(storage.Tx) error { return nil }), sqlite.ErrClosed)
	require.ErrorIs(t, s.View(t.Context(), func(storage.ReadTx) error { return nil }), sqlite.ErrClosed)
}

func TestUpdatePanicRollsBackAndRepanics(t *testing.T) {
	s := newStore(t)
	c := storagetest.NewComplaint("acme", 0)
	func() {
		defer func() { assert.Equal(t, "boom", recover()) }()
		_ = s.Update(t.Context(), func(tx storage.Tx) error {
			require.NoError(t, tx.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}))
			panic("boom")
		})
	}()
	_, err := getComplaint(t, s, "acme", c.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "the panicking transaction rolled back")
	insertOne(t, s, c) // and the write connection is free again
}

// TestUpdateErrorUnchanged: Update returns fn's error itself, so callers can match it.
func TestUpdateErrorUnchanged(t *testing.T) {
	s := newStore(t)
	want := errors.New("refused by policy")
	assert.Same(t, want, s.Update(t.Context(), func(storage.Tx) error { return want }))
	assert.Same(t, want, s.View(t.Context(), func(storage.ReadTx) error { return want }))
}

// TestViewIsSnapshot: a View keeps seeing what was committed when it began reading, while an Update
// commits beside it.
func TestViewIsSnapshot(t *testing.T) {
	s := newStore(t)
	a, b := storagetest.NewComplaint("acme", 0), storagetest.NewComplaint("acme", 1)
	insertOne(t, s, a)
	require.NoError(t, s.View(t.Context(), func(tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: a.ID})
		require.NoError(t, err)
		// Commit b while this View is open: Views do not block the writer.
		require.NoError(t, s.Update(t.Context(), func(w storage.Tx) error {
			return w.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: "acme", Complaint: b})
		}))
		_, err = tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: b.ID})
		assert.ErrorIs(t, err, storage.ErrNotFound, "the snapshot predates b")
		return nil
	}))
	_, err := getComplaint(t, s, "acme", b.ID)
	require.NoError(t, err, "a new View sees b")
}

// TestBusyTimeoutAgainstAnotherProcess: a write lock held outside the store (another process) makes an
// Update wait for the busy timeout and then fail with ErrBusy, instead of hanging or corrupting.
func TestBusyTimeoutAgainstAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := sqlite.OpenWith(t.Context(), path, sqlite.Config{BusyTimeout: time.Millisecond})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()

	other := rawDB(t, path)
	conn, err := other.Conn(t.Context())
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	_, err = conn.ExecContext(t.Context(), "BEGIN IMMEDIATE")
	require.NoError(t, err)

	err = s.Update(t.Context(), func(storage.Tx) error { return nil })
	require.ErrorIs(t, err, sqlite.ErrBusy)

	_, err = conn.ExecContext(t.Context(), "ROLLBACK")
	require.NoError(t, err)
	require.NoError(t, s.Update(t.Context(), func(storage.Tx) error { return nil }), "works once the lock is gone")
}

// TestFailedOperationUndoneWithinTx: an operation of several rows that fails leaves none of its rows,
// even when the caller goes on and commits the transaction.
func TestFailedOperationUndoneWithinTx(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	c := storagetest.NewComplaint("acme", 0)
	insertOne(t, s, c) // event 1 and outbox message 0
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		err := tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{
			storagetest.NewEvent(c, 2), storagetest.NewEvent(c, 3), storagetest.NewEvent(c, 1)}})
		require.ErrorIs(t, err, storage.ErrConflict)
		err = tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: []storage.OutboxMessage{
			storagetest.NewOutboxMessage("acme", 1), storagetest.NewOutboxMessage("acme", 0)}})
		require.ErrorIs(t, err, storage.ErrDuplicate)
		dup := storagetest.NewComplaint("acme", 1)
		dup.TrackingCode = c.TrackingCode
		require.ErrorIs(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: dup}), storage.ErrDuplicate)
		return nil // commit what succeeded: nothing
	}))
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, []complaint.Event{storagetest.NewEvent(c, 1)}, evs, "events 2 and 3 were undone with the failed append")
		page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: "acme", Tags: storagetest.NewComplaint("acme", 1).Tags})
		require.NoError(t, err)
		for _, got := range page.Complaints {
			assert.Equal(t, c.ID, got.ID, "no tags of the refused complaint remain")
		}
		return nil
	}))
	var ms []storage.OutboxMessage
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		var err error
		ms, err = tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: storagetest.Epoch.Add(time.Hour), Lease: time.Minute, Limit: 10})
		return err
	}))
	require.Len(t, ms, 1, "message 1 was undone with the failed enqueue")
	assert.Equal(t, storagetest.NewOutboxMessage("acme", 0).ID, ms[0].ID)
}

// TestLargeBatches: batches larger than one INSERT statement carries (200 rows) are still atomic, and
// empty batches are no-ops.
func TestLargeBatches(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	c := storagetest.NewComplaint("acme", 0)
	var evs []complaint.Event
	for seq := int64(1); seq <= 450; seq++ {
		evs = append(evs, storagetest.NewEvent(c, seq))
	}
	var ms []storage.OutboxMessage
	for i := range 450 {
		ms = append(ms, storagetest.NewOutboxMessage("acme", i))
	}
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		require.NoError(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}))
		require.NoError(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme"}), "no events")
		require.NoError(t, tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme"}), "no messages")
		// The 450th row repeats the first: everything before it, in earlier statements, is undone too.
		bad := append(slices.Clone(evs[:449]), evs[0])
		require.ErrorIs(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: bad}), storage.ErrConflict)
		badMs := append(slices.Clone(ms[:449]), ms[0])
		require.ErrorIs(t, tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: badMs}), storage.ErrDuplicate)
		got, err := tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: c.ID})
		require.NoError(t, err)
		require.Empty(t, got)
		require.NoError(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: evs}))
		return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: ms})
	}))
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		got, err := tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, evs, got)
		return nil
	}))
	var claimed []storage.OutboxMessage
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		var err error
		claimed, err = tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: storagetest.Epoch.Add(24 * time.Hour), Lease: time.Minute, Limit: 1000})
		return err
	}))
	assert.Len(t, claimed, 450)
}
