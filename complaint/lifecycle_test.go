package complaint_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/complaint"
)

var update = flag.Bool("update", false, "rewrite golden files")

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// legal is the whole transition table: every (status, trigger) pair not listed must be refused.
var legal = map[complaint.Status]map[complaint.Trigger]complaint.Status{
	complaint.StatusReceived: {
		complaint.TriggerAcknowledge:   complaint.StatusAcknowledged,
		complaint.TriggerEscalate:      complaint.StatusReceived,
		complaint.TriggerWithdraw:      complaint.StatusWithdrawn,
		complaint.TriggerReject:        complaint.StatusRejected,
		complaint.TriggerMarkDuplicate: complaint.StatusDuplicate,
	},
	complaint.StatusAcknowledged: {
		complaint.TriggerInvestigate:   complaint.StatusInvestigating,
		complaint.TriggerResolve:       complaint.StatusResolved,
		complaint.TriggerEscalate:      complaint.StatusAcknowledged,
		complaint.TriggerWithdraw:      complaint.StatusWithdrawn,
		complaint.TriggerReject:        complaint.StatusRejected,
		complaint.TriggerMarkDuplicate: complaint.StatusDuplicate,
	},
	complaint.StatusInvestigating: {
		complaint.TriggerRequestInfo:   complaint.StatusAwaitingCustomer,
		complaint.TriggerResolve:       complaint.StatusResolved,
		complaint.TriggerEscalate:      complaint.StatusInvestigating,
		complaint.TriggerWithdraw:      complaint.StatusWithdrawn,
		complaint.TriggerReject:        complaint.StatusRejected,
		complaint.TriggerMarkDuplicate: complaint.StatusDuplicate,
	},
	complaint.StatusAwaitingCustomer: {
		complaint.TriggerCustomerReplied: complaint.StatusInvestigating,
		complaint.TriggerEscalate:        complaint.StatusAwaitingCustomer,
		complaint.TriggerWithdraw:        complaint.StatusWithdrawn,
		complaint.TriggerReject:          complaint.StatusRejected,
		complaint.TriggerMarkDuplicate:   complaint.StatusDuplicate,
	},
	complaint.StatusResolved: {
		complaint.TriggerConfirm:  complaint.StatusClosed,
		complaint.TriggerClose:    complaint.StatusClosed,
		complaint.TriggerReopen:   complaint.StatusInvestigating,
		complaint.TriggerWithdraw: complaint.StatusWithdrawn,
	},
	complaint.StatusClosed: {
		complaint.TriggerReopen: complaint.StatusInvestigating,
	},
	complaint.StatusWithdrawn: {},
	complaint.StatusRejected:  {},
	complaint.StatusDuplicate: {},
}

func record(s complaint.Status) *complaint.Complaint {
	return &complaint.Complaint{
		ID: "01JDESK0000000000000000001", Tenant: "acme", Status: s, Version: 3,
		CreatedAt: t0, ResolvedAt: t0.Add(time.Hour), Tags: []string{"a"},
	}
}

// request returns a request that satisfies every guard, so the table measures the machine itself.
func request(tr complaint.Trigger) complaint.Request {
	return complaint.Request{
		Trigger: tr, Actor: "agent:li", At: t0.Add(30 * 24 * time.Hour),
		CloseAfter: 7 * 24 * time.Hour, DuplicateOf: "01JDESK0000000000000000000",
	}
}

func TestEveryStatusTriggerPair(t *testing.T) {
	lc := complaint.NewLifecycle()
	require.Len(t, legal, len(complaint.Statuses), "the table must list every status")
	for _, s := range complaint.Statuses {
		for _, tr := range complaint.Triggers {
			t.Run(string(s)+"/"+string(tr), func(t *testing.T) {
				in := record(s)
				before := in.Clone()
				next, ev, err := lc.Apply(context.Background(), in, request(tr))
				assert.Equal(t, before, in, "Apply must never modify its input")
				want, ok := legal[s][tr]
				if !ok {
					var te *complaint.TransitionError
					require.ErrorAs(t, err, &te)
					assert.ErrorIs(t, err, complaint.ErrIllegalTransition)
					assert.Equal(t, s, te.From)
					assert.Equal(t, tr, te.Trigger)
					assert.Nil(t, next)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, want, next.Status)
				assert.Equal(t, complaint.EventTransition, ev.Type)
				assert.Equal(t, s, ev.From)
				assert.Equal(t, want, ev.To)
				assert.Equal(t, tr, ev.Trigger)
				assert.Equal(t, "agent:li", ev.Actor)
				assert.Equal(t, request(tr).At, ev.At)
				assert.Equal(t, ev.At, next.UpdatedAt)
			})
		}
	}
}

