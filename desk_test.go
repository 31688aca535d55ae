package redress_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func seqIDs() func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("ID%06d", n.Add(1)) }
}

type fixture struct {
	desk  *redress.Desk
	store storage.Store
	clock *fakeClock
}

func newFixture(t *testing.T, mod ...func(*redress.Config)) *fixture {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	store := memory.New()
	t.Cleanup(func() { store.Close() })
	cfg := redress.Config{Now: clock.Now, NewID: seqIDs(), Random: mrand.NewChaCha8([32]byte{7, 1, 3})}
	for _, m := range mod {
		m(&cfg)
	}
	d, err := redress.New(store, cfg)
	require.NoError(t, err)
	return &fixture{desk: d, store: store, clock: clock}
}

var agent = complaint.Actor{ID: "agent:li", Roles: []string{complaint.RoleAgent}, Tier: complaint.TierFrontline}

func sample(tenant, ref string) *complaint.Complaint {
	return &complaint.Complaint{
		Tenant: tenant, Channel: "email", ExternalRef: ref,
		Customer: complaint.Customer{ID: "cust-1", Name: "Zhang Wei", Contact: "zw@example.com"},
		Product:  complaint.Product{Model: "BG-200", Batch: "B2611", OrderNumber: "SO-1"},
		Subject:  "读数不准", Description: "The meter reads 3 mmol/L high.",
		Custom: map[string]string{"store": "Shanghai"},
	}
}

func TestIntakeAssignsIdentityAndFirstEvent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := sample("acme", "mail-1")
	c, created, err := f.desk.Intake(ctx, agent, in)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "ID000001", c.ID)
	assert.Equal(t, complaint.StatusReceived, c.Status)
	assert.Equal(t, int64(1), c.Version)
	assert.Equal(t, int64(1), c.EventSeq)
	assert.Equal(t, complaint.TierFrontline, c.Tier)
	assert.Equal(t, f.clock.Now(), c.CreatedAt)
	_, err = complaint.ParseTrackingCode(c.TrackingCode)
	assert.NoError(t, err)
	assert.Empty(t, in.ID, "the caller's record is not modified")

	stored, err := f.desk.Get(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, stored)

	evs, err := f.desk.Timeline(ctx, "acme", c.ID)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, complaint.EventReceived, evs[0].Type)
	assert.Equal(t, int64(1), evs[0].Seq)
	assert.Equal(t, "agent:li", evs[0].Actor)
}

func TestIntakeIsIdempotentOnExternalRef(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first, created, err := f.desk.Intake(ctx, agent, sample("acme", "mail-7"))
	require.NoError(t, err)
	require.True(t, created)

	var wg sync.WaitGroup
	results := make([]*complaint.Complaint, 8)
	for i := range results {
		wg.Go(func() {
			c, created, err := f.desk.Intake(ctx, agent, sample("acme", "mail-7"))
			assert.NoError(t, err)
			assert.False(t, created)
			results[i] = c
		})
	}
	wg.Wait()
	for _, c := range results {
		assert.Equal(t, first.ID, c.ID)
	}
	page, err := f.desk.List(ctx, &storage.ComplaintListParams{Tenant: "acme"})
	require.NoError(t, err)
	assert.Len(t, page.Complaints, 1, "a repeated reference must not store a second complaint")

	// The same reference from another channel or tenant is a different complaint.
	other := sample("acme", "mail-7")
	other.Channel = "web"
	_, created, err = f.desk.Intake(ctx, agent, other)
	require.NoError(t, err)
	assert.True(t, created)
	_, created, err = f.desk.Intake(ctx, agent, sample("globex", "mail-7"))
	require.NoError(t, err)
	assert.True(t, created)
}

