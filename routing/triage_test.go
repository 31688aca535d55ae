package routing

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/complaint"
)

func mustLoad(t testing.TB, src string) *RuleSet {
	t.Helper()
	rs, err := LoadRules([]byte(src), Options{})
	require.NoError(t, err)
	return rs
}

func sample() *complaint.Complaint {
	return &complaint.Complaint{
		ID: "01J0000000000000000000000", Tenant: "acme", Channel: "phone",
		Subject: "Dryer STOPPED working", Description: "我的烘干机坏了，想退款。",
		Customer: complaint.Customer{ID: "cu-1", Name: "Mei", Tier: "gold", VIP: true},
		Product:  complaint.Product{SKU: "DRY-9", Model: "X200", Batch: "B7"},
		Category: "product_quality", Tags: []string{"web-form"}, Custom: map[string]string{"store": "sh-01"},
		Status: complaint.StatusReceived, CreatedAt: time.Date(2026, 11, 2, 23, 30, 0, 0, time.UTC),
	}
}

func TestTriageAllMatchPrecedence(t *testing.T) {
	rs := mustLoad(t, `
rules:
  - name: general
    when: "true"
    queue: general
    priority: 3
    tags: [seen]
  - name: specific
    precedence: 5
    when: complaint.channel == "phone"
    queue: phone-desk
    tags: [phone, seen]
  - name: late-but-more-tags
    when: customer.vip
    severity: high
    tags: [vip]
  - name: not-matching
    precedence: 100
    when: complaint.channel == "email"
    queue: email-desk
`)
	d, err := rs.Triage(context.Background(), sample(), Input{})
	require.NoError(t, err)
	assert.Equal(t, []string{"specific", "general", "late-but-more-tags"}, d.Fired)
	assert.Equal(t, "phone-desk", d.Queue, "the first rule in evaluation order owns the field")
	assert.Equal(t, "specific", d.SetBy(FieldQueue))
	assert.Equal(t, 3, d.Priority)
	assert.Equal(t, "general", d.SetBy(FieldPriority))
	assert.Equal(t, complaint.SeverityHigh, d.Severity)
	assert.Equal(t, []string{"phone", "seen", "vip"}, d.Tags, "tags are the union, in order")
	assert.Equal(t, "specific", d.SetBy(FieldTags))
	assert.Equal(t, FieldQueue|FieldPriority|FieldSeverity|FieldTags, d.Set)
	assert.False(t, d.Has(FieldCategory))
	assert.Equal(t, "", d.SetBy(FieldCategory))
	assert.Empty(t, d.Errors)
}

func TestTriageFirstMatch(t *testing.T) {
	rs := mustLoad(t, `
mode: first_match
rules:
  - name: email
    when: complaint.channel == "email"
    queue: email-desk
  - name: vip
    when: customer.vip
    queue: vip-desk
    priority: 2
  - name: everyone
    when: "true"
    queue: general
    severity: low
`)
	d, err := rs.Triage(context.Background(), sample(), Input{})
	require.NoError(t, err)
	assert.Equal(t, []string{"vip"}, d.Fired)
	assert.Equal(t, "vip-desk", d.Queue)
	assert.Equal(t, 2, d.Priority)
	assert.False(t, d.Has(FieldSeverity), "later rules do not run in first-match mode")
}

func TestTriageRuntimeErrorIsReportedAndSkipped(t *testing.T) {
	rs := mustLoad(t, `
rules:
  - name: broken
    when: complaint.custom["missing"] == "x"
    queue: broken
  - name: bad-priority
    when: "true"
    priority: "complaint.tier + 9"
    queue: never
  - name: fine
    when: complaint.custom["store"] == "sh-01"
    queue: shanghai
`)
	d, err := rs.Triage(context.Background(), sample(), Input{})
	require.NoError(t, err)
	assert.Equal(t, []string{"fine"}, d.Fired)
	assert.Equal(t, "shanghai", d.Queue)
	require.Len(t, d.Errors, 2)
	assert.Equal(t, "broken", d.Errors[0].Rule)
	assert.Equal(t, "when", d.Errors[0].Key)
	assert.Equal(t, 4, d.Errors[0].Line)
	assert.ErrorIs(t, d.Errors[0], ErrEval)
	assert.Contains(t, d.Errors[0].Error(), "missing")
	assert.Equal(t, "bad-priority", d.Errors[1].Rule)
	assert.Equal(t, "priority", d.Errors[1].Key)
	assert.Contains(t, d.Errors[1].Error(), "want 1..4")
}