func TestCloseNeedsConfirmationOrTimeout(t *testing.T) {
	lc := complaint.NewLifecycle()
	ctx := context.Background()
	c := record(complaint.StatusResolved) // resolved at t0+1h
	req := complaint.Request{Trigger: complaint.TriggerClose, Actor: "system", CloseAfter: 72 * time.Hour}

	req.At = t0.Add(time.Hour + 71*time.Hour)
	_, _, err := lc.Apply(ctx, c, req)
	var te *complaint.TransitionError
	require.ErrorAs(t, err, &te, "closing before the policy's wait must fail")
	assert.Contains(t, te.Reason, "guard")

	req.At = t0.Add(time.Hour + 72*time.Hour)
	next, _, err := lc.Apply(ctx, c, req)
	require.NoError(t, err)
	assert.Equal(t, complaint.StatusClosed, next.Status)
	assert.Equal(t, req.At, next.ClosedAt)

	req.CloseAfter = 0
	_, _, err = lc.Apply(ctx, c, req)
	require.ErrorIs(t, err, complaint.ErrIllegalTransition, "no timeout in the policy: only the customer can close")

	confirm := complaint.Request{Trigger: complaint.TriggerConfirm, Actor: "customer", At: t0.Add(2 * time.Hour)}
	next, _, err = lc.Apply(ctx, c, confirm)
	require.NoError(t, err)
	assert.Equal(t, complaint.StatusClosed, next.Status)
}

func TestEffectsOfTriggers(t *testing.T) {
	lc := complaint.NewLifecycle()
	ctx := context.Background()
	at := t0.Add(90 * time.Minute)

	c := record(complaint.StatusReceived)
	c.ResolvedAt = time.Time{}
	c, _, err := lc.Apply(ctx, c, complaint.Request{Trigger: complaint.TriggerAcknowledge, Actor: "a", At: at})
	require.NoError(t, err)
	assert.Equal(t, at, c.AcknowledgedAt)

	c, ev, err := lc.Apply(ctx, c, complaint.Request{Trigger: complaint.TriggerEscalate, Actor: "a", At: at, Note: "overdue"})
	require.NoError(t, err)
	assert.Equal(t, complaint.StatusAcknowledged, c.Status, "escalation keeps the status")
	assert.Equal(t, 1, c.EscalationLevel)
	assert.Equal(t, complaint.TierExpert, c.Tier, "an unset tier escalates from frontline to expert")
	assert.False(t, ev.Public, "an escalation is internal unless asked otherwise")
	assert.Equal(t, "overdue", ev.Note)

	c, _, err = lc.Apply(ctx, c, complaint.Request{Trigger: complaint.TriggerResolve, Actor: "a", At: at})
	require.NoError(t, err)
	c, _, err = lc.Apply(ctx, c, complaint.Request{Trigger: complaint.TriggerConfirm, Actor: "customer", At: at})
	require.NoError(t, err)
	c, ev, err = lc.Apply(ctx, c, complaint.Request{Trigger: complaint.TriggerReopen, Actor: "customer", At: at})
	require.NoError(t, err)
	assert.Equal(t, 1, c.Reopened)
	assert.True(t, c.ResolvedAt.IsZero())
	assert.True(t, c.ClosedAt.IsZero())
	assert.True(t, ev.Public, "status changes are shown to the customer")
}

