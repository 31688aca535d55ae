package redress

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/insight"
	"github.com/redresshq/redress/routing"
	"github.com/redresshq/redress/storage"
)

// SetRules replaces the triage rule set for the intakes that follow; nil turns triage off. Load and
// compile the new set first (routing.LoadRules): a file that fails to load never reaches the Desk, so
// the set in use stays.
func (d *Desk) SetRules(rs *routing.RuleSet) { d.rules.Store(rs) }

// Rules returns the triage rule set in use, or nil.
func (d *Desk) Rules() *routing.RuleSet { return d.rules.Load() }

// repeatCandidates bounds how many of the customer's recent complaints in the category intake reads
// when the newest one was marked duplicate (a duplicate only mirrors its original, so it is skipped);
// otherwise intake reads the newest alone.
const repeatCandidates = 8

// triage runs before the intake transaction, in one read snapshot: it counts the customer's earlier
// complaints (lifetime_complaints for the rules) without reading them, computes text signals once,
// evaluates the rules and applies their decision to c, then reads the customer's newest complaint in
// the category the rules chose (more when that one is a duplicate), for repeat detection. It returns the attributes of
// the "triaged" event, or nil when there is nothing to record.
func (d *Desk) triage(ctx context.Context, c *complaint.Complaint) (map[string]string, error) {
	rs := d.rules.Load()
	if rs == nil && d.cfg.RepeatWithin < 0 && d.cfg.Assignment == nil {
		return nil, nil
	}
	var attrs map[string]string
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		var err error
		attrs, err = d.triageIn(ctx, tx, rs, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(attrs) == 0 {
		return nil, nil
	}
	return attrs, nil
}

// triageIn is triage inside its read transaction.
func (d *Desk) triageIn(ctx context.Context, tx storage.ReadTx, rs *routing.RuleSet, c *complaint.Complaint) (map[string]string, error) {
	attrs := map[string]string{}
	if rs != nil {
		lifetime := 1 // this complaint
		if c.Customer.ID != "" && rs.ReadsLifetimeComplaints() {
			// One group: a count(*) over the stores' customer index, which reads the index alone.
			counts, err := tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: c.Tenant, CustomerID: c.Customer.ID})
			if err != nil {
				return nil, fmt.Errorf("redress: counting the customer's earlier complaints: %w", err)
			}
			for _, n := range counts {
				lifetime += int(n.N)
			}
		}
		sig, err := d.cfg.Analyzer.Analyze(ctx, routing.ComplaintText(c))
		if err != nil {
			return nil, fmt.Errorf("redress: text analysis: %w", err)
		}
		dec, err := rs.Triage(ctx, c, routing.Input{IntakeAt: c.CreatedAt, LifetimeComplaints: lifetime, Signals: sig})
		if err != nil {
			return nil, fmt.Errorf("redress: triage: %w", err)
		}
		dec.Apply(c)
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("redress: the triage rules produced an invalid record (fix the rule file): %w", err)
		}
		attrs["rules"] = strings.Join(dec.Fired, ",")
		attrs["sentiment"] = strconv.FormatFloat(sig.Sentiment, 'f', 2, 64)
		attrs["language"] = sig.Language
		if len(sig.Keywords) > 0 {
			attrs["keywords"] = strings.Join(sig.Keywords, ",")
		}
		if len(dec.Errors) > 0 {
			names := make([]string, len(dec.Errors))
			for i, e := range dec.Errors {
				names[i] = e.Rule
				d.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "triage rule failed", slog.String("rule", e.Rule), slog.String("error", e.Error()))
			}
			attrs["rule_errors"] = strings.Join(names, ",")
		}
	}
	if d.cfg.RepeatWithin > 0 && c.Customer.ID != "" && c.Category != "" {
		recent := func(limit int) (*storage.ComplaintPage, error) {
			page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: c.Tenant, CustomerID: c.Customer.ID,
				Category: c.Category, CreatedFrom: c.CreatedAt.Add(-d.cfg.RepeatWithin), Limit: limit})
			if err != nil {
				return nil, fmt.Errorf("redress: reading the customer's recent complaints: %w", err)
			}
			return page, nil
		}
		page, err := recent(1)
		if err == nil && len(page.Complaints) == 1 && page.Complaints[0].Status == complaint.StatusDuplicate {
			page, err = recent(repeatCandidates)
		}
		if err != nil {
			return nil, err
		}
		if r := insight.FindRepeat(c, page.Complaints, d.cfg.RepeatWithin); r != nil {
			c.RepeatOf = r.ID
			c.AddTags("repeat")
			attrs["repeat_of"] = r.ID
		}
	}
	id, err := d.assign(ctx, tx, c)
	if err != nil {
		return nil, err
	}
	if id != "" {
		c.Assignee = id
		attrs["assignee"] = id
	}
	return attrs, nil
}

// DefaultRepeatWithin is the window of repeat detection: a complaint by the same customer in the same
// category within it is a repeat of the earlier one.
const DefaultRepeatWithin = 30 * 24 * time.Hour
