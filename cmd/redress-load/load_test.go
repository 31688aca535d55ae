package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/postgres"
	"github.com/redresshq/redress/storage/sqlite"
)

// checkLoaded reads back what Load wrote and compares it with the generator's records: every
// complaint, its events and its timers, and the totals.
func checkLoaded(t *testing.T, st storage.Store, g *Generator, tot Totals) {
	t.Helper()
	ctx := t.Context()
	recs := allRecords(t, g)
	var events, timers int64
	perTenant := map[string]int64{}
	for _, r := range recs {
		events += int64(len(r.Events))
		timers += int64(len(r.Timers))
		perTenant[r.Complaint.Tenant]++
	}
	assert.Equal(t, Totals{Complaints: int64(len(recs)), Events: events, Timers: timers, Batches: g.Batches(), Elapsed: tot.Elapsed}, tot)

	require.NoError(t, st.View(ctx, func(tx storage.ReadTx) error {
		for tenant, want := range perTenant {
			counts, err := tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: tenant, GroupBy: storage.ByStatus})
			require.NoError(t, err)
			var got int64
			for _, c := range counts {
				got += c.N
			}
			assert.Equal(t, want, got, "tenant %s", tenant)
		}
		for k, r := range recs {
			if k%7 != 0 { // a sample is enough; every record was checked by the generator's tests
				continue
			}
			c := r.Complaint
			got, err := tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: c.Tenant, TrackingCode: c.TrackingCode})
			require.NoError(t, err)
			assert.Equal(t, c.ID, got.ID)
			assert.Equal(t, c.Status, got.Status)
			assert.Equal(t, c.EventSeq, got.EventSeq)
			evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: c.Tenant, ComplaintID: c.ID})
			require.NoError(t, err)
			assert.Equal(t, r.Events, evs)
			tms, err := tx.TimerList(ctx, &storage.TimerListParams{Tenant: c.Tenant, ComplaintID: c.ID})
			require.NoError(t, err)
			assert.ElementsMatch(t, r.Timers, tms)
		}
		return nil
	}))
}

func TestLoadSQLite(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenWith(ctx, filepath.Join(t.TempDir(), "load.db"), sqlite.Config{Synchronous: sqlite.SyncNormal})
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	g, err := NewGenerator(Spec{N: 1200, Seed: 5, Now: DefaultNow, Tenants: []string{"acme", "globex"}, BatchSize: 250})
	require.NoError(t, err)
	var calls []int
	tot, err := Load(ctx, st, g, 2, func(done int, _ Totals) { calls = append(calls, done) })
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3, 4, 5}, calls, "progress after each of the 5 batches, in order")
	checkLoaded(t, st, g, tot)

	// Loading again would collide on every ID: refused before anything is written.
	_, err = Load(ctx, st, g, 1, nil)
	require.ErrorIs(t, err, ErrNotEmpty)
}

func TestLoadStopsAtTheFirstFailedBatch(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.OpenWith(ctx, filepath.Join(t.TempDir(), "load.db"), sqlite.Config{Synchronous: sqlite.SyncNormal})
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	g, err := NewGenerator(Spec{N: 600, Seed: 5, Now: DefaultNow, Tenants: []string{"acme"}, BatchSize: 100})
	require.NoError(t, err)
	// Batch 2's complaint IDs are already taken, under another tenant (IDs are unique across tenants),
	// so the load meets a duplicate in the middle of the data set.
	recs, err := g.Batch(2)
	require.NoError(t, err)
	for _, r := range recs {
		r.Complaint.Tenant = "other"
		for k := range r.Events {
			r.Events[k].Tenant = "other"
		}
		for k := range r.Timers {
			r.Timers[k].Tenant = "other"
		}
	}
	require.NoError(t, writeBatch(ctx, st, recs))
	tot, err := Load(ctx, st, g, 1, nil)
	require.ErrorIs(t, err, storage.ErrDuplicate)
	assert.Contains(t, err.Error(), "batch 2")
	assert.Equal(t, 2, tot.Batches, "batches 0 and 1 committed before it")
	assert.Equal(t, int64(200), tot.Complaints)
}

