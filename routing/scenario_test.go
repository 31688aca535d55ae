package routing

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
)

// The seed scenarios: the behaviour the seed documents ask for, end to end through the lexicon, the
// rule file in testdata and the default policy.

func loadSeedRules(t *testing.T) *RuleSet {
	t.Helper()
	src, err := os.ReadFile("testdata/seed_rules.yaml")
	require.NoError(t, err)
	rs, err := LoadRules(src, Options{})
	require.NoError(t, err)
	return rs
}

// triageText analyzes c with the default lexicon and triages it at 10:00 Shanghai time.
func triageText(t *testing.T, rs *RuleSet, c *complaint.Complaint, lifetime int) (*Decision, Signals) {
	t.Helper()
	ctx := context.Background()
	sig, err := DefaultLexicon().Analyze(ctx, ComplaintText(c))
	require.NoError(t, err)
	d, err := rs.Triage(ctx, c, Input{IntakeAt: time.Date(2026, 11, 3, 2, 0, 0, 0, time.UTC), LifetimeComplaints: lifetime, Signals: sig})
	require.NoError(t, err)
	require.Empty(t, d.Errors)
	return d, sig
}

func TestSeedMedicalDeviceSafetyComplaint(t *testing.T) {
	rs := loadSeedRules(t)
	for _, c := range []*complaint.Complaint{
		{Channel: "phone", Subject: "血糖仪充电时冒烟", Description: "我母亲用的血糖仪充电时冒烟，还把手烫伤了，请马上处理。",
			Customer: complaint.Customer{Name: "李先生"}},
		{Channel: "email", Subject: "Glucose meter overheating", Description: "The glucose meter got so hot it burned my hand. This is a safety issue.",
			Customer: complaint.Customer{Name: "Ann"}},
	} {
		t.Run(c.Channel, func(t *testing.T) {
			d, sig := triageText(t, rs, c, 1)
			assert.Contains(t, sig.Keywords, KeywordMedical)
			assert.Equal(t, 1, d.Priority, "top priority")
			assert.Equal(t, "safety", d.Queue)
			assert.Equal(t, "safety", d.SLAPolicy, "sla's safety policy: first contact within 2 hours")
			assert.True(t, d.Safety)
			assert.Equal(t, "medical_device", d.Category)
			assert.Equal(t, complaint.SeverityCritical, d.Severity)
			assert.Equal(t, "safety-hazard", d.SetBy(FieldQueue))
			assert.Equal(t, []string{"safety-hazard", "medical-device", "after-sales-default"}, d.Fired)

			d.Apply(c)
			assert.Equal(t, 1, c.Priority)
			assert.Equal(t, "safety", c.SLAPolicy)
			assert.True(t, c.HasTag("safety"))
			assert.True(t, c.HasTag("medical-device"))
			require.NoError(t, c.Validate())
		})
	}
}

func TestSeedOrdinaryAfterSalesQuestion(t *testing.T) {
	rs := loadSeedRules(t)
	for _, c := range []*complaint.Complaint{
		{Channel: "web", Subject: "保修期咨询", Description: "请问这款洗衣机的保修期是多久？怎么申请上门维修？", Customer: complaint.Customer{Name: "张女士"}},
		{Channel: "email", Subject: "Warranty question", Description: "How long is the warranty on my washing machine, and how do I book a repair visit?", Customer: complaint.Customer{Name: "Bo"}},
	} {
		t.Run(c.Channel, func(t *testing.T) {
			d, _ := triageText(t, rs, c, 1)
			assert.Equal(t, "standard", d.SLAPolicy, "sla's standard policy: 24 hours")
			assert.Equal(t, 3, d.Priority)
			assert.Equal(t, "after-sales", d.Queue)
			assert.False(t, d.Has(FieldSafety))
			assert.Equal(t, []string{"after-sales-default"}, d.Fired)
		})
	}
}

func TestSeedVIPWithStrongNegativeSentimentIsRaised(t *testing.T) {
	rs := loadSeedRules(t)
	angry := func(vip bool) *complaint.Complaint {
		return &complaint.Complaint{Channel: "wechat", Subject: "太差了", Description: "太差了！气死我了，垃圾服务，等了两个星期还没人处理，太失望了。",
			Customer: complaint.Customer{Name: "王女士", VIP: vip}}
	}
	plain, sig := triageText(t, rs, angry(false), 1)
	require.LessOrEqual(t, sig.Sentiment, -0.5, "the lexicon reads the text as strongly negative")
	vip, _ := triageText(t, rs, angry(true), 1)

	assert.Equal(t, 3, plain.Priority)
	assert.Equal(t, 2, vip.Priority, "the VIP is raised above the ordinary customer")
	assert.Equal(t, "vip-strong-negative", vip.SetBy(FieldPriority))
	assert.Contains(t, vip.Tags, "vip")

	calm := &complaint.Complaint{Channel: "wechat", Subject: "咨询", Description: "请问发票怎么开？", Customer: complaint.Customer{Name: "王女士", VIP: true}}
	d, _ := triageText(t, rs, calm, 1)
	assert.Equal(t, 3, d.Priority, "a calm VIP keeps the ordinary priority")
}

func TestSeedCompensationTiers(t *testing.T) {
	p := DefaultPolicies()
	ctx := context.Background()
	c := &complaint.Complaint{Queue: "after-sales", Status: complaint.StatusInvestigating}
	frontline := Actor{ID: "agent-1", Roles: []string{"agent"}, Tier: complaint.TierFrontline}
	expert := Actor{ID: "expert-1", Roles: []string{"agent"}, Tier: complaint.TierExpert}

	err := p.Authorize(ctx, frontline, ActionCompensate, c, map[string]any{"amount": 500})
	var denied *DeniedError
	require.ErrorAs(t, err, &denied)
	assert.ErrorIs(t, err, ErrDenied)
	assert.Equal(t, "frontline-money-limit", denied.Rule)
	assert.Equal(t, "agent-1", denied.Actor)
	assert.Equal(t, ActionCompensate, denied.Action)
	assert.Contains(t, denied.Reason, "200")

	assert.NoError(t, p.Authorize(ctx, expert, ActionCompensate, c, map[string]any{"amount": 500}))
	assert.NoError(t, p.Authorize(ctx, frontline, ActionCompensate, c, map[string]any{"amount": 200}), "up to the threshold")
}
