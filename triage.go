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

// recentLimit bounds how many of a customer's earlier complaints intake reads for the lifetime count
// and repeat detection.
const recentLimit = 100

// triage runs before the intake transaction: it reads the customer's recent complaints (lifetime count
// for the rules, candidates for repeat detection), computes text signals once, evaluates the rules and
// applies their decision to c. It returns the attributes of the "triaged" event, or nil when there is
// nothing to record.
func (d *Desk) triage(ctx context.Context, c *complaint.Complaint) (map[string]string, error) {
	rs := d.rules.Load()
	if rs == nil && d.cfg.RepeatWithin < 0 {
		return nil, nil
	}
	var earlier []*complaint.Complaint
	if c.Customer.ID != "" {
		err := d.store.View(ctx, func(tx storage.ReadTx) error {
			page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: c.Tenant, CustomerID: c.Customer.ID, Limit: recentLimit})
			if err != nil {
				return err
			}
			earlier = page.Complaints
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("redress: reading the customer's earlier complaints: %w", err)
		}
	}
	attrs := map[string]string{}
	if rs != nil {
		sig, err := d.cfg.Analyzer.Analyze(ctx, routing.ComplaintText(c))
		if err != nil {
			return nil, fmt.Errorf("redress: text analysis: %w", err)
		}
		dec, err := rs.Triage(ctx, c, routing.Input{IntakeAt: c.CreatedAt, LifetimeComplaints: len(earlier) + 1, Signals: sig})
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
	if d.cfg.RepeatWithin > 0 {
		if r := insight.FindRepeat(c, earlier, d.cfg.RepeatWithin); r != nil {
			c.RepeatOf = r.ID
			c.AddTags("repeat")
			attrs["repeat_of"] = r.ID
		}
	}
	if len(attrs) == 0 {
		return nil, nil
	}
	return attrs, nil
}

// DefaultRepeatWithin is the window of repeat detection: a complaint by the same customer in the same
// category within it is a repeat of the earlier one.
const DefaultRepeatWithin = 30 * 24 * time.Hour
