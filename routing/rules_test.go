package routing

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
)

func TestLoadRulesErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		opts      Options
		kind      error
		rule, key string
		line, col int
		msg       string
	}{
		{name: "malformed yaml", src: "rules: [\n", kind: ErrSyntax, line: 1, col: 8, msg: "']' not found"},
		{name: "empty file", src: "", kind: ErrSyntax, line: 1, col: 1, msg: "empty"},
		{name: "two documents", src: "rules: []\n---\nrules: []\n", kind: ErrSyntax, line: 3, msg: "2 YAML documents"},
		{name: "top level list", src: "- a\n", kind: ErrSyntax, line: 1, col: 1, msg: "want a mapping"},
		{name: "no rules key", src: "mode: all_match\n", kind: ErrSyntax, msg: "no rules key"},
		{name: "unknown top key", src: "rulez: []\n", kind: ErrSyntax, key: "rulez", line: 1, col: 1, msg: `unknown key "rulez"`},
		{name: "rules not a list", src: "rules: {a: 1}\n", kind: ErrSyntax, key: "rules", line: 1, msg: "want a list"},
		{name: "bad mode", src: "mode: sometimes\nrules: []\n", kind: ErrInvalidValue, key: "mode", line: 1, col: 7},
		{name: "bad timezone", src: "timezone: Mars/Olympus\nrules: []\n", kind: ErrInvalidValue, key: "timezone", line: 1, col: 11},
		{name: "bad version", src: "version: 2\nrules: []\n", kind: ErrInvalidValue, key: "version", line: 1, col: 10},
		{name: "alias", src: "rules:\n  - &r {name: a, when: 'true', queue: q}\n  - *r\n", kind: ErrSyntax, line: 3, col: 5, msg: "aliases"},
		{name: "merge key", src: "rules:\n  - <<: {a: 1}\n    name: a\n", kind: ErrSyntax, line: 2, msg: "merge keys"},
		{name: "tag", src: "rules:\n  - name: !!str a\n    when: 'true'\n    queue: q\n", kind: ErrSyntax, key: "name", line: 2, msg: "tags"},
		{name: "rule not a map", src: "rules:\n  - just text\n", kind: ErrSyntax, line: 2, col: 5, msg: "want a mapping"},
		{name: "unknown rule key", src: "rules:\n  - name: a\n    when: 'true'\n    queeu: q\n", kind: ErrSyntax, rule: "a", key: "queeu", line: 4, col: 5},
		{name: "duplicate key", src: "rules:\n  - name: a\n    when: 'true'\n    queue: q\n    queue: r\n", kind: ErrSyntax, line: 5, col: 5},
		{name: "missing name", src: "rules:\n  - when: 'true'\n    queue: q\n", kind: ErrInvalidValue, key: "name", line: 2, col: 5},
		{name: "missing when", src: "rules:\n  - name: a\n    queue: q\n", kind: ErrInvalidValue, rule: "a", key: "when", line: 2, col: 5},
		{name: "sets nothing", src: "rules:\n  - name: a\n    when: 'true'\n", kind: ErrInvalidValue, rule: "a", line: 2, col: 5, msg: "sets nothing"},
		{name: "duplicate names", src: "rules:\n  - name: a\n    when: 'true'\n    queue: q\n  - name: a\n    when: 'true'\n    queue: r\n",
			kind: ErrDuplicateRule, rule: "a", key: "name", line: 5, col: 11, msg: "line 2"},
		{name: "unknown variable", src: "rules:\n  - name: a\n    when: complaint.channel == \"x\" && customr.vip\n    queue: q\n",
			kind: ErrCompile, rule: "a", key: "when", line: 3, col: 39, msg: "customr"},
		{name: "unknown field", src: "rules:\n  - name: a\n    when: complaint.chanel == 'x'\n    queue: q\n",
			kind: ErrCompile, rule: "a", key: "when", line: 3, col: 20, msg: "chanel"},
		{name: "type error", src: "rules:\n  - name: a\n    when: 'complaint.priority == \"high\"'\n    queue: q\n",
			kind: ErrCompile, rule: "a", key: "when", line: 3, col: 31, msg: "no matching overload"},
		{name: "syntax error in expression", src: "rules:\n  - name: a\n    when: complaint.priority >\n    queue: q\n",
			kind: ErrCompile, rule: "a", key: "when", line: 3},
		{name: "non-bool when", src: "rules:\n  - name: a\n    when: complaint.priority + 1\n    queue: q\n",
			kind: ErrResultType, rule: "a", key: "when", line: 3, col: 11, msg: "want bool"},
		{name: "non-int priority", src: "rules:\n  - name: a\n    when: 'true'\n    priority: 'complaint.queue'\n",
			kind: ErrResultType, rule: "a", key: "priority", line: 4, col: 16, msg: "want int"},
		{name: "priority out of range", src: "rules:\n  - name: a\n    when: 'true'\n    priority: 7\n", kind: ErrInvalidValue, rule: "a", key: "priority", line: 4, col: 15},
		{name: "bad severity", src: "rules:\n  - name: a\n    when: 'true'\n    severity: awful\n", kind: ErrInvalidValue, rule: "a", key: "severity", line: 4, col: 15},
		{name: "tier out of range", src: "rules:\n  - name: a\n    when: 'true'\n    tier: 4\n", kind: ErrInvalidValue, rule: "a", key: "tier", line: 4, col: 11},
		{name: "tier not a number", src: "rules:\n  - name: a\n    when: 'true'\n    tier: expert\n", kind: ErrSyntax, rule: "a", key: "tier", line: 4, col: 11},
		{name: "tag with space", src: "rules:\n  - name: a\n    when: 'true'\n    tags: [ok, not ok]\n", kind: ErrInvalidValue, rule: "a", key: "tags", line: 4},
		{name: "safety not a bool", src: "rules:\n  - name: a\n    when: 'true'\n    safety: maybe\n", kind: ErrSyntax, rule: "a", key: "safety", line: 4, col: 13},
		{name: "over the cost limit",
			src:  "rules:\n  - name: a\n    when: complaint.tags.all(t, complaint.tags.all(u, text.contains(t + u)))\n    queue: q\n",
			opts: Options{CostLimit: 1000}, kind: ErrTooCostly, rule: "a", key: "when", line: 3, col: 11, msg: "exceeds the limit 1000"},
		{name: "over the default cost limit",
			src:  "rules:\n  - name: a\n    when: complaint.tags.all(t, complaint.tags.all(u, complaint.tags.all(v, text.contains(t + u + v))))\n    queue: q\n",
			kind: ErrTooCostly, rule: "a", key: "when", line: 3, col: 11},
		{name: "block scalar position", src: "rules:\n  - name: a\n    when: |\n      complaint.channel == \"x\" &&\n        unknown > 1\n    queue: q\n",
			kind: ErrCompile, rule: "a", key: "when", line: 5, col: 9, msg: "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := LoadRules([]byte(tt.src), tt.opts)
			require.Error(t, err)
			assert.Nil(t, rs)
			assert.ErrorIs(t, err, tt.kind)
			var re *RuleError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.rule, re.Rule)
			assert.Equal(t, tt.key, re.Key)
			if tt.line > 0 {
				assert.Equal(t, tt.line, re.Line, "line")
			}
			if tt.col > 0 {
				assert.Equal(t, tt.col, re.Column, "column")
			}
			assert.Contains(t, err.Error(), tt.msg)
			if tt.rule != "" {
				assert.Contains(t, err.Error(), `rule "`+tt.rule+`"`)
			}
		})
	}
}

