package storagetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/storage"
)

func outboxCases() []testCase {
	return []testCase{
		{"EnqueueClaimRoundTrip", testOutboxRoundTrip},
		{"ClaimOrderLimitAndDue", testOutboxClaimOrder},
		{"LeaseHidesThenExpires", testOutboxLease},
		{"Ack", testOutboxAck},
		{"NackRetriesLater", testOutboxNack},
		{"NackDeadStaysUnclaimable", testOutboxDead},
		{"DuplicateID", testOutboxDuplicate},
		{"ConcurrentClaimersNeverShare", testOutboxConcurrentClaimers},
		{"TenantIsolation", testOutboxTenantIsolation},
	}
}

// lease is the lease the outbox cases take.
const lease = 30 * time.Second

func enqueue(t *testing.T, s storage.Store, tenant string, ms ...storage.OutboxMessage) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: tenant, Messages: ms})
	})
}

func claim(t *testing.T, s storage.Store, now time.Time, limit int) []storage.OutboxMessage {
	t.Helper()
	var out []storage.OutboxMessage
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		var err error
		out, err = tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: now, Lease: lease, Limit: limit})
		return err
	})
	return out
}

// leased is m as a claim at now returns it for the attempts-th time.
func leased(m storage.OutboxMessage, now time.Time, attempts int) storage.OutboxMessage {
	m = CanonicalOutboxMessage(m)
	m.Attempts = attempts
	m.NextAttemptAt = storage.Time(now.Add(lease))
	return m
}

func outboxIDs(ms []storage.OutboxMessage) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func testOutboxRoundTrip(t *testing.T, s storage.Store) {
	m := NewOutboxMessage("acme", 1)
	m.CreatedAt = m.CreatedAt.In(time.FixedZone("CST", 8*3600)).Add(555 * time.Nanosecond)
	m.NextAttemptAt = m.CreatedAt
	empty := NewOutboxMessage("acme", 2)
	empty.Payload = []byte{}
	empty.Key = ""
	empty.NextAttemptAt = time.Time{} // zero: claimable from CreatedAt on
	enqueue(t, s, "acme", m, empty)

	now := Epoch.Add(time.Hour).Add(777 * time.Nanosecond)
	got := claim(t, s, now, 10)
	require.Len(t, got, 2)
	assert.Equal(t, leased(m, now, 1), got[0])
	assert.Equal(t, m.Payload, got[0].Payload, "payload bytes round trip, including invalid UTF-8")
	assert.Equal(t, time.UTC, got[0].CreatedAt.Location())
	assert.Equal(t, leased(empty, now, 1), got[1])
	assert.Nil(t, got[1].Payload, "an empty payload comes back nil")
	assert.Empty(t, got[1].LastError)
	assert.False(t, got[1].Dead)

	// The store keeps its own copy of the payload.
	m.Payload[0] = 0x42
	got[0].Payload[1] = 0x42
	again := claim(t, s, now.Add(lease), 10)
	require.Len(t, again, 2)
	assert.Equal(t, NewOutboxMessage("acme", 1).Payload, again[0].Payload)
	assert.Equal(t, 2, again[0].Attempts)
}

