package sla

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
)

func TestParseCondition(t *testing.T) {
	tests := []struct {
		in   string
		want Condition
		err  string
	}{
		{in: "type:received", want: Condition{Type: complaint.EventReceived}},
		{in: "trigger:acknowledge", want: Condition{Trigger: complaint.TriggerAcknowledge}},
		{in: "to:awaiting_customer", want: Condition{To: complaint.StatusAwaitingCustomer}},
		{in: " trigger:reopen   from:closed ", want: Condition{Trigger: complaint.TriggerReopen, From: complaint.StatusClosed}},
		{in: "type:received to:received", want: Condition{Type: complaint.EventReceived, To: complaint.StatusReceived}},
		{in: "", err: "empty condition"},
		{in: "received", err: "not key:value"},
		{in: "type:recieved", err: `unknown event type "recieved"`},
		{in: "trigger:acknowlege", err: `unknown trigger "acknowlege"`},
		{in: "to:waiting", err: `unknown status "waiting"`},
		{in: "status:closed", err: `unknown key "status"`},
		{in: "to:closed to:resolved", err: "names to twice"},
		{in: "from:resolved to:resolved", err: "never matches"},
		{in: "type:comment trigger:resolve", err: "only transition events have triggers"},
		{in: "type:feedback to:closed", err: "only transition events change status"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCondition(tt.in)
			if tt.err != "" {
				require.ErrorIs(t, err, ErrUnknownCondition)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			back, err := ParseCondition(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, back, "text form round-trips")
		})
	}
}

func TestConditionMatches(t *testing.T) {
	ack := complaint.Event{Type: complaint.EventTransition, Trigger: complaint.TriggerAcknowledge, From: complaint.StatusReceived, To: complaint.StatusAcknowledged}
	ask := complaint.Event{Type: complaint.EventTransition, Trigger: complaint.TriggerRequestInfo, From: complaint.StatusInvestigating, To: complaint.StatusAwaitingCustomer}
	escalate := complaint.Event{Type: complaint.EventTransition, Trigger: complaint.TriggerEscalate, From: complaint.StatusInvestigating, To: complaint.StatusInvestigating}
	received := complaint.Event{Type: complaint.EventReceived}
	comment := complaint.Event{Type: complaint.EventComment}
	custom := complaint.Event{Type: "x-crm-sync"}
	tests := []struct {
		cond  string
		event complaint.Event
		want  bool
	}{
		{"trigger:acknowledge", ack, true},
		{"trigger:acknowledge", ask, false},
		{"to:acknowledged", ack, true},
		{"from:received", ack, true},
		{"to:awaiting_customer", ask, true},
		{"from:investigating", ask, true},
		{"to:investigating", escalate, false},
		{"from:investigating", escalate, false},
		{"trigger:escalate", escalate, true},
		{"type:transition", escalate, true},
		{"type:received", received, true},
		{"to:received", received, true},
		{"type:comment", comment, true},
		{"type:comment", custom, false},
		{"trigger:acknowledge from:received", ack, true},
		{"trigger:acknowledge from:investigating", ack, false},
	}
	for _, tt := range tests {
		t.Run(tt.cond+"/"+string(tt.event.Type)+"/"+string(tt.event.Trigger), func(t *testing.T) {
			c, err := ParseCondition(tt.cond)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.Matches(&tt.event))
		})
	}
}

func TestMatch(t *testing.T) {
	c := &complaint.Complaint{Priority: 2, Severity: complaint.SeverityHigh, Category: "delivery", Safety: true,
		Customer: complaint.Customer{Tier: "gold", VIP: true}}
	plain := &complaint.Complaint{Priority: 3}
	tests := []struct {
		name       string
		m          Match
		c, notHere bool
	}{
		{"priority", Match{Priorities: []int{1, 2}}, true, false},
		{"severity", Match{Severities: []complaint.Severity{complaint.SeverityHigh}}, true, false},
		{"category", Match{Categories: []string{"delivery"}}, true, false},
		{"customer tier", Match{CustomerTiers: []string{"gold", "platinum"}}, true, false},
		{"safety", Match{Safety: true}, true, false},
		{"vip", Match{VIP: true}, true, false},
		{"all set must match", Match{Priorities: []int{2}, Categories: []string{"billing"}}, false, false},
		{"priority 3", Match{Priorities: []int{3}}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.c, tt.m.Matches(c))
			assert.Equal(t, tt.notHere, tt.m.Matches(plain))
		})
	}
}

