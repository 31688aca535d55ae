package redress_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/insight"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
)

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

var day24 = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) // a Tuesday

// step is one complaint of a KPI scenario: taken in at the clock, acknowledged after ack, resolved
// after resolve (zero: never), and optionally reopened and resolved again.
type step struct {
	customer, category, queue, assignee string
	ack, resolve                        time.Duration
	reopenAt, resolveAgain              time.Duration
}

func play(t *testing.T, f *fixture, tenant string, i int, s step) *complaint.Complaint {
	t.Helper()
	ctx := context.Background()
	in := sample(tenant, fmt.Sprintf("kpi-%d", i))
	in.Customer.ID, in.Category, in.Queue, in.Assignee = s.customer, s.category, s.queue, s.assignee
	start := f.clock.Now()
	c, _, err := f.desk.Intake(ctx, agent, in)
	require.NoError(t, err)
	move := func(at time.Duration, tr complaint.Trigger) {
		f.clock.Set(start.Add(at))
		c, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: tenant, ID: c.ID, Actor: tier2, Trigger: tr})
		require.NoError(t, err)
	}
	if s.ack > 0 {
		move(s.ack, complaint.TriggerAcknowledge)
	}
	if s.resolve > 0 {
		move(s.resolve, complaint.TriggerResolve)
	}
	if s.reopenAt > 0 {
		move(s.reopenAt, complaint.TriggerReopen)
		move(s.resolveAgain, complaint.TriggerResolve)
	}
	f.clock.Advance(time.Minute)
	return c
}

