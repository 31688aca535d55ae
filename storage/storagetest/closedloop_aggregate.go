package storagetest

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/storage"
)

func loopCases() []testCase {
	return []testCase{
		{"FeedbackTallyMatchesNaive", testLoopTally},
		{"FeedbackTallyFollowsComplaintChanges", testLoopTallyCurrent},
		{"FeedbackTallyWindowHalfOpenUTCDay", testLoopTallyWindow},
		{"ComplaintTimesMatchNaive", testLoopTimes},
		{"CountOpenBreachedAndCustomerMatchNaive", testLoopCountBacklog},
		{"StatsByQueueAndAssigneeMatchNaive", testLoopStatsFilters},
		{"InvalidParams", testLoopInvalid},
	}
}

// tallyGroupings are the GroupBy values FeedbackTally takes: none, then every dimension.
var tallyGroupings = append([]storage.Dimension{""}, Dimensions...)

// feedbackDataset stores zero, one or two surveys for each complaint of the aggregate dataset (a
// fixed seed, so every adapter sees the same data): four in five answered, at pseudo-random instants
// up to three days after the complaint's creation, each answer scoring a pseudo-random non-empty
// subset of the kinds.
func feedbackDataset(t *testing.T, s storage.Store, all []*complaint.Complaint) []*feedback.Survey {
	t.Helper()
	r := rand.New(rand.NewPCG(20260302, 11))
	var out []*feedback.Survey
	for _, c := range all {
		for k := range r.IntN(3) {
			sv := NewSurvey(c, k)
			if r.IntN(5) > 0 {
				sv.SentAt = sv.ScheduledAt
				sv.AnsweredAt = c.CreatedAt.Add(time.Duration(r.Int64N(int64(72*time.Hour/time.Microsecond))) * time.Microsecond)
				for _, kind := range feedback.Kinds {
					if r.IntN(3) > 0 {
						lo, hi := kind.Range()
						sv.Response.Scores = append(sv.Response.Scores, feedback.Score{Kind: kind, Value: lo + r.IntN(hi-lo+1)})
					}
				}
				if len(sv.Response.Scores) == 0 {
					sv.Response.Scores = []feedback.Score{{Kind: feedback.CSAT, Value: 1 + r.IntN(5)}}
				}
			}
			out = append(out, sv)
		}
	}
	insertSurveys(t, s, out...)
	return out
}

// wantTally is the naive reference for FeedbackTally: cs holds the complaints as they are now.
func wantTally(cs map[string]*complaint.Complaint, ss []*feedback.Survey, p storage.FeedbackTallyParams) []storage.ScoreCount {
	type key struct {
		key   string
		kind  feedback.Kind
		value int
	}
	n := map[key]int64{}
	for _, sv := range ss {
		if sv.Tenant != p.Tenant || sv.AnsweredAt.IsZero() ||
			!p.AnsweredFrom.IsZero() && sv.AnsweredAt.Before(p.AnsweredFrom) ||
			!p.AnsweredTo.IsZero() && !sv.AnsweredAt.Before(p.AnsweredTo) {
			continue
		}
		k := ""
		switch p.GroupBy {
		case "":
		case storage.ByDay:
			k = sv.AnsweredAt.UTC().Format("2006-01-02")
		default:
			k = dimensionKey(cs[sv.ComplaintID], p.GroupBy)
		}
		for _, sc := range sv.Response.Scores {
			n[key{k, sc.Kind, sc.Value}]++
		}
	}
	var out []storage.ScoreCount
	for k, v := range n {
		out = append(out, storage.ScoreCount{Key: k.key, Kind: k.kind, Value: k.value, N: v})
	}
	slices.SortFunc(out, func(a, b storage.ScoreCount) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
	return out
}

// tally calls FeedbackTally in a View.
func tally(t *testing.T, s storage.Store, p storage.FeedbackTallyParams) []storage.ScoreCount {
	t.Helper()
	var out []storage.ScoreCount
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		out, err = tx.FeedbackTally(ctx, &p)
		return err
	})
	return out
}

// assertTally compares tallies, treating nil and empty alike.
func assertTally(t *testing.T, want, got []storage.ScoreCount, msgAndArgs ...any) {
	t.Helper()
	if len(want) == 0 {
		assert.Empty(t, got, msgAndArgs...)
		return
	}
	assert.Equal(t, want, got, msgAndArgs...)
}