// goodPolicy is a valid one-policy config for the error table to break.
func goodPolicy() Config {
	return Config{
		Calendars: map[string]CalendarSpec{"office": officeSpec()},
		Policies: []PolicySpec{{
			Name:     "standard",
			Calendar: "office",
			Targets: []TargetSpec{
				{Name: "first_response", Within: 24 * time.Hour, Calendar: "24x7"},
				{Name: "resolution", Within: 40 * time.Hour, Rules: []Rule{{When: Match{Priorities: []int{1}}, Within: 8 * time.Hour}}},
			},
		}},
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		kind   error
		policy string
		target string
		path   string
	}{
		{"no policies", func(c *Config) { c.Policies = nil }, ErrUnknownPolicy, "", "", "policies"},
		{"unknown default", func(c *Config) { c.Default = "gold" }, ErrUnknownPolicy, "", "", "default"},
		{"policy without name", func(c *Config) { c.Policies[0].Name = "" }, ErrBadName, "", "", "policies[0].name"},
		{"policy twice", func(c *Config) { c.Policies = append(c.Policies, c.Policies[0]) }, ErrBadName, "standard", "", "policies[1].name"},
		{"unknown policy calendar", func(c *Config) { c.Policies[0].Calendar = "ofice" }, ErrUnknownCalendar, "standard", "", "policies[0].calendar"},
		{"unknown target calendar", func(c *Config) { c.Policies[0].Targets[0].Calendar = "7x24" }, ErrUnknownCalendar, "standard", "first_response", "policies[0].targets[0].calendar"},
		{"unknown service hours", func(c *Config) { c.Policies[0].ServiceHours = "shop" }, ErrUnknownCalendar, "standard", "", "policies[0].service_hours"},
		{"redefined 24x7", func(c *Config) { c.Calendars["24x7"] = CalendarSpec{AlwaysOpen: true} }, ErrBadName, "", "", "calendars.24x7"},
		{"broken calendar", func(c *Config) { c.Calendars["office"] = CalendarSpec{Zone: "Asia/Shangai", Hours: officeSpec().Hours} }, ErrUnknownZone, "", "", "calendars.office.zone"},
		{"negative target", func(c *Config) { c.Policies[0].Targets[1].Within = -time.Hour }, ErrBadDuration, "standard", "resolution", "policies[0].targets[1].within"},
		{"missing target duration", func(c *Config) { c.Policies[0].Targets[1].Within = 0 }, ErrBadDuration, "standard", "resolution", "policies[0].targets[1].within"},
		{"negative rule", func(c *Config) { c.Policies[0].Targets[1].Rules[0].Within = -time.Hour }, ErrBadDuration, "standard", "resolution", "policies[0].targets[1].rules[0].within"},
		{"impossible priority", func(c *Config) { c.Policies[0].Targets[1].Rules[0].When.Priorities = []int{5} }, ErrBadRule, "standard", "resolution", "policies[0].targets[1].rules[0].when"},
		{"rule matching everything", func(c *Config) { c.Policies[0].Targets[1].Rules[0].When = Match{} }, ErrBadRule, "standard", "resolution", "policies[0].targets[1].rules[0].when"},
		{"unknown severity", func(c *Config) {
			c.Policies[0].Targets[1].Rules[0].When.Severities = []complaint.Severity{"urgent"}
		}, ErrBadRule, "standard", "resolution", "policies[0].targets[1].rules[0].when"},
		{"unknown trigger", func(c *Config) {
			c.Policies[0].Targets[1].Stop = []Condition{{Trigger: "solve"}}
		}, ErrUnknownCondition, "standard", "resolution", "policies[0].targets[1].stop[0]"},
		{"unknown status", func(c *Config) {
			c.Policies[0].Targets[1].Pause = []Condition{{To: "waiting"}}
		}, ErrUnknownCondition, "standard", "resolution", "policies[0].targets[1].pause[0]"},
		{"unknown event type", func(c *Config) {
			c.Policies[0].Targets[1].Start = []Condition{{Type: "created"}}
		}, ErrUnknownCondition, "standard", "resolution", "policies[0].targets[1].start[0]"},
		{"custom target never starts", func(c *Config) {
			c.Policies[0].Targets = append(c.Policies[0].Targets, TargetSpec{Name: "callback", Within: time.Hour})
		}, ErrBadTarget, "standard", "callback", "policies[0].targets[2].start"},
		{"bad target name", func(c *Config) { c.Policies[0].Targets[0].Name = "First Response" }, ErrBadName, "standard", "First Response", "policies[0].targets[0].name"},
		{"slash in target name", func(c *Config) { c.Policies[0].Targets[0].Name = "a/b" }, ErrBadName, "standard", "a/b", "policies[0].targets[0].name"},
		{"step of a final status", func(c *Config) { c.Policies[0].Targets[0].Name = "step:closed" }, ErrBadName, "standard", "step:closed", "policies[0].targets[0].name"},
		{"target twice", func(c *Config) { c.Policies[0].Targets[1].Name = "first_response" }, ErrBadName, "standard", "first_response", "policies[0].targets[1].name"},
		{"bad reopen mode", func(c *Config) { c.Policies[0].ReopenMode = "restart" }, ErrBadTarget, "standard", "", "policies[0].reopen_mode"},
		{"fractions out of order", func(c *Config) {
			c.Policies[0].Levels = []Level{{Name: "yellow", At: 0.75}, {Name: "blue", At: 0.5}}
		}, ErrBadLevels, "standard", "", "policies[0].levels[1].at"},
		{"zero fraction", func(c *Config) { c.Policies[0].Levels = []Level{{Name: "blue", At: 0}} }, ErrBadLevels, "standard", "", "policies[0].levels[0].at"},
		{"level twice", func(c *Config) {
			c.Policies[0].Targets[1].Levels = []Level{{Name: "red", At: 0.5}, {Name: "red", At: 1}}
		}, ErrBadLevels, "standard", "resolution", "policies[0].targets[1].levels[1].name"},
		{"empty notify target", func(c *Config) {
			c.Policies[0].Levels = []Level{{Name: "red", At: 1, Notify: []string{" "}}}
		}, ErrBadLevels, "standard", "", "policies[0].levels[0].notify[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := goodPolicy()
			tt.change(&cfg)
			set, err := Compile(cfg)
			require.Error(t, err)
			assert.Nil(t, set)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.ErrorIs(t, err, tt.kind)
			var ce *ConfigError
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, tt.policy, ce.Policy)
			assert.Equal(t, tt.target, ce.Target)
			assert.Equal(t, tt.path, ce.Path)
			if tt.policy != "" {
				assert.Contains(t, err.Error(), `policy "`+tt.policy+`"`)
			}
		})
	}
}

