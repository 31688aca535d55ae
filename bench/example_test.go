package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/redresshq/redress/routing"
)

// The rule file the intake benchmarks triage with: 100 rules, here deciding the first sample
// complaint (a charger that smoked) at 10:30 on a Monday in Shanghai.
func Example_rules100() {
	src, err := os.ReadFile("testdata/rules100.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	rs, err := routing.LoadRules(src, routing.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	c := intakeSamples()[0]
	sig, err := routing.DefaultLexicon().Analyze(ctx, routing.ComplaintText(c))
	if err != nil {
		fmt.Println(err)
		return
	}
	dec, err := rs.Triage(ctx, c, routing.Input{IntakeAt: time.Date(2026, 11, 2, 2, 30, 0, 0, time.UTC), LifetimeComplaints: 1, Signals: sig})
	if err != nil {
		fmt.Println(err)
		return
	}
	dec.Apply(c)
	fmt.Println("rules:", rs.Len())
	fmt.Println("fired:", strings.Join(dec.Fired, ", "))
	fmt.Printf("category=%s severity=%s priority=%d queue=%s tier=%d sla=%s safety=%v\n",
		c.Category, c.Severity, c.Priority, c.Queue, c.Tier, c.SLAPolicy, c.Safety)
	fmt.Println("tags:", strings.Join(c.Tags, ", "))
	// Output:
	// rules: 100
	// fired: safety-hazard, vip-strong-negative, keyword-urgent, keyword-quality, channel-phone-topic-00, text-topic-07, text-topic-17, sentiment-history-00, sentiment-history-05, intake-hour-01, product-line-00, with-evidence, many-keywords, after-sales-default
	// category=service_attitude severity=critical priority=1 queue=safety tier=3 sla=safety safety=true
	// tags: safety, vip, angry, kw-urgent, kw-quality, topic-0, text-7, unhappy-returning, shift-1, line-0, evidence, many-keywords
}
