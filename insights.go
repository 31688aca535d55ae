package redress

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/insight"
	"github.com/redresshq/redress/storage"
)

// Insight: the store aggregates (counts, sums, per-complaint milestones, score tallies) and the insight
// package derives the figures. Nothing here reads complaints one by one.

// KPIs computes the KPI report; aggregation runs in the store.
//
// The window's figures cover the complaints created in [From, To) that match the query's category,
// queue and agent: first-response and resolution times (business time on Config.Calendar when set,
// with BusinessTime true), SLA attainment, reopen and repeat rates. Satisfaction counts the survey
// answers given in [From, To); when the query names an agent, a queue or a category (the most specific
// of them, in that order), only answers about complaints that now have it.
//
// The reopen rate divides complaints reopened at least once by complaints resolved at least once
// (storage.Stats.ResolvedEver: resolved now, or reopened since).
//
// Queues and Agents are the backlog now (open complaints whatever their creation time, and of them
// those that breached an SLA target as Overdue), of the query's category when set; a query naming a
// queue or an agent keeps only that row. An empty key groups complaints without queue or assignee.
//
// Errors: ErrInvalid for no tenant or an empty window.
func (d *Desk) KPIs(ctx context.Context, q KPIQuery) (*KPIReport, error) {
	if err := checkTenant(q.Tenant); err != nil {
		return nil, err
	}
	if err := checkWindow(q.From, q.To); err != nil {
		return nil, err
	}
	from, to := storage.Time(q.From), storage.Time(q.To)
	var (
		st                   *storage.Stats
		times                []storage.Times
		scores               []storage.ScoreCount
		openQ, lateQ         []storage.Count
		openAgent, lateAgent []storage.Count
	)
	group, key := storage.Dimension(""), ""
	switch {
	case q.Assignee != "":
		group, key = storage.ByAssignee, q.Assignee
	case q.Queue != "":
		group, key = storage.ByQueue, q.Queue
	case q.Category != "":
		group, key = storage.ByCategory, q.Category
	}
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		var err error
		if st, err = tx.ComplaintStats(ctx, &storage.ComplaintStatsParams{Tenant: q.Tenant, Category: q.Category, Queue: q.Queue,
			Assignee: q.Assignee, CreatedFrom: from, CreatedTo: to}); err != nil {
			return err
		}
		if times, err = tx.ComplaintTimes(ctx, &storage.ComplaintTimesParams{Tenant: q.Tenant, Category: q.Category, Queue: q.Queue,
			Assignee: q.Assignee, CreatedFrom: from, CreatedTo: to}); err != nil {
			return err
		}
		if scores, err = tx.FeedbackTally(ctx, &storage.FeedbackTallyParams{Tenant: q.Tenant, GroupBy: group,
			AnsweredFrom: from, AnsweredTo: to}); err != nil {
			return err
		}
		backlog := func(by storage.Dimension, breached bool) ([]storage.Count, error) {
			return tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: q.Tenant, GroupBy: by, Category: q.Category,
				OpenOnly: true, BreachedOnly: breached})
		}
		if openQ, err = backlog(storage.ByQueue, false); err != nil {
			return err
		}
		if lateQ, err = backlog(storage.ByQueue, true); err != nil {
			return err
		}
		if openAgent, err = backlog(storage.ByAssignee, false); err != nil {
			return err
		}
		lateAgent, err = backlog(storage.ByAssignee, true)
		return err
	})
	if err != nil {
		return nil, err
	}

	in := insight.KPIInput{Total: st.Total, Resolved: st.ResolvedEver, Breached: st.Breached,
		Reopened: st.Reopened, Repeats: st.Repeats}
	for _, t := range times {
		if !t.Acknowledged.IsZero() {
			in.FirstResponse = append(in.FirstResponse, d.elapsed(t.Created, t.Acknowledged))
		}
		if !t.Resolved.IsZero() {
			in.Resolution = append(in.Resolution, d.elapsed(t.Created, t.Resolved))
		}
	}
	tallies, err := tallyBy(scores)
	if err != nil {
		return nil, err
	}
	in.Feedback = tallies[key]
	k, err := insight.ComputeKPIs(in)
	if err != nil {
		return nil, fmt.Errorf("redress: KPIs: %w", err)
	}
	rep := &KPIReport{Query: q, KPIs: k, BusinessTime: d.cfg.Calendar != nil}
	if rep.Queues, err = insight.Workload(only(openQ, q.Queue), only(lateQ, q.Queue)); err != nil {
		return nil, fmt.Errorf("redress: KPIs: %w", err)
	}
	if rep.Agents, err = insight.Workload(only(openAgent, q.Assignee), only(lateAgent, q.Assignee)); err != nil {
		return nil, fmt.Errorf("redress: KPIs: %w", err)
	}
	return rep, nil
}