func byID(all []*complaint.Complaint) map[string]*complaint.Complaint {
	m := make(map[string]*complaint.Complaint, len(all))
	for _, c := range all {
		m[c.ID] = c
	}
	return m
}

// answerWindows are answer-time windows over the feedback dataset; zero bounds are open.
func answerWindows(ss []*feedback.Survey) []window {
	day := 24 * time.Hour
	var answered []time.Time
	for _, sv := range ss {
		if !sv.AnsweredAt.IsZero() {
			answered = append(answered, sv.AnsweredAt)
		}
	}
	return []window{
		{name: "unbounded"},
		{name: "days 2 to 5", from: Epoch.Add(2 * day), to: Epoch.Add(5 * day)},
		{name: "from day 9", from: Epoch.Add(9 * day)},
		{name: "until day 3", to: Epoch.Add(3 * day)},
		{name: "bounds on answer times", from: minTime(answered[10], answered[40]), to: maxTime(answered[10], answered[40])},
	}
}

func testLoopTally(t *testing.T, s storage.Store) {
	all := aggregateDataset(t, s)
	ss := feedbackDataset(t, s, all)
	cs := byID(all)
	for _, tenant := range []string{"acme", "globex"} {
		for _, w := range answerWindows(ss) {
			for _, g := range tallyGroupings {
				p := storage.FeedbackTallyParams{Tenant: tenant, GroupBy: g, AnsweredFrom: w.from, AnsweredTo: w.to}
				assertTally(t, wantTally(cs, ss, p), tally(t, s, p), "%s, %s, by %q", tenant, w.name, g)
			}
		}
	}
	// The dataset must exercise what the case claims.
	answered, unanswered := 0, 0
	for _, sv := range ss {
		if sv.AnsweredAt.IsZero() {
			unanswered++
		} else {
			answered++
		}
	}
	assert.Greater(t, answered, 200, "answered surveys")
	assert.Positive(t, unanswered, "unanswered surveys are left out")
	full := wantTally(cs, ss, storage.FeedbackTallyParams{Tenant: "acme", GroupBy: storage.ByQueue})
	assert.True(t, slices.ContainsFunc(full, func(c storage.ScoreCount) bool { return c.Key == "" }), "answers about complaints without a queue")
	for _, k := range feedback.Kinds {
		assert.True(t, slices.ContainsFunc(full, func(c storage.ScoreCount) bool { return c.Kind == k }), "answers with %s", k)
	}
}

// testLoopTallyCurrent: FeedbackTally groups by the complaint as it is now, not as it was when the
// survey was answered.
func testLoopTallyCurrent(t *testing.T, s storage.Store) {
	all := aggregateDataset(t, s)
	ss := feedbackDataset(t, s, all)
	cs := byID(all)
	before := map[storage.Dimension][]storage.ScoreCount{}
	for _, g := range tallyGroupings {
		before[g] = wantTally(cs, ss, storage.FeedbackTallyParams{Tenant: "acme", GroupBy: g})
	}
	var changed []*complaint.Complaint
	for _, sv := range ss {
		c := cs[sv.ComplaintID]
		if c.Tenant != "acme" || sv.AnsweredAt.IsZero() || len(changed) == 40 || slices.ContainsFunc(changed, func(d *complaint.Complaint) bool { return d.ID == c.ID }) {
			continue
		}
		next := bump(c)
		next.Queue, next.Category, next.Assignee = "escalations", "recall", "agent-new"
		next.Severity, next.Status = complaint.SeverityCritical, complaint.StatusClosed
		changed = append(changed, next)
	}
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		for _, c := range changed {
			if err := tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: c, ExpectedVersion: c.Version - 1}); err != nil {
				return err
			}
			cs[c.ID] = c
		}
		return nil
	})
	for _, g := range tallyGroupings {
		p := storage.FeedbackTallyParams{Tenant: "acme", GroupBy: g}
		want := wantTally(cs, ss, p)
		assertTally(t, want, tally(t, s, p), "by %q after the change", g)
		switch g {
		case "", storage.ByDay, storage.ByChannel:
			assert.Equal(t, before[g], want, "by %q does not depend on the changed fields", g)
		default:
			assert.NotEqual(t, before[g], want, "by %q: the change moves answers to other groups", g)
		}
	}
}

