// Command quickstart takes one complaint from intake to close on an in-memory store and prints its
// timeline: the smallest complete use of the redress Desk.
//
//	go run ./examples/quickstart
//
// The clock, IDs and tracking-code randomness are fixed so the output is the same on every run (a test
// checks it); a real embedder leaves them at their defaults.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage/memory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// script is the story: who does what, and how long after the previous step.
var script = []struct {
	after   time.Duration
	actor   complaint.Actor
	trigger complaint.Trigger
	note    string
}{
	{40 * time.Minute, agentLi, complaint.TriggerAcknowledge, "已致电客户，承诺24小时内给出初步结论 / called the customer, findings promised within 24 h"},
	{2 * time.Hour, agentLi, complaint.TriggerInvestigate, "meter and strips sent to the lab"},
	{5 * time.Hour, agentLi, complaint.TriggerRequestInfo, "please send the strip batch number"},
	{3 * time.Hour, customer, complaint.TriggerCustomerReplied, "batch B2611-07"},
	{20 * time.Hour, expertMa, complaint.TriggerResolve, "strip batch B2611-07 faulty; replacement sent"},
	{26 * time.Hour, customer, complaint.TriggerConfirm, "readings match the clinic now, thanks"},
}

var (
	agentLi  = complaint.Actor{ID: "agent:li", Roles: []string{complaint.RoleAgent}, Tier: complaint.TierFrontline}
	expertMa = complaint.Actor{ID: "expert:ma", Roles: []string{complaint.RoleAgent}, Tier: complaint.TierExpert}
	customer = complaint.Actor{ID: "customer:wang", Roles: []string{complaint.RoleCustomer}}
)

func run(ctx context.Context, w io.Writer) error {
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	n := 0
	desk, err := redress.New(memory.New(), redress.Config{
		Now:    func() time.Time { return now },
		NewID:  func() string { n++; return fmt.Sprintf("01JQUICKSTART%013d", n) },
		Random: bytes.NewReader([]byte("quickstart-seed!")),
	})
	if err != nil {
		return err
	}

	c, _, err := desk.Intake(ctx, agentLi, &complaint.Complaint{
		Tenant:      "acme-medical",
		Channel:     "phone",
		ExternalRef: "call-20261124-0931",
		Customer:    complaint.Customer{ID: "cust-8812", Name: "王芳", Contact: "+86 138 0000 0000", VIP: true},
		Product:     complaint.Product{Model: "GlucoSure BG-200", Batch: "B2611", OrderNumber: "SO-77120"},
		Subject:     "血糖仪读数偏高 / meter reads high",
		Description: "Readings are about 3 mmol/L higher than the clinic's.",
		Category:    "product_quality",
		Severity:    complaint.SeverityHigh,
		Safety:      true,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "complaint %s received, tracking code %s\n", c.ID, c.TrackingCode)

	for _, step := range script {
		now = now.Add(step.after)
		c, err = desk.Transition(ctx, redress.TransitionRequest{
			Tenant: c.Tenant, ID: c.ID, Actor: step.actor, Trigger: step.trigger, Note: step.note,
			ExpectedVersion: c.Version,
		})
		if err != nil {
			return fmt.Errorf("%s: %w", step.trigger, err)
		}
	}

	events, err := desk.Timeline(ctx, c.Tenant, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\ntimeline (%d events):\n", len(events))
	for _, ev := range events {
		change := string(ev.To)
		if ev.From != "" {
			change = fmt.Sprintf("%s -> %s", ev.From, ev.To)
		}
		fmt.Fprintf(w, "%2d  %s  %-14s %-40s %s\n", ev.Seq, ev.At.In(now.Location()).Format("01-02 15:04"), ev.Actor, change, ev.Note)
	}

	view, err := desk.TrackLookup(ctx, c.Tenant, c.TrackingCode)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nthe customer's view of %s: %s, %d public steps, open for %s\n",
		view.TrackingCode, view.Status, len(view.Events), c.ClosedAt.Sub(c.CreatedAt))
	return nil
}
