package routing

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
)

// The benchmark rule set: n rules in five shapes that real rule files have, generated once as CEL and
// once as Go closures over the same parameters, so both sides test the same conditions.

var (
	benchChannels   = []string{"phone", "email", "web", "app", "wechat", "weibo", "store"}
	benchCategories = []string{"delivery", "billing", "product_quality", "after_sales", "service", "medical_device", "installation", "warranty"}
	benchKeywords   = []string{"anger", "safety", "injury", "refund", "legal", "media", "urgent", "repeat", "quality", "delivery"}
	benchWords      = [][]string{
		{"充电", "电池", "battery"}, {"屏幕", "screen", "display"}, {"安装", "install", "setup"},
		{"发票", "invoice", "receipt"}, {"客服", "agent", "hotline"}, {"保修", "warranty", "guarantee"},
		{"配件", "accessory", "cable"}, {"包装", "packaging", "box"},
	}
)

// goInput is what the hand-written Go version reads: the same values the CEL rules see.
type goInput struct {
	c    *complaint.Complaint
	in   *Input
	text string // lower-cased subject and description, computed once per complaint like triage does
	hour int
}

type goRule struct {
	name string
	cond func(*goInput) bool
	r    Rule
}

// containsAnyGo is what a person would write over the lower-cased text with lower-case words.
func containsAnyGo(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func hasKeyword(kws []string, k string) bool {
	for _, x := range kws {
		if x == k {
			return true
		}
	}
	return false
}

func quoteList(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = fmt.Sprintf("%q", w)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func benchRules(n int) []goRule {
	out := make([]goRule, 0, n)
	for i := range n {
		ch := benchChannels[i%len(benchChannels)]
		cat := benchCategories[i%len(benchCategories)]
		kw := benchKeywords[i%len(benchKeywords)]
		words := benchWords[i%len(benchWords)]
		thr := -0.1 - float64(i%8)/10
		lifetime := i % 6
		hour := 8 + i%14
		r := Rule{Name: fmt.Sprintf("rule-%03d", i), Tags: []string{fmt.Sprintf("t%d", i%20)}}
		var cond func(*goInput) bool
		switch i % 5 {
		case 0:
			r.When = fmt.Sprintf("complaint.channel == %q && signals.sentiment < %.1f", ch, thr)
			r.Queue = "q-" + ch
			cond = func(g *goInput) bool { return g.c.Channel == ch && g.in.Signals.Sentiment < thr }
		case 1:
			r.When = fmt.Sprintf("complaint.category == %q && containsAny(text, %s)", cat, quoteList(words))
			r.Priority = 1 + i%4
			cond = func(g *goInput) bool { return g.c.Category == cat && containsAnyGo(g.text, words) }
		case 2:
			r.When = fmt.Sprintf("%q in signals.keywords && customer.lifetime_complaints > %d", kw, lifetime)
			r.Severity = complaint.SeverityHigh
			cond = func(g *goInput) bool {
				return hasKeyword(g.in.Signals.Keywords, kw) && g.in.LifetimeComplaints > lifetime
			}
		case 3:
			r.When = fmt.Sprintf("customer.vip && intake.hour >= %d && complaint.product.model.startsWith(\"X\")", hour)
			r.SLAPolicy = "vip"
			cond = func(g *goInput) bool {
				return g.c.Customer.VIP && g.hour >= hour && strings.HasPrefix(g.c.Product.Model, "X")
			}
		case 4:
			r.When = fmt.Sprintf("containsAny(text, %s) || signals.sentiment < %.1f", quoteList(words), thr-0.2)
			r.Category = cat
			cond = func(g *goInput) bool { return containsAnyGo(g.text, words) || g.in.Signals.Sentiment < thr-0.2 }
		}
		out = append(out, goRule{name: r.Name, cond: cond, r: r})
	}
	return out
}

func benchComplaint() (*complaint.Complaint, Input) {
	c := &complaint.Complaint{
		Channel:  "wechat",
		Subject:  "洗衣机漏水，客服一直不处理",
		Category: "product_quality",
		Description: "上周买的洗衣机(型号 XQG-100)用了三次就开始漏水，地板都泡坏了。打了三次客服热线都说会有人联系，" +
			"到现在也没有任何回复，太失望了。希望尽快上门维修或者换货，不然我只能去12315投诉。",
		Customer: complaint.Customer{ID: "c-1", Name: "王女士", VIP: true, Tier: "gold"},
		Product:  complaint.Product{Model: "XQG-100"},
	}
	sig, _ := DefaultLexicon().Analyze(context.Background(), ComplaintText(c))
	return c, Input{IntakeAt: time.Date(2026, 11, 3, 6, 30, 0, 0, time.UTC), LifetimeComplaints: 3, Signals: sig}
}

// triageGo is the hand-written baseline: the same conditions, the same all-match field precedence.
func triageGo(rules []goRule, c *complaint.Complaint, in *Input, loc *time.Location) *Decision {
	g := &goInput{c: c, in: in, text: lowerText(ComplaintText(c)), hour: in.IntakeAt.In(loc).Hour()}
	d := &Decision{}
	for i := range rules {
		if rules[i].cond(g) {
			d.take(&compiledRule{Rule: rules[i].r, set: rules[i].r.sets()}, rules[i].r.Priority)
		}
	}
	return d
}

func mustRuleSet(tb testing.TB, rules []goRule) *RuleSet {
	list := make([]Rule, len(rules))
	for i, r := range rules {
		list[i] = r.r
	}
	rs, err := CompileRules(list, Options{Location: shanghai(tb)})
	require.NoError(tb, err)
	return rs
}

func shanghai(tb testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(tb, err)
	return loc
}

func BenchmarkTriage100Rules(b *testing.B) {
	rules := benchRules(100)
	rs := mustRuleSet(b, rules)
	c, in := benchComplaint()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rs.Triage(ctx, c, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTriage100Go(b *testing.B) {
	rules := benchRules(100)
	c, in := benchComplaint()
	loc := shanghai(b)
	b.ReportAllocs()
	for b.Loop() {
		triageGo(rules, c, &in, loc)
	}
}

// BenchmarkTriage100RulesUnguarded runs the same set with literal guards switched off: every condition
// runs as CEL. It shows what the guards save, and what CEL alone costs.
func BenchmarkTriage100RulesUnguarded(b *testing.B) {
	rules := benchRules(100)
	rs := withoutGuards(b, mustRuleSet(b, rules))
	c, in := benchComplaint()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rs.Triage(ctx, c, in); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRuleFile(n int) []byte {
	var b strings.Builder
	b.WriteString("mode: all_match\ntimezone: Asia/Shanghai\nrules:\n")
	for _, r := range benchRules(n) {
		fmt.Fprintf(&b, "  - name: %s\n    when: '%s'\n    tags: [%s]\n", r.r.Name, r.r.When, r.r.Tags[0])
		if r.r.Queue != "" {
			fmt.Fprintf(&b, "    queue: %s\n", r.r.Queue)
		}
		if r.r.Priority != 0 {
			fmt.Fprintf(&b, "    priority: %d\n", r.r.Priority)
		}
	}
	return []byte(b.String())
}

func BenchmarkLoad500Rules(b *testing.B) {
	src := benchRuleFile(500)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadRules(src, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyze(b *testing.B) {
	c, _ := benchComplaint()
	text := ComplaintText(c)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DefaultLexicon().Analyze(ctx, text); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthorize(b *testing.B) {
	p := DefaultPolicies()
	actor := Actor{ID: "a-1", Roles: []string{"agent"}, Tier: 1, Queues: []string{"after-sales"}}
	c := &complaint.Complaint{Queue: "after-sales"}
	params := map[string]any{"amount": 150}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Authorize(ctx, actor, ActionCompensate, c, params); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad500RawCEL is the floor under BenchmarkLoad500Rules: the same 500 conditions compiled
// and planned one after the other with cel-go alone, no YAML, no checks of ours.
func BenchmarkLoad500RawCEL(b *testing.B) {
	env, err := triageEnv()
	require.NoError(b, err)
	rules := benchRules(500)
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range rules {
			ast, iss := env.Compile(r.r.When)
			if iss.Err() != nil {
				b.Fatal(iss.Err())
			}
			if _, err := env.Program(ast); err != nil {
				b.Fatal(err)
			}
		}
	}
}
