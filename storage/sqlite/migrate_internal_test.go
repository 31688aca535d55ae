package sqlite

import (
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/storage"
)

func TestParseMigrations(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    []int
		wantErr string
	}{
		{"in order", fstest.MapFS{
			"migrations/0002_more.sql": file("CREATE TABLE b (x);"),
			"migrations/0001_init.sql": file("CREATE TABLE a (x);"),
		}, []int{1, 2}, ""},
		{"gap", fstest.MapFS{
			"migrations/0001_init.sql": file(""), "migrations/0003_skip.sql": file(""),
		}, nil, "want version 2 next"},
		{"repeat", fstest.MapFS{
			"migrations/0001_init.sql": file(""), "migrations/0001_again.sql": file(""),
		}, nil, "want version 2 next"},
		{"not starting at 1", fstest.MapFS{"migrations/0002_init.sql": file("")}, nil, "want version 1 next"},
		{"bad name", fstest.MapFS{"migrations/init.sql": file("")}, nil, "want NNNN_name.sql"},
		{"not sql", fstest.MapFS{"migrations/0001_init.txt": file("")}, nil, "want NNNN_name.sql"},
		{"stray file", fstest.MapFS{"migrations/0001_init.sql": file(""), "migrations/README": file("")}, nil, "want NNNN_name.sql"},
		{"none", fstest.MapFS{"migrations": &fstest.MapFile{Mode: fs.ModeDir}}, nil, "no migrations embedded"},
		{"empty directory", fstest.MapFS{"other/x": file("")}, nil, "read migrations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := parseMigrations(tt.fsys)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			var got []int
			for _, m := range ms {
				got = append(got, m.version)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEmbeddedMigrations(t *testing.T) {
	ms, err := loadMigrations()
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	assert.Equal(t, len(ms), SchemaVersion())
	assert.Equal(t, "0001_init.sql", ms[0].name)
}

// TestMigrationIsOneTransaction: a migration that fails halfway leaves nothing behind, not even the
// application ID or the migration table that the first migration creates.
func TestMigrationIsOneTransaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer func() { _ = db.Close() }()
	conn, err := db.Conn(t.Context())
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()

	bad := migration{version: 1, name: "0001_bad.sql", sql: "CREATE TABLE a (x); CREATE TABLE b (y); INSERT INTO nowhere VALUES (1);"}
	err = apply(t.Context(), conn, bad)
	require.ErrorContains(t, err, "0001_bad.sql")

	st, err := inspect(t.Context(), conn)
	require.NoError(t, err)
	assert.Equal(t, schemaState{}, st, "no table, no application id, no migration row")

	good := migration{version: 1, name: "0001_good.sql", sql: "CREATE TABLE a (x);"}
	require.NoError(t, apply(t.Context(), conn, good))
	st, err = inspect(t.Context(), conn)
	require.NoError(t, err)
	assert.Equal(t, schemaState{appID: ApplicationID, objects: 2, migrations: true, version: 1}, st)
	require.NoError(t, apply(t.Context(), conn, good), "applying it again is a no-op")
	var n int
	require.NoError(t, conn.QueryRowContext(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&n))
	assert.Equal(t, 1, n)
}

// TestErrorMapping drives real driver errors through the mapping functions.
func TestErrorMapping(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.db")
	s, err := Open(t.Context(), path)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	ctx := t.Context()

	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer func() { _ = ro.Close() }()
	_, roErr := ro.ExecContext(ctx, "DELETE FROM outbox")
	require.Error(t, roErr)

	_, uniqueErr := s.w.ExecContext(ctx, "INSERT INTO schema_migrations (version, name) VALUES (1, 'again')")
	require.Error(t, uniqueErr)
	_, fkErr := s.w.ExecContext(ctx, "INSERT INTO timers (tenant, complaint_id, kind, due_at) VALUES ('a', 'no', 'k', 1)")
	require.Error(t, fkErr)

	notDB := filepath.Join(dir, "junk.db")
	require.NoError(t, os.WriteFile(notDB, []byte(strings.Repeat("not a database ", 100)), 0o644))
	junk, err := sql.Open("sqlite", notDB)
	require.NoError(t, err)
	defer func() { _ = junk.Close() }()
	_, notDBErr := junk.ExecContext(ctx, "SELECT * FROM sqlite_schema")
	require.Error(t, notDBErr)

	tests := []struct {
		name string
		got  error
		want error
	}{
		{"read-only connection", mapError(roErr), ErrReadOnly},
		{"unique violation", mapConstraint(uniqueErr, storage.ErrDuplicate, "x"), storage.ErrDuplicate},
		{"foreign key violation", mapConstraint(fkErr, storage.ErrDuplicate, "x"), storage.ErrNotFound},
		{"not a database", mapOpenError(notDBErr), ErrForeignDatabase},
	}
	for _, tt := range tests {
		assert.ErrorIs(t, tt.got, tt.want, tt.name)
	}
	assert.True(t, errors.Is(mapError(roErr), roErr), "the driver error stays in the chain")
	other := errors.New("other")
	assert.Same(t, other, mapError(other), "errors that are not the driver's pass unchanged")
}

// TestMigrateUpgradesAVersion1File: a file made by the first release, holding a complaint, is brought
// to the current version when opened; the complaint stays and the closed-loop tables work.
func TestMigrateUpgradesAVersion1File(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v1.db")
	ms, err := loadMigrations()
	require.NoError(t, err)
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	require.NoError(t, apply(ctx, conn, ms[0]))
	c := &complaint.Complaint{ID: "C1", Tenant: "acme", TrackingCode: "T1", Channel: "web", Status: complaint.StatusResolved,
		Version: 1, CreatedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	body, err := encodeComplaint(c)
	require.NoError(t, err)
	_, err = conn.ExecContext(ctx, qComplaintInsert, c.Tenant, c.ID, c.TrackingCode, c.Channel, "", string(c.Status),
		"", "", "", "", "", micros(c.CreatedAt), nil, nil, 0, "", 0, 1, body)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	require.NoError(t, db.Close())

	s, err := Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	st, err := inspect(ctx, s.w)
	require.NoError(t, err)
	assert.Equal(t, SchemaVersion(), st.version)
	survey := &feedback.Survey{ID: "S1", Tenant: "acme", ComplaintID: c.ID, TokenHash: strings.Repeat("0a", 32),
		Kinds: feedback.Kinds, ScheduledAt: c.CreatedAt.Add(time.Hour), Version: 1}
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: "acme", Survey: survey})
	}))
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		got, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, c.TrackingCode, got.TrackingCode)
		surveys, err := tx.SurveyList(ctx, &storage.SurveyListParams{Tenant: "acme", ComplaintID: c.ID})
		require.NoError(t, err)
		require.Len(t, surveys, 1)
		assert.Equal(t, survey.TokenHash, surveys[0].TokenHash)
		return nil
	}))
}

// TestScoreColumnsCoverEveryKind: FeedbackTally reads one column per measure; a measure without one
// would be stored in the document but never counted.
func TestScoreColumnsCoverEveryKind(t *testing.T) {
	var kinds []feedback.Kind
	for _, sc := range scoreColumns {
		kinds = append(kinds, sc.kind)
	}
	assert.ElementsMatch(t, feedback.Kinds, kinds)
}
