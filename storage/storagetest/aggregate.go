package storagetest

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

func aggregateCases() []testCase {
	return []testCase{
		{"CountEveryDimension", testAggregateCount},
		{"StatsMatchNaive", testAggregateStats},
		{"WindowHalfOpen", testAggregateWindow},
		{"EmptyWindow", testAggregateEmpty},
	}
}

// Dimensions lists every dimension ComplaintCount groups by.
var Dimensions = []storage.Dimension{storage.ByCategory, storage.ByQueue, storage.ByAssignee, storage.ByChannel,
	storage.ByStatus, storage.BySeverity, storage.ByDay}

// aggregateDataset stores 300 complaints of acme and 60 of globex with pseudo-random fields (a fixed
// seed, so every run and every adapter sees the same data) spread over ten days, including empty
// queues, assignees, categories and severities, and returns them.
func aggregateDataset(t *testing.T, s storage.Store) []*complaint.Complaint {
	t.Helper()
	r := rand.New(rand.NewPCG(20260302, 7))
	pick := func(xs []string) string {
		if r.IntN(8) == 0 {
			return "" // unset: counted under the empty key
		}
		return xs[r.IntN(len(xs))]
	}
	var all []*complaint.Complaint
	for _, tenant := range []string{"acme", "globex"} {
		n := map[string]int{"acme": 300, "globex": 60}[tenant]
		for i := range n {
			c := NewComplaint(tenant, i)
			c.CreatedAt = Epoch.Add(time.Duration(r.Int64N(int64(240*time.Hour/time.Microsecond))) * time.Microsecond)
			c.UpdatedAt = c.CreatedAt
			c.ID = NewID(c.CreatedAt, tenant, i, "aggregate")
			c.Category = pick(Categories)
			c.Queue = pick(Queues)
			c.Assignee = pick(Assignees)
			c.Channel = Channels[r.IntN(len(Channels))]
			c.Severity = complaint.Severity(pick([]string{"low", "medium", "high", "critical"}))
			c.Status = complaint.Statuses[r.IntN(len(complaint.Statuses))]
			if r.IntN(10) < 7 {
				c.AcknowledgedAt = c.CreatedAt.Add(time.Duration(r.Int64N(int64(5*time.Hour/time.Microsecond))) * time.Microsecond)
			}
			if r.IntN(10) < 4 {
				c.ResolvedAt = c.CreatedAt.Add(time.Duration(r.Int64N(int64(72*time.Hour/time.Microsecond))) * time.Microsecond)
			}
			if r.IntN(10) == 0 {
				c.Reopened = 1 + r.IntN(2)
			}
			if r.IntN(10) == 0 {
				c.RepeatOf = NewID(Epoch, tenant, i, "repeat")
			}
			c.Breached = r.IntN(5) == 0
			all = append(all, c)
		}
	}
	insert(t, s, all...)
	return all
}

// window is a creation-time range for the aggregate cases, zero bounds open, with the filters the
// aggregates take: category (every aggregate), queue and assignee (ComplaintStats, ComplaintTimes),
// open and breached (ComplaintCount's OpenOnly and BreachedOnly). Zero filters are ignored.
type window struct {
	name            string
	from, to        time.Time
	category        string
	queue, assignee string
	customer        string
	open, breached  bool
}

