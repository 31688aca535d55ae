package routing

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// ruleFileSeeds are valid and broken rule files. They run as unit tests on every go test, and seed
// go test -fuzz=FuzzLoadRules.
func ruleFileSeeds(t testing.TB) [][]byte {
	seeds := [][]byte{
		[]byte("rules: []\n"),
		[]byte("mode: first_match\ntimezone: Europe/Paris\nrules:\n  - name: a\n    when: customer.vip\n    priority: 1\n"),
		[]byte("rules:\n  - name: a\n    when: |\n      containsAny(text, [\"退款\", \"refund\"]) &&\n        signals.sentiment < -0.5\n    tags: [x]\n"),
		[]byte("rules:\n  - {name: a, when: 'complaint.tags.exists(t, t == \"x\")', priority: 'customer.vip ? 1 : 2'}\n"),
		[]byte("rules: [\n"),
		[]byte("rules:\n  - name: a\n    when: complaint.\n    queue: q\n"),
		[]byte("rules:\n  - &a {name: a, when: 'true', queue: q}\n  - *a\n"),
		[]byte("rules:\n  - name: a\n    when: 'true'\n    queue: q\n  - name: a\n    when: 'true'\n    queue: q\n"),
		[]byte("? [a, b]\n: c\n"),
		[]byte("rules:\n  - name: a\n    when: \"\\x00\"\n    queue: q\n"),
		[]byte("rules:\n  - name: a\n    when: complaint.tags.all(a, complaint.tags.all(b, complaint.tags.all(c, text.contains(a+b+c))))\n    queue: q\n"),
		[]byte("%YAML 1.2\n---\nrules: []\n...\n"),
		[]byte("rules:\n  - name: a\n    tier: 99999999999999999999\n"),
		[]byte("\t\x00\xff"),
		benchRuleFile(5),
	}
	if src, err := os.ReadFile("testdata/seed_rules.yaml"); err == nil {
		seeds = append(seeds, src)
	} else {
		t.Fatal(err)
	}
	return seeds
}

func checkLoad(t testing.TB, src []byte) {
	rs, err := LoadRules(src, Options{})
	if err != nil {
		require.Nil(t, rs)
		require.NotEmpty(t, RuleErrors(err), "every load error is a *RuleError: %v", err)
		return
	}
	require.NotNil(t, rs)
	d, err := rs.Triage(context.Background(), sample(), Input{Signals: Signals{Keywords: []string{"refund"}}})
	require.NoError(t, err)
	require.NotNil(t, d)
}

func FuzzLoadRules(f *testing.F) {
	for _, s := range ruleFileSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src []byte) { checkLoad(t, src) })
}

func TestRuleFileSeeds(t *testing.T) {
	for _, s := range ruleFileSeeds(t) {
		checkLoad(t, s)
	}
}

func FuzzLoadPolicies(f *testing.F) {
	f.Add(DefaultPolicySource())
	f.Add([]byte("default: allow\nrules:\n  - name: a\n    effect: deny\n    when: params.x > 1\n"))
	f.Add([]byte("rules:\n  - name: a\n    effect: maybe\n"))
	f.Add([]byte("default: [\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := LoadPolicies(src, Options{})
		if err != nil {
			require.Nil(t, p)
			require.NotEmpty(t, RuleErrors(err), "every load error is a *RuleError: %v", err)
			return
		}
		err = p.Authorize(context.Background(), Actor{ID: "a", Tier: 1}, ActionCompensate, sample(), map[string]any{"amount": 10})
		if err != nil {
			require.ErrorIs(t, err, ErrDenied)
		}
	})
}

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"", "充电器冒烟起火，孩子被烫伤", "not satisfied!!", "没有人受伤", "\xff\xfe", "no one was hurt but it's on fire"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := DefaultLexicon().Analyze(context.Background(), text)
		require.NoError(t, err)
		require.True(t, s.Sentiment >= -1 && s.Sentiment <= 1)
		require.Equal(t, lowerText(text), lowerText(lowerText(text)), "lower-casing is idempotent")
	})
}
