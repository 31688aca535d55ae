package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/storage"
)

func TestEmbeddedMigrationsAreNumberedWithoutGaps(t *testing.T) {
	ms, err := migrations()
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	for i, m := range ms {
		assert.Equal(t, i+1, m.version)
		assert.NotEmpty(t, m.name)
		assert.NotEmpty(t, strings.TrimSpace(m.sql))
	}
	assert.Equal(t, len(ms), SchemaVersion())
}

// appliedVersions returns the versions recorded in the schema's schema_migrations, in order.
func appliedVersions(t *testing.T, pool *pgxpool.Pool) []int {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	require.NoError(t, err)
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	require.NoError(t, err)
	return versions
}

// tablesIn returns the tables of schema, sorted.
func tablesIn(t *testing.T, pool *pgxpool.Pool, schema string) []string {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, schema)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return names
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	schema := newSchema(t)
	pool := newPool(t, schema, 2)
	require.NoError(t, Migrate(t.Context(), pool))
	tables := tablesIn(t, pool, schema)
	assert.Equal(t, []string{"complaints", "events", "outbox", "problem_complaints", "problems", "schema_migrations", "surveys", "timers"}, tables)
	require.NoError(t, Migrate(t.Context(), pool))
	assert.Equal(t, tables, tablesIn(t, pool, schema))
	want := make([]int, SchemaVersion())
	for i := range want {
		want[i] = i + 1
	}
	assert.Equal(t, want, appliedVersions(t, pool))
}

