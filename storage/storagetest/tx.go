package storagetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

func txCases() []testCase {
	return []testCase{
		{"RollbackOnErrorLeavesNothing", testTxRollbackOnError},
		{"RollbackOnPanicLeavesNothing", testTxRollbackOnPanic},
		{"ErrorReturnedUnchanged", testTxErrorUnchanged},
		{"SeesOwnWrites", testTxSeesOwnWrites},
		{"FailedOperationLeavesTxUsable", testTxFailedOperation},
		{"ViewSeesConsistentSnapshot", testTxViewSnapshot},
		{"CanceledContext", testTxCanceled},
		{"UseAfterClose", testTxClose},
	}
}

// txFixture is a committed complaint with an event, two timers and a pending outbox message: the state a
// failing transaction must leave exactly as it found it.
type txFixture struct {
	c      *complaint.Complaint
	timers []storage.Timer
	msg    storage.OutboxMessage
}

func newTxFixture(t *testing.T, s storage.Store) txFixture {
	t.Helper()
	f := txFixture{c: NewComplaint("acme", 0), msg: NewOutboxMessage("acme", 0)}
	f.c.EventSeq = 1
	f.timers = []storage.Timer{timer(f.c, "sla.ack", Epoch.Add(time.Hour)), timer(f.c, "sla.resolve", Epoch.Add(24*time.Hour))}
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		require.NoError(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: f.c}))
		require.NoError(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{NewEvent(f.c, 1)}}))
		for _, tm := range f.timers {
			require.NoError(t, tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "acme", Timer: tm}))
		}
		return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: []storage.OutboxMessage{f.msg}})
	})
	return f
}

// changeEverything makes every kind of write in tx: a new complaint with its event, timer and outbox
// message, and an update of the fixture's complaint with a new event, a moved and a deleted timer, and
// its outbox message claimed and acknowledged.
func (f txFixture) changeEverything(t *testing.T, ctx context.Context, tx storage.Tx, fresh *complaint.Complaint) {
	t.Helper()
	require.NoError(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: fresh}))
	require.NoError(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{NewEvent(fresh, 1), NewEvent(f.c, 2)}}))
	require.NoError(t, tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "acme", Timer: timer(fresh, "sla.ack", Epoch)}))
	require.NoError(t, tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: []storage.OutboxMessage{NewOutboxMessage("acme", 1)}}))

	next := bump(f.c)
	next.Status, next.EventSeq = complaint.StatusAcknowledged, 2
	require.NoError(t, tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: next, ExpectedVersion: 1}))
	require.NoError(t, tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "acme", Timer: timer(f.c, "sla.ack", Epoch.Add(time.Minute))}))
	require.NoError(t, tx.TimerDelete(ctx, &storage.TimerDeleteParams{Tenant: "acme", ComplaintID: f.c.ID, Kind: "sla.resolve"}))
	// Whether a transaction can claim what it enqueued itself is not specified; the fixture's message is
	// older, so it comes first either way.
	claimed, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: Epoch.Add(time.Hour), Lease: lease, Limit: 1})
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	require.Equal(t, f.msg.ID, claimed[0].ID)
	require.NoError(t, tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: "acme", ID: claimed[0].ID}))
	due, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: Epoch.Add(time.Hour), Limit: 10})
	require.NoError(t, err)
	require.NotEmpty(t, due)
}

// requireUntouched checks that the store holds exactly the fixture and nothing of fresh.
func (f txFixture) requireUntouched(t *testing.T, s storage.Store, fresh *complaint.Complaint) {
	t.Helper()
	assert.Equal(t, f.c, mustGet(t, s, "acme", f.c.ID), "the update was undone")
	assert.Equal(t, []complaint.Event{NewEvent(f.c, 1)}, events(t, s, "acme", f.c.ID), "no stray event")
	assert.Equal(t, f.timers, timers(t, s, "acme", f.c.ID), "timers as they were")
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: fresh.ID})
		assert.ErrorIs(t, err, storage.ErrNotFound, "no stray complaint")
		_, err = tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: "acme", TrackingCode: fresh.TrackingCode})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		_, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: fresh.Channel, ExternalRef: fresh.ExternalRef})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: "acme"})
		require.NoError(t, err)
		assert.Equal(t, []string{f.c.ID}, ids(page.Complaints))
		evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: fresh.ID})
		require.NoError(t, err)
		assert.Empty(t, evs)
		tms, err := tx.TimerList(ctx, &storage.TimerListParams{Tenant: "acme", ComplaintID: fresh.ID})
		require.NoError(t, err)
		assert.Empty(t, tms)
		return nil
	})
	now := Epoch.Add(time.Hour)
	assert.Equal(t, []storage.OutboxMessage{leased(f.msg, now, 1)}, claim(t, s, now, 10),
		"the outbox holds only the committed message, never claimed or acknowledged")
	// The unique keys were released too: the same complaint can be inserted now.
	insert(t, s, fresh)
	assert.Equal(t, fresh, mustGet(t, s, "acme", fresh.ID))
}