func testLoopTallyWindow(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	c.Queue = "frontline"
	insert(t, s, c)
	zone := time.FixedZone("CST", 8*3600)
	// Answers at 23:30 UTC on 2 March (07:30 on 3 March in Shanghai), midnight UTC, and 00:00:00.000001.
	at := []time.Time{
		time.Date(2026, 3, 3, 7, 30, 0, 0, zone),
		time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 3, 0, 0, 0, 1000, time.UTC),
	}
	var ss []*feedback.Survey
	for i, a := range at {
		sv := NewSurvey(c, i)
		require.NoError(t, sv.Answer(a, feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 5}, {Kind: feedback.NPS, Value: 10 - i}}}))
		sv.AnsweredAt = a // as the caller's clock gave it, not yet normalised
		ss = append(ss, sv)
	}
	unanswered := NewSurvey(c, 3)
	// A response without an answer time is not an answer (Survey.Answered) and is not counted.
	draft := NewSurvey(c, 4)
	draft.Response = feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 1}}}
	insertSurveys(t, s, append(ss, unanswered, draft)...)

	csat := func(n int64) storage.ScoreCount { return storage.ScoreCount{Kind: feedback.CSAT, Value: 5, N: n} }
	tests := []struct {
		name     string
		from, to time.Time
		want     []storage.ScoreCount
	}{
		{"unbounded", time.Time{}, time.Time{}, []storage.ScoreCount{csat(3), {Kind: feedback.NPS, Value: 8, N: 1}, {Kind: feedback.NPS, Value: 9, N: 1}, {Kind: feedback.NPS, Value: 10, N: 1}}},
		{"[first, second)", at[0], at[1], []storage.ScoreCount{csat(1), {Kind: feedback.NPS, Value: 10, N: 1}}},
		{"[second, third)", at[1], at[2], []storage.ScoreCount{csat(1), {Kind: feedback.NPS, Value: 9, N: 1}}},
		{"[first+1µs, ∞)", at[0].Add(time.Microsecond), time.Time{}, []storage.ScoreCount{csat(2), {Kind: feedback.NPS, Value: 8, N: 1}, {Kind: feedback.NPS, Value: 9, N: 1}}},
		{"(-∞, first)", time.Time{}, at[0], nil},
		{"(-∞, third+1µs) in CST", time.Time{}, at[2].In(zone).Add(time.Microsecond), []storage.ScoreCount{csat(3), {Kind: feedback.NPS, Value: 8, N: 1}, {Kind: feedback.NPS, Value: 9, N: 1}, {Kind: feedback.NPS, Value: 10, N: 1}}},
	}
	for _, tt := range tests {
		p := storage.FeedbackTallyParams{Tenant: "acme", AnsweredFrom: tt.from, AnsweredTo: tt.to}
		assertTally(t, tt.want, tally(t, s, p), tt.name)
		assertTally(t, wantTally(byID([]*complaint.Complaint{c}), ss, p), tally(t, s, p), tt.name)
	}
	assert.Equal(t, []storage.ScoreCount{
		{Key: "2026-03-02", Kind: feedback.CSAT, Value: 5, N: 1},
		{Key: "2026-03-02", Kind: feedback.NPS, Value: 10, N: 1},
		{Key: "2026-03-03", Kind: feedback.CSAT, Value: 5, N: 2},
		{Key: "2026-03-03", Kind: feedback.NPS, Value: 8, N: 1},
		{Key: "2026-03-03", Kind: feedback.NPS, Value: 9, N: 1},
	}, tally(t, s, storage.FeedbackTallyParams{Tenant: "acme", GroupBy: storage.ByDay}), "days are UTC days of the answer")
	assert.Equal(t, []storage.ScoreCount{
		{Key: "frontline", Kind: feedback.CSAT, Value: 5, N: 3},
		{Key: "frontline", Kind: feedback.NPS, Value: 8, N: 1},
		{Key: "frontline", Kind: feedback.NPS, Value: 9, N: 1},
		{Key: "frontline", Kind: feedback.NPS, Value: 10, N: 1},
	}, tally(t, s, storage.FeedbackTallyParams{Tenant: "acme", GroupBy: storage.ByQueue}))

	// A transaction counts its own answer.
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		next := bumpSurvey(unanswered)
		require.NoError(t, next.Answer(at[2], feedback.Response{Scores: []feedback.Score{{Kind: feedback.CES, Value: 7}}}))
		require.NoError(t, tx.SurveyUpdate(ctx, &storage.SurveyUpdateParams{Tenant: "acme", Survey: next, ExpectedVersion: 1}))
		got, err := tx.FeedbackTally(ctx, &storage.FeedbackTallyParams{Tenant: "acme", AnsweredFrom: at[2]})
		require.NoError(t, err)
		assert.Equal(t, []storage.ScoreCount{{Kind: feedback.CES, Value: 7, N: 1}, csat(1), {Kind: feedback.NPS, Value: 8, N: 1}}, got)
		return nil
	})
}