// KPIs on hand-built complaints: every figure is worked out by hand in the comments.
func TestKPIsOnKnownData(t *testing.T) {
	f := newFixture(t, withSurveys(feedback.Policy{}))
	ctx := context.Background()
	f.clock.Set(day24.Add(2 * time.Hour)) // everything below happens on the 24th
	steps := []step{
		{customer: "c1", category: "hinge", queue: "hardware", assignee: "li", ack: 10 * time.Minute, resolve: time.Hour},
		{customer: "c1", category: "hinge", queue: "hardware", assignee: "li", ack: 20 * time.Minute, resolve: 2 * time.Hour}, // repeats #0
		{customer: "c2", category: "screen", queue: "hardware", assignee: "ma", ack: 30 * time.Minute, resolve: 3 * time.Hour},
		{customer: "c3", category: "screen", queue: "hardware", assignee: "ma", ack: 40 * time.Minute, resolve: 4 * time.Hour},
		{customer: "c4", category: "invoice", queue: "billing", assignee: "ma", ack: 50 * time.Minute, resolve: 5 * time.Hour,
			reopenAt: 5*time.Hour + 30*time.Minute, resolveAgain: 6 * time.Hour},
	}
	var cs []*complaint.Complaint
	for i, s := range steps {
		cs = append(cs, play(t, f, "acme", i, s))
	}
	assert.Equal(t, cs[0].ID, cs[1].RepeatOf, "intake links the repeat")
	assert.True(t, cs[1].HasTag("repeat"))

	// Surveys: one per resolution (#4 has two); four answers.
	tokens := map[string]string{}
	for _, m := range topics(drainOutbox(t, f.store), redress.TopicSurveyDue) {
		var pl redress.SurveyDuePayload
		require.NoError(t, json.Unmarshal(m.Payload, &pl))
		tokens[pl.Complaint.ID] = pl.Token
	}
	require.Len(t, tokens, 5)
	for i, sc := range [][2]int{{5, 10}, {4, 9}, {2, 3}, {5, 7}} {
		_, err := f.desk.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: "acme", Token: tokens[cs[i].ID], Response: feedback.Response{
			Scores: []feedback.Score{{Kind: feedback.CSAT, Value: sc[0]}, {Kind: feedback.NPS, Value: sc[1]}}}})
		require.NoError(t, err)
	}
	// Two open complaints created the next day: outside the window, inside the backlog.
	f.clock.Set(day24.Add(33 * time.Hour))
	play(t, f, "acme", 5, step{customer: "c5", category: "invoice", queue: "billing", assignee: "ma"})
	play(t, f, "acme", 6, step{customer: "c6", category: "hinge", queue: "hardware"})

	rep, err := f.desk.KPIs(ctx, redress.KPIQuery{Tenant: "acme", From: day24, To: day24.Add(24 * time.Hour)})
	require.NoError(t, err)
	assert.False(t, rep.BusinessTime)
	// First response 10, 20, 30, 40, 50 min: median 30, p90 at rank 3.6 = 40 + 0.6·10 = 46 min.
	assert.Equal(t, insight.DurationStats{N: 5, Mean: 30 * time.Minute, Median: 30 * time.Minute, P90: 46 * time.Minute, Max: 50 * time.Minute}, rep.FirstResponse)
	// Resolution 1, 2, 3, 4, 6 h (#4 resolved again at 6 h): median 3 h, p90 at rank 3.6 = 4 + 0.6·2 = 5.2 h.
	assert.Equal(t, insight.DurationStats{N: 5, Mean: 3*time.Hour + 12*time.Minute, Median: 3 * time.Hour, P90: 5*time.Hour + 12*time.Minute, Max: 6 * time.Hour}, rep.Resolution)
	assert.Equal(t, insight.Rate{Num: 5, Den: 5}, rep.SLAAttainment)
	assert.Equal(t, insight.Rate{Num: 1, Den: 5}, rep.ReopenRate)
	assert.Equal(t, insight.Rate{Num: 1, Den: 5}, rep.RepeatRate)
	// CSAT 5, 4, 2, 5: 3 of 4 satisfied. NPS 10, 9, 3, 7: 2 promoters, 1 detractor of 4 = 25.
	assert.Equal(t, int64(4), rep.Satisfaction.CSATCount)
	assert.InDelta(t, 75.0, rep.Satisfaction.CSAT, 1e-9)
	assert.InDelta(t, 25.0, rep.Satisfaction.NPS, 1e-9)
	// Backlog now: #5 (billing, ma) and #6 (hardware, unassigned).
	assert.Equal(t, []insight.Load{{Key: "billing", Open: 1, Share: 0.5}, {Key: "hardware", Open: 1, Share: 0.5}}, rep.Queues)
	assert.Equal(t, []insight.Load{{Key: "", Open: 1, Share: 0.5}, {Key: "ma", Open: 1, Share: 0.5}}, rep.Agents)

	// One agent: ma handled #2, #3, #4 — CSAT 2 and 5 (#4 unanswered).
	rep, err = f.desk.KPIs(ctx, redress.KPIQuery{Tenant: "acme", From: day24, To: day24.Add(24 * time.Hour), Assignee: "ma"})
	require.NoError(t, err)
	assert.Equal(t, 3, rep.FirstResponse.N)
	assert.Equal(t, 40*time.Minute, rep.FirstResponse.Median)
	assert.Equal(t, int64(2), rep.Satisfaction.CSATCount)
	assert.InDelta(t, 50.0, rep.Satisfaction.CSAT, 1e-9)
	assert.Equal(t, []insight.Load{{Key: "ma", Open: 1, Share: 1}}, rep.Agents)

	groups, err := f.desk.FeedbackSummary(ctx, "acme", storage.ByCategory, day24, day24.Add(48*time.Hour))
	require.NoError(t, err)
	require.Len(t, groups, 2)
	assert.Equal(t, "hinge", groups[0].Key)
	assert.InDelta(t, 100.0, groups[0].CSAT, 1e-9)
	assert.InDelta(t, 100.0, groups[0].NPS, 1e-9)
	assert.Equal(t, "screen", groups[1].Key)
	assert.InDelta(t, 50.0, groups[1].CSAT, 1e-9)
	assert.InDelta(t, -50.0, groups[1].NPS, 1e-9)

	_, err = f.desk.KPIs(ctx, redress.KPIQuery{Tenant: "acme", From: day24, To: day24})
	assert.ErrorIs(t, err, redress.ErrInvalid)
	_, err = f.desk.FeedbackSummary(ctx, "acme", "colour", day24, day24.Add(time.Hour))
	assert.ErrorIs(t, err, redress.ErrInvalid)
}

