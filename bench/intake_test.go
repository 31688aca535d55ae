package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
	"github.com/redresshq/redress/storage/sqlite"
)

// Intake end to end against the raw cost of its rows.
//
// "desk" takes a complaint in through redress.Desk.Intake with everything on: validation, text signals
// and triage on the 100 rules of testdata/rules100.yaml (after reading the customer's earlier
// complaints), the lifecycle, SLA clocks and their timers, events, one outbox message per event, and
// the commit, plus the idempotency lookup for the half of the complaints that carry an external
// reference.
//
// "bare" inserts the same rows — captured from real Desk intakes of the same samples (the complaint,
// its received and triaged events, its SLA timers, its outbox messages) with fresh IDs — in one
// transaction on the same store with hand-written SQL: prepared INSERTs on SQLite; on PostgreSQL
// plain pgx, one statement per row (BEGIN, the INSERTs and COMMIT each a round trip).
// "bare-batch" (PostgreSQL) sends the same INSERTs in one pgx.Batch: one round trip and one implicit
// transaction, the floor of the wire protocol. "bare-min" inserts only the complaint and one event,
// the row pair of BASELINES.md.
//
// Each reports intakes/s; the ratio desk / bare from one run is the figure the issue asks for.

// rowSet is what one intake writes.
type rowSet struct {
	c      *complaint.Complaint
	events []complaint.Event
	timers []storage.Timer
	outbox []storage.OutboxMessage
}

// recordingStore records the rows each committed Update inserted.
type recordingStore struct {
	storage.Store
	mu   sync.Mutex
	sets []*rowSet
}

func (s *recordingStore) Update(ctx context.Context, fn func(storage.Tx) error) error {
	set := &rowSet{}
	err := s.Store.Update(ctx, func(tx storage.Tx) error { return fn(&recordingTx{Tx: tx, set: set}) })
	if err == nil && set.c != nil {
		s.mu.Lock()
		s.sets = append(s.sets, set)
		s.mu.Unlock()
	}
	return err
}

type recordingTx struct {
	storage.Tx
	set *rowSet
}

func (t *recordingTx) ComplaintInsert(ctx context.Context, p *storage.ComplaintInsertParams) error {
	t.set.c = p.Complaint.Clone()
	return t.Tx.ComplaintInsert(ctx, p)
}

func (t *recordingTx) EventAppend(ctx context.Context, p *storage.EventAppendParams) error {
	t.set.events = append(t.set.events, p.Events...)
	return t.Tx.EventAppend(ctx, p)
}

func (t *recordingTx) TimerSet(ctx context.Context, p *storage.TimerSetParams) error {
	t.set.timers = append(t.set.timers, p.Timer)
	return t.Tx.TimerSet(ctx, p)
}

func (t *recordingTx) OutboxEnqueue(ctx context.Context, p *storage.OutboxEnqueueParams) error {
	t.set.outbox = append(t.set.outbox, p.Messages...)
	return t.Tx.OutboxEnqueue(ctx, p)
}

// sampleIntake returns the i-th complaint of a benchmark: the samples in turn, every other one with
// a fresh external reference.
func sampleIntake(samples []*complaint.Complaint, i int) *complaint.Complaint {
	c := samples[i%len(samples)].Clone()
	if i%2 == 0 {
		c.ExternalRef = nextRef()
	}
	return c
}

// captureRows takes every sample in through a Desk on a recording in-memory store and returns the rows
// each intake wrote.
func captureRows(tb testing.TB) []*rowSet {
	tb.Helper()
	rec := &recordingStore{Store: memory.New()}
	d := newDesk(tb, rec, nil)
	samples := intakeSamples()
	for i := range samples {
		_, created, err := d.Intake(context.Background(), complaint.Actor{ID: "intake"}, sampleIntake(samples, i))
		require.NoError(tb, err)
		require.True(tb, created)
	}
	require.Len(tb, rec.sets, len(samples))
	return rec.sets
}

