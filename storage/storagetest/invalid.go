package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

func invalidCases() []testCase {
	return []testCase{
		{"WritesRejectBadParams", testInvalidWrites},
		{"ReadsRejectBadParams", testInvalidReads},
	}
}

// testInvalidWrites: every write with an empty tenant, a record of another tenant than its Params, or a
// value the contract forbids is ErrInvalid, and stores nothing.
func testInvalidWrites(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	fresh := NewComplaint("acme", 1)
	with := func(f func(c *complaint.Complaint)) *complaint.Complaint {
		d := fresh.Clone()
		f(d)
		return d
	}
	insertOp := func(tenant string, d *complaint.Complaint) func(ctx context.Context, tx storage.Tx) error {
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: tenant, Complaint: d})
		}
	}
	updateOp := func(tenant string, d *complaint.Complaint, expected int64) func(ctx context.Context, tx storage.Tx) error {
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: tenant, Complaint: d, ExpectedVersion: expected})
		}
	}
	eventOp := func(tenant string, f func(e *complaint.Event)) func(ctx context.Context, tx storage.Tx) error {
		e := NewEvent(c, 1)
		f(&e)
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: tenant, Events: []complaint.Event{e}})
		}
	}
	timerOp := func(tenant string, f func(tm *storage.Timer)) func(ctx context.Context, tx storage.Tx) error {
		tm := timer(c, "k", Epoch)
		f(&tm)
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: tenant, Timer: tm})
		}
	}
	outboxOp := func(tenant string, f func(m *storage.OutboxMessage)) func(ctx context.Context, tx storage.Tx) error {
		m := NewOutboxMessage("acme", 0)
		f(&m)
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: tenant, Messages: []storage.OutboxMessage{m}})
		}
	}
	same := func(*complaint.Complaint) {}
	tests := []struct {
		name string
		op   func(ctx context.Context, tx storage.Tx) error
	}{
		{"insert: empty tenant", insertOp("", with(func(d *complaint.Complaint) { d.Tenant = "" }))},
		{"insert: tenants differ", insertOp("globex", with(same))},
		{"insert: nil complaint", insertOp("acme", nil)},
		{"insert: empty ID", insertOp("acme", with(func(d *complaint.Complaint) { d.ID = "" }))},
		{"insert: empty tracking code", insertOp("acme", with(func(d *complaint.Complaint) { d.TrackingCode = "" }))},
		{"insert: empty channel", insertOp("acme", with(func(d *complaint.Complaint) { d.Channel = "" }))},
		{"insert: unknown status", insertOp("acme", with(func(d *complaint.Complaint) { d.Status = "lost" }))},
		{"insert: version 0", insertOp("acme", with(func(d *complaint.Complaint) { d.Version = 0 }))},
		{"insert: version 2", insertOp("acme", with(func(d *complaint.Complaint) { d.Version = 2 }))},
		{"insert: zero creation time", insertOp("acme", with(func(d *complaint.Complaint) { d.CreatedAt = time.Time{} }))},
		{"update: empty tenant", updateOp("", func() *complaint.Complaint { d := bump(c); d.Tenant = ""; return d }(), 1)},
		{"update: tenants differ", updateOp("globex", bump(c), 1)},
		{"update: nil complaint", updateOp("acme", nil, 1)},
		{"update: expected version 0", func() func(context.Context, storage.Tx) error {
			d := c.Clone()
			d.Version = 1
			return updateOp("acme", d, 0)
		}()},
		{"update: unknown status", updateOp("acme", func() *complaint.Complaint { d := bump(c); d.Status = "lost"; return d }(), 1)},
		{"event: empty tenant", eventOp("", func(e *complaint.Event) { e.Tenant = "" })},
		{"event: tenants differ", eventOp("globex", func(e *complaint.Event) {})},
		{"event: empty ID", eventOp("acme", func(e *complaint.Event) { e.ID = "" })},
		{"event: empty complaint ID", eventOp("acme", func(e *complaint.Event) { e.ComplaintID = "" })},
		{"event: seq 0", eventOp("acme", func(e *complaint.Event) { e.Seq = 0 })},
		{"event: empty type", eventOp("acme", func(e *complaint.Event) { e.Type = "" })},
		{"event: zero time", eventOp("acme", func(e *complaint.Event) { e.At = time.Time{} })},
		{"timer: empty tenant", timerOp("", func(tm *storage.Timer) { tm.Tenant = "" })},
		{"timer: tenants differ", timerOp("globex", func(tm *storage.Timer) {})},
		{"timer: empty kind", timerOp("acme", func(tm *storage.Timer) { tm.Kind = "" })},
		{"timer: empty complaint ID", timerOp("acme", func(tm *storage.Timer) { tm.ComplaintID = "" })},
		{"timer: zero due time", timerOp("acme", func(tm *storage.Timer) { tm.DueAt = time.Time{} })},
		{"timer delete: empty tenant", func(ctx context.Context, tx storage.Tx) error {
			return tx.TimerDelete(ctx, &storage.TimerDeleteParams{ComplaintID: c.ID})
		}},
		{"timer claim: zero now", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Limit: 10})
			return err
		}},
		{"timer claim: zero limit", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: Epoch})
			return err
		}},
		{"outbox: empty tenant", outboxOp("", func(m *storage.OutboxMessage) { m.Tenant = "" })},
		{"outbox: tenants differ", outboxOp("globex", func(m *storage.OutboxMessage) {})},
		{"outbox: empty ID", outboxOp("acme", func(m *storage.OutboxMessage) { m.ID = "" })},
		{"outbox: empty topic", outboxOp("acme", func(m *storage.OutboxMessage) { m.Topic = "" })},
		{"outbox: zero creation time", outboxOp("acme", func(m *storage.OutboxMessage) { m.CreatedAt = time.Time{} })},
		{"outbox: already attempted", outboxOp("acme", func(m *storage.OutboxMessage) { m.Attempts = 1 })},
		{"outbox: already dead", outboxOp("acme", func(m *storage.OutboxMessage) { m.Dead = true })},
		{"outbox claim: zero now", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Lease: lease, Limit: 1})
			return err
		}},
		{"outbox claim: zero lease", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: Epoch, Limit: 1})
			return err
		}},
		{"outbox claim: zero limit", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: Epoch, Lease: lease})
			return err
		}},
		{"outbox ack: empty tenant", func(ctx context.Context, tx storage.Tx) error {
			return tx.OutboxAck(ctx, &storage.OutboxAckParams{ID: "x"})
		}},
		{"outbox nack: empty tenant", func(ctx context.Context, tx storage.Tx) error {
			return tx.OutboxNack(ctx, &storage.OutboxNackParams{ID: "x", NextAttemptAt: Epoch})
		}},
		{"outbox nack: no retry time and not dead", func(ctx context.Context, tx storage.Tx) error {
			return tx.OutboxNack(ctx, &storage.OutboxNackParams{Tenant: "acme", ID: "x"})
		}},
	}
	for _, tt := range tests {
		err := updateErr(t, s, tt.op)
		assert.ErrorIs(t, err, storage.ErrInvalid, tt.name)
	}

	// Nothing of it was stored.
	assert.Equal(t, c, mustGet(t, s, "acme", c.ID))
	_, err := get(t, s, "acme", fresh.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	assert.Empty(t, events(t, s, "acme", c.ID))
	assert.Empty(t, timers(t, s, "acme", c.ID))
	assert.Empty(t, claim(t, s, Epoch.Add(time.Hour), 10))
}