func aggregateWindows(all []*complaint.Complaint) []window {
	day := 24 * time.Hour
	return []window{
		{name: "unbounded"},
		{name: "days 2 to 5", from: Epoch.Add(2 * day), to: Epoch.Add(5 * day)},
		{name: "from day 7", from: Epoch.Add(7 * day)},
		{name: "until day 3", to: Epoch.Add(3 * day)},
		{name: "bounds on creation times", from: minTime(all[10].CreatedAt, all[20].CreatedAt), to: maxTime(all[10].CreatedAt, all[20].CreatedAt)},
		{name: "one category, days 1 to 9", from: Epoch.Add(day), to: Epoch.Add(9 * day), category: Categories[0]},
		{name: "one category, unbounded", category: Categories[2]},
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// has reports whether c belongs to tenant, w's window and w's filters.
func (w window) has(tenant string, c *complaint.Complaint) bool {
	return c.Tenant == tenant && (w.category == "" || c.Category == w.category) &&
		(w.customer == "" || c.Customer.ID == w.customer) &&
		(w.queue == "" || c.Queue == w.queue) && (w.assignee == "" || c.Assignee == w.assignee) &&
		(!w.open || slices.Contains(complaint.OpenStatuses, c.Status)) && (!w.breached || c.Breached) &&
		(w.from.IsZero() || !c.CreatedAt.Before(w.from)) && (w.to.IsZero() || c.CreatedAt.Before(w.to))
}

// dimensionKey is the naive reference for the key ComplaintCount files c under.
func dimensionKey(c *complaint.Complaint, d storage.Dimension) string {
	return map[storage.Dimension]string{
		storage.ByCategory: c.Category,
		storage.ByQueue:    c.Queue,
		storage.ByAssignee: c.Assignee,
		storage.ByChannel:  c.Channel,
		storage.ByStatus:   string(c.Status),
		storage.BySeverity: string(c.Severity),
		storage.ByDay:      c.CreatedAt.UTC().Format("2006-01-02"),
	}[d]
}

func wantCount(all []*complaint.Complaint, tenant string, w window, d storage.Dimension) []storage.Count {
	n := map[string]int64{}
	for _, c := range all {
		if w.has(tenant, c) {
			n[dimensionKey(c, d)]++
		}
	}
	var out []storage.Count
	for k, v := range n {
		out = append(out, storage.Count{Key: k, N: v})
	}
	slices.SortFunc(out, func(a, b storage.Count) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Key, b.Key)) })
	return out
}

func wantStats(all []*complaint.Complaint, tenant string, w window) storage.Stats {
	var st storage.Stats
	for _, c := range all {
		if !w.has(tenant, c) {
			continue
		}
		st.Total++
		if !c.AcknowledgedAt.IsZero() {
			st.Acknowledged++
			st.AckSeconds += c.AcknowledgedAt.Sub(c.CreatedAt).Seconds()
		}
		if !c.ResolvedAt.IsZero() {
			st.Resolved++
			st.ResolveSeconds += c.ResolvedAt.Sub(c.CreatedAt).Seconds()
		}
		if c.Reopened > 0 {
			st.Reopened++
		}
		if !c.ResolvedAt.IsZero() || c.Reopened > 0 {
			st.ResolvedEver++
		}
		if c.RepeatOf != "" {
			st.Repeats++
		}
		if c.Breached {
			st.Breached++
		}
		if c.Status == complaint.StatusClosed {
			st.Closed++
		}
	}
	return st
}

func count(t *testing.T, s storage.Store, tenant string, w window, d storage.Dimension) []storage.Count {
	t.Helper()
	var out []storage.Count
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		out, err = tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: tenant, GroupBy: d, Category: w.category,
			OpenOnly: w.open, BreachedOnly: w.breached, CustomerID: w.customer, CreatedFrom: w.from, CreatedTo: w.to})
		return err
	})
	return out
}

func stats(t *testing.T, s storage.Store, tenant string, w window) storage.Stats {
	t.Helper()
	var out *storage.Stats
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		out, err = tx.ComplaintStats(ctx, &storage.ComplaintStatsParams{Tenant: tenant, Category: w.category,
			Queue: w.queue, Assignee: w.assignee, CreatedFrom: w.from, CreatedTo: w.to})
		return err
	})
	require.NotNil(t, out)
	return *out
}

// assertCounts compares counts, treating nil and empty alike.
func assertCounts(t *testing.T, want, got []storage.Count, msgAndArgs ...any) {
	t.Helper()
	if len(want) == 0 {
		assert.Empty(t, got, msgAndArgs...)
		return
	}
	assert.Equal(t, want, got, msgAndArgs...)
}

func testAggregateCount(t *testing.T, s storage.Store) {
	all := aggregateDataset(t, s)
	for _, tenant := range []string{"acme", "globex"} {
		for _, w := range aggregateWindows(all) {
			for _, d := range Dimensions {
				want := wantCount(all, tenant, w, d)
				assertCounts(t, want, count(t, s, tenant, w, d), "%s, %s, by %s", tenant, w.name, d)
			}
		}
	}
	// The dataset must exercise what the case claims: empty keys and ties among counts.
	keys := wantCount(all, "acme", window{}, storage.ByAssignee)
	assert.True(t, slices.ContainsFunc(keys, func(c storage.Count) bool { return c.Key == "" }), "dataset has unassigned complaints")
}