func TestCompileGoodPolicy(t *testing.T) {
	set, err := Compile(goodPolicy())
	require.NoError(t, err)
	assert.Equal(t, "standard", set.Default().Name())
	p, err := set.Policy("")
	require.NoError(t, err)
	assert.Same(t, set.Default(), p)
	_, err = set.Policy("gold")
	assert.ErrorIs(t, err, ErrUnknownPolicy)
	_, err = set.For(&complaint.Complaint{SLAPolicy: "gold"})
	assert.ErrorIs(t, err, ErrUnknownPolicy)
	p, err = set.For(&complaint.Complaint{})
	require.NoError(t, err)
	assert.Equal(t, []string{"first_response", "resolution"}, p.Targets())
	cal, ok := set.Calendar("office")
	require.True(t, ok)
	assert.Equal(t, "Asia/Shanghai", cal.Location().String())
	cal, ok = set.Calendar("24x7")
	require.True(t, ok)
	assert.True(t, cal.Always())
}

func TestParseTimerKind(t *testing.T) {
	tests := []struct {
		kind, clock, level string
		ok                 bool
	}{
		{"sla/resolution/yellow", "resolution", "yellow", true},
		{"sla/step:investigating/red", "step:investigating", "red", true},
		{"close/auto", "", "", false},
		{"sla/resolution", "", "", false},
		{"sla/resolution/", "", "", false},
		{"sla//red", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			c, l, ok := ParseTimerKind(tt.kind)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.clock, c)
			assert.Equal(t, tt.level, l)
		})
	}
}

// TestIndexesFollowLists: the switch-based indexes used to match conditions agree with the lists of
// the complaint package, so a status or trigger added there is noticed here.
func TestIndexesFollowLists(t *testing.T) {
	for i, v := range knownEventTypes {
		assert.Equal(t, uint8(i+1), typeIndex(v), v)
	}
	for i, v := range complaint.Triggers {
		assert.Equal(t, uint8(i+1), triggerIndex(v), v)
	}
	for i, v := range complaint.Statuses {
		assert.Equal(t, uint8(i+1), statusIndex(v), v)
	}
	assert.Equal(t, uint8(unknownIndex), typeIndex("x-custom"))
	assert.Equal(t, uint8(unknownIndex), triggerIndex("x-custom"))
	assert.Equal(t, uint8(unknownIndex), statusIndex("x-custom"))
}

// TestCompiledPolicyIsImmutable: changing the Config after Compile does not change the policies.
func TestCompiledPolicyIsImmutable(t *testing.T) {
	cfg := goodPolicy()
	cfg.Policies[0].Levels = []Level{{Name: "red", At: 1, Notify: []string{"manager"}}}
	set, err := Compile(cfg)
	require.NoError(t, err)
	cfg.Policies[0].Targets[1].Rules[0].When.Priorities[0] = 3
	cfg.Policies[0].Targets[1].Within = time.Minute
	cfg.Policies[0].Levels[0].Notify[0] = "nobody"

	t0 := at("UTC", "2026-09-07 00:00")
	events := []complaint.Event{{Type: complaint.EventReceived, At: t0}}
	clocks := set.Default().Clocks(&complaint.Complaint{Priority: 1}, events, t0)
	assert.Equal(t, 8*time.Hour, clocks[1].Target, "the priority-1 rule still applies")
	step, ok, err := set.Default().Fire("sla/first_response/red", nil, events, t0.Add(24*time.Hour))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []string{"manager"}, step.Notify)
}