func testTxRollbackOnError(t *testing.T, s storage.Store) {
	f := newTxFixture(t, s)
	fresh := NewComplaint("acme", 1)
	err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		f.changeEverything(t, ctx, tx, fresh)
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	f.requireUntouched(t, s, fresh)
}

// panicValue is what the panic case panics with; Update must re-raise it as it is.
type panicValue struct{ msg string }

func testTxRollbackOnPanic(t *testing.T, s storage.Store) {
	f := newTxFixture(t, s)
	fresh := NewComplaint("acme", 1)
	var returned bool
	recovered := func() (r any) {
		defer func() { r = recover() }()
		_ = s.Update(t.Context(), func(tx storage.Tx) error {
			f.changeEverything(t, t.Context(), tx, fresh)
			panic(panicValue{"handler bug"})
		})
		returned = true
		return nil
	}()
	assert.False(t, returned, "Update returned instead of re-raising the panic")
	assert.Equal(t, panicValue{"handler bug"}, recovered, "the panic propagates out of Update unchanged")
	f.requireUntouched(t, s, fresh) // also shows the store is usable after the panic
}

// typedError is an error type the error case returns, to see that Update keeps its identity.
type typedError struct{ Code int }

func (e *typedError) Error() string { return fmt.Sprintf("typed error %d", e.Code) }

func testTxErrorUnchanged(t *testing.T, s storage.Store) {
	typed := &typedError{Code: 42}
	err := s.Update(t.Context(), func(tx storage.Tx) error { return typed })
	assert.Same(t, typed, err, "Update returns fn's error itself")
	wrapped := fmt.Errorf("intake: %w", storage.ErrNotFound)
	err = s.Update(t.Context(), func(tx storage.Tx) error { return wrapped })
	assert.Same(t, wrapped, err)
	err = s.View(t.Context(), func(tx storage.ReadTx) error { return typed })
	assert.Same(t, typed, err, "View returns fn's error itself")
}

func testTxSeesOwnWrites(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	c.EventSeq = 1
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		require.NoError(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}))
		got, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, c, got)
		got, err = tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: "acme", TrackingCode: c.TrackingCode})
		require.NoError(t, err)
		assert.Equal(t, c.ID, got.ID)
		got, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: c.Channel, ExternalRef: c.ExternalRef})
		require.NoError(t, err)
		assert.Equal(t, c.ID, got.ID)

		next := bump(c)
		next.Assignee = "agent-zhao"
		require.NoError(t, tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: next, ExpectedVersion: 1}))
		page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: "acme", Assignee: "agent-zhao"})
		require.NoError(t, err)
		assert.Equal(t, []*complaint.Complaint{next}, page.Complaints)
		counts, err := tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: "acme", GroupBy: storage.ByAssignee})
		require.NoError(t, err)
		assert.Equal(t, []storage.Count{{Key: "agent-zhao", N: 1}}, counts)
		st, err := tx.ComplaintStats(ctx, &storage.ComplaintStatsParams{Tenant: "acme"})
		require.NoError(t, err)
		assert.EqualValues(t, 1, st.Total)

		require.NoError(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{NewEvent(c, 1)}}))
		evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, []complaint.Event{NewEvent(c, 1)}, evs)
		require.NoError(t, tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "acme", Timer: timer(c, "k", Epoch)}))
		tms, err := tx.TimerList(ctx, &storage.TimerListParams{Tenant: "acme", ComplaintID: c.ID})
		require.NoError(t, err)
		assert.Equal(t, []storage.Timer{timer(c, "k", Epoch)}, tms)
		return nil
	})
}