func assertStats(t *testing.T, want, got storage.Stats, msgAndArgs ...any) {
	t.Helper()
	tol := func(x float64) float64 { return 1e-6 * math.Max(1, math.Abs(x)) }
	assert.InDelta(t, want.AckSeconds, got.AckSeconds, tol(want.AckSeconds), msgAndArgs...)
	assert.InDelta(t, want.ResolveSeconds, got.ResolveSeconds, tol(want.ResolveSeconds), msgAndArgs...)
	want.AckSeconds, got.AckSeconds, want.ResolveSeconds, got.ResolveSeconds = 0, 0, 0, 0
	assert.Equal(t, want, got, msgAndArgs...)
}

func testAggregateStats(t *testing.T, s storage.Store) {
	all := aggregateDataset(t, s)
	for _, tenant := range []string{"acme", "globex"} {
		for _, w := range aggregateWindows(all) {
			assertStats(t, wantStats(all, tenant, w), stats(t, s, tenant, w), "%s, %s", tenant, w.name)
		}
	}
	full := wantStats(all, "acme", window{})
	require.EqualValues(t, 300, full.Total)
	for name, n := range map[string]int64{"acknowledged": full.Acknowledged, "resolved": full.Resolved,
		"reopened": full.Reopened, "resolved_ever": full.ResolvedEver, "repeats": full.Repeats, "breached": full.Breached, "closed": full.Closed} {
		assert.Positive(t, n, "the dataset has %s complaints", name)
	}
	assert.Greater(t, full.ResolvedEver, full.Resolved, "the dataset has reopened complaints not resolved again")
}

func testAggregateWindow(t *testing.T, s storage.Store) {
	at := func(h int) time.Time { return Epoch.Add(time.Duration(h) * time.Hour) }
	var cs []*complaint.Complaint
	for i, h := range []int{0, 1, 1, 2, 3} {
		c := NewComplaint("acme", i)
		c.CreatedAt, c.Category, c.Status = at(h), "quality", complaint.StatusClosed
		c.ID = NewID(c.CreatedAt, "window", i)
		c.AcknowledgedAt = c.CreatedAt.Add(time.Duration(i+1) * time.Minute)
		cs = append(cs, c)
	}
	insert(t, s, cs...)
	tests := []struct {
		w    window
		want int64
	}{
		{window{name: "[1h, 2h)", from: at(1), to: at(2)}, 2},
		{window{name: "[1h, 3h)", from: at(1), to: at(3)}, 3},
		{window{name: "[0h, 1h)", from: at(0), to: at(1)}, 1},
		{window{name: "[1h+1µs, 3h+1µs)", from: at(1).Add(time.Microsecond), to: at(3).Add(time.Microsecond)}, 2},
		{window{name: "[3h, 3h)", from: at(3), to: at(3)}, 0},
		{window{name: "[3h, ∞)", from: at(3)}, 1},
		{window{name: "(-∞, 3h)", to: at(3)}, 4},
	}
	for _, tt := range tests {
		assertCounts(t, wantCount(cs, "acme", tt.w, storage.ByCategory), count(t, s, "acme", tt.w, storage.ByCategory), tt.w.name)
		if tt.want > 0 {
			assert.Equal(t, []storage.Count{{Key: "quality", N: tt.want}}, count(t, s, "acme", tt.w, storage.ByCategory), tt.w.name)
		}
		st := stats(t, s, "acme", tt.w)
		assert.Equal(t, tt.want, st.Total, tt.w.name)
		assert.Equal(t, tt.want, st.Closed, tt.w.name)
		assertStats(t, wantStats(cs, "acme", tt.w), st, tt.w.name)
	}
}

func testAggregateEmpty(t *testing.T, s storage.Store) {
	insert(t, s, NewComplaint("acme", 0))
	for _, d := range Dimensions {
		assert.Empty(t, count(t, s, "globex", window{}, d), "a tenant with no complaints, by %s", d)
		assert.Empty(t, count(t, s, "acme", window{from: Epoch.Add(time.Hour)}, d), "a window with no complaints, by %s", d)
	}
	assert.Equal(t, storage.Stats{}, stats(t, s, "globex", window{}))
	assert.Equal(t, storage.Stats{}, stats(t, s, "acme", window{category: "no-such-category"}))
}