func TestLoadHonoursCancellation(t *testing.T) {
	st, err := sqlite.OpenWith(t.Context(), filepath.Join(t.TempDir(), "load.db"), sqlite.Config{Synchronous: sqlite.SyncNormal})
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	g, err := NewGenerator(Spec{N: 5000, Seed: 5, Now: DefaultNow, Tenants: []string{"acme"}, BatchSize: 100})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	tot, err := Load(ctx, st, g, 2, func(done int, _ Totals) {
		if done == 3 {
			cancel()
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.GreaterOrEqual(t, tot.Batches, 3)
	assert.Less(t, tot.Batches, g.Batches())
	// Whole batches only: the stored count is a multiple of the batch size.
	require.NoError(t, st.View(t.Context(), func(tx storage.ReadTx) error {
		counts, err := tx.ComplaintCount(t.Context(), &storage.ComplaintCountParams{Tenant: "acme", GroupBy: storage.ByStatus})
		require.NoError(t, err)
		var n int64
		for _, c := range counts {
			n += c.N
		}
		assert.Zero(t, n%100, "stored %d complaints", n)
		assert.GreaterOrEqual(t, n, int64(300))
		return nil
	}))
}

func TestLoadPostgres(t *testing.T) {
	dsn := os.Getenv("REDRESS_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set REDRESS_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to load into PostgreSQL")
	}
	schema := pgSchema(t, dsn, false)
	ctx := t.Context()
	st, err := postgres.Open(ctx, withSearchPath(t, dsn, schema))
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	g, err := NewGenerator(Spec{N: 800, Seed: 9, Now: DefaultNow, Tenants: []string{"acme", "globex"}, BatchSize: 200})
	require.NoError(t, err)
	tot, err := Load(ctx, st, g, 3, nil)
	require.NoError(t, err)
	checkLoaded(t, st, g, tot)
}

// pgSchema returns a fresh schema name, created unless create is false, dropped when the test ends.
func pgSchema(t *testing.T, dsn string, create bool) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "load_" + hex.EncodeToString(b[:])
	exec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer func() { _ = conn.Close(ctx) }()
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if create {
		require.NoError(t, exec(t.Context(), "CREATE SCHEMA "+schema))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		assert.NoError(t, exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"))
	})
	if !create {
		require.NoError(t, exec(t.Context(), "CREATE SCHEMA "+schema))
	}
	return schema
}

func withSearchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestRunFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"no store":       {"-n", "10"},
		"zero n":         {"-store", "x.db", "-n", "0"},
		"zero batch":     {"-store", "x.db", "-batch", "0"},
		"stray argument": {"-store", "x.db", "extra"},
		"bad now":        {"-store", filepath.Join(t.TempDir(), "x.db"), "-now", "yesterday"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(t.Context(), args, &out, &errOut)
			require.ErrorIs(t, err, ErrUsage)
			assert.Empty(t, out.String())
		})
	}
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"-store", filepath.Join(t.TempDir(), "x.db"), "-sqlite-sync", "sometimes", "-n", "5"}, &out, &errOut)
	require.ErrorIs(t, err, sqlite.ErrConfig)
}

func TestRunLoadsSQLiteAndReports(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.db")
	var out, errOut bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-store", path, "-n", "700", "-batch", "100", "-seed", "3"}, &out, &errOut))
	assert.Contains(t, out.String(), "loaded 700 complaints")
	assert.Contains(t, out.String(), "peak RSS (VmHWM)")
	assert.Contains(t, errOut.String(), "100.0%")
	assert.Equal(t, 7, strings.Count(errOut.String(), "\n"), "a progress line per batch when there are fewer than 20")

	st, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	require.NoError(t, st.View(t.Context(), func(tx storage.ReadTx) error {
		page, err := tx.ComplaintList(t.Context(), &storage.ComplaintListParams{Tenant: "acme", Statuses: complaint.OpenStatuses, Limit: 500})
		require.NoError(t, err)
		assert.NotEmpty(t, page.Complaints)
		return nil
	}))

	// Loading again into the same file is refused and says why.
	err = run(t.Context(), []string{"-store", path, "-n", "700", "-batch", "100", "-q"}, &out, &errOut)
	require.ErrorIs(t, err, ErrNotEmpty)
}

func TestRunCreatesPostgresSchema(t *testing.T) {
	dsn := os.Getenv("REDRESS_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("set REDRESS_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to load into PostgreSQL")
	}
	schema := pgSchema(t, dsn, true)
	// pgSchema created it; drop it so that -create-schema has work to do (the cleanup drops it again).
	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	_, err = conn.Exec(t.Context(), "DROP SCHEMA "+schema)
	require.NoError(t, err)
	require.NoError(t, conn.Close(t.Context()))

	var out, errOut bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-store", withSearchPath(t, dsn, schema), "-create-schema", "-n", "300", "-batch", "100", "-q"}, &out, &errOut))
	assert.Contains(t, out.String(), "loaded 300 complaints")
	assert.Contains(t, out.String(), "vacuum (analyze)")
	assert.Contains(t, out.String(), "schema "+schema)
	assert.NotContains(t, out.String(), "sslmode", "the report names host and database, not the whole DSN")
}