func testOutboxClaimOrder(t *testing.T, s storage.Store) {
	var ms []storage.OutboxMessage
	for i := range 6 {
		ms = append(ms, NewOutboxMessage("acme", i))
	}
	// Two messages created at the same instant order by ID; one is not due until later.
	ms[4].CreatedAt = ms[2].CreatedAt
	ms[4].NextAttemptAt = ms[4].CreatedAt
	ms[5].NextAttemptAt = Epoch.Add(time.Hour)
	// A zero NextAttemptAt means the message is due from its creation on, not from the beginning of time.
	ms = append(ms, NewOutboxMessage("acme", 6))
	ms[6].CreatedAt, ms[6].NextAttemptAt = Epoch.Add(30*time.Minute), time.Time{}
	enqueue(t, s, "acme", ms[3], ms[5], ms[1], ms[6])
	enqueue(t, s, "acme", ms[0], ms[4], ms[2])

	sameTime := []string{ms[2].ID, ms[4].ID}
	if sameTime[0] > sameTime[1] {
		sameTime[0], sameTime[1] = sameTime[1], sameTime[0]
	}
	now := Epoch.Add(time.Minute)
	first := claim(t, s, now, 3)
	assert.Equal(t, []string{ms[0].ID, ms[1].ID, sameTime[0]}, outboxIDs(first), "oldest first, at most Limit")
	second := claim(t, s, now, 3)
	assert.Equal(t, []string{sameTime[1], ms[3].ID}, outboxIDs(second), "a message waits for its NextAttemptAt")
	assert.Empty(t, claim(t, s, now, 3))
	assert.NotContains(t, outboxIDs(claim(t, s, ms[6].CreatedAt.Add(-time.Microsecond), 10)), ms[6].ID, "not before its creation")
	// An hour later every lease has run out and the late message is due (at Now exactly): all seven,
	// oldest first.
	assert.Equal(t, []string{ms[0].ID, ms[1].ID, sameTime[0], sameTime[1], ms[3].ID, ms[5].ID, ms[6].ID},
		outboxIDs(claim(t, s, Epoch.Add(time.Hour), 10)))
}

func testOutboxLease(t *testing.T, s storage.Store) {
	m := NewOutboxMessage("acme", 0)
	enqueue(t, s, "acme", m)
	now := Epoch.Add(time.Minute)
	require.Equal(t, []storage.OutboxMessage{leased(m, now, 1)}, claim(t, s, now, 5))

	assert.Empty(t, claim(t, s, now, 5), "a leased message is not claimed again")
	assert.Empty(t, claim(t, s, now.Add(lease-time.Microsecond), 5), "not within the lease")
	// The relay that held it crashed; after the lease it comes back, counted as a second attempt.
	later := now.Add(lease)
	assert.Equal(t, []storage.OutboxMessage{leased(m, later, 2)}, claim(t, s, later, 5))
}

func testOutboxAck(t *testing.T, s storage.Store) {
	m, keep := NewOutboxMessage("acme", 0), NewOutboxMessage("acme", 1)
	enqueue(t, s, "acme", m, keep)
	now := Epoch.Add(time.Minute)
	require.Len(t, claim(t, s, now, 1), 1)
	ack := func(tenant, id string) error {
		return updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
			return tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: tenant, ID: id})
		})
	}
	require.NoError(t, ack("acme", m.ID))
	require.ErrorIs(t, ack("acme", m.ID), storage.ErrNotFound, "an acked message is gone")
	require.ErrorIs(t, ack("acme", NewID(Epoch, "never enqueued")), storage.ErrNotFound)
	assert.Equal(t, []string{keep.ID}, outboxIDs(claim(t, s, now.Add(24*time.Hour), 5)), "the acked message never comes back")
}

func testOutboxNack(t *testing.T, s storage.Store) {
	m := NewOutboxMessage("acme", 0)
	enqueue(t, s, "acme", m)
	now := Epoch.Add(time.Minute)
	require.Len(t, claim(t, s, now, 1), 1)
	retryAt := now.Add(5 * time.Minute)
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxNack(ctx, &storage.OutboxNackParams{Tenant: "acme", ID: m.ID, NextAttemptAt: retryAt, Error: "503 Service Unavailable: 服务不可用"})
	})
	assert.Empty(t, claim(t, s, retryAt.Add(-time.Microsecond), 5), "not before NextAttemptAt")
	got := claim(t, s, retryAt, 5)
	want := leased(m, retryAt, 2)
	want.LastError = "503 Service Unavailable: 服务不可用"
	assert.Equal(t, []storage.OutboxMessage{want}, got)

	err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxNack(ctx, &storage.OutboxNackParams{Tenant: "acme", ID: NewID(Epoch, "never enqueued"), NextAttemptAt: retryAt})
	})
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func testOutboxDead(t *testing.T, s storage.Store) {
	m, other := NewOutboxMessage("acme", 0), NewOutboxMessage("acme", 1)
	enqueue(t, s, "acme", m, other)
	now := Epoch.Add(time.Minute)
	require.Len(t, claim(t, s, now, 1), 1)
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxNack(ctx, &storage.OutboxNackParams{Tenant: "acme", ID: m.ID, Error: "410 Gone", Dead: true})
	})
	assert.Equal(t, []string{other.ID}, outboxIDs(claim(t, s, now.Add(365*24*time.Hour), 5)), "a dead message is never claimed")
	assert.Equal(t, []string{other.ID}, outboxIDs(claim(t, s, now.Add(730*24*time.Hour), 5)), "not even much later")
	// It stays in the outbox: it can still be acknowledged (removed) by an operator.
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: "acme", ID: m.ID})
	})
}

