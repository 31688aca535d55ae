package bench

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
	"github.com/redresshq/redress/storage/storagetest"
)

// The closed loop's read side on 100,000 complaints in the memory store: the KPI report (stats,
// per-complaint times for the percentiles, survey tally, backlog per queue and agent), the Pareto of
// categories, the feedback summary per category and the early-warning check of every category. The
// complaints span 69 days (storagetest.NewComplaint puts one a minute), 90 % acknowledged, 70 %
// resolved, a fifth surveyed and answered.
//
//	go test ./bench -run '^$' -bench Insights100k -count 5

const insightN = 100_000

// insightStore fills a memory store once per benchmark binary run.
func insightStore(tb testing.TB) (storage.Store, time.Time) {
	tb.Helper()
	ctx := context.Background()
	st := memory.New()
	tb.Cleanup(func() { _ = st.Close() })
	r := rand.New(rand.NewPCG(5, 11))
	const batch = 2000
	var last time.Time
	for b := 0; b < insightN; b += batch {
		require.NoError(tb, st.Update(ctx, func(tx storage.Tx) error {
			for i := b; i < b+batch; i++ {
				c := storagetest.NewComplaint("acme", i)
				if r.IntN(10) < 9 {
					c.AcknowledgedAt = c.CreatedAt.Add(time.Duration(10+r.IntN(240)) * time.Minute)
				}
				if !c.AcknowledgedAt.IsZero() && r.IntN(9) < 7 {
					c.ResolvedAt = c.AcknowledgedAt.Add(time.Duration(1+r.IntN(72)) * time.Hour)
					c.Status = "resolved"
				}
				c.Breached = r.IntN(5) == 0
				last = c.CreatedAt
				if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}); err != nil {
					return err
				}
				if c.ResolvedAt.IsZero() || r.IntN(4) != 0 {
					continue
				}
				s := storagetest.NewSurvey(c, 0)
				s.SentAt = s.ScheduledAt
				s.AnsweredAt = s.ScheduledAt.Add(time.Hour)
				s.Response = feedback.Response{Scores: []feedback.Score{
					{Kind: feedback.CSAT, Value: 1 + r.IntN(5)}, {Kind: feedback.NPS, Value: r.IntN(11)}, {Kind: feedback.CES, Value: 1 + r.IntN(7)},
				}}
				if err := tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: "acme", Survey: s}); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	return st, last.Add(time.Minute)
}

func BenchmarkInsights100k(b *testing.B) {
	st, end := insightStore(b)
	d, err := redress.New(st, redress.Config{Now: func() time.Time { return end }})
	require.NoError(b, err)
	ctx := context.Background()
	from := storagetest.Epoch
	b.Run("kpis", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rep, err := d.KPIs(ctx, redress.KPIQuery{Tenant: "acme", From: from, To: end})
			if err != nil || rep.FirstResponse.N == 0 {
				b.Fatal(err, rep)
			}
		}
	})
	b.Run("pareto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.Pareto(ctx, "acme", storage.ByCategory, from, end); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("feedback-by-category", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.FeedbackSummary(ctx, "acme", storage.ByCategory, from, end); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warnings-all-categories", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.Warnings(ctx, "acme", end); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestInsightStore keeps the benchmark's data honest: it has what the benchmark claims.
func TestInsightStore(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a store with 100,000 complaints; skipped with -short")
	}
	st, end := insightStore(t)
	d, err := redress.New(st, redress.Config{Now: func() time.Time { return end }})
	require.NoError(t, err)
	rep, err := d.KPIs(context.Background(), redress.KPIQuery{Tenant: "acme", From: storagetest.Epoch, To: end})
	require.NoError(t, err)
	require.EqualValues(t, insightN, rep.SLAAttainment.Den)
	require.InDelta(t, 0.9*insightN, float64(rep.FirstResponse.N), 0.02*insightN)
	require.InDelta(t, 0.7*insightN, float64(rep.Resolution.N), 0.02*insightN)
	require.InDelta(t, 0.7*insightN/4, float64(rep.Satisfaction.CSATCount), 0.02*insightN)
}
