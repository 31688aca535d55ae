package redress_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/routing"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
)

// drainOutbox claims and acknowledges every message in the outbox: each call returns what was
// enqueued since the previous one.
func drainOutbox(t *testing.T, store storage.Store) []storage.OutboxMessage {
	t.Helper()
	return drainOutboxAt(t, store, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
}

// drainOutboxAt is drainOutbox for the messages deliverable at now.
func drainOutboxAt(t *testing.T, store storage.Store, now time.Time) []storage.OutboxMessage {
	t.Helper()
	var out []storage.OutboxMessage
	ctx := context.Background()
	require.NoError(t, store.Update(ctx, func(tx storage.Tx) error {
		for {
			ms, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: now, Lease: time.Hour, Limit: 500})
			if err != nil || len(ms) == 0 {
				return err
			}
			for _, m := range ms {
				if err := tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: m.Tenant, ID: m.ID}); err != nil {
					return err
				}
			}
			out = append(out, ms...)
		}
	}))
	return out
}

func topics(ms []storage.OutboxMessage, topic string) []storage.OutboxMessage {
	var out []storage.OutboxMessage
	for _, m := range ms {
		if m.Topic == topic {
			out = append(out, m)
		}
	}
	return out
}

func eventsOf(t *testing.T, f *fixture, tenant, id string, typ complaint.EventType) []complaint.Event {
	t.Helper()
	evs, err := f.desk.Timeline(context.Background(), tenant, id)
	require.NoError(t, err)
	var out []complaint.Event
	for _, ev := range evs {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

func withOutbox(c *redress.Config) { c.Outbox = true }

var quality = complaint.Actor{ID: "qe:zhou", Roles: []string{"quality"}, Tier: complaint.TierSpecial}

func hingeAnalysis() rca.Analysis {
	return rca.Analysis{
		Title:    "Lid hinge cracks within a month",
		Category: "product_quality",
		Team:     []string{"qe:zhou", "eng:wu"},
		Statement: rca.Statement{What: "hinge cracks", Why: "lid falls off", Where: "BG-200 case", When: "weeks 44-47",
			Who: "customers of batch B2611", How: "crack at the pin", HowMuch: "38 complaints"},
		Whys: []rca.Why{
			{Question: "Why does the hinge crack?", Answer: "the pin boss is too thin"},
			{Question: "Why is it thin?", Answer: "the mould was reworked"},
			{Question: "Why was the change not caught?", Answer: "no first-article inspection after rework"},
		},
		Causes: []rca.Cause{
			{Category: rca.Method, Description: "no first-article inspection after mould rework", Confirmed: true},
			{Category: rca.Material, Description: "resin lot with low impact strength"},
		},
	}
}

// Seed 005: a problem groups complaints, its actions are tracked, and it closes only once the
// corrective action is verified effective, telling the customers.
func TestProblemClosesOnlyWhenVerified(t *testing.T) {
	f := newFixture(t, withOutbox)
	ctx := context.Background()
	var ids []string
	for i := range 2 {
		c, _, err := f.desk.Intake(ctx, agent, sample("acme", fmt.Sprintf("hinge-%d", i)))
		require.NoError(t, err)
		ids = append(ids, c.ID)
	}
	drainOutbox(t, f.store)

	p, err := f.desk.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: "acme", Actor: quality, Analysis: hingeAnalysis(), Complaints: ids})
	require.NoError(t, err)
	assert.Equal(t, rca.StatusOpen, p.Status)
	assert.Equal(t, int64(1), p.Version)
	for _, id := range ids {
		evs := eventsOf(t, f, "acme", id, redress.EventProblemLinked)
		require.Len(t, evs, 1)
		assert.Equal(t, p.ID, evs[0].Attrs["problem"])
		assert.False(t, evs[0].Public)
	}
	msgs := drainOutbox(t, f.store)
	require.Len(t, topics(msgs, redress.TopicProblemOpened), 1)
	assert.Len(t, topics(msgs, "complaint."+string(redress.EventProblemLinked)), 2)

	change := func(r redress.ProblemRequest) (*rca.Problem, error) {
		r.Tenant, r.ID, r.Actor = "acme", p.ID, quality
		return f.desk.ChangeProblem(ctx, r)
	}
	due := f.clock.Now().Add(7 * 24 * time.Hour)
	_, err = change(redress.ProblemRequest{Op: redress.ProblemAddAction, Action: rca.Action{Kind: rca.Containment,
		Description: "replace hinges of batch B2611", Owner: "svc:he", Due: due}})
	require.NoError(t, err)
	_, err = change(redress.ProblemRequest{Op: redress.ProblemAddAction, Action: rca.Action{Kind: rca.Corrective,
		Description: "restore the pin boss; first-article inspection after every mould change", Owner: "eng:wu", Due: due,
		Check: rca.Check{Metric: "hinge complaints per week", Target: "0 for 4 weeks"}}})
	require.NoError(t, err)
	p, err = change(redress.ProblemRequest{Op: redress.ProblemRevise, Analysis: func() rca.Analysis {
		a := hingeAnalysis()
		a.RootCause = "mould rework thinned the pin boss and no inspection caught it"
		return a
	}()})
	require.NoError(t, err)
	require.Equal(t, int64(4), p.Version)

	// Bad input: typed errors, nothing stored.
	before := p
	_, err = change(redress.ProblemRequest{Op: redress.ProblemAddAction, Action: rca.Action{Kind: rca.Preventive, Description: "audit other moulds"}})
	var ve *rca.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("actions[2].owner", "required"))
	assert.True(t, ve.Has("actions[2].due", "required"))
	_, err = change(redress.ProblemRequest{Op: redress.ProblemClose, NotifyCustomers: true})
	var ce *rca.CloseError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Unverified, 1)
	assert.Equal(t, "A2", ce.Unverified[0].ID)
	_, err = change(redress.ProblemRequest{Op: redress.ProblemVerifyAction, ActionID: "A2", Verification: rca.Verification{Result: "0", Effective: true}})
	assert.ErrorIs(t, err, rca.ErrActionState, "an action is verified once done")
	_, err = change(redress.ProblemRequest{Op: redress.ProblemStartAction, ActionID: "A9"})
	assert.ErrorIs(t, err, rca.ErrNoAction)
	_, err = change(redress.ProblemRequest{Op: redress.ProblemRevise, ExpectedVersion: 2, Analysis: hingeAnalysis()})
	assert.ErrorIs(t, err, redress.ErrConflict)
	_, err = change(redress.ProblemRequest{Op: "explode"})
	assert.ErrorIs(t, err, redress.ErrInvalid)
	got, err := f.desk.Problem(ctx, "acme", p.ID)
	require.NoError(t, err)
	assert.Equal(t, before, got, "failed changes store nothing")
	assert.Empty(t, eventsOf(t, f, "acme", ids[0], redress.EventProblemClosed))
	assert.Empty(t, drainOutbox(t, f.store))

	// Verify the corrective action, then close with notification.
	_, err = change(redress.ProblemRequest{Op: redress.ProblemCompleteAction, ActionID: "A2"})
	require.NoError(t, err)
	p, err = change(redress.ProblemRequest{Op: redress.ProblemVerifyAction, ActionID: "A2",
		Verification: rca.Verification{Result: "0 hinge complaints in 4 weeks", Effective: true}})
	require.NoError(t, err)
	assert.Equal(t, rca.ActionVerified, p.Actions[1].Status)
	assert.Equal(t, "qe:zhou", p.Actions[1].Check.VerifiedBy, "the verifier defaults to the actor")
	f.clock.Advance(time.Hour)
	p, err = change(redress.ProblemRequest{Op: redress.ProblemClose, ExpectedVersion: p.Version, NotifyCustomers: true})
	require.NoError(t, err)
	assert.Equal(t, rca.StatusClosed, p.Status)
	assert.Equal(t, f.clock.Now(), p.ClosedAt)
	for _, id := range ids {
		evs := eventsOf(t, f, "acme", id, redress.EventProblemClosed)
		require.Len(t, evs, 1)
		assert.True(t, evs[0].Public)
		assert.Equal(t, redress.ProblemClosedNote, evs[0].Note)
		c, err := f.desk.Get(ctx, "acme", id)
		require.NoError(t, err)
		view, err := f.desk.TrackLookup(ctx, "acme", c.TrackingCode)
		require.NoError(t, err)
		assert.Equal(t, redress.EventProblemClosed, view.Events[len(view.Events)-1].Type, "the customer sees it")
	}
	msgs = drainOutbox(t, f.store)
	closed := topics(msgs, redress.TopicProblemClosed)
	require.Len(t, closed, 1)
	var pl redress.ProblemPayload
	require.NoError(t, json.Unmarshal(closed[0].Payload, &pl))
	assert.True(t, pl.NotifyCustomers)
	assert.Equal(t, p.ID, pl.Problem.ID)

	_, err = change(redress.ProblemRequest{Op: redress.ProblemClose})
	assert.ErrorIs(t, err, rca.ErrClosed)
	p, err = change(redress.ProblemRequest{Op: redress.ProblemReopen})
	require.NoError(t, err)
	assert.Equal(t, rca.StatusOpen, p.Status)

	page, err := f.desk.Problems(ctx, &storage.ProblemListParams{Tenant: "acme", ComplaintID: ids[1]})
	require.NoError(t, err)
	require.Len(t, page.Problems, 1)
	assert.Equal(t, p, page.Problems[0])
}

