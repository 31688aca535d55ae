package insight

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/redresshq/redress/feedback"
)

// Rate is a share with its numerator and denominator kept, so a dashboard can show "37 of 40" and
// rates of parts can be added up exactly.
type Rate struct {
	Num int64
	Den int64
}

// Value returns Num/Den between 0 and 1, and false when Den is 0 (no complaints: no rate).
func (r Rate) Value() (float64, bool) {
	if r.Den == 0 {
		return 0, false
	}
	return float64(r.Num) / float64(r.Den), true
}

// Percent returns the rate in percent, 0 when Den is 0.
func (r Rate) Percent() float64 {
	v, _ := r.Value()
	return 100 * v
}

// String formats the rate as "92.5 % (37/40)", or "n/a" when Den is 0.
func (r Rate) String() string {
	if r.Den == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f %% (%d/%d)", r.Percent(), r.Num, r.Den)
}

// KPIInput is what a store hands in for one time window and filter (a queue, a category, ...).
type KPIInput struct {
	// FirstResponse holds, for each acknowledged complaint, the time from intake to acknowledgement;
	// Resolution, for each resolved complaint, the time from intake to resolution. Business time
	// where an SLA calendar applies, wall-clock time otherwise: insight takes them as measured.
	FirstResponse []time.Duration
	Resolution    []time.Duration
	// Total counts the complaints in the window.
	Total int64
	// Resolved counts the complaints resolved at least once, including those reopened since.
	Resolved int64
	// Breached counts complaints that missed an SLA target.
	Breached int64
	// Reopened counts complaints reopened at least once.
	Reopened int64
	// Repeats counts complaints flagged as repeating an earlier one (see [FindRepeat]).
	Repeats int64
	// Feedback tallies the survey answers about these complaints.
	Feedback feedback.Tally
}

// KPIs are the figures of the seeds' dashboards: how fast the first response and the resolution came,
// how often the SLA held, how often complaints came back, and how satisfied customers were.
type KPIs struct {
	FirstResponse DurationStats
	Resolution    DurationStats
	// SLAAttainment is the share of complaints that met every SLA target: 1 - Breached/Total.
	SLAAttainment Rate
	// ReopenRate is Reopened/Resolved: how often "resolved" was not.
	ReopenRate Rate
	// RepeatRate is Repeats/Total: how often the same customer came back about the same thing.
	RepeatRate Rate
	// Satisfaction holds CSAT %, NPS and mean CES (see feedback.Summary).
	Satisfaction feedback.Summary
}

// ComputeKPIs derives the KPIs from in. It returns an [*InputError] when a count or duration is
// negative or the counts contradict each other (Breached, Resolved or Repeats above Total, Reopened
// above Resolved).
func ComputeKPIs(in KPIInput) (KPIs, error) {
	for _, c := range []struct {
		name string
		n    int64
	}{{"total", in.Total}, {"resolved", in.Resolved}, {"breached", in.Breached}, {"reopened", in.Reopened}, {"repeats", in.Repeats}} {
		if c.n < 0 {
			return KPIs{}, inputErr(c.name, "negative count %d", c.n)
		}
	}
	switch {
	case in.Breached > in.Total:
		return KPIs{}, inputErr("breached", "%d breached of %d complaints", in.Breached, in.Total)
	case in.Resolved > in.Total:
		return KPIs{}, inputErr("resolved", "%d resolved of %d complaints", in.Resolved, in.Total)
	case in.Repeats > in.Total:
		return KPIs{}, inputErr("repeats", "%d repeats of %d complaints", in.Repeats, in.Total)
	case in.Reopened > in.Resolved:
		return KPIs{}, inputErr("reopened", "%d reopened of %d resolved (count every complaint resolved at least once)", in.Reopened, in.Resolved)
	}
	var k KPIs
	var err error
	if k.FirstResponse, err = describe("first_response", in.FirstResponse); err != nil {
		return KPIs{}, err
	}
	if k.Resolution, err = describe("resolution", in.Resolution); err != nil {
		return KPIs{}, err
	}
	k.SLAAttainment = Rate{Num: in.Total - in.Breached, Den: in.Total}
	k.ReopenRate = Rate{Num: in.Reopened, Den: in.Resolved}
	k.RepeatRate = Rate{Num: in.Repeats, Den: in.Total}
	k.Satisfaction = in.Feedback.Summary()
	return k, nil
}

// Count is the number of complaints under one key (a category, queue, agent, day, ...). It has the
// shape of storage.Count, so a store's counts convert field for field.
type Count struct {
	Key string
	N   int64
}

// CountBy counts items by key, largest count first (ties by key ascending): the in-memory form of a
// store's GROUP BY, for Pareto tables of any field.
func CountBy[T any](items []T, key func(T) string) []Count {
	m := make(map[string]int64)
	for _, it := range items {
		m[key(it)]++
	}
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Key: k, N: n})
	}
	sortCounts(out)
	return out
}

func sortCounts(cs []Count) {
	slices.SortFunc(cs, func(a, b Count) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
}

// merge sums counts with the same key; it returns an *InputError for a negative count.
func merge(field string, cs []Count) (map[string]int64, error) {
	m := make(map[string]int64, len(cs))
	for _, c := range cs {
		if c.N < 0 {
			return nil, inputErr(field, "negative count %d for %q", c.N, c.Key)
		}
		m[c.Key] += c.N
	}
	return m, nil
}

// Load is the workload of one agent or queue.
type Load struct {
	Key     string
	Open    int64 // complaints open now
	Overdue int64 // of them, past an SLA target or step limit
	// Share is this key's part of all open complaints (0 to 1).
	Share float64
}

// Workload merges open and overdue counts per agent or queue (seed 004: monitor workload and overdue
// items per person and department) into one row per key, most open first (ties by key). Keys that
// appear twice are summed. It returns an [*InputError] for a negative count or more overdue than open
// complaints under a key.
func Workload(open, overdue []Count) ([]Load, error) {
	o, err := merge("open", open)
	if err != nil {
		return nil, err
	}
	d, err := merge("overdue", overdue)
	if err != nil {
		return nil, err
	}
	for k, n := range d {
		if n > o[k] {
			return nil, inputErr("overdue", "%d overdue of %d open for %q", n, o[k], k)
		}
	}
	var total int64
	for _, n := range o {
		total += n
	}
	rows := make([]Load, 0, len(o))
	for k, n := range o {
		rows = append(rows, Load{Key: k, Open: n, Overdue: d[k]})
	}
	for i := range rows {
		if total > 0 {
			rows[i].Share = float64(rows[i].Open) / float64(total)
		}
	}
	slices.SortFunc(rows, func(a, b Load) int {
		if c := cmp.Compare(b.Open, a.Open); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return rows, nil
}
