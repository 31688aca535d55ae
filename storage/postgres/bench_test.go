package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// benchSeq numbers the rows of every benchmark in the process, so repeated runs (b.N grows, -count)
// never reuse an ID, a tracking code or an external reference.
var benchSeq atomic.Int64

func nextBenchRow() (*complaint.Complaint, complaint.Event) {
	c := fixture("bench", int(benchSeq.Add(1)), time.Microsecond)
	return c, fixtureEvent(c, 1)
}

// benchTimerKinds are the SLA timers an intake-shaped write sets.
var benchTimerKinds = []string{"sla.blue", "sla.yellow", "sla.red"}

// insertViaStore writes a complaint and its first event through the adapter in one Update and, when
// timers > 0, that many timers and an outbox message too, as an intake does.
func insertViaStore(ctx context.Context, s *Store, timers int) error {
	c, e := nextBenchRow()
	return s.Update(ctx, func(tx storage.Tx) error {
		if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: c.Tenant, Complaint: c}); err != nil {
			return err
		}
		if err := tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: c.Tenant, Events: []complaint.Event{e}}); err != nil {
			return err
		}
		if timers == 0 {
			return nil
		}
		for _, kind := range benchTimerKinds[:timers] {
			if err := tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: c.Tenant, Timer: storage.Timer{
				Tenant: c.Tenant, ComplaintID: c.ID, Kind: kind, DueAt: c.CreatedAt.Add(time.Hour)}}); err != nil {
				return err
			}
		}
		return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: c.Tenant, Messages: []storage.OutboxMessage{benchMessage(c)}})
	})
}

func benchMessage(c *complaint.Complaint) storage.OutboxMessage {
	return storage.OutboxMessage{ID: c.ID + "-received", Tenant: c.Tenant, Topic: "complaint.received", Key: c.ID,
		Payload: []byte(`{"id":"` + c.ID + `"}`), CreatedAt: c.CreatedAt}
}

// insertBare is the baseline: the same rows (record JSON included) with plain pgx — BEGIN, one INSERT
// per row and COMMIT, each its own round trip — and none of the adapter's checks.
func insertBare(ctx context.Context, pool *pgxpool.Pool, timers int) error {
	c, e := nextBenchRow()
	rec, err := encodeComplaint(c)
	if err != nil {
		return err
	}
	erec, err := json.Marshal(&e)
	if err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `INSERT INTO complaints (tenant, id, tracking_code, channel, external_ref, status, queue,
		assignee, category, customer_id, severity, tags, version, created_at, updated_at, acknowledged_at,
		resolved_at, reopened, repeat_of, breached, record)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		c.Tenant, c.ID, c.TrackingCode, c.Channel, c.ExternalRef, string(c.Status), c.Queue,
		c.Assignee, c.Category, c.Customer.ID, string(c.Severity), tagsOf(c), c.Version,
		c.CreatedAt, c.UpdatedAt, nil, nil, c.Reopened, c.RepeatOf, c.Breached, rec); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO events (tenant, complaint_id, seq, id, type, at, public, record)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.Tenant, e.ComplaintID, e.Seq, e.ID, string(e.Type), e.At, e.Public, erec); err != nil {
		return err
	}
	if timers > 0 {
		for _, kind := range benchTimerKinds[:timers] {
			if _, err := tx.Exec(ctx, `INSERT INTO timers (tenant, complaint_id, kind, due_at) VALUES ($1, $2, $3, $4)`,
				c.Tenant, c.ID, kind, c.CreatedAt.Add(time.Hour)); err != nil {
				return err
			}
		}
		m := benchMessage(c)
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (tenant, id, topic, key, payload, created_at, attempts, next_attempt_at, last_error, dead)
			VALUES ($1, $2, $3, $4, $5, $6, 0, $6, '', false)`, m.Tenant, m.ID, m.Topic, m.Key, m.Payload, m.CreatedAt); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// BenchmarkInsert compares a complaint and its first event written through the adapter (Update with
// ComplaintInsert and EventAppend) with the bare two-INSERT transaction, at 1 and 16 concurrent
// writers, on one schema:
//
//	go test -run '^$' -bench . -benchtime 2000x -count 5 ./storage/postgres/
//
// Each writer alternates the two, so both see the same load and table size, and the benchmark
// reports each one's rate (writers / mean latency, in tx/s) and store/bare, the ratio of the rates
// (above 1: the adapter is faster, because BEGIN travels with its first statement). ns/op is the time
// of one pair.
func BenchmarkInsert(b *testing.B) {
	s := newStoreSized(b, 20)
	comparePair(b, func(ctx context.Context) error { return insertBare(ctx, s.pool, 0) },
		func(ctx context.Context) error { return insertViaStore(ctx, s, 0) })
}

// BenchmarkIntake is BenchmarkInsert with the rows of a whole intake: a complaint, its first event,
// three SLA timers and an outbox message. The bare transaction sends BEGIN, six INSERTs and COMMIT
// one by one; the adapter needs four round trips (the timers travel with the outbox insert).
func BenchmarkIntake(b *testing.B) {
	s := newStoreSized(b, 20)
	comparePair(b, func(ctx context.Context) error { return insertBare(ctx, s.pool, 3) },
		func(ctx context.Context) error { return insertViaStore(ctx, s, 3) })
}

// comparePair runs bare and store alternately at 1 and 16 writers and reports their rates and ratio.
func comparePair(b *testing.B, bare, store func(ctx context.Context) error) {
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			var bareNS, storeNS, pairs atomic.Int64
			pair := func(ctx context.Context) error {
				start := time.Now()
				if err := bare(ctx); err != nil {
					return err
				}
				mid := time.Now()
				if err := store(ctx); err != nil {
					return err
				}
				bareNS.Add(int64(mid.Sub(start)))
				storeNS.Add(int64(time.Since(mid)))
				pairs.Add(1)
				return nil
			}
			runWriters(b, writers, pair)
			n := float64(pairs.Load())
			bareRate := float64(writers) / (float64(bareNS.Load()) / n / 1e9)
			storeRate := float64(writers) / (float64(storeNS.Load()) / n / 1e9)
			b.ReportMetric(bareRate, "bare-tx/s")
			b.ReportMetric(storeRate, "store-tx/s")
			b.ReportMetric(storeRate/bareRate, "store/bare")
		})
	}
}

// runWriters runs op b.N times from the given number of goroutines.
func runWriters(b *testing.B, writers int, op func(ctx context.Context) error) {
	ctx := b.Context()
	if writers == 1 {
		for b.Loop() {
			if err := op(ctx); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	// RunParallel starts parallelism × GOMAXPROCS goroutines.
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((writers + procs - 1) / procs)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// newStoreSized is newStore with a pool of maxConns connections.
func newStoreSized(tb testing.TB, maxConns int32) *Store {
	tb.Helper()
	s, err := New(context.Background(), newPool(tb, newSchema(tb), maxConns))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}