func TestTriagePriorityExpression(t *testing.T) {
	rs := mustLoad(t, `
rules:
  - name: by-lifetime
    when: "true"
    priority: "customer.lifetime_complaints >= 3 ? 1 : 4"
`)
	for _, tt := range []struct{ lifetime, want int }{{1, 4}, {3, 1}, {10, 1}} {
		d, err := rs.Triage(context.Background(), sample(), Input{LifetimeComplaints: tt.lifetime})
		require.NoError(t, err)
		assert.Equal(t, tt.want, d.Priority, "lifetime %d", tt.lifetime)
	}
}

func TestTriageVariables(t *testing.T) {
	c := sample()
	in := Input{
		IntakeAt:           time.Date(2026, 11, 2, 23, 30, 0, 0, time.UTC), // Tuesday 07:30 in Shanghai
		LifetimeComplaints: 4,
		Signals:            Signals{Sentiment: -0.6, Keywords: []string{"refund", "quality"}, Language: "mixed"},
	}
	tests := []struct{ when string }{
		{`complaint.channel == "phone" && channel == "phone"`},
		{`complaint.id.startsWith("01J") && complaint.tenant == "acme"`},
		{`complaint.subject == "Dryer STOPPED working"`},
		{`text.contains("dryer stopped") && text.contains("退款")`},
		{`containsAny(text, ["nothing", "STOPPED"])`},
		{`complaint.subject.containsAny(["stopped"])`},
		{`containsAny(complaint.subject, ["dryer"])`},
		{`!containsAny(text, ["washer", "洗衣机"])`},
		{`containsAny(complaint.description, ["坏了"]) && !containsAny(complaint.description, []) `},
		{`complaint.customer.vip && customer.vip && customer.tier == "gold" && customer.name == "Mei"`},
		{`customer.lifetime_complaints == 4 && complaint.customer.lifetime_complaints == 4`},
		{`complaint.product.model == "X200" && has(complaint.product.batch) && !has(complaint.product.order_number)`},
		{`complaint.category == "product_quality" && "web-form" in complaint.tags && complaint.custom.store == "sh-01"`},
		{`complaint.status == "received" && complaint.priority == 0 && !complaint.safety && complaint.attachment_count == 0`},
		{`intake.hour == 7 && intake.minute == 30 && intake.weekday == 2`},
		{`intake.at == timestamp("2026-11-02T23:30:00Z") && complaint.created_at < intake.at + duration("1s")`},
		{`signals.sentiment < -0.5 && "refund" in signals.keywords && signals.language == "mixed"`},
		{`size(signals.keywords) == 2 && signals.keywords.exists(k, k == "quality")`},
		{`"Mei".lowerAscii() == "mei" && complaint.product.sku.split("-")[1] == "9"`},
		{`!has(complaint.occurred_at) && has(complaint.created_at)`},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			rs, err := LoadRules([]byte(fmt.Sprintf("timezone: Asia/Shanghai\nrules:\n  - name: r\n    when: '%s'\n    queue: yes\n", tt.when)), Options{})
			require.NoError(t, err)
			d, err := rs.Triage(context.Background(), c, in)
			require.NoError(t, err)
			require.Empty(t, d.Errors)
			assert.Equal(t, []string{"r"}, d.Fired)
		})
	}
}

