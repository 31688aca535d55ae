package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// replicaStores returns n stores on one schema, each with a pool of its own, as n redressd replicas
// sharing a database would have.
func replicaStores(t *testing.T, n int) []*Store {
	t.Helper()
	schema := newSchema(t)
	out := make([]*Store, n)
	for i := range out {
		s, err := New(t.Context(), newPool(t, schema, 4))
		require.NoError(t, err)
		out[i] = s
	}
	return out
}

// escalate is what a scanner does with a claimed timer, in the claim's transaction: raise the
// complaint's escalation level and append the event that says so.
func escalate(ctx context.Context, tx storage.Tx, tm storage.Timer, scanner string) error {
	c, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: tm.Tenant, ID: tm.ComplaintID})
	if err != nil {
		return err
	}
	next := c.Clone()
	next.Version++
	next.EventSeq++
	next.EscalationLevel++
	next.UpdatedAt = tm.DueAt
	if err := tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: tm.Tenant, Complaint: next, ExpectedVersion: c.Version}); err != nil {
		return err
	}
	return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: tm.Tenant, Events: []complaint.Event{{
		ID: fmt.Sprintf("%s-esc-%d", c.ID, next.EventSeq), Tenant: tm.Tenant, ComplaintID: c.ID, Seq: next.EventSeq,
		Type: complaint.EventTransition, Trigger: complaint.TriggerEscalate, Actor: scanner, At: tm.DueAt,
		Note: "escalated by " + scanner + ": " + tm.Kind,
	}}})
}

// loadTimers stores n complaints per tenant, each with a due "breach" timer, and every fourth also with
// a "warn" timer that is not due at now. It returns the due timers.
func loadTimers(t *testing.T, s *Store, tenants []string, n int, now time.Time) []storage.Timer {
	t.Helper()
	var due []storage.Timer
	require.NoError(t, s.Update(t.Context(), func(tx storage.Tx) error {
		for _, tenant := range tenants {
			for i := range n {
				c := fixture(tenant, i, time.Minute)
				if err := tx.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: tenant, Complaint: c}); err != nil {
					return err
				}
				tm := storage.Timer{Tenant: tenant, ComplaintID: c.ID, Kind: "breach", DueAt: epoch.Add(time.Duration(i%13) * time.Minute)}
				due = append(due, tm)
				timers := []storage.Timer{tm}
				if i%4 == 0 {
					timers = append(timers, storage.Timer{Tenant: tenant, ComplaintID: c.ID, Kind: "warn", DueAt: now.Add(time.Hour)})
				}
				for _, tm := range timers {
					if err := tx.TimerSet(t.Context(), &storage.TimerSetParams{Tenant: tenant, Timer: tm}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}))
	return due
}

func TestClaimSkipsTimersLockedByAnotherReplica(t *testing.T) {
	stores := replicaStores(t, 2)
	now := epoch.Add(24 * time.Hour)
	due := loadTimers(t, stores[0], []string{"acme"}, 10, now)
	const batch = 4

	// Replica 0 claims a batch and keeps its transaction open until replica 1 has claimed too. Without
	// SKIP LOCKED replica 1 would wait for replica 0's locks while replica 0 waits for it; the timeout
	// only turns such a deadlock into a failure instead of a hung test.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var first, second []storage.Timer
	claimedFirst := make(chan struct{})
	claimedSecond := make(chan error, 1)
	go func() {
		<-claimedFirst
		claimedSecond <- stores[1].Update(ctx, func(tx storage.Tx) error {
			var err error
			second, err = tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: now, Limit: batch})
			return err
		})
	}()
	err := stores[0].Update(ctx, func(tx storage.Tx) error {
		var err error
		first, err = tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: now, Limit: batch})
		if err != nil {
			return err
		}
		close(claimedFirst)
		return <-claimedSecond // commit only after the other replica's claim returned
	})
	require.NoError(t, err)
	require.Len(t, first, batch)
	require.Len(t, second, batch)
	for _, tm := range second {
		assert.NotContains(t, first, tm, "a timer locked by replica 0 went to replica 1 too")
	}
	// Both took the earliest timers available to them: together they are the 2*batch earliest.
	seen := map[storage.Timer]bool{}
	for _, tm := range append(first, second...) {
		seen[tm] = true
	}
	earliest := 0
	for _, tm := range due {
		if seen[tm] {
			earliest++
		}
	}
	assert.Equal(t, 2*batch, earliest)
}