func TestBadRequests(t *testing.T) {
	lc := complaint.NewLifecycle()
	ctx := context.Background()
	c := record(complaint.StatusReceived)
	_, _, err := lc.Apply(ctx, c, complaint.Request{Trigger: "teleport", Actor: "a", At: t0})
	var te *complaint.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "unknown trigger", te.Reason)

	_, _, err = lc.Apply(ctx, c, complaint.Request{Trigger: complaint.TriggerAcknowledge, At: t0})
	assert.ErrorContains(t, err, "actor")
	_, _, err = lc.Apply(ctx, c, complaint.Request{Trigger: complaint.TriggerAcknowledge, Actor: "a"})
	assert.ErrorContains(t, err, "time")

	_, _, err = lc.Apply(ctx, c, complaint.Request{Trigger: complaint.TriggerMarkDuplicate, Actor: "a", At: t0})
	assert.ErrorIs(t, err, complaint.ErrIllegalTransition, "a duplicate must name its original")
}

func TestPermitted(t *testing.T) {
	lc := complaint.NewLifecycle()
	got := lc.Permitted(context.Background(), record(complaint.StatusResolved), complaint.Request{At: t0.Add(2 * time.Hour)})
	assert.Equal(t, []complaint.Trigger{complaint.TriggerConfirm, complaint.TriggerReopen, complaint.TriggerWithdraw}, got,
		"close by timeout is not yet due")
}

// TestLifecycleProperties drives random trigger sequences and checks the invariants the rest of
// redress relies on.
func TestLifecycleProperties(t *testing.T) {
	lc := complaint.NewLifecycle()
	rapid.Check(t, func(t *rapid.T) {
		c := record(complaint.StatusReceived)
		c.ResolvedAt = time.Time{}
		at := t0
		for i := range rapid.IntRange(1, 40).Draw(t, "steps") {
			tr := rapid.SampledFrom(complaint.Triggers).Draw(t, "trigger")
			at = at.Add(time.Duration(rapid.IntRange(0, 100).Draw(t, "minutes")) * time.Minute)
			next, ev, err := lc.Apply(context.Background(), c, complaint.Request{
				Trigger: tr, Actor: "p", At: at, CloseAfter: time.Hour, DuplicateOf: "other"})
			_, isLegal := legal[c.Status][tr]
			if err != nil {
				if !errors.Is(err, complaint.ErrIllegalTransition) {
					t.Fatalf("step %d: unexpected error %v", i, err)
				}
				if isLegal && tr != complaint.TriggerClose {
					t.Fatalf("step %d: legal trigger %s refused in %s: %v", i, tr, c.Status, err)
				}
				continue
			}
			if !isLegal {
				t.Fatalf("step %d: illegal trigger %s accepted in %s", i, tr, c.Status)
			}
			if ev.From != c.Status || ev.To != next.Status {
				t.Fatalf("event does not record the change: %+v", ev)
			}
			if next.Status == complaint.StatusResolved && next.ResolvedAt.IsZero() {
				t.Fatalf("resolved without a resolution time")
			}
			if next.Status.Final() && next.ClosedAt.IsZero() {
				t.Fatalf("final status %s without a closing time", next.Status)
			}
			if next.EscalationLevel < c.EscalationLevel || next.Reopened < c.Reopened {
				t.Fatalf("counters went backwards")
			}
			c = next
		}
	})
}

func TestGraphGolden(t *testing.T) {
	got := complaint.NewLifecycle().Graph()
	path := filepath.Join("testdata", "lifecycle.dot")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./complaint -run Graph -update to create the golden file")
	assert.Equal(t, string(want), got, "the lifecycle changed: review, then run with -update")
}

func TestConcurrentApplyOnSharedMachine(t *testing.T) {
	lc := complaint.NewLifecycle()
	done := make(chan error, 64)
	for range 64 {
		go func() {
			c := record(complaint.StatusReceived)
			next, _, err := lc.Apply(context.Background(), c, complaint.Request{Trigger: complaint.TriggerAcknowledge, Actor: "a", At: t0})
			if err == nil && next.Status != complaint.StatusAcknowledged {
				err = errors.New("trigger did not run")
			}
			done <- err
		}()
	}
	for range 64 {
		require.NoError(t, <-done)
	}
}
