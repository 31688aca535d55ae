package sla

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
)

func TestSeedPolicies(t *testing.T) {
	set, err := Parse(SeedYAML())
	require.NoError(t, err)
	assert.Equal(t, "standard", set.Default().Name())
	names := []string{}
	for _, p := range set.Policies() {
		names = append(names, p.Name())
	}
	assert.Equal(t, []string{"standard", "quality", "safety"}, names)

	received := at("Asia/Shanghai", "2026-09-07 10:00")
	events := []complaint.Event{{Type: complaint.EventReceived, At: received}}
	allowed := func(policy, clock string, c *complaint.Complaint) time.Duration {
		p, err := set.Policy(policy)
		require.NoError(t, err)
		for _, clk := range p.Clocks(c, events, received) {
			if clk.Name == clock {
				return clk.Target
			}
		}
		t.Fatalf("policy %s has no clock %s", policy, clock)
		return 0
	}
	tests := []struct {
		policy, clock string
		c             *complaint.Complaint
		want          time.Duration
	}{
		{"standard", "first_response", &complaint.Complaint{}, 24 * time.Hour},                                       // seed 000: ordinary after-sales
		{"standard", "first_response", &complaint.Complaint{Priority: 1}, 2 * time.Hour},                             // top priority
		{"standard", "first_response", &complaint.Complaint{Customer: complaint.Customer{VIP: true}}, 4 * time.Hour}, // VIP
		{"standard", "follow_up", &complaint.Complaint{}, 48 * time.Hour},                                            // seed 000: follow-up
		{"quality", "first_response", &complaint.Complaint{}, time.Hour},                                             // seed 003: golden hour
		{"quality", "first_check", &complaint.Complaint{}, 2 * time.Hour},                                            // seed 003: first check
		{"quality", "first_findings", &complaint.Complaint{}, 24 * time.Hour},                                        // seed 003: first findings
		{"safety", "first_response", &complaint.Complaint{Safety: true}, 2 * time.Hour},                              // seed 000: medical devices
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, allowed(tt.policy, tt.clock, tt.c), "%s/%s", tt.policy, tt.clock)
	}
	// Each call is a fresh copy.
	a := SeedYAML()
	a[0] = 'X'
	assert.NotEqual(t, a[0], SeedYAML()[0])
}

func TestParseErrorsHaveLineAndColumn(t *testing.T) {
	const base = `calendars:
  office:
    zone: Asia/Shanghai
    hours:
      mon-fri: ["09:00-12:00", "13:00-18:00"]
policies:
  - name: standard
    calendar: office
    targets:
      - name: resolution
        within: 40h
`
	tests := []struct {
		name       string
		old, new   string
		kind       error
		line, col  int
		policy     string
		target     string
		msgContain string
	}{
		{"unknown key", "        within: 40h\n", "        within: 40h\n        withn: 2h\n", ErrSyntax, 12, 9, "", "", "unknown field"},
		{"malformed duration", "within: 40h", "within: 40 hours", ErrBadDuration, 11, 9, "standard", "resolution", "not a duration"},
		{"negative duration", "within: 40h", "within: -1h", ErrBadDuration, 11, 9, "standard", "resolution", "negative"},
		{"malformed interval", `"13:00-18:00"`, `"13:00-1800"`, ErrBadInterval, 5, 32, "", "", "not a time of day"},
		{"overlapping intervals", `"13:00-18:00"`, `"11:00-18:00"`, ErrOverlap, 5, 7, "", "", "overlaps"},
		{"unknown zone", "Asia/Shanghai", "Asia/Peking", ErrUnknownZone, 3, 5, "", "", "Asia/Peking"},
		{"unknown calendar", "calendar: office", "calendar: offices", ErrUnknownCalendar, 8, 5, "standard", "", "offices"},
		{"unknown trigger", "        within: 40h\n", "        within: 40h\n        stop: [\"trigger:solve\"]\n", ErrUnknownCondition, 12, 16, "standard", "resolution", `"solve"`},
		{"bad holiday", "    hours:\n", "    holidays: [2026-02-30]\n    hours:\n", ErrBadDate, 4, 16, "", "", "not a date"},
		{"wrong type", "within: 40h", "within: [40h]", ErrSyntax, 11, 17, "", "", ""},
		{"fractions out of order", "    calendar: office\n", "    calendar: office\n    levels: [{name: red, at: 1}, {name: yellow, at: 0.75}]\n", ErrBadLevels, 9, 49, "standard", "", "increasing"},
		{"broken YAML", "  - name: standard\n", "  - name: standard\n   bad indent: [\n", ErrSyntax, 0, 0, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Contains(t, base, tt.old)
			src := strings.Replace(base, tt.old, tt.new, 1)
			set, err := Parse([]byte(src))
			require.Error(t, err)
			assert.Nil(t, set)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.ErrorIs(t, err, tt.kind)
			var ce *ConfigError
			require.True(t, errors.As(err, &ce))
			if tt.line > 0 {
				assert.Equal(t, tt.line, ce.Line, "line in %s", err)
				assert.Equal(t, tt.col, ce.Column, "column in %s", err)
			} else {
				assert.Positive(t, ce.Line, "a syntax error names its line: %s", err)
			}
			assert.Equal(t, tt.policy, ce.Policy)
			assert.Equal(t, tt.target, ce.Target)
			assert.Contains(t, err.Error(), tt.msgContain)
		})
	}
}