// elapsed measures a duration the way the KPIs report it: business time on Config.Calendar, elapsed
// time otherwise, never negative.
func (d *Desk) elapsed(from, to time.Time) time.Duration {
	if d.cfg.Calendar != nil {
		return d.cfg.Calendar.Between(from, to)
	}
	return max(to.Sub(from), 0)
}

// only converts a store's counts into insight's, keeping only key when it is set.
func only(cs []storage.Count, key string) []insight.Count {
	out := make([]insight.Count, 0, len(cs))
	for _, c := range cs {
		if key == "" || c.Key == key {
			out = append(out, insight.Count(c))
		}
	}
	return out
}

// tallyBy folds FeedbackTally rows into one feedback.Tally per group key. A row whose score is outside
// its scale is a *feedback.ScoreError: the store handed back something no survey accepts.
func tallyBy(rows []storage.ScoreCount) (map[string]feedback.Tally, error) {
	out := map[string]feedback.Tally{}
	for _, r := range rows {
		if err := r.Kind.Check(r.Value); err != nil {
			return nil, fmt.Errorf("redress: feedback tally: %w", err)
		}
		if r.N < 0 {
			return nil, fmt.Errorf("redress: feedback tally: negative count %d", r.N)
		}
		t := out[r.Key]
		switch r.Kind {
		case feedback.CSAT:
			t.CSAT[r.Value] += r.N
		case feedback.NPS:
			t.NPS[r.Value] += r.N
		case feedback.CES:
			t.CES[r.Value] += r.N
		}
		out[r.Key] = t
	}
	return out, nil
}

// Pareto ranks the complaints created in [from, to) by a dimension, with cumulative shares and the
// vital few up to insight.DefaultParetoLine. Errors: ErrInvalid for no tenant, an unknown dimension or
// an empty window.
func (d *Desk) Pareto(ctx context.Context, tenant string, by storage.Dimension, from, to time.Time) (insight.Pareto, error) {
	if err := checkTenant(tenant); err != nil {
		return insight.Pareto{}, err
	}
	if !by.Valid() {
		return insight.Pareto{}, fmt.Errorf("%w: unknown dimension %q", ErrInvalid, by)
	}
	if err := checkWindow(from, to); err != nil {
		return insight.Pareto{}, err
	}
	var cs []storage.Count
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		var err error
		cs, err = tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: tenant, GroupBy: by,
			CreatedFrom: storage.Time(from), CreatedTo: storage.Time(to)})
		return err
	})
	if err != nil {
		return insight.Pareto{}, err
	}
	return insight.NewPareto(only(cs, ""), 0)
}

// FeedbackSummary summarises the survey answers of [from, to) per group (CSAT %, NPS, mean CES), groups
// sorted by key. by is a dimension of the surveyed complaint as it is now, storage.ByDay (the day of
// the answer), or empty for one group with key "". Errors: ErrInvalid for no tenant, an unknown
// dimension or an empty window.
func (d *Desk) FeedbackSummary(ctx context.Context, tenant string, by storage.Dimension, from, to time.Time) ([]feedback.Group, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	if by != "" && !by.Valid() {
		return nil, fmt.Errorf("%w: unknown dimension %q", ErrInvalid, by)
	}
	if err := checkWindow(from, to); err != nil {
		return nil, err
	}
	var rows []storage.ScoreCount
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		var err error
		rows, err = tx.FeedbackTally(ctx, &storage.FeedbackTallyParams{Tenant: tenant, GroupBy: by,
			AnsweredFrom: storage.Time(from), AnsweredTo: storage.Time(to)})
		return err
	})
	if err != nil {
		return nil, err
	}
	tallies, err := tallyBy(rows)
	if err != nil {
		return nil, err
	}
	out := make([]feedback.Group, 0, len(tallies))
	for k, t := range tallies {
		out = append(out, feedback.Group{Key: k, Summary: t.Summary()})
	}
	slices.SortFunc(out, func(a, b feedback.Group) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// WarningCheckEvery is how often RunOnce checks a tenant of Config.Tenants for spikes, by the Desk's
// clock: a day's count changes slowly, and each check costs one count query per category.
const WarningCheckEvery = time.Hour

const day = 24 * time.Hour

// Warnings checks every category's count in the day ending at `at` against its own baseline (daily
// counts read from the store), highest level first (then the larger Z, then by category).
//
// Days are UTC days, as the store counts them. The current window is the UTC day that at falls in,
// counted up to at — the whole day before at when at is midnight — so a spike shows while its day
// is still running; the baseline is the Config.Warnings.Baseline whole days before it (14 by default),
// zero-filled. Categories with a complaint in the current window or the baseline are checked;
// complaints without a category are not. Errors: ErrInvalid for no tenant or a zero at.
func (d *Desk) Warnings(ctx context.Context, tenant string, at time.Time) ([]CategoryWarning, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	if at.IsZero() {
		return nil, fmt.Errorf("%w: no time for the warning check", ErrInvalid)
	}
	pol := d.cfg.Warnings
	base := pol.Baseline
	if base == 0 {
		base = insight.DefaultBaselineWindows
	}
	at = storage.Time(at)
	y, m, dd := at.Date()
	end := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	if !end.Equal(at) {
		end = end.Add(day)
	}
	start := end.Add(-time.Duration(base+1) * day)

	var out []CategoryWarning
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		cats, err := tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: tenant, GroupBy: storage.ByCategory,
			CreatedFrom: start, CreatedTo: at})
		if err != nil {
			return err
		}
		for _, c := range cats {
			if c.Key == "" {
				continue
			}
			days, err := tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: tenant, GroupBy: storage.ByDay,
				Category: c.Key, CreatedFrom: start, CreatedTo: at})
			if err != nil {
				return err
			}
			series, err := insight.DailySeries(only(days, ""), start, end)
			if err != nil {
				return fmt.Errorf("redress: warnings of %q: %w", c.Key, err)
			}
			w, err := pol.Check(series)
			if err != nil {
				return fmt.Errorf("redress: warnings of %q: %w", c.Key, err)
			}
			out = append(out, CategoryWarning{Category: c.Key, Warning: w})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b CategoryWarning) int {
		if c := cmp.Compare(b.Level, a.Level); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Z, a.Z); c != 0 {
			return c
		}
		return cmp.Compare(a.Category, b.Category)
	})
	return out, nil
}

