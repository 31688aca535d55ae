package routing

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
)

func TestDefaultPolicies(t *testing.T) {
	p := DefaultPolicies()
	assert.Equal(t, Deny, p.Default())
	assert.Positive(t, p.Len())

	agent := func(tier int, queues ...string) Actor {
		return Actor{ID: "a", Roles: []string{"agent"}, Tier: tier, Queues: queues}
	}
	customer := Actor{ID: "c", Roles: []string{"customer"}}
	system := Actor{ID: "sys", Roles: []string{"system"}}
	ordinary := &complaint.Complaint{Queue: "after-sales"}
	safety := &complaint.Complaint{Queue: "safety", Safety: true}
	amount := func(v any) map[string]any { return map[string]any{"amount": v} }

	tests := []struct {
		name   string
		actor  Actor
		action string
		c      *complaint.Complaint
		params map[string]any
		denied string // rule name, "" when allowed
	}{
		{"frontline acknowledges", agent(1), string(complaint.TriggerAcknowledge), ordinary, nil, ""},
		{"frontline resolves", agent(1), string(complaint.TriggerResolve), ordinary, nil, ""},
		{"frontline compensates 150", agent(1), ActionCompensate, ordinary, amount(150), ""},
		{"frontline compensates 200.0", agent(1), ActionCompensate, ordinary, amount(200.0), ""},
		{"frontline compensates 200.5", agent(1), ActionRefund, ordinary, amount(200.5), "frontline-money-limit"},
		{"frontline compensates 500", agent(1), ActionCompensate, ordinary, amount(500), "frontline-money-limit"},
		{"frontline compensates without amount", agent(1), ActionCompensate, ordinary, nil, "money-needs-amount"},
		{"frontline compensates a text amount", agent(1), ActionCompensate, ordinary, amount("lots"), "money-needs-amount"},
		{"frontline compensates a negative amount", agent(1), ActionCompensate, ordinary, amount(-5), "money-needs-amount"},
		{"frontline replaces", agent(1), ActionReplace, ordinary, nil, ""},
		{"frontline rejects", agent(1), string(complaint.TriggerReject), ordinary, nil, DefaultRule},
		{"frontline reopens", agent(1), string(complaint.TriggerReopen), ordinary, nil, DefaultRule},
		{"frontline closes a safety complaint", agent(1), string(complaint.TriggerClose), safety, nil, "safety-closure-special-team"},
		{"frontline resolves a safety complaint", agent(1), string(complaint.TriggerResolve), safety, nil, ""},
		{"frontline outside its queue", agent(1, "billing"), string(complaint.TriggerResolve), ordinary, nil, "own-queues-only"},
		{"frontline in its queue", agent(1, "billing", "after-sales"), string(complaint.TriggerResolve), ordinary, nil, ""},
		{"expert compensates 500", agent(2), ActionCompensate, ordinary, amount(500), ""},
		{"expert compensates 2000", agent(2), ActionCompensate, ordinary, amount(2000), ""},
		{"expert compensates 2500", agent(2), ActionCompensate, ordinary, amount(2500), "expert-money-limit"},
		{"expert rejects", agent(2), string(complaint.TriggerReject), ordinary, nil, ""},
		{"expert closes safety", agent(2), ActionCloseSafety, safety, nil, "safety-closure-special-team"},
		{"special team compensates 10000", agent(3), ActionCompensate, ordinary, amount(10000), ""},
		{"special team closes safety", agent(3), ActionCloseSafety, safety, nil, ""},
		{"special team closes a safety complaint", agent(3, "billing"), string(complaint.TriggerClose), safety, nil, ""},
		{"special team does something new", agent(3), "export", nil, nil, ""},
		{"frontline opens a problem", agent(1), "problem_open", nil, nil, DefaultRule},
		{"expert opens a problem", agent(2, "after-sales"), "problem_open", nil, nil, ""},
		{"expert works a problem", agent(2), "problem_change", nil, nil, ""},
		{"expert closes a problem", agent(2), "problem_close", nil, nil, DefaultRule},
		{"special team closes a problem", agent(3), "problem_close", nil, nil, ""},
		{"customer withdraws", customer, string(complaint.TriggerWithdraw), ordinary, nil, ""},
		{"customer confirms a safety complaint", customer, string(complaint.TriggerConfirm), safety, nil, ""},
		{"customer resolves", customer, string(complaint.TriggerResolve), ordinary, nil, DefaultRule},
		{"customer compensates", customer, ActionCompensate, ordinary, amount(10), DefaultRule},
		{"system escalates", system, string(complaint.TriggerEscalate), ordinary, nil, ""},
		{"system closes by timeout", system, string(complaint.TriggerClose), ordinary, nil, ""},
		{"system closes a safety complaint", system, string(complaint.TriggerClose), safety, nil, "safety-closure-special-team"},
		{"system rejects", system, string(complaint.TriggerReject), ordinary, nil, DefaultRule},
		{"nobody", Actor{ID: "x"}, string(complaint.TriggerAcknowledge), ordinary, nil, DefaultRule},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Authorize(context.Background(), tt.actor, tt.action, tt.c, tt.params)
			if tt.denied == "" {
				assert.NoError(t, err)
				return
			}
			var d *DeniedError
			require.ErrorAs(t, err, &d)
			assert.ErrorIs(t, err, ErrDenied)
			assert.Equal(t, tt.denied, d.Rule)
			assert.Equal(t, tt.action, d.Action)
			assert.Equal(t, tt.actor.ID, d.Actor)
			assert.NotEmpty(t, d.Reason)
			assert.Contains(t, err.Error(), tt.denied)
		})
	}
}