func TestLoadRulesReportsEveryBadRule(t *testing.T) {
	src := `rules:
  - name: first
    when: nope
    queue: q
  - name: fine
    when: "true"
    queue: q
  - name: third
    when: complaint.priority
    queue: q
`
	_, err := LoadRules([]byte(src), Options{})
	list := RuleErrors(err)
	require.Len(t, list, 2)
	assert.Equal(t, "first", list[0].Rule)
	assert.ErrorIs(t, list[0], ErrCompile)
	assert.Equal(t, 3, list[0].Line)
	assert.Equal(t, "third", list[1].Rule)
	assert.ErrorIs(t, list[1], ErrResultType)
	assert.Equal(t, 9, list[1].Line)
	assert.Nil(t, RuleErrors(nil))
	assert.Nil(t, RuleErrors(errors.New("other")))
}

func TestLoadRulesFileSettings(t *testing.T) {
	src := `version: 1
mode: first_match
timezone: Asia/Shanghai
rules:
  - name: low
    when: "true"
    queue: general
  - name: high
    precedence: 10
    description: runs first
    when: "true"
    queue: urgent
    safety: false
    tags: [a]
  - name: off
    disabled: true
    when: "true"
    queue: never
`
	rs, err := LoadRules([]byte(src), Options{Mode: AllMatch, Location: time.UTC})
	require.NoError(t, err)
	assert.Equal(t, FirstMatch, rs.Mode(), "the file's mode wins over the option")
	assert.Equal(t, "Asia/Shanghai", rs.Location().String())
	assert.Equal(t, 3, rs.Len())
	rules := rs.Rules()
	require.Len(t, rules, 3)
	assert.Equal(t, []string{"high", "low", "off"}, []string{rules[0].Name, rules[1].Name, rules[2].Name})
	assert.Equal(t, "runs first", rules[0].Description)
	assert.Equal(t, 8, rules[0].Line)
	require.NotNil(t, rules[0].Safety)
	assert.False(t, *rules[0].Safety)
	assert.True(t, rules[2].Disabled)

	// Rules returns copies: changing them does not change the set.
	rules[0].Tags[0] = "changed"
	*rules[0].Safety = true
	again := rs.Rules()
	assert.Equal(t, []string{"a"}, again[0].Tags)
	assert.False(t, *again[0].Safety)
}