func testOutboxDuplicate(t *testing.T, s storage.Store) {
	m := NewOutboxMessage("acme", 0)
	enqueue(t, s, "acme", m)
	dup := NewOutboxMessage("acme", 1)
	dup.ID = m.ID
	fresh := NewOutboxMessage("acme", 2)
	err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: []storage.OutboxMessage{fresh, dup}})
	})
	require.ErrorIs(t, err, storage.ErrDuplicate)
	twin := NewOutboxMessage("acme", 3)
	err = updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: []storage.OutboxMessage{twin, twin}})
	})
	require.ErrorIs(t, err, storage.ErrDuplicate, "one ID twice in a batch")
	assert.Equal(t, []storage.OutboxMessage{leased(m, Epoch.Add(time.Hour), 1)}, claim(t, s, Epoch.Add(time.Hour), 10),
		"the original is intact and the failed batches left nothing")
}

// testOutboxConcurrentClaimers runs four relays, each looping "claim up to 3, acknowledge them" in one
// transaction, over 120 messages of two tenants: every message is delivered exactly once.
func testOutboxConcurrentClaimers(t *testing.T, s storage.Store) {
	const n, relays = 60, 4
	var all []storage.OutboxMessage
	for _, tenant := range []string{"acme", "globex"} {
		var ms []storage.OutboxMessage
		for i := range n {
			ms = append(ms, NewOutboxMessage(tenant, i))
		}
		enqueue(t, s, tenant, ms...)
		all = append(all, ms...)
	}
	now := Epoch.Add(time.Hour)
	got := make([][]string, relays)
	errs := make([]error, relays)
	var wg sync.WaitGroup
	for r := range relays {
		wg.Go(func() {
			for round := 0; ; round++ {
				if round > 10*len(all) {
					errs[r] = fmt.Errorf("relay %d: no end after %d rounds", r, round)
					return
				}
				var batch []storage.OutboxMessage
				err := s.Update(t.Context(), func(tx storage.Tx) error {
					var err error
					batch, err = tx.OutboxClaim(t.Context(), &storage.OutboxClaimParams{Now: now, Lease: lease, Limit: 3})
					if err != nil {
						return err
					}
					for _, m := range batch {
						if err := tx.OutboxAck(t.Context(), &storage.OutboxAckParams{Tenant: m.Tenant, ID: m.ID}); err != nil {
							return err
						}
					}
					return nil
				})
				switch {
				case isConflict(err):
					continue
				case err != nil:
					errs[r] = err
					return
				case len(batch) == 0:
					return
				}
				got[r] = append(got[r], outboxIDs(batch)...)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	delivered := map[string]int{}
	for _, g := range got {
		for _, id := range g {
			delivered[id]++
		}
	}
	for _, m := range all {
		assert.Equal(t, 1, delivered[m.ID], "message %s delivered exactly once", m.ID)
	}
	assert.Len(t, delivered, len(all))
}

func testOutboxTenantIsolation(t *testing.T, s storage.Store) {
	m := NewOutboxMessage("acme", 0)
	enqueue(t, s, "acme", m)
	now := Epoch.Add(time.Minute)
	require.Len(t, claim(t, s, now, 1), 1, "claims span tenants")
	err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: "globex", ID: m.ID})
	})
	require.ErrorIs(t, err, storage.ErrNotFound, "another tenant cannot acknowledge it")
	err = updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxNack(ctx, &storage.OutboxNackParams{Tenant: "globex", ID: m.ID, Dead: true})
	})
	require.ErrorIs(t, err, storage.ErrNotFound, "another tenant cannot fail it")
	assert.Equal(t, []storage.OutboxMessage{leased(m, now.Add(lease), 2)}, claim(t, s, now.Add(lease), 5), "still pending, still alive")
}
