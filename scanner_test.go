package redress_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

func timersOf(t *testing.T, f *fixture, tenant, id string) []storage.Timer {
	t.Helper()
	var ts []storage.Timer
	require.NoError(t, f.store.View(context.Background(), func(tx storage.ReadTx) error {
		var err error
		ts, err = tx.TimerList(context.Background(), &storage.TimerListParams{Tenant: tenant, ComplaintID: id})
		return err
	}))
	return ts
}

func TestAutoCloseTimerFollowsTheLifecycle(t *testing.T) {
	f := newFixture(t, func(c *redress.Config) { c.CloseAfter = 48 * time.Hour })
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)
	assert.Empty(t, timersOf(t, f, "acme", c.ID))

	for _, tr := range []complaint.Trigger{complaint.TriggerAcknowledge, complaint.TriggerResolve} {
		c, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: tr})
		require.NoError(t, err)
	}
	ts := timersOf(t, f, "acme", c.ID)
	require.Len(t, ts, 1)
	assert.Equal(t, redress.TimerAutoClose, ts[0].Kind)
	assert.Equal(t, c.ResolvedAt.Add(48*time.Hour), ts[0].DueAt)

	f.clock.Advance(47 * time.Hour)
	n, err := f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "not due yet")

	f.clock.Advance(time.Hour)
	n, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err := f.desk.Get(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Equal(t, complaint.StatusClosed, got.Status)
	assert.Empty(t, timersOf(t, f, "acme", c.ID))
	evs, err := f.desk.Timeline(ctx, "acme", c.ID)
	require.NoError(t, err)
	last := evs[len(evs)-1]
	assert.Equal(t, complaint.TriggerClose, last.Trigger)
	assert.Equal(t, redress.SystemActor.ID, last.Actor)
}

func TestReopenCancelsAutoClose(t *testing.T) {
	f := newFixture(t, func(c *redress.Config) { c.CloseAfter = 48 * time.Hour })
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)
	for _, tr := range []complaint.Trigger{complaint.TriggerAcknowledge, complaint.TriggerResolve, complaint.TriggerReopen} {
		c, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: tr})
		require.NoError(t, err)
	}
	assert.Empty(t, timersOf(t, f, "acme", c.ID))
	f.clock.Advance(100 * time.Hour)
	n, err := f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
}

// Two scanners racing over the same store must close each complaint exactly once.
func TestConcurrentScannersFireOnce(t *testing.T) {
	f := newFixture(t, func(c *redress.Config) { c.CloseAfter = time.Hour })
	ctx := context.Background()
	const n = 150
	ids := make([]string, n)
	for i := range n {
		c, _, err := f.desk.Intake(ctx, agent, sample("acme", "ref-"+string(rune('A'+i%26))+string(rune('a'+i/26))))
		require.NoError(t, err)
		for _, tr := range []complaint.Trigger{complaint.TriggerAcknowledge, complaint.TriggerResolve} {
			_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: tr})
			require.NoError(t, err)
		}
		ids[i] = c.ID
	}
	f.clock.Advance(2 * time.Hour)
	// A second Desk on the same store stands for a second server replica.
	other, err := redress.New(f.store, redress.Config{Now: f.clock.Now, NewID: seqIDs(), CloseAfter: time.Hour})
	require.NoError(t, err)
	var wg sync.WaitGroup
	fired := make([]int, 2)
	for i, d := range []*redress.Desk{f.desk, other} {
		wg.Go(func() {
			got, err := d.RunOnce(ctx)
			assert.NoError(t, err)
			fired[i] = got
		})
	}
	wg.Wait()
	assert.Equal(t, n, fired[0]+fired[1])
	for _, id := range ids {
		evs, err := f.desk.Timeline(ctx, "acme", id)
		require.NoError(t, err)
		closes := 0
		for _, ev := range evs {
			if ev.Trigger == complaint.TriggerClose {
				closes++
			}
		}
		assert.Equal(t, 1, closes, id)
	}
}