// wantTimes is the naive reference for ComplaintTimes.
func wantTimes(all []*complaint.Complaint, tenant string, w window) []storage.Times {
	var out []storage.Times
	for _, c := range all {
		if w.has(tenant, c) {
			out = append(out, storage.Times{ID: c.ID, Created: c.CreatedAt, Acknowledged: c.AcknowledgedAt, Resolved: c.ResolvedAt})
		}
	}
	slices.SortFunc(out, func(a, b storage.Times) int { return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID)) })
	return out
}

func times(t *testing.T, s storage.Store, tenant string, w window) []storage.Times {
	t.Helper()
	var out []storage.Times
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		out, err = tx.ComplaintTimes(ctx, &storage.ComplaintTimesParams{Tenant: tenant, Category: w.category,
			Queue: w.queue, Assignee: w.assignee, CreatedFrom: w.from, CreatedTo: w.to})
		return err
	})
	return out
}

// filteredWindows adds queue and assignee filters to the aggregate windows.
func filteredWindows(all []*complaint.Complaint) []window {
	ws := aggregateWindows(all)
	day := 24 * time.Hour
	return append(ws,
		window{name: "one queue", queue: Queues[1]},
		window{name: "one assignee, days 2 to 8", assignee: Assignees[2], from: Epoch.Add(2 * day), to: Epoch.Add(8 * day)},
		window{name: "category, queue and assignee", category: Categories[1], queue: Queues[0], assignee: Assignees[0]},
		window{name: "an unknown queue", queue: "no-such-queue"},
	)
}

func testLoopTimes(t *testing.T, s storage.Store) {
	all := aggregateDataset(t, s)
	// Ties on creation time are ordered by ID.
	twin := NewComplaint("acme", 1000)
	twin.CreatedAt = all[5].CreatedAt
	twin.Category, twin.Queue, twin.Assignee = all[5].Category, all[5].Queue, all[5].Assignee
	insert(t, s, twin)
	all = append(all, twin)
	for _, tenant := range []string{"acme", "globex", "initech"} {
		for _, w := range filteredWindows(all) {
			want := wantTimes(all, tenant, w)
			got := times(t, s, tenant, w)
			if len(want) == 0 {
				assert.Empty(t, got, "%s, %s", tenant, w.name)
				continue
			}
			assert.Equal(t, want, got, "%s, %s", tenant, w.name)
		}
	}
	full := wantTimes(all, "acme", window{})
	require.Len(t, full, 301)
	assert.True(t, slices.ContainsFunc(full, func(x storage.Times) bool { return x.Acknowledged.IsZero() }), "unacknowledged complaints keep zero times")
	assert.True(t, slices.ContainsFunc(full, func(x storage.Times) bool { return !x.Resolved.IsZero() }), "resolved complaints")
}

func testLoopCountBacklog(t *testing.T, s storage.Store) {
	all := aggregateDataset(t, s)
	day := 24 * time.Hour
	var ws []window
	for _, f := range []struct{ open, breached bool }{{true, false}, {false, true}, {true, true}} {
		for _, w := range []window{
			{name: "unbounded"},
			{name: "days 2 to 5", from: Epoch.Add(2 * day), to: Epoch.Add(5 * day)},
			{name: "one category", category: Categories[0]},
		} {
			w.open, w.breached = f.open, f.breached
			ws = append(ws, w)
		}
	}
	// One customer's complaints: what intake counts for the rules' lifetime_complaints.
	customer := all[3].Customer.ID
	ws = append(ws, window{name: "one customer", customer: customer},
		window{name: "one customer, one category, open", customer: customer, category: all[3].Category, open: true},
		window{name: "no such customer", customer: "nobody"})
	for _, tenant := range []string{"acme", "globex"} {
		for _, w := range ws {
			for _, d := range append([]storage.Dimension{""}, Dimensions...) {
				assertCounts(t, wantCount(all, tenant, w, d), count(t, s, tenant, w, d), "%s, %s, open %v, breached %v, by %q", tenant, w.name, w.open, w.breached, d)
			}
		}
	}
	// The filters must bite on this dataset.
	mine := wantCount(all, "acme", window{customer: customer}, storage.ByStatus)
	require.NotEmpty(t, mine)
	require.Less(t, sumCounts(mine), sumCounts(wantCount(all, "acme", window{}, storage.ByStatus)), "the customer filter bites")
	total := wantCount(all, "acme", window{}, storage.ByStatus)
	backlog := wantCount(all, "acme", window{open: true}, storage.ByStatus)
	overdue := wantCount(all, "acme", window{open: true, breached: true}, storage.ByStatus)
	require.Less(t, len(backlog), len(total), "some statuses are not open")
	for _, c := range backlog {
		assert.Contains(t, complaint.OpenStatuses, complaint.Status(c.Key))
	}
	var nb, no int64
	for _, c := range backlog {
		nb += c.N
	}
	for _, c := range overdue {
		no += c.N
	}
	assert.Positive(t, no)
	assert.Less(t, no, nb, "not every open complaint is breached")
}