func TestTriageIntakeDefaultsToCreatedAt(t *testing.T) {
	rs := mustLoad(t, "rules:\n  - name: r\n    when: intake.hour == 23\n    queue: q\n")
	d, err := rs.Triage(context.Background(), sample(), Input{})
	require.NoError(t, err)
	assert.Equal(t, []string{"r"}, d.Fired)
}

func TestTriageLeavesComplaintAlone(t *testing.T) {
	rs := mustLoad(t, "rules:\n  - name: r\n    when: 'true'\n    queue: q\n    priority: 1\n    tags: [x]\n")
	c := sample()
	before := c.Clone()
	d, err := rs.Triage(context.Background(), c, Input{})
	require.NoError(t, err)
	assert.Equal(t, before, c)

	d.Apply(c)
	assert.Equal(t, "q", c.Queue)
	assert.Equal(t, 1, c.Priority)
	assert.Equal(t, []string{"web-form", "x"}, c.Tags)
	assert.Equal(t, before.Category, c.Category, "fields no rule set stay")
}

func TestDecisionApplySetsOnlyWhatRulesSet(t *testing.T) {
	safety := false
	rs, err := CompileRules([]Rule{{Name: "clear", When: "true", Safety: &safety, Category: "c", Severity: complaint.SeverityLow,
		Tier: 2, SLAPolicy: "p", Priority: 4, Queue: "q"}}, Options{})
	require.NoError(t, err)
	c := sample()
	c.Safety = true
	d, err := rs.Triage(context.Background(), c, Input{})
	require.NoError(t, err)
	d.Apply(c)
	assert.False(t, c.Safety, "a rule may clear the flag")
	assert.Equal(t, "c", c.Category)
	assert.Equal(t, complaint.SeverityLow, c.Severity)
	assert.Equal(t, 2, c.Tier)
	assert.Equal(t, "p", c.SLAPolicy)
	assert.Equal(t, 4, c.Priority)

	var none Decision
	c2 := sample()
	none.Apply(c2)
	assert.Equal(t, sample(), c2)
}