func TestConcurrentMigrateAppliesEachMigrationOnce(t *testing.T) {
	// Replicas starting together: each has its own pool; all migrate the same schema at once. Without
	// the advisory lock, the losers would fail on CREATE TABLE (or on the schema_migrations key).
	const replicas = 4
	schema := newSchema(t)
	pools := make([]*pgxpool.Pool, replicas)
	for i := range pools {
		pools[i] = newPool(t, schema, 1)
		require.NoError(t, pools[i].Ping(t.Context())) // connect before the race starts
	}
	start := make(chan struct{})
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i, pool := range pools {
		wg.Go(func() {
			<-start
			_, errs[i] = New(t.Context(), pool)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "replica %d", i)
	}
	var n, distinct int
	require.NoError(t, pools[0].QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct))
	assert.Equal(t, SchemaVersion(), n, "one row per migration")
	assert.Equal(t, n, distinct)
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	schema := newSchema(t)
	pool := newPool(t, schema, 2)
	require.NoError(t, Migrate(t.Context(), pool))
	newer := SchemaVersion() + 1
	_, err := pool.Exec(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')`, newer)
	require.NoError(t, err)
	tables := tablesIn(t, pool, schema)

	_, err = New(t.Context(), pool)
	require.ErrorIs(t, err, ErrSchemaTooNew)
	t.Log(err)
	var verr *SchemaVersionError
	require.True(t, errors.As(err, &verr))
	assert.Equal(t, SchemaVersionError{Schema: schema, Found: newer, Known: SchemaVersion()}, *verr)
	assert.Contains(t, err.Error(), fmt.Sprintf("version %d", newer))
	assert.Equal(t, tables, tablesIn(t, pool, schema), "nothing changed")
	assert.Len(t, appliedVersions(t, pool), newer)
}

func TestMigrateRefusesForeignSchema(t *testing.T) {
	tests := []struct {
		name  string
		setup string
	}{
		{"a complaints table of someone else", `CREATE TABLE complaints (ticket_id int PRIMARY KEY)`},
		{"an outbox table of someone else", `CREATE TABLE outbox (id bigint)`},
		{"a surveys table of someone else", `CREATE TABLE surveys (id bigint)`},
		{"schema_migrations of another tool", `CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			schema := newSchema(t)
			pool := newPool(t, schema, 2)
			_, err := pool.Exec(t.Context(), tt.setup)
			require.NoError(t, err)
			before := tablesIn(t, pool, schema)

			err = Migrate(t.Context(), pool)
			require.ErrorIs(t, err, ErrForeignSchema)
			t.Log(err)
			assert.Contains(t, err.Error(), schema)
			assert.Equal(t, before, tablesIn(t, pool, schema), "nothing created")
		})
	}
}

// TestMigrateUpgradesAVersion1Schema: a schema made by the first release, holding complaints, is
// brought to the current version; its data stays and the closed-loop tables work.
func TestMigrateUpgradesAVersion1Schema(t *testing.T) {
	ctx := t.Context()
	schema := newSchema(t)
	pool := newPool(t, schema, 2)
	ms, err := migrations()
	require.NoError(t, err)
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	done, err := migrateStep(ctx, conn.Conn(), ms[:1])
	conn.Release()
	require.NoError(t, err)
	require.True(t, done, "version 1, the newest of the migrations given, is applied")
	require.Equal(t, []int{1}, appliedVersions(t, pool))
	c := fixture("acme", 1, 0)
	_, err = pool.Exec(ctx, insertComplaintSQL, c.Tenant, c.ID, c.TrackingCode, c.Channel, c.ExternalRef, string(c.Status),
		c.Queue, c.Assignee, c.Category, c.Customer.ID, string(c.Severity), tagsOf(c), c.Version, c.CreatedAt, c.UpdatedAt,
		nil, nil, 0, "", false, []byte(`{}`))
	require.NoError(t, err)

	s, err := New(ctx, pool)
	require.NoError(t, err)
	want := make([]int, SchemaVersion())
	for i := range want {
		want[i] = i + 1
	}
	assert.Equal(t, want, appliedVersions(t, pool))
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: "acme", Survey: fixtureSurvey(c, 1)})
	}))
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		got, err := tx.SurveyList(ctx, &storage.SurveyListParams{Tenant: "acme", ComplaintID: c.ID})
		require.Len(t, got, 1)
		return err
	}))
}

func TestMigrateWithoutSchema(t *testing.T) {
	pool := newPool(t, "no_such_schema_for_redress", 1)
	err := Migrate(t.Context(), pool)
	require.ErrorIs(t, err, ErrNoSchema)
	t.Log(err)
	assert.Contains(t, err.Error(), "no_such_schema_for_redress")
}

// freePort returns a loopback TCP port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

func TestOpenBadDSN(t *testing.T) {
	const password = "s3cr3t-pa55"
	port := freePort(t)
	tests := []struct {
		name     string
		dsn      string
		want     error
		mentions []string
	}{
		{
			name:     "nothing listens",
			dsn:      fmt.Sprintf("postgres://redress:%s@127.0.0.1:%d/complaints?sslmode=disable&connect_timeout=5", password, port),
			want:     ErrConnect,
			mentions: []string{fmt.Sprintf("127.0.0.1:%d", port), `database "complaints"`},
		},
		{
			name:     "unparsable port",
			dsn:      fmt.Sprintf("postgres://redress:%s@127.0.0.1:notaport/complaints", password),
			want:     ErrBadDSN,
			mentions: []string{"127.0.0.1"},
		},
		{
			name: "unknown sslmode",
			dsn:  fmt.Sprintf("host=127.0.0.1 user=redress password=%s sslmode=sometimes", password),
			want: ErrBadDSN,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.dsn)
			require.ErrorIs(t, err, tt.want)
			t.Log(err)
			assert.Nil(t, s)
			assert.NotContains(t, err.Error(), password, "the error must not leak the password")
			for _, m := range tt.mentions {
				assert.Contains(t, err.Error(), m)
			}
		})
	}
}

func TestOpenWrongDatabase(t *testing.T) {
	dsn := testDSN(t)
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	bad := fmt.Sprintf("postgres://%s@%s:%d/no_such_database_for_redress?sslmode=disable", cfg.User, cfg.Host, cfg.Port)
	_, err = Open(t.Context(), bad)
	require.ErrorIs(t, err, ErrConnect)
	t.Log(err)
	assert.Contains(t, err.Error(), fmt.Sprintf("%s:%d", cfg.Host, cfg.Port))
	assert.Contains(t, err.Error(), "no_such_database_for_redress")
}

func TestOpenMigratesAndCloseClosesThePool(t *testing.T) {
	dsn := testDSN(t)
	schema := newSchema(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := Open(t.Context(), dsn+sep+"search_path="+schema+"&pool_max_conns=3")
	require.NoError(t, err)
	assert.EqualValues(t, 3, s.Pool().Config().MaxConns, "pool settings come from the DSN")
	var jit string
	require.NoError(t, s.Pool().QueryRow(t.Context(), `SHOW jit`).Scan(&jit))
	assert.Equal(t, "off", jit)
	assert.Equal(t, []int{1}, appliedVersions(t, s.Pool())[:1])
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error {
		return tx.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: "acme", Complaint: fixture("acme", 1, 0)})
	}))

	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "a second Close is harmless")
	require.ErrorIs(t, s.View(t.Context(), func(storage.ReadTx) error { return nil }), ErrClosed)
	_, err = s.Pool().Acquire(t.Context())
	assert.Error(t, err, "Open's pool is closed by Close")

	// New leaves a caller's pool open.
	pool := newPool(t, schema, 2)
	s2, err := New(t.Context(), pool)
	require.NoError(t, err)
	require.NoError(t, s2.Close())
	require.ErrorIs(t, s2.Update(t.Context(), func(storage.Tx) error { return nil }), ErrClosed)
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM complaints`).Scan(&n))
	assert.Equal(t, 1, n)
}