func TestKPIsInBusinessTime(t *testing.T) {
	iv, err := sla.ParseInterval("09:00-17:00")
	require.NoError(t, err)
	cal, err := sla.NewCalendar("office", sla.CalendarSpec{Hours: map[string][]sla.Interval{"mon-fri": {iv}}})
	require.NoError(t, err)
	f := newFixture(t, func(c *redress.Config) { c.Calendar = cal })
	f.clock.Set(day24.Add(9 * time.Hour))
	play(t, f, "acme", 0, step{customer: "a", ack: 30 * time.Minute, resolve: 2 * time.Hour})
	// Taken in at 16:00 on Tuesday, acknowledged at 10:00 and resolved at 16:00 on Wednesday:
	// 2 and 8 business hours, though 18 and 24 hours passed.
	f.clock.Set(day24.Add(16 * time.Hour))
	play(t, f, "acme", 1, step{customer: "b", ack: 18 * time.Hour, resolve: 24 * time.Hour})

	rep, err := f.desk.KPIs(context.Background(), redress.KPIQuery{Tenant: "acme", From: day24, To: day24.Add(24 * time.Hour)})
	require.NoError(t, err)
	assert.True(t, rep.BusinessTime)
	assert.Equal(t, time.Hour+15*time.Minute, rep.FirstResponse.Median)
	assert.Equal(t, 5*time.Hour, rep.Resolution.Median)
	assert.Equal(t, 8*time.Hour, rep.Resolution.Max)
}