func TestConcurrentIntakeOfOneReference(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var createdN atomic.Int32
	ids := make([]string, 16)
	for i := range ids {
		wg.Go(func() {
			c, created, err := f.desk.Intake(ctx, agent, sample("acme", "race"))
			require.NoError(t, err)
			if created {
				createdN.Add(1)
			}
			ids[i] = c.ID
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), createdN.Load())
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
}

func TestInvalidIntakeStoresNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bad := sample("acme", "x")
	bad.Subject = ""
	bad.Severity = "apocalyptic"
	_, _, err := f.desk.Intake(ctx, agent, bad)
	var ve *complaint.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Fields, 2)

	_, _, err = f.desk.Intake(ctx, agent, sample("", "x"))
	assert.ErrorIs(t, err, redress.ErrInvalid)
	_, _, err = f.desk.Intake(ctx, complaint.Actor{}, sample("acme", "x"))
	assert.ErrorIs(t, err, redress.ErrInvalid)

	page, err := f.desk.List(ctx, &storage.ComplaintListParams{Tenant: "acme"})
	require.NoError(t, err)
	assert.Empty(t, page.Complaints)
}

func TestFullLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)
	for _, tr := range []complaint.Trigger{complaint.TriggerAcknowledge, complaint.TriggerInvestigate, complaint.TriggerRequestInfo,
		complaint.TriggerCustomerReplied, complaint.TriggerResolve, complaint.TriggerConfirm} {
		f.clock.Advance(time.Hour)
		c, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: tr, ExpectedVersion: c.Version})
		require.NoError(t, err, tr)
	}
	assert.Equal(t, complaint.StatusClosed, c.Status)
	assert.Equal(t, int64(7), c.Version)
	assert.Equal(t, f.clock.Now(), c.ClosedAt)
	evs, err := f.desk.Timeline(ctx, "acme", c.ID)
	require.NoError(t, err)
	require.Len(t, evs, 7)
	for i, ev := range evs {
		assert.Equal(t, int64(i+1), ev.Seq)
	}
	assert.Equal(t, complaint.StatusClosed, evs[6].To)
}

func TestCloseByPolicyTimeout(t *testing.T) {
	f := newFixture(t, func(c *redress.Config) { c.CloseAfter = 72 * time.Hour })
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)
	for _, tr := range []complaint.Trigger{complaint.TriggerAcknowledge, complaint.TriggerResolve} {
		c, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: tr})
		require.NoError(t, err)
	}
	system := complaint.Actor{ID: "system", Roles: []string{complaint.RoleSystem}}
	f.clock.Advance(71 * time.Hour)
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: system, Trigger: complaint.TriggerClose})
	require.ErrorIs(t, err, complaint.ErrIllegalTransition)
	f.clock.Advance(time.Hour)
	c, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: system, Trigger: complaint.TriggerClose})
	require.NoError(t, err)
	assert.Equal(t, complaint.StatusClosed, c.Status)
}

func TestRefusedChangesLeaveNoTrace(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)

	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerConfirm})
	var te *complaint.TransitionError
	require.ErrorAs(t, err, &te, "confirming an unresolved complaint is illegal")
	assert.Equal(t, complaint.StatusReceived, te.From)

	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: "fly"})
	require.ErrorAs(t, err, &te)

	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerAcknowledge, ExpectedVersion: 5})
	require.ErrorIs(t, err, redress.ErrConflict)

	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "globex", ID: c.ID, Actor: agent, Trigger: complaint.TriggerAcknowledge})
	require.ErrorIs(t, err, redress.ErrNotFound, "another tenant cannot touch it")

	got, err := f.desk.Get(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, got)
	evs, err := f.desk.Timeline(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Len(t, evs, 1)
}

func TestRacingTransitionsOneWinsPerVersion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			_, err := f.desk.Comment(ctx, redress.CommentRequest{Tenant: "acme", ID: c.ID, Actor: agent, Note: "seen"})
			require.NoError(t, err, "without an expected version a comment retries")
			_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent,
				Trigger: complaint.TriggerEscalate, ExpectedVersion: c.Version})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, redress.ErrConflict):
				conflicts.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// Every goroutine commented first, so the version each names is stale unless it ran first of all.
	assert.LessOrEqual(t, wins.Load(), int32(1))
	assert.Equal(t, int32(16), wins.Load()+conflicts.Load())
	evs, err := f.desk.Timeline(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Len(t, evs, 1+16+int(wins.Load()), "every committed change left exactly one event")
}

