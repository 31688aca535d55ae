package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// dsnEnv names the environment variable that points the tests at a PostgreSQL server.
const dsnEnv = "REDRESS_POSTGRES_DSN"

// testDSN returns the server the tests use, or skips the test when none is configured.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		t.Skip("set REDRESS_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the PostgreSQL tests")
	}
	return dsn
}

// cleanupTimeout bounds the work done in t.Cleanup, where the test's context is already cancelled.
const cleanupTimeout = 30 * time.Second

// newSchema creates an empty schema with a random name, dropped (with everything in it) when the test
// ends, and returns its name.
func newSchema(t testing.TB) string {
	t.Helper()
	dsn := testDSN(t)
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	require.NoError(t, admin(t.Context(), "CREATE SCHEMA "+schema))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := admin(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// newPool returns a pool of at most maxConns connections whose search_path is schema; it is closed when
// the test ends (before the schema is dropped).
func newPool(t testing.TB, schema string, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testDSN(t))
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// newStore returns a migrated store in a fresh schema of its own.
func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := New(t.Context(), newPool(t, newSchema(t), 8))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}