// The backlog counts breached open complaints as overdue.
func TestKPIsBacklogOverdue(t *testing.T) {
	f := newFixture(t, withSeedSLA(t))
	ctx := context.Background()
	for i, prio := range []int{1, 1, 3} {
		in := sample("acme", fmt.Sprintf("b-%d", i))
		in.Customer.ID, in.Priority, in.Queue = fmt.Sprintf("c%d", i), prio, "hardware"
		_, _, err := f.desk.Intake(ctx, agent, in)
		require.NoError(t, err)
	}
	f.clock.Advance(3 * time.Hour) // past the 2-hour first response of priority 1
	_, err := f.desk.RunOnce(ctx)
	require.NoError(t, err)
	rep, err := f.desk.KPIs(ctx, redress.KPIQuery{Tenant: "acme", From: day24, To: day24.Add(24 * time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, []insight.Load{{Key: "hardware", Open: 3, Overdue: 2, Share: 1}}, rep.Queues)
	assert.Equal(t, insight.Rate{Num: 1, Den: 3}, rep.SLAAttainment)
}

func TestParetoShares(t *testing.T) {
	f := newFixture(t)
	f.clock.Set(day24.Add(9 * time.Hour))
	i := 0
	for cat, n := range map[string]int{"hinge": 6, "screen": 3, "invoice": 1} {
		for range n {
			play(t, f, "acme", i, step{customer: fmt.Sprint("c", i), category: cat})
			i++
		}
	}
	p, err := f.desk.Pareto(context.Background(), "acme", storage.ByCategory, day24, day24.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(10), p.Total)
	require.Len(t, p.Rows, 3)
	want := []insight.ParetoRow{
		{Key: "hinge", N: 6, Share: 0.6, Cumulative: 0.6, Vital: true},
		{Key: "screen", N: 3, Share: 0.3, Cumulative: 0.9, Vital: true},
		{Key: "invoice", N: 1, Share: 0.1, Cumulative: 1, Vital: false},
	}
	for k, r := range p.Rows {
		assert.Equal(t, want[k].Key, r.Key)
		assert.Equal(t, want[k].N, r.N)
		assert.InDelta(t, want[k].Share, r.Share, 1e-12)
		assert.InDelta(t, want[k].Cumulative, r.Cumulative, 1e-12)
		assert.Equal(t, want[k].Vital, r.Vital, r.Key)
	}
	_, err = f.desk.Pareto(context.Background(), "acme", "colour", day24, day24.Add(time.Hour))
	assert.ErrorIs(t, err, redress.ErrInvalid)
}

// A category that spikes against its own 14-day baseline raises its level, and the scanner announces
// each rise once.
func TestWarningsSpike(t *testing.T) {
	f := newFixture(t, withOutbox, func(c *redress.Config) { c.Tenants = []string{"acme"} })
	ctx := context.Background()
	n := 0
	intake := func(cat string, count int) {
		for range count {
			in := sample("acme", fmt.Sprint("w-", n))
			in.Category, in.Customer.ID = cat, fmt.Sprint("c", n)
			_, _, err := f.desk.Intake(ctx, agent, in)
			require.NoError(t, err)
			f.clock.Advance(time.Minute)
			n++
		}
	}
	for d := 14; d >= 1; d-- { // 2 deliveries and 3 billing complaints a day for 14 days
		f.clock.Set(day24.Add(-time.Duration(d)*24*time.Hour + 10*time.Hour))
		intake("delivery", 2)
		intake("billing", 3)
	}
	f.clock.Set(day24.Add(9 * time.Hour))
	intake("delivery", 5)
	intake("billing", 3)
	drainOutbox(t, f.store)

	// delivery: mean 2, σ = √2; 5 ≥ 2 + 2σ = 4.83 is yellow. billing: 3 is its usual.
	f.clock.Set(day24.Add(10 * time.Hour))
	ws, err := f.desk.Warnings(ctx, "acme", f.clock.Now())
	require.NoError(t, err)
	require.Len(t, ws, 2)
	assert.Equal(t, "delivery", ws[0].Category)
	assert.Equal(t, insight.LevelYellow, ws[0].Level)
	assert.Equal(t, int64(5), ws[0].Current)
	assert.Equal(t, 14, ws[0].Windows)
	assert.InDelta(t, 2.0, ws[0].Mean, 1e-12)
	assert.Equal(t, "billing", ws[1].Category)
	assert.Equal(t, insight.LevelNone, ws[1].Level)

	raised := func() []redress.WarningPayload {
		var out []redress.WarningPayload
		for _, m := range topics(drainOutbox(t, f.store), redress.TopicWarningRaised) {
			var pl redress.WarningPayload
			require.NoError(t, json.Unmarshal(m.Payload, &pl))
			out = append(out, pl)
		}
		return out
	}
	got, err := f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, got)
	ups := raised()
	require.Len(t, ups, 1)
	assert.Equal(t, redress.WarningPayload{Tenant: "acme", At: f.clock.Now(), Category: "delivery", Level: insight.LevelYellow,
		Previous: insight.LevelNone, Warning: ws[0].Warning}, ups[0])

	intake("delivery", 7) // 12 today: ≥ 2 + 3σ = 6.24, red
	f.clock.Set(day24.Add(10*time.Hour + 30*time.Minute))
	got, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, got, "checked less than an hour ago")
	f.clock.Set(day24.Add(11 * time.Hour))
	got, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, got)
	ups = raised()
	require.Len(t, ups, 1)
	assert.Equal(t, insight.LevelRed, ups[0].Level)
	assert.Equal(t, insight.LevelYellow, ups[0].Previous)
	assert.Equal(t, int64(12), ups[0].Warning.Current)

	f.clock.Set(day24.Add(12 * time.Hour))
	got, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, got, "a level that stays is not raised again")
	assert.Empty(t, raised())

	// At midnight the check covers the whole day just ended.
	ws, err = f.desk.Warnings(ctx, "acme", day24.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, insight.LevelRed, ws[0].Level)
	assert.Equal(t, int64(12), ws[0].Current)
	_, err = f.desk.Warnings(ctx, "", day24)
	assert.ErrorIs(t, err, redress.ErrInvalid)
}

