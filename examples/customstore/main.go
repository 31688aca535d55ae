package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
)

func main() {
	dir, err := os.MkdirTemp("", "customstore-")
	if err == nil {
		err = run(context.Background(), os.Stdout, dir)
		if rerr := os.RemoveAll(dir); err == nil {
			err = rerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "customstore:", err)
		os.Exit(1)
	}
}

const tenant = "acme-home"

// slaPolicy gives every complaint two SLA timers, so the journal has timers to keep.
const slaPolicy = `
default: standard
policies:
  - name: standard
    levels:
      - {name: yellow, at: 0.75}
      - {name: red, at: 1.0}
    targets:
      - name: first_response
        within: 4h
      - name: resolution
        within: 72h
`

var agentLi = complaint.Actor{ID: "agent:li", Roles: []string{complaint.RoleAgent}, Tier: complaint.TierFrontline}

var intake = []*complaint.Complaint{
	{
		Tenant: tenant, Channel: "web", ExternalRef: "web-5521",
		Customer: complaint.Customer{ID: "cust-301", Name: "陈静"},
		Product:  complaint.Product{Model: "AirPure X1", OrderNumber: "SO-90311"},
		Subject:  "净化器异响 / purifier rattles", Description: "It rattles loudly after power-on.",
		Category: "product_quality", Severity: complaint.SeverityMedium,
	},
	{
		Tenant: tenant, Channel: "phone", ExternalRef: "call-0412",
		Customer: complaint.Customer{ID: "cust-877", Name: "Tom Baker"},
		Product:  complaint.Product{Model: "AirPure X1 filter", OrderNumber: "SO-90407"},
		Subject:  "filter delivered to the wrong address", Description: "The courier left it two streets away.",
		Category: "delivery", Severity: complaint.SeverityLow,
	},
}

// run takes two complaints in on a journaled store in dir, closes it, opens it again from the
// journal and prints what survived.
func run(ctx context.Context, w io.Writer, dir string) error {
	set, err := sla.Parse([]byte(slaPolicy))
	if err != nil {
		return err
	}
	now := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	n := 0
	cfg := redress.Config{
		Now:    func() time.Time { return now },
		NewID:  func() string { n++; return fmt.Sprintf("01JCUSTOMSTORE%012d", n) },
		Random: rand.NewChaCha8([32]byte{'c', 'u', 's', 't', 'o', 'm'}),
		SLA:    set,
		Outbox: true,
	}
	path := filepath.Join(dir, "redress.journal")

	// First life: a fresh journal, two intakes and an acknowledgement, each one transaction.
	store, err := Open(ctx, path)
	if err != nil {
		return err
	}
	desk, err := redress.New(store, cfg)
	if err != nil {
		return err
	}
	var first *complaint.Complaint
	for _, in := range intake {
		c, _, err := desk.Intake(ctx, agentLi, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "took in %s (%s): %s\n", c.ID, c.TrackingCode, c.Subject)
		if first == nil {
			first = c
		}
		now = now.Add(25 * time.Minute)
	}
	if _, err := desk.Transition(ctx, redress.TransitionRequest{
		Tenant: tenant, ID: first.ID, Actor: agentLi, Trigger: complaint.TriggerAcknowledge,
		Note: "called the customer back", ExpectedVersion: first.Version,
	}); err != nil {
		return err
	}
	fmt.Fprintf(w, "acknowledged %s\n", first.ID)
	if err := store.Close(); err != nil {
		return err
	}

	if err := printJournal(w, path); err != nil {
		return err
	}

	// Second life: everything comes back from the journal.
	store, err = Open(ctx, path)
	if err != nil {
		return err
	}
	defer store.Close()
	if desk, err = redress.New(store, cfg); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nreopened; what survived:\n")
	page, err := desk.List(ctx, &storage.ComplaintListParams{Tenant: tenant})
	if err != nil {
		return err
	}
	for _, c := range page.Complaints {
		events, err := desk.Timeline(ctx, tenant, c.ID)
		if err != nil {
			return err
		}
		var timers []storage.Timer
		err = store.View(ctx, func(tx storage.ReadTx) error {
			timers, err = tx.TimerList(ctx, &storage.TimerListParams{Tenant: tenant, ComplaintID: c.ID})
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s  %-13s v%d  %d events  %s\n", c.TrackingCode, c.Status, c.Version, len(events), c.Subject)
		for _, t := range timers {
			fmt.Fprintf(w, "      timer %-26s due %s\n", t.Kind, t.DueAt.Format("01-02 15:04"))
		}
	}

	// The outbox survived too: a relay claims the waiting webhooks and acknowledges them, one more
	// transaction in the journal.
	var delivered []storage.OutboxMessage
	err = store.Update(ctx, func(tx storage.Tx) error {
		var err error
		delivered, err = tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: now, Lease: time.Minute, Limit: 100})
		if err != nil {
			return err
		}
		for _, m := range delivered {
			if err := tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: m.Tenant, ID: m.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	topics := map[string]int{}
	var order []string
	for _, m := range delivered {
		if topics[m.Topic] == 0 {
			order = append(order, m.Topic)
		}
		topics[m.Topic]++
	}
	fmt.Fprintf(w, "  outbox: %d messages delivered and acknowledged:", len(delivered))
	for _, t := range order {
		fmt.Fprintf(w, " %d %s", topics[t], t)
	}
	fmt.Fprintln(w)
	return printJournal(w, path)
}

// printJournal shows the journal as a reader of the file would see it: one line per committed
// transaction, here reduced to the names of its operations.
func printJournal(w io.Writer, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	fmt.Fprintf(w, "\n%s: %d lines, one per committed transaction\n", filepath.Base(path), len(lines))
	for i, text := range lines {
		var l line
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			return fmt.Errorf("line %d: %w", i+1, err)
		}
		names := make([]string, 0, len(l.Ops))
		for _, o := range l.Ops {
			names = append(names, o.Name)
		}
		fmt.Fprintf(w, "  %d  %s\n", i+1, strings.Join(compress(names), " "))
	}
	return nil
}

// compress writes runs of the same name once with a count: "TimerSet×2".
func compress(names []string) []string {
	var out []string
	for i := 0; i < len(names); {
		j := i
		for j < len(names) && names[j] == names[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%s×%d", names[i], j-i))
		} else {
			out = append(out, names[i])
		}
		i = j
	}
	return out
}