func TestTrackLookupShowsOnlyPublicFacts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)
	_, err = f.desk.Comment(ctx, redress.CommentRequest{Tenant: "acme", ID: c.ID, Actor: agent, Note: "customer is difficult"})
	require.NoError(t, err)
	_, err = f.desk.Comment(ctx, redress.CommentRequest{Tenant: "acme", ID: c.ID, Actor: agent, Note: "We have asked the lab.", Public: true})
	require.NoError(t, err)
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerAcknowledge})
	require.NoError(t, err)

	code := c.TrackingCode
	v, err := f.desk.TrackLookup(ctx, "acme", " "+lower(code)+" ")
	require.NoError(t, err)
	assert.Equal(t, complaint.StatusAcknowledged, v.Status)
	require.Len(t, v.Events, 3)
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "difficult")
	assert.NotContains(t, string(raw), "zw@example.com")
	assert.NotContains(t, string(raw), "agent:li")
	assert.Contains(t, string(raw), "We have asked the lab.")

	_, err = f.desk.TrackLookup(ctx, "globex", code)
	assert.ErrorIs(t, err, redress.ErrNotFound, "a code is only valid in its own tenant")
	_, err = f.desk.TrackLookup(ctx, "acme", "not a code")
	assert.ErrorIs(t, err, redress.ErrNotFound)
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

func TestAssign(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)
	c, err = f.desk.Assign(ctx, redress.AssignRequest{Tenant: "acme", ID: c.ID, Actor: agent, Queue: "quality", Assignee: "agent:wu"})
	require.NoError(t, err)
	assert.Equal(t, "quality", c.Queue)
	assert.Equal(t, "agent:wu", c.Assignee)
	page, err := f.desk.List(ctx, &storage.ComplaintListParams{Tenant: "acme", Assignee: "agent:wu"})
	require.NoError(t, err)
	assert.Len(t, page.Complaints, 1)
	_, err = f.desk.Assign(ctx, redress.AssignRequest{Tenant: "acme", ID: c.ID, Actor: agent})
	var ve *complaint.ValidationError
	assert.ErrorAs(t, err, &ve)
}

type denyAbove struct{ tier int }

func (d denyAbove) Authorize(_ context.Context, a complaint.Actor, action string, _ *complaint.Complaint, _ map[string]any) error {
	if action == string(complaint.TriggerReject) && a.Tier < d.tier {
		return fmt.Errorf("rule reject_needs_expert: tier %d may not reject", a.Tier)
	}
	return nil
}

func TestAuthorizerDenies(t *testing.T) {
	f := newFixture(t, func(c *redress.Config) { c.Authorizer = denyAbove{tier: 2} })
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerReject})
	require.ErrorIs(t, err, redress.ErrDenied)
	assert.ErrorContains(t, err, "reject_needs_expert")
	expert := complaint.Actor{ID: "expert:ma", Tier: complaint.TierExpert}
	c, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: expert, Trigger: complaint.TriggerReject})
	require.NoError(t, err)
	assert.Equal(t, complaint.StatusRejected, c.Status)
}

func TestOutboxCommitsWithTheChange(t *testing.T) {
	f := newFixture(t, func(c *redress.Config) { c.Outbox = true })
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample("acme", "m"))
	require.NoError(t, err)
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerResolve})
	require.Error(t, err, "illegal: must not enqueue anything")
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerAcknowledge})
	require.NoError(t, err)

	var msgs []storage.OutboxMessage
	require.NoError(t, f.store.Update(ctx, func(tx storage.Tx) error {
		var err error
		msgs, err = tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: f.clock.Now(), Lease: time.Minute, Limit: 10})
		return err
	}))
	require.Len(t, msgs, 2)
	assert.Equal(t, "complaint.received", msgs[0].Topic)
	assert.Equal(t, "complaint.transition", msgs[1].Topic)
	var p redress.WebhookPayload
	require.NoError(t, json.Unmarshal(msgs[1].Payload, &p))
	assert.Equal(t, complaint.StatusAcknowledged, p.Event.To)
	assert.Equal(t, c.ID, p.Complaint.ID)
	assert.NotContains(t, string(msgs[1].Payload), "zw@example.com", "webhooks carry a summary, not contact details")
}