func TestParseReportsEveryProblemOnce(t *testing.T) {
	src := `default: gold
policies:
  - name: standard
    targets:
      - name: resolution
        within: 2 days
      - name: callback
        within: 1h
`
	_, err := Parse([]byte(src))
	var es ConfigErrors
	require.True(t, errors.As(err, &es))
	require.Len(t, es, 3, "%s", err)
	assert.ErrorIs(t, es[0], ErrUnknownPolicy) // line 1
	assert.ErrorIs(t, es[1], ErrBadDuration)   // line 6; not also reported as missing
	assert.ErrorIs(t, es[2], ErrBadTarget)     // callback never starts
	assert.Equal(t, []int{1, 6, 7}, []int{es[0].Line, es[1].Line, es[2].Line})
}

func TestLoadLimitsSize(t *testing.T) {
	big := bytes.Repeat([]byte("# padding\n"), MaxFileSize/10+1)
	_, err := Load(bytes.NewReader(big))
	assert.ErrorIs(t, err, ErrSyntax)
	set, err := Load(bytes.NewReader(SeedYAML()))
	require.NoError(t, err)
	assert.Equal(t, "standard", set.Default().Name())
}

// TestConfigYAMLRoundTrip keeps the file format and Config in step: a Config written as YAML (with
// the yaml tags and text forms of Config) reads back as the same Config.
func TestConfigYAMLRoundTrip(t *testing.T) {
	cfg := goodPolicy()
	cfg.Default = "standard"
	cfg.Policies[0].ReopenMode = ReopenReset
	cfg.Policies[0].ServiceHours = "office"
	cfg.Policies[0].Levels = []Level{{Name: "warn", At: 0.6, Notify: []string{"role:supervisor"}}, {Name: "late", At: 1, Reassign: "experts", RaiseTier: true, Note: "late"}}
	cfg.Policies[0].Targets = append(cfg.Policies[0].Targets, TargetSpec{
		Name:   "callback",
		Within: 90 * time.Minute,
		Start:  []Condition{{Trigger: complaint.TriggerRequestInfo}},
		Stop:   []Condition{{From: complaint.StatusAwaitingCustomer}},
		Reset:  []Condition{{Type: complaint.EventReceived}},
		Reopen: []Condition{{Trigger: complaint.TriggerReopen, From: complaint.StatusClosed}},
		Rules: []Rule{{When: Match{Severities: []complaint.Severity{complaint.SeverityCritical}, Safety: true, VIP: true,
			CustomerTiers: []string{"gold"}, Categories: []string{"billing"}}, Within: 30 * time.Minute}},
		ReopenMode: ReopenResume,
		Calendar:   "24x7",
	})
	data, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	pc, _, err := parseConfig(data)
	require.NoError(t, err, "%s", data)
	require.Empty(t, pc.errs)
	assert.Equal(t, cfg, pc.Config, "%s", data)
}

// FuzzParse: whatever the bytes, Parse returns a usable set or configuration errors, never a panic.
func FuzzParse(f *testing.F) {
	f.Add(SeedYAML())
	f.Add([]byte("policies: [{name: a, targets: [{name: resolution, within: 1h}]}]"))
	f.Add([]byte("calendars: {c: {hours: {mon: ['09:00-10:00']}, holidays: [2026-01-01]}}\npolicies: [{name: a, calendar: c, targets: [{name: step:investigating, within: 1h, stop: ['to:resolved']}]}]"))
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("policies:\n  - &p {name: a, targets: [{name: x, within: 1h, start: ['type:received']}]}\n  - *p\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := Parse(data)
		if err != nil {
			require.Nil(t, set)
			require.ErrorIs(t, err, ErrInvalid)
			var es ConfigErrors
			require.True(t, errors.As(err, &es))
			require.NotEmpty(t, es)
			return
		}
		require.NotNil(t, set.Default())
		at := time.Date(2026, 9, 7, 10, 0, 0, 0, time.UTC)
		for _, p := range set.Policies() {
			clocks := p.Clocks(&complaint.Complaint{}, []complaint.Event{{Type: complaint.EventReceived, At: at}}, at.Add(time.Hour))
			require.Len(t, clocks, len(p.Targets()))
		}
	})
}