func TestProblemLinkAndBadRequests(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c1, _, err := f.desk.Intake(ctx, agent, sample("acme", "a"))
	require.NoError(t, err)
	c2, _, err := f.desk.Intake(ctx, agent, sample("acme", "b"))
	require.NoError(t, err)
	other, _, err := f.desk.Intake(ctx, agent, sample("globex", "a"))
	require.NoError(t, err)

	_, err = f.desk.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: "acme", Actor: quality, Analysis: hingeAnalysis(), Complaints: []string{c1.ID, other.ID}})
	assert.ErrorIs(t, err, redress.ErrNotFound, "another tenant's complaint is not found")
	_, err = f.desk.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: "acme", Actor: quality, Analysis: rca.Analysis{}, Complaints: []string{c1.ID}})
	assert.ErrorIs(t, err, rca.ErrInvalid)
	_, err = f.desk.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: "acme", Analysis: hingeAnalysis()})
	assert.ErrorIs(t, err, redress.ErrInvalid, "no actor")
	page, err := f.desk.Problems(ctx, &storage.ProblemListParams{Tenant: "acme"})
	require.NoError(t, err)
	assert.Empty(t, page.Problems)
	assert.Empty(t, eventsOf(t, f, "acme", c1.ID, redress.EventProblemLinked), "a failed open links nothing")

	p, err := f.desk.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: "acme", Actor: quality, Analysis: hingeAnalysis(), Complaints: []string{c1.ID}})
	require.NoError(t, err)
	_, err = f.desk.Problem(ctx, "globex", p.ID)
	assert.ErrorIs(t, err, redress.ErrNotFound)

	link := redress.ProblemRequest{Tenant: "acme", ID: p.ID, Actor: quality, Op: redress.ProblemLink}
	_, err = f.desk.ChangeProblem(ctx, link)
	assert.ErrorIs(t, err, rca.ErrInvalid, "nothing to link")
	link.Complaints = []string{c2.ID, "missing"}
	_, err = f.desk.ChangeProblem(ctx, link)
	assert.ErrorIs(t, err, redress.ErrNotFound)
	got, err := f.desk.Problem(ctx, "acme", p.ID)
	require.NoError(t, err)
	assert.Equal(t, p, got)
	assert.Empty(t, eventsOf(t, f, "acme", c2.ID, redress.EventProblemLinked))

	link.Complaints = []string{c1.ID, c2.ID}
	p, err = f.desk.ChangeProblem(ctx, link)
	require.NoError(t, err)
	assert.Equal(t, []string{c1.ID, c2.ID}, p.Complaints)
	assert.Len(t, eventsOf(t, f, "acme", c1.ID, redress.EventProblemLinked), 1, "already linked: no second event")
	assert.Len(t, eventsOf(t, f, "acme", c2.ID, redress.EventProblemLinked), 1)
}