// testInvalidReads: reads with an empty tenant, a negative limit, an unknown dimension or an empty
// external reference are ErrInvalid.
func testInvalidReads(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	tests := []struct {
		name string
		op   func(ctx context.Context, tx storage.ReadTx) error
	}{
		{"get: empty tenant", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{ID: c.ID})
			return err
		}},
		{"get by code: empty tenant", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{TrackingCode: c.TrackingCode})
			return err
		}},
		{"get by ref: empty tenant", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Channel: c.Channel, ExternalRef: c.ExternalRef})
			return err
		}},
		{"get by ref: empty ref", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: c.Channel})
			return err
		}},
		{"list: empty tenant", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{})
			return err
		}},
		{"list: negative limit", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: "acme", Limit: -1})
			return err
		}},
		{"count: empty tenant", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintCount(ctx, &storage.ComplaintCountParams{GroupBy: storage.ByCategory})
			return err
		}},
		{"count: unknown dimension", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: "acme", GroupBy: "colour"})
			return err
		}},
		{"stats: empty tenant", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintStats(ctx, &storage.ComplaintStatsParams{})
			return err
		}},
		{"events: empty tenant", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.EventList(ctx, &storage.EventListParams{ComplaintID: c.ID})
			return err
		}},
		{"events: negative limit", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: c.ID, Limit: -1})
			return err
		}},
		{"timers: empty tenant", func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.TimerList(ctx, &storage.TimerListParams{ComplaintID: c.ID})
			return err
		}},
	}
	for _, tt := range tests {
		err := s.View(t.Context(), func(tx storage.ReadTx) error { return tt.op(t.Context(), tx) })
		require.ErrorIs(t, err, storage.ErrInvalid, tt.name)
	}
}
