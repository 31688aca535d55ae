package routing_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/routing"
)

func ExampleRuleSet_Triage() {
	rs, err := routing.LoadRules([]byte(`
timezone: Asia/Shanghai
rules:
  - name: safety
    precedence: 10
    when: '"safety" in signals.keywords'
    priority: 1
    safety: true
    queue: safety
    sla_policy: safety
  - name: vip-angry
    when: customer.vip && signals.sentiment <= -0.5
    priority: 2
    tags: [vip]
  - name: default
    precedence: -10
    when: "true"
    priority: 3
    queue: after-sales
    sla_policy: standard
`), routing.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	c := &complaint.Complaint{
		Channel:     "wechat",
		Subject:     "电暖器冒烟",
		Description: "电暖器用了十分钟就冒烟了，太危险了！",
		Customer:    complaint.Customer{Name: "王女士", VIP: true},
	}
	sig, _ := routing.DefaultLexicon().Analyze(ctx, routing.ComplaintText(c))
	d, err := rs.Triage(ctx, c, routing.Input{IntakeAt: time.Date(2026, 11, 3, 2, 0, 0, 0, time.UTC), Signals: sig})
	if err != nil {
		fmt.Println(err)
		return
	}
	d.Apply(c)
	fmt.Println("keywords:", sig.Keywords)
	fmt.Println("fired:", d.Fired)
	fmt.Println("priority", c.Priority, "from", d.SetBy(routing.FieldPriority))
	fmt.Println("queue", c.Queue, "policy", c.SLAPolicy, "tags", c.Tags)
	// Output:
	// keywords: [safety]
	// fired: [safety vip-angry default]
	// priority 1 from safety
	// queue safety policy safety tags [vip]
}

func ExamplePolicy_Authorize() {
	p := routing.DefaultPolicies()
	ctx := context.Background()
	c := &complaint.Complaint{Queue: "after-sales"}
	frontline := routing.Actor{ID: "li", Roles: []string{"agent"}, Tier: complaint.TierFrontline}
	expert := routing.Actor{ID: "zhao", Roles: []string{"agent"}, Tier: complaint.TierExpert}

	err := p.Authorize(ctx, frontline, routing.ActionCompensate, c, map[string]any{"amount": 500})
	var denied *routing.DeniedError
	if errors.As(err, &denied) {
		fmt.Println("denied by", denied.Rule+":", denied.Reason)
	}
	fmt.Println("expert:", p.Authorize(ctx, expert, routing.ActionCompensate, c, map[string]any{"amount": 500}))
	// Output:
	// denied by frontline-money-limit: the front line may grant at most 200; hand the complaint to an expert
	// expert: <nil>
}

func ExampleAssigner_Assign() {
	agents := []routing.Agent{
		{ID: "ann", Queues: []string{"after-sales"}, Tier: 1, Capacity: 2, Available: true},
		{ID: "bob", Queues: []string{"after-sales"}, Tier: 1, Capacity: 10, Available: true},
		{ID: "cai", Queues: []string{"after-sales"}, Tier: 2, Available: false},
	}
	loads := map[string]int{"ann": 2, "bob": 4}
	var as routing.Assigner
	id, err := as.Assign(routing.LeastLoaded, routing.Task{Queue: "after-sales"}, agents, loads)
	fmt.Println(id, err)

	_, err = as.Assign(routing.LeastLoaded, routing.Task{Queue: "after-sales", Tier: 2}, agents, loads)
	fmt.Println(errors.Is(err, routing.ErrNoAgent))
	// Output:
	// bob <nil>
	// true
}

func ExampleLexicon_Analyze() {
	s, _ := routing.DefaultLexicon().Analyze(context.Background(), "没有人受伤，但是充电器冒烟了。我要退款！")
	fmt.Println(s.Keywords, s.Language, s.Sentiment < 0)
	// Output:
	// [safety refund] zh true
}

func ExampleLive() {
	initial, _ := routing.LoadRules([]byte("rules:\n  - name: all\n    when: 'true'\n    queue: general\n"), routing.Options{})
	live := routing.NewLiveRules(initial, routing.Options{})

	err := live.Reload([]byte("rules:\n  - name: broken\n    when: complaint.nope\n    queue: x\n"))
	fmt.Println(err)
	fmt.Println("still in use:", live.Load().Rules()[0].Name)
	// Output:
	// routing: line 3, column 20: rule "broken": when: expression does not compile: undefined field 'nope'
	// still in use: all
}