// scanWarnings is RunOnce's early-warning step: each tenant of Config.Tenants not checked within
// WarningCheckEvery is checked now, and every category whose level rose since the previous check
// (kept in the Desk's memory: a restart may raise a category's current warning once more) is logged
// and, with Config.Outbox, announced by a TopicWarningRaised message. It returns how many warnings
// were raised.
func (d *Desk) scanWarnings(ctx context.Context) (int, error) {
	raised := 0
	var errs []error
	for _, tenant := range d.cfg.Tenants {
		now := d.now()
		d.loop.mu.Lock()
		last, seen := d.loop.checked[tenant]
		if seen && now.Before(last.Add(WarningCheckEvery)) {
			d.loop.mu.Unlock()
			continue
		}
		d.loop.checked[tenant] = now // claims this hour's check against concurrent RunOnce calls
		prev := d.loop.levels[tenant]
		d.loop.mu.Unlock()

		n, levels, err := d.checkTenantWarnings(ctx, tenant, now, prev)
		d.loop.mu.Lock()
		if err != nil {
			if seen {
				d.loop.checked[tenant] = last
			} else {
				delete(d.loop.checked, tenant)
			}
		} else {
			d.loop.levels[tenant] = levels
		}
		d.loop.mu.Unlock()
		if err != nil {
			if ctx.Err() != nil {
				return raised, ctx.Err()
			}
			d.cfg.Logger.LogAttrs(ctx, slog.LevelError, "warning check failed", slog.String("tenant", tenant), slog.String("error", err.Error()))
			errs = append(errs, fmt.Errorf("redress: warning check of tenant %q: %w", tenant, err))
			continue
		}
		raised += n
	}
	return raised, errors.Join(errs...)
}

// checkTenantWarnings runs one tenant's check against the levels of the previous one and returns how
// many rose and the new levels.
func (d *Desk) checkTenantWarnings(ctx context.Context, tenant string, now time.Time, prev map[string]insight.Level) (int, map[string]insight.Level, error) {
	ws, err := d.Warnings(ctx, tenant, now)
	if err != nil {
		return 0, nil, err
	}
	levels := make(map[string]insight.Level, len(ws))
	var up []CategoryWarning
	for _, w := range ws {
		levels[w.Category] = w.Level
		if w.Raised(prev[w.Category]) {
			up = append(up, w)
		}
	}
	if len(up) > 0 && d.cfg.Outbox {
		err := d.store.Update(ctx, func(tx storage.Tx) error {
			for _, w := range up {
				if err := d.enqueue(ctx, tx, tenant, TopicWarningRaised, "warning:"+w.Category, now, WarningPayload{
					Tenant: tenant, At: storage.Time(now), Category: w.Category, Level: w.Level, Previous: prev[w.Category], Warning: w.Warning,
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, nil, err
		}
	}
	for _, w := range up {
		d.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "complaint spike", slog.String("tenant", tenant), slog.String("category", w.Category),
			slog.String("level", w.Level.String()), slog.String("previous", prev[w.Category].String()),
			slog.Int64("count", w.Current), slog.Float64("mean", w.Mean), slog.Float64("z", w.Z))
	}
	return len(up), levels, nil
}