func TestTriageErrors(t *testing.T) {
	rs := mustLoad(t, "rules:\n  - name: r\n    when: 'true'\n    queue: q\n")
	_, err := rs.Triage(context.Background(), nil, Input{})
	assert.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = rs.Triage(ctx, sample(), Input{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestTriageClipsOversizedInput(t *testing.T) {
	rs := mustLoad(t, `
rules:
  - name: clipped
    when: size(complaint.description) == 10000 && size(complaint.tags) == 20 && size(signals.keywords) == 32
    queue: q
`)
	c := sample()
	c.Description = strings.Repeat("长", complaint.MaxDescriptionLen+500)
	for i := range 30 {
		c.Tags = append(c.Tags, fmt.Sprintf("t%d", i))
	}
	kws := make([]string, 40)
	for i := range kws {
		kws[i] = fmt.Sprintf("k%d", i)
	}
	d, err := rs.Triage(context.Background(), c, Input{Signals: Signals{Keywords: kws}})
	require.NoError(t, err)
	assert.Equal(t, []string{"clipped"}, d.Fired)
	assert.Len(t, c.Tags, 31, "the caller's record is not clipped")
}

func TestFieldString(t *testing.T) {
	assert.Equal(t, "queue", FieldQueue.String())
	assert.Equal(t, "sla_policy", FieldSLAPolicy.String())
	assert.Equal(t, "category|tags", (FieldCategory | FieldTags).String())
	assert.Equal(t, "none", Field(0).String())
}

func TestTriageConcurrent(t *testing.T) {
	rs := loadSeedRules(t)
	var wg sync.WaitGroup
	results := make([]*Decision, 16)
	for i := range results {
		wg.Go(func() {
			c := &complaint.Complaint{Channel: "app", Subject: "冒烟", Description: "充电器冒烟了", Customer: complaint.Customer{Name: "x"}}
			d, err := rs.Triage(context.Background(), c, Input{Signals: Signals{Keywords: []string{KeywordSafety}}})
			assert.NoError(t, err)
			results[i] = d
		})
	}
	wg.Wait()
	for _, d := range results {
		assert.Equal(t, results[0].Fired, d.Fired)
		assert.Equal(t, "safety", d.Queue)
	}
}

// TestGuardsDoNotChangeDecisions checks the literal guards against plain CEL evaluation: for random rule
// sets and complaints, triage with guards (and with conditions decided by guards alone) decides exactly
// what running every program decides.
func TestGuardsDoNotChangeDecisions(t *testing.T) {
	atoms := []string{
		`complaint.channel == "phone"`, `channel == "email"`, `"web" == complaint.channel`, `complaint.channel != "phone"`,
		`complaint.category in ["delivery", "billing"]`, `complaint.category == "delivery"`,
		`customer.vip`, `!customer.vip`, `customer.vip == false`, `complaint.safety`, `complaint.safety != true`,
		`"safety" in signals.keywords`, `"refund" in signals.keywords`,
		`signals.sentiment < -0.5`, `0.2 <= signals.sentiment`, `customer.lifetime_complaints >= 3`,
		`customer.lifetime_complaints < 2.5`, `intake.hour < 12`, `intake.hour >= 18.5`, `intake.weekday != 0`,
		`signals.language == "zh"`, `customer.tier in ["gold", "platinum"]`, `complaint.product.model == "X1"`,
		`complaint.priority <= 2`, `3 > complaint.tier`,
		`containsAny(text, ["refund", "退款"])`, `text.containsAny(["BROKEN"])`, `intake.weekday in [0, 6]`,
		`(customer.vip || "safety" in signals.keywords)`, `!(complaint.channel == "phone" && customer.vip)`,
		`(signals.sentiment < 0.0 || !(intake.hour in [1, 2.0, 3]))`,
		// Not guards: evaluated by CEL.
		`complaint.subject.startsWith("A")`, `size(complaint.tags) > 1`, `complaint.custom["k"] == "v"`,
		`(complaint.custom["k"] == "v" || customer.vip)`, `containsAny(complaint.subject, ["refund"])`,
		`!(complaint.custom["k"] == "w")`,
	}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "rules")
		var b strings.Builder
		fmt.Fprintf(&b, "mode: %s\ntimezone: Asia/Shanghai\nrules:\n", rapid.SampledFrom([]string{"all_match", "first_match"}).Draw(t, "mode"))
		for i := range n {
			k := rapid.IntRange(1, 3).Draw(t, "conjuncts")
			parts := make([]string, k)
			for j := range parts {
				parts[j] = rapid.SampledFrom(atoms).Draw(t, "atom")
			}
			fmt.Fprintf(&b, "  - name: r%d\n    precedence: %d\n    when: '%s'\n    queue: q%d\n    tags: [t%d]\n",
				i, rapid.IntRange(0, 2).Draw(t, "precedence"), strings.Join(parts, " && "), i, i%3)
		}
		rs, err := LoadRules([]byte(b.String()), Options{})
		require.NoError(t, err, b.String())
		plain := withoutGuards(t, rs)

		c := &complaint.Complaint{
			Channel:  rapid.SampledFrom([]string{"phone", "email", "web"}).Draw(t, "channel"),
			Category: rapid.SampledFrom([]string{"", "delivery", "billing", "quality"}).Draw(t, "category"),
			Subject:  rapid.SampledFrom([]string{"A refund", "broken", "退款"}).Draw(t, "subject"),
			Safety:   rapid.Bool().Draw(t, "safety"),
			Priority: rapid.IntRange(0, 4).Draw(t, "priority"),
			Tier:     rapid.IntRange(0, 3).Draw(t, "tier"),
			Tags:     rapid.SliceOfN(rapid.SampledFrom([]string{"a", "b"}), 0, 2).Draw(t, "tags"),
			Customer: complaint.Customer{VIP: rapid.Bool().Draw(t, "vip"), Tier: rapid.SampledFrom([]string{"", "gold", "silver"}).Draw(t, "ctier")},
			Product:  complaint.Product{Model: rapid.SampledFrom([]string{"", "X1", "X2"}).Draw(t, "model")},
		}
		if rapid.Bool().Draw(t, "custom") {
			c.Custom = map[string]string{"k": rapid.SampledFrom([]string{"v", "w"}).Draw(t, "customv")}
		}
		in := Input{
			IntakeAt:           time.Unix(rapid.Int64Range(1_700_000_000, 1_800_000_000).Draw(t, "at"), 0),
			LifetimeComplaints: rapid.IntRange(0, 5).Draw(t, "lifetime"),
			Signals: Signals{
				Sentiment: rapid.Float64Range(-1, 1).Draw(t, "sentiment"),
				Keywords:  rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"safety", "refund", "anger"}), 0, 3, rapid.ID[string]).Draw(t, "keywords"),
				Language:  rapid.SampledFrom([]string{"zh", "en", ""}).Draw(t, "lang"),
			},
		}
		ctx := context.Background()
		got, err := rs.Triage(ctx, c, in)
		require.NoError(t, err)
		want, err := plain.Triage(ctx, c, in)
		require.NoError(t, err)
		assert.Equal(t, want.Fired, got.Fired)
		assert.Equal(t, want.Set, got.Set)
		assert.Equal(t, want.Queue, got.Queue)
		assert.Equal(t, want.Tags, got.Tags)
		assert.Equal(t, ruleNames(want.Errors), ruleNames(got.Errors))
		assert.LessOrEqual(t, got.Evaluated, want.Evaluated)
	})
}