func TestLoadRulesDefaults(t *testing.T) {
	rs, err := LoadRules([]byte("rules: []\n"), Options{})
	require.NoError(t, err)
	assert.Equal(t, AllMatch, rs.Mode())
	assert.Equal(t, time.UTC, rs.Location())
	assert.Equal(t, 0, rs.Len())

	rs, err = LoadRules([]byte("rules: []\n"), Options{Mode: FirstMatch})
	require.NoError(t, err)
	assert.Equal(t, FirstMatch, rs.Mode(), "the option applies when the file is silent")
}

func TestCompileRulesInGo(t *testing.T) {
	safety := true
	rs, err := CompileRules([]Rule{
		{Name: "fire", When: `"safety" in signals.keywords`, Priority: 1, Safety: &safety, Queue: "safety"},
		{Name: "rest", When: "true", PriorityExpr: "customer.vip ? 2 : 3"},
	}, Options{})
	require.NoError(t, err)
	assert.Equal(t, 2, rs.Len())

	tests := []struct {
		name string
		rule Rule
		kind error
		key  string
	}{
		{"both priorities", Rule{Name: "x", When: "true", Priority: 1, PriorityExpr: "1"}, ErrInvalidValue, "priority"},
		{"priority range", Rule{Name: "x", When: "true", Priority: 5}, ErrInvalidValue, "priority"},
		{"name too long", Rule{Name: strings.Repeat("n", MaxNameLen+1), When: "true", Queue: "q"}, ErrInvalidValue, "name"},
		{"control character in name", Rule{Name: "a\nb", When: "true", Queue: "q"}, ErrInvalidValue, "name"},
		{"too many tags", Rule{Name: "x", When: "true", Tags: strings.Fields(strings.Repeat("t ", complaint.MaxTags+1))}, ErrInvalidValue, "tags"},
		{"long queue", Rule{Name: "x", When: "true", Queue: strings.Repeat("q", complaint.MaxShortFieldLen+1)}, ErrInvalidValue, "queue"},
		{"bad expression", Rule{Name: "x", When: "complaint.nope", Queue: "q"}, ErrCompile, "when"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CompileRules([]Rule{tt.rule}, Options{})
			require.ErrorIs(t, err, tt.kind)
			var re *RuleError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.key, re.Key)
			assert.Zero(t, re.Line, "rules built in Go have no position")
			assert.NotContains(t, re.Error(), "line")
		})
	}

	_, err = CompileRules(nil, Options{Mode: "sometimes"})
	assert.ErrorIs(t, err, ErrInvalidValue)
}

func TestRuleErrorMessage(t *testing.T) {
	e := &RuleError{Rule: "r", Key: "when", Line: 3, Column: 7, Err: ErrCompile}
	assert.Equal(t, `routing: line 3, column 7: rule "r": when: expression does not compile`, e.Error())
	assert.Equal(t, "routing: malformed rule file", (&RuleError{Err: ErrSyntax}).Error())
}

func TestLoadRulesReadsJSON(t *testing.T) {
	rs, err := LoadRules([]byte(`{"mode": "first_match", "rules": [{"name": "vip", "when": "customer.vip", "priority": 1, "tags": ["vip"]}]}`), Options{})
	require.NoError(t, err)
	assert.Equal(t, FirstMatch, rs.Mode())
	require.Equal(t, 1, rs.Len())
	assert.Equal(t, 1, rs.Rules()[0].Priority)
}

func TestReadsLifetimeComplaints(t *testing.T) {
	for _, tc := range []struct {
		rules []Rule
		want  bool
	}{
		{[]Rule{{Name: "vip", When: "customer.vip", Tags: []string{"vip"}}}, false},
		{[]Rule{{Name: "vip", When: "customer.vip", Tags: []string{"vip"}},
			{Name: "frequent", When: "customer.lifetime_complaints >= 3", Tags: []string{"frequent"}}}, true},
		{[]Rule{{Name: "raise", When: "true", PriorityExpr: "complaint.customer.lifetime_complaints > 5 ? 1 : 3"}}, true},
	} {
		rs, err := CompileRules(tc.rules, Options{})
		require.NoError(t, err)
		assert.Equal(t, tc.want, rs.ReadsLifetimeComplaints(), "%+v", tc.rules)
	}
}