// testTxFailedOperation: an operation that fails (duplicate, conflict, not found) changes nothing and
// leaves the transaction usable; the caller decides whether to go on and commit. The Desk relies on
// this, for example to answer an idempotent intake from inside the transaction that found the duplicate.
func testTxFailedOperation(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	d := NewComplaint("acme", 1)
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		dup := NewComplaint("acme", 2)
		dup.ExternalRef, dup.Channel = c.ExternalRef, c.Channel
		require.ErrorIs(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: dup}), storage.ErrDuplicate)
		got, err := tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: c.Channel, ExternalRef: c.ExternalRef})
		require.NoError(t, err, "the transaction is usable after a duplicate")
		assert.Equal(t, c, got)

		stale := bump(c)
		require.ErrorIs(t, tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: bump(stale), ExpectedVersion: 2}), storage.ErrConflict)
		require.NoError(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{NewEvent(c, 1)}}))
		require.ErrorIs(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{NewEvent(c, 1)}}), storage.ErrConflict)
		require.ErrorIs(t, tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "acme", Timer: timer(d, "k", Epoch)}), storage.ErrNotFound)
		require.ErrorIs(t, tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: "acme", ID: "missing"}), storage.ErrNotFound)

		require.NoError(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: d}))
		return tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: stale, ExpectedVersion: 1})
	})
	assert.Equal(t, bump(c), mustGet(t, s, "acme", c.ID))
	assert.Equal(t, d, mustGet(t, s, "acme", d.ID))
	assert.Equal(t, []complaint.Event{NewEvent(c, 1)}, events(t, s, "acme", c.ID))
	_, err := get(t, s, "acme", NewComplaint("acme", 2).ID)
	assert.ErrorIs(t, err, storage.ErrNotFound)
}

// testTxViewSnapshot runs readers while a writer keeps changing two complaints together; every View
// must see both at the same version.
func testTxViewSnapshot(t *testing.T, s storage.Store) {
	const rounds, readers = 40, 3
	a, b := NewComplaint("acme", 0), NewComplaint("acme", 1)
	insert(t, s, a, b)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make([]error, readers+1)
	wg.Go(func() {
		defer close(stop)
		for range rounds {
			errs[readers] = s.Update(t.Context(), func(tx storage.Tx) error {
				for _, id := range []string{a.ID, b.ID} {
					cur, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: id})
					if err != nil {
						return err
					}
					if err := tx.ComplaintUpdate(t.Context(), &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: bump(cur), ExpectedVersion: cur.Version}); err != nil {
						return err
					}
				}
				return nil
			})
			if errs[readers] != nil {
				return
			}
		}
	})
	for r := range readers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := s.View(t.Context(), func(tx storage.ReadTx) error {
					x, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: a.ID})
					if err != nil {
						return err
					}
					y, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: b.ID})
					if err != nil {
						return err
					}
					if x.Version != y.Version {
						return fmt.Errorf("view saw versions %d and %d of complaints changed together", x.Version, y.Version)
					}
					return nil
				})
				if err != nil {
					errs[r] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1+rounds, mustGet(t, s, "acme", b.ID).Version)
}

func testTxCanceled(t *testing.T, s storage.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c := NewComplaint("acme", 0)
	err := s.Update(ctx, func(tx storage.Tx) error {
		return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c})
	})
	require.ErrorIs(t, err, context.Canceled)
	_, err = get(t, s, "acme", c.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "nothing committed under a canceled context")
	err = s.View(ctx, func(tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
		return err
	})
	require.ErrorIs(t, err, context.Canceled)
}

func testTxClose(t *testing.T, s storage.Store) {
	insert(t, s, NewComplaint("acme", 0))
	require.NoError(t, s.Close())
	called := false
	err := s.Update(t.Context(), func(tx storage.Tx) error { called = true; return nil })
	assert.Error(t, err, "Update after Close")
	err = s.View(t.Context(), func(tx storage.ReadTx) error { called = true; return nil })
	assert.Error(t, err, "View after Close")
	assert.False(t, called, "fn never runs on a closed store")
}