// countsOnlyStore lets a View do nothing but ComplaintCount: any other read fails the test. It
// proves that the early-warning check reads counts, never complaints.
type countsOnlyStore struct {
	storage.Store
	t *testing.T
}

func (s countsOnlyStore) View(ctx context.Context, fn func(storage.ReadTx) error) error {
	return s.Store.View(ctx, func(tx storage.ReadTx) error { return fn(countsOnlyTx{ReadTx: tx, t: s.t}) })
}

type countsOnlyTx struct {
	storage.ReadTx
	t *testing.T
}

func (tx countsOnlyTx) ComplaintList(context.Context, *storage.ComplaintListParams) (*storage.ComplaintPage, error) {
	tx.t.Error("the warning check listed complaints")
	return nil, storage.ErrInvalid
}

func (tx countsOnlyTx) ComplaintGet(context.Context, *storage.ComplaintGetParams) (*complaint.Complaint, error) {
	tx.t.Error("the warning check read a complaint")
	return nil, storage.ErrInvalid
}

func (tx countsOnlyTx) ComplaintTimes(context.Context, *storage.ComplaintTimesParams) ([]storage.Times, error) {
	tx.t.Error("the warning check read complaint times")
	return nil, storage.ErrInvalid
}

func (tx countsOnlyTx) ComplaintStats(context.Context, *storage.ComplaintStatsParams) (*storage.Stats, error) {
	tx.t.Error("the warning check read complaint stats")
	return nil, storage.ErrInvalid
}

func (tx countsOnlyTx) EventList(context.Context, *storage.EventListParams) ([]complaint.Event, error) {
	tx.t.Error("the warning check read events")
	return nil, storage.ErrInvalid
}

func TestWarningsReadOnlyCounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for d := 10; d >= 0; d-- {
		f.clock.Set(day24.Add(-time.Duration(d)*24*time.Hour + 10*time.Hour))
		n := 2
		if d == 0 {
			n = 9
		}
		for i := range n {
			in := sample("acme", fmt.Sprint("r-", d, "-", i))
			in.Category, in.Customer.ID = "delivery", fmt.Sprint("c", d, i)
			_, _, err := f.desk.Intake(ctx, agent, in)
			require.NoError(t, err)
		}
	}
	f.clock.Advance(time.Minute) // the current window ends at the check: after the last intake
	counted := 0
	spy := countsOnlyStore{Store: f.store, t: t}
	d, err := redress.New(countingCounts{countsOnlyStore: spy, n: &counted}, redress.Config{Now: f.clock.Now})
	require.NoError(t, err)
	ws, err := d.Warnings(ctx, "acme", f.clock.Now())
	require.NoError(t, err)
	require.Len(t, ws, 1)
	assert.Equal(t, insight.LevelRed, ws[0].Level, "9 against 2 a day")
	assert.Equal(t, int64(9), ws[0].Current)
	assert.Positive(t, counted)
}

// countingCounts counts the ComplaintCount queries behind countsOnlyStore.
type countingCounts struct {
	countsOnlyStore
	n *int
}

func (s countingCounts) View(ctx context.Context, fn func(storage.ReadTx) error) error {
	return s.countsOnlyStore.View(ctx, func(tx storage.ReadTx) error { return fn(countingTx{ReadTx: tx, n: s.n}) })
}

type countingTx struct {
	storage.ReadTx
	n *int
}

func (tx countingTx) ComplaintCount(ctx context.Context, p *storage.ComplaintCountParams) ([]storage.Count, error) {
	*tx.n++
	return tx.ReadTx.ComplaintCount(ctx, p)
}