// withoutGuards returns a copy of rs that runs every rule's CEL program, planning the programs that
// guards made unnecessary.
func withoutGuards(tb require.TestingT, rs *RuleSet) *RuleSet {
	env, err := triageEnv()
	require.NoError(tb, err)
	out := *rs
	out.rules = make([]*compiledRule, len(rs.rules))
	for i, r := range rs.rules {
		c := *r
		if c.decided {
			ex, rerr := compileExpr(env, &c.Rule, "when", c.When, nil, rs.limit, triageProgramOptions(), nil)
			require.Nil(tb, rerr)
			c.when, c.interrupt = ex.prg, ex.loops
		}
		c.guards, c.decided = nil, false
		out.rules[i] = &c
	}
	return &out
}

func ruleNames(errs []*RuleError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Rule)
	}
	return out
}

func TestGuardExtraction(t *testing.T) {
	tests := []struct {
		when    string
		guards  int
		decided bool
	}{
		{`complaint.channel == "phone"`, 1, true},
		{`complaint.channel == "phone" && customer.vip && signals.sentiment < -0.5`, 3, true},
		{`complaint.channel == "phone" && containsAny(text, ["x"])`, 2, true},
		{`complaint.channel == "phone" && complaint.subject.startsWith("x")`, 1, false},
		{`complaint.channel == "phone" || customer.vip`, 1, true},
		{`(complaint.channel == "phone" || customer.vip) && size(complaint.tags) > 0`, 1, false},
		{`!(intake.weekday in [0, 6]) && containsAny(text, ["A"]) && text.containsAny(["b"])`, 3, true},
		{`containsAny(complaint.subject, ["a"])`, 0, false},
		{`complaint.channel == "phone" || complaint.custom["k"] == "v"`, 0, false},
		{`complaint.category in ["a", "b"] && "safety" in signals.keywords`, 2, true},
		{`complaint.category in ["a", complaint.queue]`, 0, false},
		{`has(complaint.product.model)`, 0, false},
		{`customer.lifetime_complaints > 9007199254740993`, 0, false},
		{`intake.hour >= 22`, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			rs := mustLoad(t, fmt.Sprintf("rules:\n  - name: r\n    when: '%s'\n    queue: q\n", tt.when))
			require.Len(t, rs.rules, 1)
			assert.Len(t, rs.rules[0].guards, tt.guards)
			assert.Equal(t, tt.decided, rs.rules[0].decided)
		})
	}
}
