// Command triage shows the routing package at work: it loads the example rule file (rules.yaml), reads a
// batch of sample complaints in Chinese and English (complaints.json), analyzes their text, triages
// them, assigns each to an agent of its queue, and checks a few actions against the default
// authorization policy. It prints every decision with the rules that fired.
//
//	go run ./examples/triage
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/routing"
)

//go:embed rules.yaml
var rulesYAML []byte

//go:embed complaints.json
var samplesJSON []byte

// sample is one entry of complaints.json: the complaint as the intake form gives it, with the time it
// came in and the customer's history.
type sample struct {
	IntakeAt           time.Time           `json:"intake_at"`
	LifetimeComplaints int                 `json:"lifetime_complaints"`
	Complaint          complaint.Complaint `json:"complaint"`
}

// agents staff the queues the example rules route to.
var agents = []routing.Agent{
	{ID: "li.na", Queues: []string{"after-sales", "logistics", "billing"}, Skills: []string{"zh"}, Tier: 1, Capacity: 20, Available: true},
	{ID: "sam.o", Queues: []string{"after-sales", "logistics", "billing"}, Skills: []string{"en"}, Tier: 1, Capacity: 20, Available: true},
	{ID: "zhao.q", Queues: []string{"quality", "escalations", "medical"}, Skills: []string{"zh", "en"}, Tier: 2, Capacity: 10, Available: true},
	{ID: "wu.h", Queues: []string{"safety", "medical", "escalations"}, Skills: []string{"zh", "en"}, Tier: 3, Capacity: 5, Available: true},
	{ID: "he.j", Queues: []string{"safety"}, Skills: []string{"zh"}, Tier: 3, Capacity: 5, Available: false}, // off shift
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "triage:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	ctx := context.Background()
	rs, err := routing.LoadRules(rulesYAML, routing.Options{})
	if err != nil {
		return fmt.Errorf("rules.yaml: %w", err)
	}
	var samples []sample
	if err := json.Unmarshal(samplesJSON, &samples); err != nil {
		return fmt.Errorf("complaints.json: %w", err)
	}
	fmt.Fprintf(w, "%d rules (%s, %s), %d complaints\n", rs.Len(), rs.Mode(), rs.Location(), len(samples))

	analyzer := routing.DefaultLexicon()
	var assigner routing.Assigner
	loads := map[string]int{"li.na": 6, "sam.o": 4, "zhao.q": 3, "wu.h": 1}
	for i, s := range samples {
		c := &s.Complaint
		if err := c.Validate(); err != nil {
			return fmt.Errorf("complaint %d: %w", i+1, err)
		}
		sig, err := analyzer.Analyze(ctx, routing.ComplaintText(c))
		if err != nil {
			return err
		}
		d, err := rs.Triage(ctx, c, routing.Input{IntakeAt: s.IntakeAt, LifetimeComplaints: s.LifetimeComplaints, Signals: sig})
		if err != nil {
			return err
		}
		d.Apply(c)

		fmt.Fprintf(w, "\n#%d %s · %s (%s, %s)\n", i+1, c.Channel, c.Subject, c.Customer.Name, s.IntakeAt.Format("Mon 15:04"))
		fmt.Fprintf(w, "  signals   sentiment %+.2f, keywords [%s], language %s\n", sig.Sentiment, strings.Join(sig.Keywords, " "), sig.Language)
		fmt.Fprintf(w, "  decision  category=%s severity=%s priority=%d safety=%t queue=%s tier=%d sla=%s\n",
			c.Category, c.Severity, c.Priority, c.Safety, c.Queue, c.Tier, c.SLAPolicy)
		fmt.Fprintf(w, "  set by    priority←%s queue←%s sla←%s\n",
			d.SetBy(routing.FieldPriority), d.SetBy(routing.FieldQueue), d.SetBy(routing.FieldSLAPolicy))
		fmt.Fprintf(w, "  tags      [%s]\n", strings.Join(c.Tags, " "))
		fmt.Fprintf(w, "  fired     %s\n", strings.Join(d.Fired, ", "))
		for _, e := range d.Errors {
			fmt.Fprintf(w, "  error     %v\n", e)
		}

		task := routing.TaskFor(c)
		task.Skills = []string{sig.Language}
		if sig.Language == "mixed" {
			task.Skills = nil
		}
		id, err := assigner.Assign(routing.SkillBased, task, agents, loads)
		var none *routing.NoAgentError
		switch {
		case errors.As(err, &none):
			fmt.Fprintf(w, "  agent     none: %v\n", err)
		case err != nil:
			return err
		default:
			loads[id]++
			fmt.Fprintf(w, "  agent     %s (skill-based, now %d open)\n", id, loads[id])
		}
	}

	fmt.Fprintln(w, "\nauthorization (default policy)")
	policy := routing.DefaultPolicies()
	safety := &complaint.Complaint{Queue: "safety", Safety: true}
	ordinary := &complaint.Complaint{Queue: "after-sales"}
	for _, chk := range []struct {
		actor  routing.Actor
		action string
		c      *complaint.Complaint
		params map[string]any
	}{
		{routing.Actor{ID: "li.na", Roles: []string{"agent"}, Tier: 1}, routing.ActionCompensate, ordinary, map[string]any{"amount": 150}},
		{routing.Actor{ID: "li.na", Roles: []string{"agent"}, Tier: 1}, routing.ActionCompensate, ordinary, map[string]any{"amount": 800}},
		{routing.Actor{ID: "zhao.q", Roles: []string{"agent"}, Tier: 2}, routing.ActionCompensate, ordinary, map[string]any{"amount": 800}},
		{routing.Actor{ID: "zhao.q", Roles: []string{"agent"}, Tier: 2}, string(complaint.TriggerClose), safety, nil},
		{routing.Actor{ID: "wu.h", Roles: []string{"agent"}, Tier: 3}, string(complaint.TriggerClose), safety, nil},
	} {
		verdict := "allowed"
		if err := policy.Authorize(ctx, chk.actor, chk.action, chk.c, chk.params); err != nil {
			var denied *routing.DeniedError
			if !errors.As(err, &denied) {
				return err
			}
			verdict = "denied by " + denied.Rule
		}
		amount := ""
		if a, ok := chk.params["amount"]; ok {
			amount = fmt.Sprintf(" %v", a)
		}
		safe := ""
		if chk.c.Safety {
			safe = " (safety complaint)"
		}
		fmt.Fprintf(w, "  %-6s tier %d  %s%s%s: %s\n", chk.actor.ID, chk.actor.Tier, chk.action, amount, safe, verdict)
	}
	return nil
}