func testLoopStatsFilters(t *testing.T, s storage.Store) {
	all := aggregateDataset(t, s)
	for _, tenant := range []string{"acme", "globex"} {
		for _, w := range filteredWindows(all) {
			assertStats(t, wantStats(all, tenant, w), stats(t, s, tenant, w), "%s, %s", tenant, w.name)
		}
	}
	q := wantStats(all, "acme", window{queue: Queues[1]})
	a := wantStats(all, "acme", window{assignee: Assignees[2]})
	full := wantStats(all, "acme", window{})
	assert.Positive(t, q.Total)
	assert.Less(t, q.Total, full.Total)
	assert.Positive(t, a.Total)
	assert.Less(t, a.Total, full.Total)
}

// testLoopInvalid: FeedbackTally and ComplaintTimes with an empty tenant, an unknown dimension or an
// empty or reversed window are ErrInvalid.
func testLoopInvalid(t *testing.T, s storage.Store) {
	insert(t, s, NewComplaint("acme", 0))
	tallyOp := func(p *storage.FeedbackTallyParams) func(ctx context.Context, tx storage.ReadTx) error {
		return func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.FeedbackTally(ctx, p)
			return err
		}
	}
	timesOp := func(p *storage.ComplaintTimesParams) func(ctx context.Context, tx storage.ReadTx) error {
		return func(ctx context.Context, tx storage.ReadTx) error {
			_, err := tx.ComplaintTimes(ctx, p)
			return err
		}
	}
	tests := []struct {
		name string
		op   func(ctx context.Context, tx storage.ReadTx) error
	}{
		{"tally: nil params", tallyOp(nil)},
		{"tally: empty tenant", tallyOp(&storage.FeedbackTallyParams{})},
		{"tally: unknown dimension", tallyOp(&storage.FeedbackTallyParams{Tenant: "acme", GroupBy: "colour"})},
		{"tally: empty window", tallyOp(&storage.FeedbackTallyParams{Tenant: "acme", AnsweredFrom: Epoch, AnsweredTo: Epoch})},
		{"tally: reversed window", tallyOp(&storage.FeedbackTallyParams{Tenant: "acme", AnsweredFrom: Epoch.Add(time.Hour), AnsweredTo: Epoch})},
		{"times: nil params", timesOp(nil)},
		{"times: empty tenant", timesOp(&storage.ComplaintTimesParams{})},
		{"times: empty window", timesOp(&storage.ComplaintTimesParams{Tenant: "acme", CreatedFrom: Epoch, CreatedTo: Epoch})},
		{"times: reversed window", timesOp(&storage.ComplaintTimesParams{Tenant: "acme", CreatedFrom: Epoch.Add(time.Hour), CreatedTo: Epoch})},
	}
	for _, tt := range tests {
		err := s.View(t.Context(), func(tx storage.ReadTx) error { return tt.op(t.Context(), tx) })
		assert.ErrorIs(t, err, storage.ErrInvalid, tt.name)
	}
	// A window open on one side is valid.
	assert.Len(t, times(t, s, "acme", window{from: Epoch}), 1)
	assert.Empty(t, tally(t, s, storage.FeedbackTallyParams{Tenant: "acme", AnsweredTo: Epoch}))
}

func sumCounts(cs []storage.Count) int64 {
	var n int64
	for _, c := range cs {
		n += c.N
	}
	return n
}
