package postgres

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// insertFixtures stores complaints 0..n-1 of tenant.
func insertFixtures(t *testing.T, s *Store, tenant string, n int) []*complaint.Complaint {
	t.Helper()
	var out []*complaint.Complaint
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error {
		for i := range n {
			c := fixture(tenant, i, time.Minute)
			if err := tx.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: tenant, Complaint: c}); err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	}))
	return out
}

func TestFailedAppendLeavesNothingEvenWhenTheTxCommits(t *testing.T) {
	// ON CONFLICT keeps the transaction alive after a clash, so the adapter itself must take back the
	// events of a batch that went in before the clash: the caller may go on and commit.
	s := newStore(t)
	c := insertFixtures(t, s, "acme", 1)[0]
	ctx := t.Context()
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{fixtureEvent(c, 1)}})
	}))
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		batch := []complaint.Event{fixtureEvent(c, 2), fixtureEvent(c, 3), fixtureEvent(c, 1)}
		require.ErrorIs(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: batch}), storage.ErrConflict)
		unknown := fixtureEvent(c, 4)
		unknown.ComplaintID = "acme-no-such"
		batch = []complaint.Event{fixtureEvent(c, 4), unknown}
		require.ErrorIs(t, tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: batch}), storage.ErrNotFound)
		// The transaction is still usable and commits what succeeds.
		return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{fixtureEvent(c, 5)}})
	}))
	var seqs []int64
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: c.ID})
		for _, e := range evs {
			seqs = append(seqs, e.Seq)
		}
		return err
	}))
	assert.Equal(t, []int64{1, 5}, seqs)
}

func TestFailedEnqueueLeavesNothingEvenWhenTheTxCommits(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	msg := func(id string) storage.OutboxMessage {
		return storage.OutboxMessage{ID: id, Tenant: "acme", Topic: "complaint.received", Key: "k", CreatedAt: epoch}
	}
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: []storage.OutboxMessage{msg("m1")}})
	}))
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		err := tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: []storage.OutboxMessage{msg("m2"), msg("m1")}})
		require.ErrorIs(t, err, storage.ErrDuplicate)
		return nil
	}))
	var ids []string
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		ms, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: epoch, Lease: time.Minute, Limit: 10})
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		return err
	}))
	assert.Equal(t, []string{"m1"}, ids)
}

func TestIdempotentIntakeInOneTransaction(t *testing.T) {
	// The Desk's intake: insert, and on a duplicate external reference read the complaint that won,
	// in the same transaction. On PostgreSQL that needs the insert not to abort the transaction.
	s := newStore(t)
	ctx := t.Context()
	first := insertFixtures(t, s, "acme", 1)[0]
	retry := fixture("acme", 1, time.Minute)
	retry.Channel, retry.ExternalRef = first.Channel, first.ExternalRef
	var got *complaint.Complaint
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: retry})
		require.ErrorIs(t, err, storage.ErrDuplicate)
		got, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: retry.Channel, ExternalRef: retry.ExternalRef})
		return err
	}))
	assert.Equal(t, first.ID, got.ID)
}

func TestConcurrentIntakeOfOneExternalRef(t *testing.T) {
	// Two transactions take in the same channel message. The second insert waits for the first
	// transaction, then reports the duplicate and finds the first complaint — whichever way the two
	// interleave.
	s := newStore(t)
	ctx := t.Context()
	a := fixture("acme", 0, time.Minute)
	b := fixture("acme", 1, time.Minute)
	b.Channel, b.ExternalRef = a.Channel, a.ExternalRef

	inserted := make(chan struct{})
	resultB := make(chan error, 1)
	var foundB string
	go func() {
		<-inserted
		resultB <- s.Update(ctx, func(tx storage.Tx) error {
			if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: b}); err == nil {
				return errCrash // must not happen: b must lose
			} else if !assert.ErrorIs(t, err, storage.ErrDuplicate) {
				return err
			}
			c, err := tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: b.Channel, ExternalRef: b.ExternalRef})
			if err != nil {
				return err
			}
			foundB = c.ID
			return nil
		})
	}()
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: a}); err != nil {
			return err
		}
		close(inserted)
		return nil
	}))
	require.NoError(t, <-resultB)
	assert.Equal(t, a.ID, foundB)
}

func TestViewIsReadOnly(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	c := fixture("acme", 0, time.Minute)
	var insertErr error
	err := s.View(ctx, func(rtx storage.ReadTx) error {
		tx, ok := rtx.(storage.Tx)
		require.True(t, ok, "the adapter's read transaction type also has the write methods")
		insertErr = tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c})
		return nil // swallow the error: the commit must still not happen
	})
	require.Error(t, insertErr)
	assert.Contains(t, insertErr.Error(), "read-only")
	require.ErrorIs(t, err, ErrTxAborted)
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		return nil
	}))
}

func TestTxUsedAfterItsClosureIsErrTxDone(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	var escaped storage.Tx
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		escaped = tx
		return nil
	}))
	err := escaped.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: fixture("acme", 0, time.Minute)})
	require.ErrorIs(t, err, ErrTxDone)
	_, err = escaped.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: "acme-00000000"})
	require.ErrorIs(t, err, ErrTxDone)
}

func TestPoolConnectionsComeBackClean(t *testing.T) {
	// A pool of one connection: every transaction below reuses it, so a transaction left open by a
	// rollback, a panic or an aborted commit would break the next one.
	schema := newSchema(t)
	s, err := New(t.Context(), newPool(t, schema, 1))
	require.NoError(t, err)
	ctx := t.Context()
	c := fixture("acme", 0, time.Minute)
	require.ErrorIs(t, s.Update(ctx, func(tx storage.Tx) error {
		require.NoError(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}))
		return errCrash
	}), errCrash)
	require.Panics(t, func() {
		_ = s.Update(ctx, func(tx storage.Tx) error {
			require.NoError(t, tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}))
			panic("handler bug")
		})
	})
	require.ErrorIs(t, s.View(ctx, func(rtx storage.ReadTx) error {
		_ = rtx.(storage.Tx).ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c})
		return nil
	}), ErrTxAborted)
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c})
	}))
	var status string
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT status FROM complaints WHERE id = $1`, c.ID).Scan(&status))
	assert.Equal(t, string(c.Status), status)
}