// recordingAuthorizer allows everything and remembers what it was asked.
type recordingAuthorizer struct {
	mu    sync.Mutex
	asked []string
	nils  int
}

func (a *recordingAuthorizer) Authorize(_ context.Context, _ complaint.Actor, action string, c *complaint.Complaint, _ map[string]any) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = append(a.asked, action)
	if c == nil {
		a.nils++
	}
	return nil
}

func TestProblemAuthorization(t *testing.T) {
	rec := &recordingAuthorizer{}
	f := newFixture(t, func(c *redress.Config) { c.Authorizer = rec })
	ctx := context.Background()
	p, err := f.desk.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: "acme", Actor: quality, Analysis: hingeAnalysis()})
	require.NoError(t, err)
	_, err = f.desk.ChangeProblem(ctx, redress.ProblemRequest{Tenant: "acme", ID: p.ID, Actor: quality, Op: redress.ProblemClose})
	require.ErrorIs(t, err, rca.ErrNotClosable)
	_, err = f.desk.ChangeProblem(ctx, redress.ProblemRequest{Tenant: "acme", ID: p.ID, Actor: quality, Op: redress.ProblemAddAction,
		Action: rca.Action{Kind: rca.Corrective, Description: "fix", Owner: "eng:wu", Due: f.clock.Now().Add(time.Hour)}})
	require.NoError(t, err)
	assert.Equal(t, []string{redress.ActionProblemOpen, redress.ActionProblemClose, redress.ActionProblemChange}, rec.asked)
	assert.Equal(t, 3, rec.nils, "a problem is not one complaint")

	// The default tier policy, handed a nil complaint, lets the special team act and denies the front line.
	g := newFixture(t, func(c *redress.Config) { c.Authorizer = routing.DefaultPolicies() })
	_, err = g.desk.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: "acme", Actor: agent, Analysis: hingeAnalysis()})
	assert.ErrorIs(t, err, redress.ErrDenied)
	_, err = g.desk.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: "acme", Actor: quality, Analysis: hingeAnalysis()})
	assert.NoError(t, err)
}

