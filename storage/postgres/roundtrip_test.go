package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// tripCounter is a pgx tracer that records each request the connection sends: one entry per Exec,
// Query or batch, listing the statements that travelled together.
type tripCounter struct {
	mu    sync.Mutex
	trips [][]string
}

func firstWord(sql string) string {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return ""
	}
	if len(f) > 2 && (f[0] == "INSERT" || f[0] == "DELETE") {
		return f[0] + " " + f[2] // INSERT INTO table, DELETE FROM table
	}
	return f[0]
}

func (c *tripCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trips = append(c.trips, []string{firstWord(d.SQL)})
	return ctx
}

func (c *tripCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *tripCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	var trip []string
	for _, q := range d.Batch.QueuedQueries {
		trip = append(trip, firstWord(q.SQL))
	}
	c.trips = append(c.trips, trip)
	return ctx
}

func (c *tripCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *tripCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (c *tripCounter) take() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.trips
	c.trips = nil
	return out
}

func TestIntakeRoundTrips(t *testing.T) {
	// An intake writes a complaint, its event, its SLA timers and an outbox message. BEGIN travels
	// with the insert and the timers with the next statement, so it costs four round trips whatever
	// the number of timers (the bare equivalent: BEGIN, six INSERTs, COMMIT: eight).
	schema := newSchema(t)
	cfg, err := pgxpool.ParseConfig(testDSN(t))
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.MaxConns = 1
	tracer := &tripCounter{}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	s, err := New(t.Context(), pool)
	require.NoError(t, err)
	ctx := t.Context()

	intake := func(i int) error {
		c := fixture("acme", i, time.Minute)
		return s.Update(ctx, func(tx storage.Tx) error {
			if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}); err != nil {
				return err
			}
			if err := tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{fixtureEvent(c, 1)}}); err != nil {
				return err
			}
			for _, kind := range []string{"sla.blue", "sla.yellow", "sla.red"} {
				if err := tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "acme", Timer: storage.Timer{
					Tenant: "acme", ComplaintID: c.ID, Kind: kind, DueAt: c.CreatedAt.Add(time.Hour)}}); err != nil {
					return err
				}
			}
			return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: []storage.OutboxMessage{{
				ID: c.ID + "-received", Tenant: "acme", Topic: "complaint.received", Key: c.ID, CreatedAt: c.CreatedAt}}})
		})
	}
	require.NoError(t, intake(0)) // prepares the statements on the connection
	tracer.take()
	require.NoError(t, intake(1))
	assert.Equal(t, [][]string{
		{"BEGIN", "INSERT complaints"},
		{"INSERT events"},
		{"INSERT timers", "INSERT timers", "INSERT timers", "INSERT outbox"},
		{"COMMIT"},
	}, tracer.take())

	// Queued writes run before the statement they travel with, so the transaction reads them.
	var timers []storage.Timer
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		if err := tx.TimerDelete(ctx, &storage.TimerDeleteParams{Tenant: "acme", ComplaintID: "acme-00000001", Kind: "sla.red"}); err != nil {
			return err
		}
		var err error
		timers, err = tx.TimerList(ctx, &storage.TimerListParams{Tenant: "acme", ComplaintID: "acme-00000001"})
		return err
	}))
	assert.Len(t, timers, 2)
	assert.Equal(t, [][]string{{"BEGIN", "DELETE timers", "SELECT"}, {"COMMIT"}}, tracer.take())

	// Lists ask for custom plans on the way, without a round trip of their own.
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		_, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: "acme", Queue: "queue-1"})
		return err
	}))
	assert.Equal(t, [][]string{{"BEGIN", "SET", "SET", "SELECT"}, {"COMMIT"}}, tracer.take())

	// A closure that runs nothing costs nothing.
	require.NoError(t, s.View(ctx, func(storage.ReadTx) error { return nil }))
	assert.Empty(t, tracer.take())
}

func TestQueuedWriteErrorNamesTheOperation(t *testing.T) {
	// A queued write fails when it is finally sent; the error says which operation it was. Here the
	// failure is PostgreSQL refusing a write in a read-only transaction.
	s := newStore(t)
	c := insertFixtures(t, s, "acme", 1)[0]
	ctx := t.Context()
	err := s.View(ctx, func(rtx storage.ReadTx) error {
		if _, err := rtx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID}); err != nil {
			return err
		}
		tx := rtx.(storage.Tx)
		return tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "acme", Timer: storage.Timer{Tenant: "acme", ComplaintID: c.ID, Kind: "k", DueAt: epoch}})
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "timer set")
	assert.Contains(t, err.Error(), "read-only")
}