// fresh returns a copy of set with new IDs, tracking code and external reference, dated now, so it
// can be inserted again.
func (set *rowSet) fresh(now time.Time) (*rowSet, error) {
	out := &rowSet{c: set.c.Clone()}
	now = storage.Time(now)
	shift := now.Sub(set.c.CreatedAt)
	c := out.c
	c.ID = ulid.Make().String()
	code, err := complaint.NewTrackingCode(rand.Reader)
	if err != nil {
		return nil, err
	}
	c.TrackingCode = code
	if c.ExternalRef != "" {
		c.ExternalRef = nextRef()
	}
	c.CreatedAt, c.UpdatedAt = now, now
	for _, e := range set.events {
		e.ID, e.ComplaintID, e.At = ulid.Make().String(), c.ID, now
		out.events = append(out.events, e)
	}
	for _, t := range set.timers {
		t.ComplaintID, t.DueAt = c.ID, storage.Time(t.DueAt.Add(shift))
		out.timers = append(out.timers, t)
	}
	for _, m := range set.outbox {
		m.ID, m.Key, m.CreatedAt, m.NextAttemptAt = ulid.Make().String(), c.ID, now, now
		out.outbox = append(out.outbox, m)
	}
	return out, nil
}

func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func jsonOrNil(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// sqliteBare inserts row sets into a redress SQLite file with prepared statements on the store's own
// write connection, in one transaction per set.
type sqliteBare struct {
	db                              *sql.DB
	complaint, event, timer, outbox *sql.Stmt
}

func newSQLiteBare(tb testing.TB, s *sqlite.Store) *sqliteBare {
	tb.Helper()
	ctx := context.Background()
	w := &sqliteBare{db: s.DB()}
	var err error
	prep := func(q string) *sql.Stmt {
		st, perr := w.db.PrepareContext(ctx, q)
		require.NoError(tb, perr)
		tb.Cleanup(func() { _ = st.Close() })
		return st
	}
	w.complaint = prep(`INSERT INTO complaints (tenant, id, tracking_code, channel, external_ref, status, queue, assignee,
		category, customer_id, severity, created_at, acknowledged_at, resolved_at, reopened, repeat_of, breached, version, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	w.event = prep(`INSERT INTO events (tenant, complaint_id, seq, id, type, actor, at, trigger, from_status, to_status,
		note, public, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	w.timer = prep(`INSERT INTO timers (tenant, complaint_id, kind, due_at) VALUES (?, ?, ?, ?)`)
	w.outbox = prep(`INSERT INTO outbox (tenant, id, topic, key, payload, created_at, attempts, next_attempt_at,
		last_error, dead) VALUES (?, ?, ?, ?, ?, ?, 0, ?, '', 0)`)
	require.NoError(tb, err)
	return w
}

// insert writes set (only the complaint and its first event when min is set) in one transaction.
func (w *sqliteBare) insert(ctx context.Context, set *rowSet, min bool) error {
	c := set.c
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.StmtContext(ctx, w.complaint).ExecContext(ctx, c.Tenant, c.ID, c.TrackingCode, c.Channel, c.ExternalRef,
		string(c.Status), c.Queue, c.Assignee, c.Category, c.Customer.ID, string(c.Severity), c.CreatedAt.UnixMicro(),
		micros(c.AcknowledgedAt), micros(c.ResolvedAt), c.Reopened, c.RepeatOf, boolInt(c.Breached), c.Version, string(body)); err != nil {
		return err
	}
	events := set.events
	if min {
		events = events[:1]
	}
	ev := tx.StmtContext(ctx, w.event)
	for _, e := range events {
		attrs, err := jsonOrNil(e.Attrs)
		if err != nil {
			return err
		}
		if _, err := ev.ExecContext(ctx, e.Tenant, e.ComplaintID, e.Seq, e.ID, string(e.Type), e.Actor, e.At.UnixMicro(),
			string(e.Trigger), string(e.From), string(e.To), e.Note, boolInt(e.Public), attrs); err != nil {
			return err
		}
	}
	if !min {
		tm := tx.StmtContext(ctx, w.timer)
		for _, t := range set.timers {
			if _, err := tm.ExecContext(ctx, t.Tenant, t.ComplaintID, t.Kind, t.DueAt.UnixMicro()); err != nil {
				return err
			}
		}
		ob := tx.StmtContext(ctx, w.outbox)
		for _, m := range set.outbox {
			if _, err := ob.ExecContext(ctx, m.Tenant, m.ID, m.Topic, m.Key, m.Payload, m.CreatedAt.UnixMicro(), m.NextAttemptAt.UnixMicro()); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// pgBare inserts row sets into a redress PostgreSQL schema with plain pgx.
type pgBare struct{ pool *pgxpool.Pool }

const (
	pgInsertComplaint = `INSERT INTO complaints (tenant, id, tracking_code, channel, external_ref, status, queue, assignee,
		category, customer_id, severity, tags, version, created_at, updated_at, acknowledged_at, resolved_at, reopened,
		repeat_of, breached, record)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`
	pgInsertEvent  = `INSERT INTO events (tenant, complaint_id, seq, id, type, at, public, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	pgInsertTimer  = `INSERT INTO timers (tenant, complaint_id, kind, due_at) VALUES ($1, $2, $3, $4)`
	pgInsertOutbox = `INSERT INTO outbox (tenant, id, topic, key, payload, created_at, attempts, next_attempt_at, last_error, dead)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $7, '', false)`
)

func pgTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// statements returns the INSERTs of set as (sql, args) pairs, in insertion order.
func (w *pgBare) statements(set *rowSet, min bool) ([][]any, error) {
	c := set.c
	rec, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	out := [][]any{{pgInsertComplaint, c.Tenant, c.ID, c.TrackingCode, c.Channel, c.ExternalRef, string(c.Status), c.Queue,
		c.Assignee, c.Category, c.Customer.ID, string(c.Severity), tags, c.Version, c.CreatedAt, c.UpdatedAt,
		pgTime(c.AcknowledgedAt), pgTime(c.ResolvedAt), c.Reopened, c.RepeatOf, c.Breached, string(rec)}}
	events := set.events
	if min {
		events = events[:1]
	}
	for _, e := range events {
		erec, err := json.Marshal(&e)
		if err != nil {
			return nil, err
		}
		out = append(out, []any{pgInsertEvent, e.Tenant, e.ComplaintID, e.Seq, e.ID, string(e.Type), e.At, e.Public, string(erec)})
	}
	if !min {
		for _, t := range set.timers {
			out = append(out, []any{pgInsertTimer, t.Tenant, t.ComplaintID, t.Kind, t.DueAt})
		}
		for _, m := range set.outbox {
			out = append(out, []any{pgInsertOutbox, m.Tenant, m.ID, m.Topic, m.Key, m.Payload, m.CreatedAt, m.NextAttemptAt})
		}
	}
	return out, nil
}

// insert writes set in one transaction, one round trip per statement.
func (w *pgBare) insert(ctx context.Context, set *rowSet, min bool) error {
	stmts, err := w.statements(set, min)
	if err != nil {
		return err
	}
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s[0].(string), s[1:]...); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// insertBatch writes set as one pipelined batch: one round trip, one implicit transaction.
func (w *pgBare) insertBatch(ctx context.Context, set *rowSet) error {
	stmts, err := w.statements(set, false)
	if err != nil {
		return err
	}
	var b pgx.Batch
	for _, s := range stmts {
		b.Queue(s[0].(string), s[1:]...)
	}
	return w.pool.SendBatch(ctx, &b).Close()
}

func reportRate(b *testing.B, n int64) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "intakes/s")
}

// runIntake runs op for b.N intakes on writers goroutines (1: the benchmark's own loop).
func runIntake(b *testing.B, writers int, op func(ctx context.Context, i int) error) {
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	if writers == 1 {
		for b.Loop() {
			if err := op(ctx, int(n.Add(1))); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.SetParallelism((writers + 1) / 2) // ×GOMAXPROCS (2 on the reference machine) goroutines
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(ctx, int(n.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.StopTimer()
	reportRate(b, n.Load())
}

func deskIntake(d *redress.Desk, samples []*complaint.Complaint) func(ctx context.Context, i int) error {
	actor := complaint.Actor{ID: "intake"}
	return func(ctx context.Context, i int) error {
		_, created, err := d.Intake(ctx, actor, sampleIntake(samples, i))
		if err == nil && !created {
			err = fmt.Errorf("intake %d was not created", i)
		}
		return err
	}
}

func BenchmarkIntakeSQLite(b *testing.B) {
	sets := captureRows(b)
	samples := intakeSamples()
	for _, sync := range []sqlite.Synchronous{sqlite.SyncFull, sqlite.SyncNormal} {
		b.Run("sync="+string(sync), func(b *testing.B) {
			b.Run("desk", func(b *testing.B) {
				runIntake(b, 1, deskIntake(newDesk(b, openSQLite(b, sync), nil), samples))
			})
			// 16 writers share commits (the store's group commit): the rate of a loaded server.
			b.Run("desk-16-writers", func(b *testing.B) {
				runIntake(b, 16, deskIntake(newDesk(b, openSQLite(b, sync), nil), samples))
			})
			for _, min := range []bool{false, true} {
				name := "bare"
				if min {
					name = "bare-min"
				}
				b.Run(name, func(b *testing.B) {
					w := newSQLiteBare(b, openSQLite(b, sync))
					runIntake(b, 1, func(ctx context.Context, i int) error {
						set, err := sets[i%len(sets)].fresh(time.Now())
						if err != nil {
							return err
						}
						return w.insert(ctx, set, min)
					})
				})
			}
		})
	}
}

func BenchmarkIntakePostgres(b *testing.B) {
	if testing.Short() {
		b.Skip("PostgreSQL intake benchmarks take a while; run without -short")
	}
	sets := captureRows(b)
	samples := intakeSamples()
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			b.Run("desk", func(b *testing.B) {
				runIntake(b, writers, deskIntake(newDesk(b, openPostgres(b, writers+4), nil), samples))
			})
			for _, mode := range []string{"bare", "bare-batch", "bare-min"} {
				b.Run(mode, func(b *testing.B) {
					w := &pgBare{pool: openPostgres(b, writers+4).Pool()}
					runIntake(b, writers, func(ctx context.Context, i int) error {
						set, err := sets[i%len(sets)].fresh(time.Now())
						if err != nil {
							return err
						}
						switch mode {
						case "bare-batch":
							return w.insertBatch(ctx, set)
						default:
							return w.insert(ctx, set, mode == "bare-min")
						}
					})
				})
			}
		})
	}
}

// The bare writers insert exactly what the Desk inserts: the adapter reads back, through the storage
// API, the same complaint, events, timers and outbox rows.
func TestBareRowsMatchDeskRows(t *testing.T) {
	sets := captureRows(t)
	require.NotEmpty(t, sets[0].timers, "intake sets SLA timers")
	require.NotEmpty(t, sets[0].outbox, "intake writes outbox messages")
	require.GreaterOrEqual(t, len(sets[0].events), 2, "received and triaged")

	check := func(t *testing.T, st storage.Store, set *rowSet) {
		ctx := t.Context()
		require.NoError(t, st.View(ctx, func(tx storage.ReadTx) error {
			c, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: set.c.Tenant, ID: set.c.ID})
			require.NoError(t, err)
			assert.Equal(t, set.c, c)
			evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: set.c.Tenant, ComplaintID: set.c.ID})
			require.NoError(t, err)
			assert.Equal(t, set.events, evs)
			tms, err := tx.TimerList(ctx, &storage.TimerListParams{Tenant: set.c.Tenant, ComplaintID: set.c.ID})
			require.NoError(t, err)
			assert.ElementsMatch(t, set.timers, tms)
			return nil
		}))
		var msgs []storage.OutboxMessage
		require.NoError(t, st.Update(ctx, func(tx storage.Tx) error {
			var err error
			msgs, err = tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: time.Now().Add(time.Hour), Lease: time.Minute, Limit: 100})
			return err
		}))
		require.Len(t, msgs, len(set.outbox))
		for k, m := range msgs {
			assert.Equal(t, set.outbox[k].ID, m.ID)
			assert.Equal(t, set.outbox[k].Payload, m.Payload)
		}
	}

	t.Run("sqlite", func(t *testing.T) {
		s := openSQLite(t, sqlite.SyncNormal)
		w := newSQLiteBare(t, s)
		set, err := sets[0].fresh(time.Now())
		require.NoError(t, err)
		require.NoError(t, w.insert(t.Context(), set, false))
		check(t, s, set)
	})
	t.Run("postgres", func(t *testing.T) {
		for _, batch := range []bool{false, true} {
			s := openPostgres(t, 4)
			w := &pgBare{pool: s.Pool()}
			set, err := sets[1].fresh(time.Now())
			require.NoError(t, err)
			if batch {
				require.NoError(t, w.insertBatch(t.Context(), set))
			} else {
				require.NoError(t, w.insert(t.Context(), set, false))
			}
			check(t, s, set)
		}
	})
}