// Overdue corrective actions are reported like SLA escalations, each once, even with two Desks (two
// replicas) scanning one store at the same time.
func TestOverdueActionsReportedExactlyOnce(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	store := memory.New()
	t.Cleanup(func() { store.Close() })
	newDesk := func(prefix string, seed byte) *redress.Desk {
		ids := seqIDs()
		d, err := redress.New(store, redress.Config{Now: clock.Now, NewID: func() string { return prefix + ids() },
			Random: mrand.NewChaCha8([32]byte{seed}), Outbox: true})
		require.NoError(t, err)
		return d
	}
	a, b := newDesk("A", 1), newDesk("B", 2)
	ctx := context.Background()

	const problems = 12
	for i := range problems {
		tenant := []string{"acme", "globex"}[i%2]
		p, err := a.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: tenant, Actor: quality, Analysis: hingeAnalysis()})
		require.NoError(t, err)
		for j, days := range []int{1, 1, 3} { // two actions due on day 1, one on day 3
			_, err = a.ChangeProblem(ctx, redress.ProblemRequest{Tenant: tenant, ID: p.ID, Actor: quality, Op: redress.ProblemAddAction,
				Action: rca.Action{Kind: rca.Corrective, Description: fmt.Sprintf("step %d", j), Owner: "eng:wu",
					Due: clock.Now().Add(time.Duration(days) * 24 * time.Hour)}})
			require.NoError(t, err)
		}
		if i == 0 { // one problem finishes its day-1 work in time
			for _, op := range []redress.ProblemOp{redress.ProblemCompleteAction} {
				for _, id := range []string{"A1", "A2"} {
					_, err = a.ChangeProblem(ctx, redress.ProblemRequest{Tenant: tenant, ID: p.ID, Actor: quality, Op: op, ActionID: id})
					require.NoError(t, err)
				}
			}
		}
	}
	drainOutbox(t, store)

	scan := func() {
		var wg sync.WaitGroup
		for i := range 8 {
			d := []*redress.Desk{a, b}[i%2]
			wg.Go(func() {
				_, err := d.RunOnce(ctx)
				assert.NoError(t, err)
			})
		}
		wg.Wait()
	}
	reported := func() map[string]int {
		seen := map[string]int{}
		for _, m := range topics(drainOutbox(t, store), redress.TopicActionOverdue) {
			var pl redress.ActionOverduePayload
			require.NoError(t, json.Unmarshal(m.Payload, &pl))
			assert.Equal(t, m.Tenant, pl.Tenant)
			seen[pl.ProblemID+"/"+pl.Action.ID]++
		}
		return seen
	}

	scan()
	assert.Empty(t, reported(), "nothing is due yet")

	clock.Advance(24 * time.Hour)
	scan()
	day1 := reported()
	assert.Len(t, day1, 2*(problems-1), "two actions of every problem but the finished one")
	for k, n := range day1 {
		assert.Equal(t, 1, n, "%s reported once", k)
	}
	scan()
	assert.Empty(t, reported(), "a report is not repeated")

	clock.Advance(2 * 24 * time.Hour)
	scan()
	day3 := reported()
	assert.Len(t, day3, problems)
	for k, n := range day3 {
		assert.Equal(t, 1, n, "%s reported once", k)
		assert.Equal(t, "A3", k[len(k)-2:])
	}
	due, err := a.Problems(ctx, &storage.ProblemListParams{Tenant: "acme"})
	require.NoError(t, err)
	for _, p := range due.Problems {
		assert.Equal(t, clock.Now(), p.OverdueReportedAt)
	}
}