func TestDefaultPolicySourceIsACopy(t *testing.T) {
	src := DefaultPolicySource()
	src[0] = 'X'
	assert.NotEqual(t, src[0], DefaultPolicySource()[0])
	_, err := LoadPolicies(DefaultPolicySource(), Options{})
	assert.NoError(t, err)
}

func TestPolicyFailsClosed(t *testing.T) {
	p, err := LoadPolicies([]byte(`
rules:
  - name: broken-deny
    effect: deny
    when: params.flag
    reason: needs a flag
  - name: everyone
    effect: allow
    when: "true"
`), Options{})
	require.NoError(t, err)
	err = p.Authorize(context.Background(), Actor{ID: "a"}, "resolve", nil, nil)
	var d *DeniedError
	require.ErrorAs(t, err, &d)
	assert.Equal(t, "broken-deny", d.Rule)
	assert.ErrorIs(t, err, ErrEval, "the evaluation error is kept")
	var re *RuleError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 5, re.Line)

	assert.NoError(t, p.Authorize(context.Background(), Actor{ID: "a"}, "resolve", nil, map[string]any{"flag": false}))
	assert.ErrorAs(t, p.Authorize(context.Background(), Actor{ID: "a"}, "resolve", nil, map[string]any{"flag": "yes"}), &d, "a non-bool result fails closed")
}

func TestPolicyAllowErrorsGrantNothing(t *testing.T) {
	p, err := LoadPolicies([]byte(`
default: deny
rules:
  - name: broken-allow
    effect: allow
    when: params.level > 1
`), Options{})
	require.NoError(t, err)
	err = p.Authorize(context.Background(), Actor{ID: "a"}, "resolve", nil, nil)
	var d *DeniedError
	require.ErrorAs(t, err, &d)
	assert.Equal(t, DefaultRule, d.Rule)
	assert.ErrorIs(t, err, ErrEval, "the failed allow rule is reported")
	assert.NoError(t, p.Authorize(context.Background(), Actor{ID: "a"}, "resolve", nil, map[string]any{"level": 2}))
}

func TestPolicyDefaultAllow(t *testing.T) {
	p, err := LoadPolicies([]byte(`
default: allow
rules:
  - name: no-refunds-on-weekends
    effect: deny
    when: action == "refund" && params.weekend == true
    reason: refunds wait for Monday
  - name: off
    effect: deny
    disabled: true
    when: "true"
`), Options{})
	require.NoError(t, err)
	assert.Equal(t, Allow, p.Default())
	assert.Equal(t, 2, p.Len())
	ctx := context.Background()
	assert.NoError(t, p.Authorize(ctx, Actor{ID: "a"}, "refund", nil, map[string]any{"weekend": false}))
	assert.NoError(t, p.Authorize(ctx, Actor{ID: "a"}, "resolve", nil, nil))
	err = p.Authorize(ctx, Actor{ID: "a"}, "refund", nil, map[string]any{"weekend": true})
	var d *DeniedError
	require.ErrorAs(t, err, &d)
	assert.Equal(t, "refunds wait for Monday", d.Reason)
}

