package redress_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/sla"
)

func withSeedSLA(t *testing.T) func(*redress.Config) {
	set, err := sla.Parse(sla.SeedYAML())
	require.NoError(t, err)
	return func(c *redress.Config) { c.SLA = set }
}

func slaEvents(t *testing.T, f *fixture, tenant, id string) []string {
	t.Helper()
	evs, err := f.desk.Timeline(context.Background(), tenant, id)
	require.NoError(t, err)
	var out []string
	for _, ev := range evs {
		if ev.Type == complaint.EventSLA {
			out = append(out, ev.Attrs["clock"]+"/"+ev.Attrs["level"])
		}
	}
	return out
}

// The safety policy (seed 000: contact within 2 hours) warns at 1 h, 1.5 h and breaches at 2 h; the
// breach raises the tier and the yellow level moves the complaint to the safety team.
func TestSafetyComplaintEscalatesOnTime(t *testing.T) {
	f := newFixture(t, withSeedSLA(t))
	ctx := context.Background()
	in := sample("acme", "s-1")
	in.Safety, in.Priority, in.SLAPolicy = true, 1, "safety"
	c, _, err := f.desk.Intake(ctx, agent, in)
	require.NoError(t, err)
	ts := timersOf(t, f, "acme", c.ID)
	require.NotEmpty(t, ts, "a running first-response clock stores its next warning")
	assert.True(t, strings.HasPrefix(ts[0].Kind, sla.TimerPrefix))
	assert.Equal(t, c.CreatedAt.Add(time.Hour), ts[0].DueAt)

	f.clock.Advance(59 * time.Minute)
	n, err := f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	f.clock.Advance(time.Minute)
	_, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Contains(t, slaEvents(t, f, "acme", c.ID), "first_response/blue")

	f.clock.Advance(30 * time.Minute)
	_, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	got, err := f.desk.Get(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Equal(t, "safety-team", got.Queue, "the yellow level reassigns")
	assert.False(t, got.Breached)

	f.clock.Advance(30 * time.Minute)
	_, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	got, err = f.desk.Get(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.True(t, got.Breached)
	assert.Equal(t, complaint.TierExpert, got.Tier, "the red level raises the tier")
	assert.Equal(t, 1, got.EscalationLevel)
	assert.Contains(t, slaEvents(t, f, "acme", c.ID), "first_response/red")

	// Running the scanner again fires nothing twice.
	before := len(slaEvents(t, f, "acme", c.ID))
	_, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Len(t, slaEvents(t, f, "acme", c.ID), before)
	assert.Equal(t, redress.Stats{SLAEvents: int64(before), SLABreaches: 1}, f.desk.Stats(), "the metrics' totals")
}

// Acknowledging in time stops the first-response clock: its timers go away and nothing fires.
func TestAcknowledgedInTimeNeverWarns(t *testing.T) {
	f := newFixture(t, withSeedSLA(t))
	ctx := context.Background()
	in := sample("acme", "s-2")
	in.SLAPolicy = "safety"
	c, _, err := f.desk.Intake(ctx, agent, in)
	require.NoError(t, err)
	f.clock.Advance(20 * time.Minute)
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerAcknowledge})
	require.NoError(t, err)
	for _, tm := range timersOf(t, f, "acme", c.ID) {
		assert.NotContains(t, tm.Kind, "first_response")
	}
	f.clock.Advance(3 * time.Hour)
	_, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	for _, e := range slaEvents(t, f, "acme", c.ID) {
		assert.NotContains(t, e, "first_response")
	}
}

// A clock that breaches and stops between two scans still marks the complaint breached.
func TestSilentBreachIsRecorded(t *testing.T) {
	f := newFixture(t, withSeedSLA(t))
	ctx := context.Background()
	in := sample("acme", "s-3")
	in.SLAPolicy = "safety"
	c, _, err := f.desk.Intake(ctx, agent, in)
	require.NoError(t, err)
	f.clock.Advance(3 * time.Hour) // no scanner ran meanwhile
	c, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerAcknowledge})
	require.NoError(t, err)
	assert.True(t, c.Breached)
}

func TestUnknownPolicyFallsBackToDefault(t *testing.T) {
	f := newFixture(t, withSeedSLA(t))
	in := sample("acme", "s-4")
	in.SLAPolicy = "no-such-policy"
	c, _, err := f.desk.Intake(context.Background(), agent, in)
	require.NoError(t, err)
	ts := timersOf(t, f, "acme", c.ID)
	require.NotEmpty(t, ts)
	// standard policy: 24 h first response, blue at half (05:00 Shanghai time), held back to 09:00
	// because its reminders wait for office hours.
	assert.Equal(t, time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC), ts[0].DueAt)
}