func TestTwoReplicasEscalateEachDueTimerExactlyOnce(t *testing.T) {
	const perTenant, batch = 60, 7
	stores := replicaStores(t, 2)
	now := epoch.Add(24 * time.Hour)
	tenants := []string{"acme", "globex"}
	due := loadTimers(t, stores[0], tenants, perTenant, now)

	type claim struct {
		replica int
		timer   storage.Timer
	}
	var (
		mu        sync.Mutex
		committed []claim
		rolled    int
	)
	// Replica 1 first crashes half-way through a batch before the race starts, so at least one
	// rolled-back claim is certain; its timers must come back and fire once.
	err := stores[1].Update(t.Context(), func(tx storage.Tx) error {
		got, err := tx.TimerClaimDue(t.Context(), &storage.TimerClaimDueParams{Now: now, Limit: batch})
		require.NoError(t, err)
		require.Len(t, got, batch)
		for _, tm := range got[:batch/2] {
			require.NoError(t, escalate(t.Context(), tx, tm, "replica-1"))
		}
		return errCrash
	})
	require.ErrorIs(t, err, errCrash)
	rolled++
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for r, s := range stores {
		wg.Go(func() {
			scanner := fmt.Sprintf("replica-%d", r)
			for round := 0; ; round++ {
				if round > 10*len(due) {
					errs[r] = fmt.Errorf("%s: no end after %d rounds", scanner, round)
					return
				}
				// Replica 1 also crashes half-way through every third batch of the race.
				crash := r == 1 && round%3 == 2
				var got []storage.Timer
				err := s.Update(t.Context(), func(tx storage.Tx) error {
					var err error
					got, err = tx.TimerClaimDue(t.Context(), &storage.TimerClaimDueParams{Now: now, Limit: batch})
					if err != nil {
						return err
					}
					for i, tm := range got {
						if crash && i == len(got)/2 {
							return errCrash
						}
						if err := escalate(t.Context(), tx, tm, scanner); err != nil {
							return err
						}
					}
					return nil
				})
				switch {
				case errors.Is(err, errCrash):
					mu.Lock()
					rolled++
					mu.Unlock()
					continue
				case err != nil:
					errs[r] = err
					return
				case len(got) == 0:
					return
				}
				mu.Lock()
				for _, tm := range got {
					committed = append(committed, claim{r, tm})
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	fired := map[storage.Timer]int{}
	for _, c := range committed {
		fired[c.timer]++
	}
	for _, tm := range due {
		assert.Equal(t, 1, fired[tm], "timer %s/%s", tm.Tenant, tm.ComplaintID)
	}
	assert.Len(t, fired, len(due), "only due timers fired")
	t.Logf("%d claims committed, %d rolled back", len(committed), rolled)

	// The database agrees: each complaint escalated once, one event, only the not-due timer left.
	require.NoError(t, stores[1].View(t.Context(), func(tx storage.ReadTx) error {
		for _, tm := range due {
			c, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: tm.Tenant, ID: tm.ComplaintID})
			require.NoError(t, err)
			assert.Equal(t, 1, c.EscalationLevel, "complaint %s", c.ID)
			evs, err := tx.EventList(t.Context(), &storage.EventListParams{Tenant: tm.Tenant, ComplaintID: tm.ComplaintID})
			require.NoError(t, err)
			assert.Len(t, evs, 1, "complaint %s", c.ID)
			left, err := tx.TimerList(t.Context(), &storage.TimerListParams{Tenant: tm.Tenant, ComplaintID: tm.ComplaintID})
			require.NoError(t, err)
			for _, l := range left {
				assert.Equal(t, "warn", l.Kind)
			}
		}
		return nil
	}))
}

// errCrash stands for a scanner dying in the middle of a batch.
var errCrash = errors.New("scanner crashed")
