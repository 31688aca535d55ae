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

func timerCases() []testCase {
	return []testCase{
		{"SetMoveDeleteList", testTimerSetMoveDelete},
		{"UnknownComplaintNotFound", testTimerUnknownComplaint},
		{"ClaimDueOrderAndLimit", testTimerClaimOrder},
		{"ClaimAllTenantsOrOne", testTimerClaimTenants},
		{"ClaimConsumes", testTimerClaimConsumes},
		{"RolledBackClaimPutsBack", testTimerClaimRollback},
		{"ConcurrentScannersFireOnce", testTimerConcurrentScanners},
		{"TenantIsolation", testTimerTenantIsolation},
	}
}

func setTimers(t *testing.T, s storage.Store, ts ...storage.Timer) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		for _, tm := range ts {
			if err := tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: tm.Tenant, Timer: tm}); err != nil {
				return err
			}
		}
		return nil
	})
}

func claimDue(t *testing.T, s storage.Store, tenant string, now time.Time, limit int) []storage.Timer {
	t.Helper()
	var out []storage.Timer
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		var err error
		out, err = tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Tenant: tenant, Now: now, Limit: limit})
		return err
	})
	return out
}

func timer(c *complaint.Complaint, kind string, due time.Time) storage.Timer {
	return storage.Timer{Tenant: c.Tenant, ComplaintID: c.ID, Kind: kind, DueAt: due}
}

func testTimerSetMoveDelete(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	other := NewComplaint("acme", 1)
	insert(t, s, c, other)
	due := Epoch.Add(time.Hour)

	in := timer(c, "sla.resolution.yellow", due.In(time.FixedZone("CST", 8*3600)).Add(321*time.Nanosecond))
	setTimers(t, s, in, timer(c, "sla.first_response.red", due.Add(-time.Minute)), timer(c, "a.same.due", due),
		timer(other, "sla.first_response.red", due))
	got := timers(t, s, "acme", c.ID)
	assert.Equal(t, []storage.Timer{
		timer(c, "sla.first_response.red", due.Add(-time.Minute)),
		timer(c, "a.same.due", due), // equal due times order by kind
		CanonicalTimer(in),
	}, got)
	assert.Equal(t, time.UTC, got[2].DueAt.Location())

	// Setting an existing (complaint, kind) moves it; there is never a second one.
	setTimers(t, s, timer(c, "sla.resolution.yellow", due.Add(-time.Hour)))
	assert.Equal(t, []storage.Timer{
		timer(c, "sla.resolution.yellow", due.Add(-time.Hour)),
		timer(c, "sla.first_response.red", due.Add(-time.Minute)),
		timer(c, "a.same.due", due),
	}, timers(t, s, "acme", c.ID))

	del := func(kind string) {
		update(t, s, func(ctx context.Context, tx storage.Tx) error {
			return tx.TimerDelete(ctx, &storage.TimerDeleteParams{Tenant: "acme", ComplaintID: c.ID, Kind: kind})
		})
	}
	del("sla.first_response.red")
	assert.Equal(t, []storage.Timer{
		timer(c, "sla.resolution.yellow", due.Add(-time.Hour)),
		timer(c, "a.same.due", due),
	}, timers(t, s, "acme", c.ID))
	del("no.such.kind") // deleting nothing is not an error
	del("")             // every timer of the complaint
	assert.Empty(t, timers(t, s, "acme", c.ID))
	del("")
	assert.Equal(t, []storage.Timer{timer(other, "sla.first_response.red", due)}, timers(t, s, "acme", other.ID),
		"another complaint's timers are untouched")
}

func testTimerUnknownComplaint(t *testing.T, s storage.Store) {
	ghost := NewComplaint("acme", 0)
	err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "acme", Timer: timer(ghost, "k", Epoch)})
	})
	require.ErrorIs(t, err, storage.ErrNotFound)
	assert.Empty(t, timers(t, s, "acme", ghost.ID))
}