func TestPolicyVariables(t *testing.T) {
	p, err := LoadPolicies([]byte(`
rules:
  - name: all
    effect: allow
    when: >-
      actor.id == "a1" && "lead" in actor.roles && actor.tier == 2 && "billing" in actor.queues &&
      action == "refund" && complaint.queue == "billing" && complaint.customer.vip &&
      params.amount == 12.5 && params.note.startsWith("ok") && containsAny(complaint.subject, ["BROKEN"])
`), Options{})
	require.NoError(t, err)
	c := &complaint.Complaint{Queue: "billing", Subject: "broken kettle", Customer: complaint.Customer{VIP: true}}
	a := Actor{ID: "a1", Roles: []string{"lead"}, Tier: 2, Queues: []string{"billing"}}
	assert.NoError(t, p.Authorize(context.Background(), a, "refund", c, map[string]any{"amount": 12.5, "note": "ok then"}))
}

func TestPolicyLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		kind error
		rule string
		line int
	}{
		{"bad default", "default: maybe\nrules: []\n", ErrInvalidValue, "", 1},
		{"no rules", "default: deny\n", ErrSyntax, "", 1},
		{"unknown key", "rules: []\nextra: 1\n", ErrSyntax, "", 2},
		{"bad effect", "rules:\n  - name: a\n    effect: permit\n    when: 'true'\n", ErrInvalidValue, "a", 3},
		{"unknown variable", "rules:\n  - name: a\n    effect: allow\n    when: user.tier > 1\n", ErrCompile, "a", 4},
		{"non-bool", "rules:\n  - name: a\n    effect: allow\n    when: actor.tier\n", ErrResultType, "a", 4},
		{"duplicate", "rules:\n  - name: a\n    effect: allow\n    when: 'true'\n  - name: a\n    effect: deny\n    when: 'true'\n", ErrDuplicateRule, "a", 5},
		{"unknown rule key", "rules:\n  - name: a\n    effect: allow\n    when: 'true'\n    because: x\n", ErrSyntax, "a", 5},
		{"missing when", "rules:\n  - name: a\n    effect: allow\n", ErrInvalidValue, "a", 2},
		{"missing name", "rules:\n  - effect: allow\n    when: 'true'\n", ErrInvalidValue, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := LoadPolicies([]byte(tt.src), Options{})
			assert.Nil(t, p)
			require.ErrorIs(t, err, tt.kind)
			var re *RuleError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.rule, re.Rule)
			assert.Equal(t, tt.line, re.Line)
		})
	}
	_, err := CompilePolicies(nil, "sometimes", Options{})
	assert.ErrorIs(t, err, ErrInvalidValue)
	p, err := CompilePolicies([]PolicyRule{{Name: "x", Effect: Allow, When: "true"}}, "", Options{})
	require.NoError(t, err)
	assert.Equal(t, Deny, p.Default())
}

func TestAuthorizeBadCalls(t *testing.T) {
	p := DefaultPolicies()
	assert.Error(t, p.Authorize(context.Background(), Actor{ID: "a", Tier: 3}, "", nil, nil))
	err := p.Authorize(context.Background(), Actor{ID: "a", Tier: 1}, ActionCompensate, nil, map[string]any{"amount": func() {}})
	assert.ErrorIs(t, err, ErrDenied, "a value policies cannot read fails closed")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, p.Authorize(ctx, Actor{ID: "a", Tier: 3}, "resolve", nil, nil), context.Canceled)
}

func TestActorFromAndActions(t *testing.T) {
	a := ActorFrom(complaint.Actor{ID: "u", Roles: []string{complaint.RoleAgent}, Tier: 2}, "billing")
	assert.Equal(t, Actor{ID: "u", Roles: []string{"agent"}, Tier: 2, Queues: []string{"billing"}}, a)
	assert.Nil(t, ActorFrom(complaint.Actor{ID: "u"}).Roles)

	acts := Actions()
	for _, tr := range complaint.Triggers {
		assert.Contains(t, acts, string(tr))
	}
	assert.Contains(t, acts, ActionCloseSafety)
	assert.Len(t, acts, len(complaint.Triggers)+6)
}
