package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/sqlite"
	"github.com/redresshq/redress/storage/storagetest"
)

// BenchmarkInsert measures one durable intake transaction, a complaint (its two tags follow by
// trigger) and its first event, through the Store ("store") against the same rows written with
// hand-prepared INSERTs on the same schema ("bare": no validation, no normalising, no JSON encoding,
// no error mapping), for each synchronous level.
//
// The sub-benchmarks store and bare give each side's own ns/op; pair runs both in every iteration, on
// two fresh files side by side, alternating which goes first, and reports the ratio of their times
// (store-bare-ratio) measured over the same moments, so that the load of a shared machine weighs on
// both alike. Compare within one run:
//
//	go test ./storage/sqlite -run '^$' -bench Insert -benchtime 200ms -count 5
func BenchmarkInsert(b *testing.B) {
	for _, sync := range []sqlite.Synchronous{sqlite.SyncFull, sqlite.SyncNormal} {
		b.Run("sync="+string(sync)+"/store", func(b *testing.B) {
			ins := newStoreInserter(b, sync)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ins.insert(b, i)
			}
		})
		b.Run("sync="+string(sync)+"/bare", func(b *testing.B) {
			ins := newBareInserter(b, sync)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				ins.insert(b, i)
			}
		})
		b.Run("sync="+string(sync)+"/pair", func(b *testing.B) {
			store, bare := newStoreInserter(b, sync), newBareInserter(b, sync)
			var storeTime, bareTime time.Duration
			timed := func(ins inserter, i int, total *time.Duration) {
				start := time.Now()
				ins.insert(b, i)
				*total += time.Since(start)
			}
			b.ResetTimer()
			for i := range b.N {
				if i%2 == 0 {
					timed(store, i, &storeTime)
					timed(bare, i, &bareTime)
				} else {
					timed(bare, i, &bareTime)
					timed(store, i, &storeTime)
				}
			}
			b.ReportMetric(float64(storeTime.Microseconds())/float64(b.N), "store-µs/tx")
			b.ReportMetric(float64(bareTime.Microseconds())/float64(b.N), "bare-µs/tx")
			b.ReportMetric(float64(storeTime)/float64(bareTime), "store/bare")
		})
	}
}

type inserter interface{ insert(b *testing.B, i int) }

// storeInserter writes the i-th rows through Store.Update.
type storeInserter struct {
	s   *sqlite.Store
	cs  []*complaint.Complaint
	evs []complaint.Event
}

func newStoreInserter(b *testing.B, sync sqlite.Synchronous) *storeInserter {
	cs, evs := benchRows(b.N)
	return &storeInserter{s: benchStore(b, sync), cs: cs, evs: evs}
}

func (si *storeInserter) insert(b *testing.B, i int) {
	ctx := context.Background()
	err := si.s.Update(ctx, func(tx storage.Tx) error {
		if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: si.cs[i]}); err != nil {
			return err
		}
		return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: si.evs[i : i+1]})
	})
	if err != nil {
		b.Fatal(err)
	}
}

// bareInserter writes the same rows with prepared INSERTs on the store's write connection, the JSON
// bodies encoded beforehand (the schema's trigger writes the tags, as it does for the store).
type bareInserter struct {
	db         *sql.DB
	insC, insE *sql.Stmt
	cs         []*complaint.Complaint
	evs        []complaint.Event
	bodies     []string
}

func newBareInserter(b *testing.B, sync sqlite.Synchronous) *bareInserter {
	cs, evs := benchRows(b.N)
	bi := &bareInserter{db: benchStore(b, sync).DB(), cs: cs, evs: evs, bodies: make([]string, len(cs))}
	for i, c := range cs {
		body, err := json.Marshal(c)
		require.NoError(b, err)
		bi.bodies[i] = string(body)
	}
	bi.insC = prepare(b, bi.db, `INSERT INTO complaints (tenant, id, tracking_code, channel, external_ref, status,
		queue, assignee, category, customer_id, severity, created_at, acknowledged_at, resolved_at, reopened,
		repeat_of, breached, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 0, '', 0, 1, ?)`)
	bi.insE = prepare(b, bi.db, `INSERT INTO events (tenant, complaint_id, seq, id, type, actor, at, trigger,
		from_status, to_status, note, public, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	return bi
}

func (bi *bareInserter) insert(b *testing.B, i int) {
	ctx := context.Background()
	c, e := bi.cs[i], bi.evs[i]
	tx, err := bi.db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	_, err = tx.Stmt(bi.insC).ExecContext(ctx, c.Tenant, c.ID, c.TrackingCode, c.Channel, c.ExternalRef,
		string(c.Status), c.Queue, c.Assignee, c.Category, c.Customer.ID, string(c.Severity),
		c.CreatedAt.UnixMicro(), bi.bodies[i])
	if err == nil {
		_, err = tx.Stmt(bi.insE).ExecContext(ctx, e.Tenant, e.ComplaintID, e.Seq, e.ID, string(e.Type), e.Actor,
			e.At.UnixMicro(), string(e.Trigger), string(e.From), string(e.To), e.Note, 1, `{"channel":"phone"}`)
	}
	if err == nil {
		err = tx.Commit()
	} else {
		_ = tx.Rollback()
	}
	if err != nil {
		b.Fatal(err)
	}
}

func benchStore(b *testing.B, sync sqlite.Synchronous) *sqlite.Store {
	b.Helper()
	s, err := sqlite.OpenWith(context.Background(), filepath.Join(b.TempDir(), "bench.db"), sqlite.Config{Synchronous: sync})
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, s.Close()) })
	return s
}

// benchRows makes n distinct complaints of acme, each with its first event.
func benchRows(n int) ([]*complaint.Complaint, []complaint.Event) {
	cs := make([]*complaint.Complaint, n)
	evs := make([]complaint.Event, n)
	for i := range n {
		cs[i] = storagetest.NewComplaint("acme", i)
		evs[i] = storagetest.NewEvent(cs[i], 1)
		evs[i].Attrs = map[string]string{"channel": "phone"}
	}
	return cs, evs
}

func prepare(b *testing.B, db *sql.DB, query string) *sql.Stmt {
	b.Helper()
	st, err := db.Prepare(query)
	require.NoError(b, err, fmt.Sprintf("prepare %s", query))
	b.Cleanup(func() { _ = st.Close() })
	return st
}