func testTimerClaimOrder(t *testing.T, s storage.Store) {
	a, b := NewComplaint("acme", 0), NewComplaint("acme", 1)
	insert(t, s, a, b)
	now := Epoch.Add(10 * time.Hour)
	setTimers(t, s,
		timer(a, "k3", now.Add(-1*time.Hour)),
		timer(b, "k1", now.Add(-3*time.Hour)),
		timer(a, "k2", now.Add(-2*time.Hour)),
		timer(b, "k4", now), // due exactly now: due
		timer(a, "future", now.Add(time.Microsecond)),
		timer(b, "far", now.Add(24*time.Hour)),
	)
	got := claimDue(t, s, "acme", now, 3)
	assert.Equal(t, []storage.Timer{
		timer(b, "k1", now.Add(-3*time.Hour)),
		timer(a, "k2", now.Add(-2*time.Hour)),
		timer(a, "k3", now.Add(-1*time.Hour)),
	}, got, "earliest first, at most Limit")
	assert.Equal(t, []storage.Timer{timer(b, "k4", now)}, claimDue(t, s, "acme", now, 3), "due at Now is due")
	assert.Empty(t, claimDue(t, s, "acme", now, 3), "nothing else is due")
	assert.Equal(t, []storage.Timer{timer(a, "future", now.Add(time.Microsecond))}, timers(t, s, "acme", a.ID))
	assert.Equal(t, []storage.Timer{timer(b, "far", now.Add(24*time.Hour))}, timers(t, s, "acme", b.ID))
}

func testTimerClaimTenants(t *testing.T, s storage.Store) {
	a, g := NewComplaint("acme", 0), NewComplaint("globex", 0)
	insert(t, s, a, g)
	now := Epoch.Add(time.Hour)
	setTimers(t, s, timer(a, "k", now.Add(-2*time.Minute)), timer(g, "k", now.Add(-time.Minute)))

	assert.Equal(t, []storage.Timer{timer(g, "k", now.Add(-time.Minute))}, claimDue(t, s, "globex", now, 10),
		"a tenant's claim takes only its own timers")
	setTimers(t, s, timer(g, "k", now.Add(-time.Minute)))
	assert.Equal(t, []storage.Timer{timer(a, "k", now.Add(-2*time.Minute)), timer(g, "k", now.Add(-time.Minute))},
		claimDue(t, s, "", now, 10), "an empty tenant claims across tenants")
}

func testTimerClaimConsumes(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	setTimers(t, s, timer(c, "k", Epoch))
	require.Len(t, claimDue(t, s, "", Epoch.Add(time.Hour), 10), 1)
	assert.Empty(t, claimDue(t, s, "", Epoch.Add(time.Hour), 10), "a committed claim consumes the timer")
	assert.Empty(t, timers(t, s, "acme", c.ID))

	// Setting it again makes it claimable again.
	setTimers(t, s, timer(c, "k", Epoch.Add(time.Minute)))
	assert.Equal(t, []storage.Timer{timer(c, "k", Epoch.Add(time.Minute))}, claimDue(t, s, "acme", Epoch.Add(time.Hour), 10))
}

func testTimerClaimRollback(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	want := []storage.Timer{timer(c, "a", Epoch), timer(c, "b", Epoch.Add(time.Second))}
	setTimers(t, s, want...)
	err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		got, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: Epoch.Add(time.Hour), Limit: 10})
		require.NoError(t, err)
		require.Len(t, got, 2)
		left, err := tx.TimerList(ctx, &storage.TimerListParams{Tenant: "acme", ComplaintID: c.ID})
		require.NoError(t, err)
		assert.Empty(t, left, "the claiming transaction no longer sees its claimed timers")
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	assert.Equal(t, want, timers(t, s, "acme", c.ID), "a rolled-back claim puts the timers back")
	assert.Equal(t, want, claimDue(t, s, "acme", Epoch.Add(time.Hour), 10))
}