func TestChangeProblemRejectsUnknownProblem(t *testing.T) {
	f := newFixture(t)
	_, err := f.desk.ChangeProblem(context.Background(), redress.ProblemRequest{Tenant: "acme", ID: "nope", Actor: quality, Op: redress.ProblemReopen})
	assert.True(t, errors.Is(err, redress.ErrNotFound))
}

// An overdue corrective action shows in the trail of every complaint the problem links, once, as an
// internal event (and as a complaint.action_overdue webhook).
func TestOverdueActionRecordedOnLinkedComplaints(t *testing.T) {
	f := newFixture(t, withOutbox)
	ctx := context.Background()
	c1, _, err := f.desk.Intake(ctx, agent, sample("acme", "od-1"))
	require.NoError(t, err)
	c2, _, err := f.desk.Intake(ctx, agent, sample("acme", "od-2"))
	require.NoError(t, err)
	p, err := f.desk.OpenProblem(ctx, redress.OpenProblemRequest{Tenant: "acme", Actor: quality, Analysis: hingeAnalysis(),
		Complaints: []string{c1.ID, c2.ID}})
	require.NoError(t, err)
	_, err = f.desk.ChangeProblem(ctx, redress.ProblemRequest{Tenant: "acme", ID: p.ID, Actor: quality, Op: redress.ProblemAddAction,
		Action: rca.Action{Kind: rca.Corrective, Description: "thicker pin boss", Owner: "eng:wu", Due: f.clock.Now().Add(24 * time.Hour)}})
	require.NoError(t, err)
	drainOutbox(t, f.store)

	overdue := func(id string) []complaint.Event {
		evs, err := f.desk.Timeline(ctx, "acme", id)
		require.NoError(t, err)
		var out []complaint.Event
		for _, ev := range evs {
			if ev.Type == redress.EventActionOverdue {
				out = append(out, ev)
			}
		}
		return out
	}
	_, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Empty(t, overdue(c1.ID), "not due yet")

	f.clock.Advance(25 * time.Hour)
	for range 2 {
		_, err = f.desk.RunOnce(ctx)
		require.NoError(t, err)
	}
	for _, id := range []string{c1.ID, c2.ID} {
		evs := overdue(id)
		require.Len(t, evs, 1, "reported once on %s", id)
		assert.Equal(t, p.ID, evs[0].Attrs["problem"])
		assert.Equal(t, "A1", evs[0].Attrs["action"])
		assert.Equal(t, "eng:wu", evs[0].Attrs["owner"])
		assert.False(t, evs[0].Public, "internal")
	}
	msgs := drainOutbox(t, f.store)
	assert.Len(t, topics(msgs, "complaint."+string(redress.EventActionOverdue)), 2)
	assert.Len(t, topics(msgs, redress.TopicActionOverdue), 1)
}
