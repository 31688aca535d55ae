package redress_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/routing"
)

func withExampleRules(t *testing.T) func(*redress.Config) {
	src, err := os.ReadFile("examples/triage/rules.yaml")
	require.NoError(t, err)
	rs, err := routing.LoadRules(src, routing.Options{})
	require.NoError(t, err)
	return func(c *redress.Config) {
		c.Rules = rs
		c.Authorizer = routing.DefaultPolicies()
	}
}

var (
	tier1 = complaint.Actor{ID: "agent:li", Roles: []string{complaint.RoleAgent}, Tier: complaint.TierFrontline}
	tier2 = complaint.Actor{ID: "expert:ma", Roles: []string{complaint.RoleAgent}, Tier: complaint.TierExpert}
)

// Seed 000/001: a medical-device safety complaint is triaged to the top priority, the safety queue and
// the 2-hour policy, and the triage decision is in the audit trail.
func TestIntakeTriagesWithRules(t *testing.T) {
	f := newFixture(t, withExampleRules(t), withSeedSLA(t))
	ctx := context.Background()
	in := sample("acme", "med-1")
	in.Subject = "血糖仪读数偏高，孩子差点受伤"
	in.Description = "The glucose meter reads 3 mmol/L high; my child nearly got hurt."
	c, _, err := f.desk.Intake(ctx, tier1, in)
	require.NoError(t, err)
	assert.Equal(t, 1, c.Priority)
	assert.True(t, c.Safety)
	assert.Equal(t, "safety", c.Queue)
	assert.Equal(t, "safety", c.SLAPolicy)

	evs, err := f.desk.Timeline(ctx, "acme", c.ID)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, complaint.EventTriaged, evs[1].Type)
	assert.Contains(t, evs[1].Attrs["rules"], "safety-hazard")
	assert.False(t, evs[1].Public, "the triage decision is internal")

	// An ordinary after-sales question gets the 24-hour policy.
	in = sample("acme", "plain-1")
	in.Subject, in.Description = "Invoice copy", "Could you send me a copy of the invoice for my order?"
	c, _, err = f.desk.Intake(ctx, tier1, in)
	require.NoError(t, err)
	assert.Equal(t, "standard", c.SLAPolicy)
	assert.False(t, c.Safety)
}

func TestRepeatComplaintIsLinked(t *testing.T) {
	f := newFixture(t, withExampleRules(t))
	ctx := context.Background()
	first, _, err := f.desk.Intake(ctx, tier1, sample("acme", "r-1"))
	require.NoError(t, err)
	second, _, err := f.desk.Intake(ctx, tier1, sample("acme", "r-2"))
	require.NoError(t, err)
	require.Equal(t, first.Category, second.Category, "same text, same category")
	assert.Equal(t, first.ID, second.RepeatOf)
	assert.True(t, second.HasTag("repeat"))
	assert.Empty(t, first.RepeatOf)

	// A complaint marked duplicate mirrors its original: the next repeat skips it.
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: second.ID, Actor: tier1,
		Trigger: complaint.TriggerMarkDuplicate, DuplicateOf: first.ID})
	require.NoError(t, err)
	f.clock.Advance(time.Minute)
	third, _, err := f.desk.Intake(ctx, tier1, sample("acme", "r-3"))
	require.NoError(t, err)
	assert.Equal(t, first.ID, third.RepeatOf, "the newest complaint that is not a duplicate")
}

// Seed 004: graded authorization. A tier-1 agent may not grant compensation above 200; an expert may.
func TestCompensationNeedsTheRightTier(t *testing.T) {
	f := newFixture(t, withExampleRules(t))
	ctx := context.Background()
	in := sample("acme", "comp-1")
	in.Subject, in.Description = "Late delivery", "The parcel arrived a week late."
	c, _, err := f.desk.Intake(ctx, tier1, in)
	require.NoError(t, err)

	_, err = f.desk.Act(ctx, redress.ActRequest{Tenant: "acme", ID: c.ID, Actor: tier1, Action: routing.ActionCompensate,
		Params: map[string]any{"amount": 500}})
	require.ErrorIs(t, err, redress.ErrDenied)
	var de *routing.DeniedError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "frontline-money-limit", de.Rule)

	c2, err := f.desk.Act(ctx, redress.ActRequest{Tenant: "acme", ID: c.ID, Actor: tier2, Action: routing.ActionCompensate,
		Params: map[string]any{"amount": 500}, Note: "voucher for the delay", Public: true})
	require.NoError(t, err)
	assert.Equal(t, c.Version+1, c2.Version, "the denied attempt changed nothing")
	evs, err := f.desk.Timeline(ctx, "acme", c.ID)
	require.NoError(t, err)
	last := evs[len(evs)-1]
	assert.Equal(t, redress.EventAction, last.Type)
	assert.Equal(t, "500", last.Attrs["param.amount"])

	_, err = f.desk.Act(ctx, redress.ActRequest{Tenant: "acme", ID: c.ID, Actor: tier2, Action: "resolve"})
	var ve *complaint.ValidationError
	assert.ErrorAs(t, err, &ve, "lifecycle triggers go through Transition")
}

func TestSetRulesSwapsTheSet(t *testing.T) {
	f := newFixture(t, withExampleRules(t))
	require.NotNil(t, f.desk.Rules())
	f.desk.SetRules(nil)
	in := sample("acme", "n-1")
	in.Subject = "孩子差点受伤"
	c, _, err := f.desk.Intake(context.Background(), tier1, in)
	require.NoError(t, err)
	assert.False(t, c.Safety, "no rules, no triage")
}

// The rules see how many complaints the customer has made, this one included; the Desk counts them
// without reading them, per tenant and per customer.
func TestIntakeCountsLifetimeComplaints(t *testing.T) {
	rs, err := routing.LoadRules([]byte(`mode: all_match
rules:
  - name: frequent
    when: customer.lifetime_complaints >= 3
    tags: [frequent]
`), routing.Options{})
	require.NoError(t, err)
	f := newFixture(t, func(c *redress.Config) { c.Rules = rs })
	ctx := context.Background()
	take := func(tenant, customer, ref string) *complaint.Complaint {
		in := sample(tenant, ref)
		in.Customer.ID = customer
		c, _, err := f.desk.Intake(ctx, tier1, in)
		require.NoError(t, err)
		return c
	}
	assert.NotContains(t, take("acme", "cust-a", "a1").Tags, "frequent")
	assert.NotContains(t, take("globex", "cust-a", "g1").Tags, "frequent", "another tenant's customer")
	assert.NotContains(t, take("acme", "cust-b", "b1").Tags, "frequent")
	assert.NotContains(t, take("acme", "cust-a", "a2").Tags, "frequent", "second complaint")
	assert.Contains(t, take("acme", "cust-a", "a3").Tags, "frequent", "third complaint")
	assert.NotContains(t, take("acme", "cust-b", "b2").Tags, "frequent")
}