// testTimerConcurrentScanners runs two scanners, each looping "claim up to 5 due timers and append an
// escalation event for each, in one transaction", over 200 due timers of two tenants (and some that are
// not due). Every due timer must fire exactly once: one event per complaint, no timer claimed twice.
func testTimerConcurrentScanners(t *testing.T, s storage.Store) {
	const perTenant, notDue, scanners, batch = 100, 10, 2, 5
	now := Epoch.Add(48 * time.Hour)
	var cs []*complaint.Complaint
	var all, due []storage.Timer
	for _, tenant := range []string{"acme", "globex"} {
		for i := range perTenant + notDue {
			c := NewComplaint(tenant, i)
			cs = append(cs, c)
			tm := timer(c, "sla.resolution.red", Epoch.Add(time.Duration(i%17)*time.Hour)) // many share a due time
			if i >= perTenant {
				tm.DueAt = now.Add(time.Duration(i) * time.Minute)
			} else {
				due = append(due, tm)
			}
			all = append(all, tm)
		}
	}
	insert(t, s, cs...)
	setTimers(t, s, all...)

	claimed := make([][]storage.Timer, scanners)
	errs := make([]error, scanners)
	var wg sync.WaitGroup
	for n := range scanners {
		wg.Go(func() {
			for round := 0; ; round++ {
				if round > 10*len(all) {
					errs[n] = fmt.Errorf("scanner %d: no end after %d rounds", n, round)
					return
				}
				var got []storage.Timer
				err := s.Update(t.Context(), func(tx storage.Tx) error {
					var err error
					got, err = tx.TimerClaimDue(t.Context(), &storage.TimerClaimDueParams{Now: now, Limit: batch})
					if err != nil {
						return err
					}
					for _, tm := range got {
						ev := complaint.Event{
							ID: NewID(now, tm.Tenant, tm.ComplaintID, tm.Kind, n, round), Tenant: tm.Tenant,
							ComplaintID: tm.ComplaintID, Seq: 1, Type: complaint.EventSLA, Actor: fmt.Sprintf("scanner-%d", n),
							At: now, Note: "escalated: " + tm.Kind,
						}
						if err := tx.EventAppend(t.Context(), &storage.EventAppendParams{Tenant: tm.Tenant, Events: []complaint.Event{ev}}); err != nil {
							return err
						}
					}
					return nil
				})
				switch {
				case isConflict(err):
					continue // a store may refuse one of two overlapping transactions; the claim rolled back
				case err != nil:
					errs[n] = err
					return
				case len(got) == 0:
					return
				}
				claimed[n] = append(claimed[n], got...)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	fired := map[storage.Timer]int{}
	for _, got := range claimed {
		for _, tm := range got {
			fired[tm]++
		}
	}
	for _, tm := range due {
		assert.Equal(t, 1, fired[tm], "timer %s/%s fired exactly once", tm.Tenant, tm.ComplaintID)
	}
	assert.Len(t, fired, len(due), "only due timers fired")
	for _, c := range cs {
		evs := events(t, s, c.Tenant, c.ID)
		if len(timers(t, s, c.Tenant, c.ID)) == 1 {
			assert.Empty(t, evs, "a timer that is not due stays and fires nothing")
			continue
		}
		assert.Len(t, evs, 1, "complaint %s/%s has exactly one escalation", c.Tenant, c.ID)
	}
}

func testTimerTenantIsolation(t *testing.T, s storage.Store) {
	a := NewComplaint("acme", 0)
	insert(t, s, a)
	setTimers(t, s, timer(a, "k", Epoch))

	assert.Empty(t, timers(t, s, "globex", a.ID), "another tenant lists none of them")
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.TimerDelete(ctx, &storage.TimerDeleteParams{Tenant: "globex", ComplaintID: a.ID})
	})
	err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "globex", Timer: storage.Timer{Tenant: "globex", ComplaintID: a.ID, Kind: "k", DueAt: Epoch.Add(time.Hour)}})
	})
	require.ErrorIs(t, err, storage.ErrNotFound, "another tenant cannot set timers on the complaint")
	assert.Empty(t, claimDue(t, s, "globex", Epoch.Add(time.Hour), 10), "another tenant's claim takes none of them")
	assert.Equal(t, []storage.Timer{timer(a, "k", Epoch)}, timers(t, s, "acme", a.ID), "nothing changed")
}
