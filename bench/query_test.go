package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/postgres"
	"github.com/redresshq/redress/storage/sqlite"
)

// The hot queries on a store of 1,000,000 complaints built by cmd/redress-load:
//
//	claim100   TimerClaimDue of the 100 earliest due timers of all tenants, in an Update that then
//	           rolls back, so every iteration claims the same 100 and the data stays;
//	page50/*   a filtered keyset page of 50 (ComplaintList in a View): a queue's open complaints
//	           (first page), a category from a cursor anywhere in the year, a tag from a cursor;
//	pareto30d  ComplaintCount by category over the last 30 days;
//	lookup     ComplaintGetByTrackingCode of a complaint anywhere in the year.
//
// Each reports the median and 99th percentile latency of its iterations (p50-ms, p99-ms) besides
// ns/op. The stores are named by environment variables (see bench/doc.go); without them the
// benchmarks skip and say how to build the stores.

const (
	bigSQLiteEnv   = "REDRESS_BENCH_SQLITE"
	bigPGSchemaEnv = "REDRESS_BENCH_POSTGRES_SCHEMA"
	bigTenantEnv   = "REDRESS_BENCH_TENANT"
)

// errRollback makes an Update roll back.
var errRollback = errors.New("bench: roll back")

// probe is what the query benchmarks need to know about a store: its tenant, the end of its history,
// and complaints sampled uniformly over the year (for cursors and tracking codes).
type probe struct {
	tenant  string
	now     time.Time
	samples []*complaint.Complaint
	open    []*complaint.Complaint // open complaints of queue quality, newest first
}

// newProbe reads the newest complaint of tenant and the open complaints of queue quality, and samples
// n complaints at random creation times in the year before the newest (deterministically for a given
// store).
func newProbe(ctx context.Context, st storage.Store, tenant string, n int) (*probe, error) {
	p := &probe{tenant: tenant}
	err := st.View(ctx, func(tx storage.ReadTx) error {
		page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: tenant, Limit: 1})
		if err != nil {
			return err
		}
		if len(page.Complaints) == 0 {
			return fmt.Errorf("bench: tenant %s has no complaints", tenant)
		}
		p.now = page.Complaints[0].CreatedAt
		open, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: tenant, Statuses: complaint.OpenStatuses, Queue: "quality", Limit: storage.MaxListLimit})
		if err != nil {
			return err
		}
		p.open = open.Complaints
		oldest := p.now.Add(-365 * 24 * time.Hour)
		r := rand.New(rand.NewPCG(1, 2))
		for range n {
			to := oldest.Add(time.Duration(r.Int64N(int64(p.now.Sub(oldest))))).Add(time.Microsecond)
			page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: tenant, CreatedTo: to, Limit: 1})
			if err != nil {
				return err
			}
			if len(page.Complaints) == 1 {
				p.samples = append(p.samples, page.Complaints[0])
			}
		}
		return nil
	})
	if err == nil && len(p.samples) == 0 {
		err = fmt.Errorf("bench: no complaints sampled in tenant %s", tenant)
	}
	return p, err
}

// claimNow is the Now of the claim benchmark: far enough past the newest complaint that at least 100
// timers are due (the earliest 100 are claimed whatever their number).
func (p *probe) claimNow() time.Time { return p.now.Add(60 * 24 * time.Hour) }

// claim100 claims the earliest due timers and rolls back.
func claim100(ctx context.Context, st storage.Store, p *probe) (int, error) {
	var n int
	err := st.Update(ctx, func(tx storage.Tx) error {
		ts, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: p.claimNow(), Limit: 100})
		n = len(ts)
		if err != nil {
			return err
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return n, err
}

// pageQueries are the filtered pages of 50; i picks the cursor sample.
var pageQueries = []struct {
	name   string
	params func(p *probe, i int) *storage.ComplaintListParams
}{
	{"open-in-queue", func(p *probe, i int) *storage.ComplaintListParams {
		// The inbox of a queue: its first page, or (cold) the page after one of its complaints.
		lp := &storage.ComplaintListParams{Tenant: p.tenant, Statuses: complaint.OpenStatuses, Queue: "quality", Limit: 50}
		if i > 0 && len(p.open) > 0 {
			o := p.open[i%len(p.open)]
			lp.Cursor = storage.EncodeCursor(o.CreatedAt, o.ID)
		}
		return lp
	}},
	{"category-from-cursor", func(p *probe, i int) *storage.ComplaintListParams {
		s := p.samples[i%len(p.samples)]
		return &storage.ComplaintListParams{Tenant: p.tenant, Category: "delivery", Limit: 50, Cursor: storage.EncodeCursor(s.CreatedAt, s.ID)}
	}},
	{"tag-from-cursor", func(p *probe, i int) *storage.ComplaintListParams {
		s := p.samples[i%len(p.samples)]
		return &storage.ComplaintListParams{Tenant: p.tenant, Tags: []string{"refund-request"}, Limit: 50, Cursor: storage.EncodeCursor(s.CreatedAt, s.ID)}
	}},
}

func page50(ctx context.Context, st storage.Store, lp *storage.ComplaintListParams) (int, error) {
	var n int
	err := st.View(ctx, func(tx storage.ReadTx) error {
		page, err := tx.ComplaintList(ctx, lp)
		if err == nil {
			n = len(page.Complaints)
		}
		return err
	})
	return n, err
}

func pareto30d(ctx context.Context, st storage.Store, p *probe) ([]storage.Count, error) {
	var counts []storage.Count
	err := st.View(ctx, func(tx storage.ReadTx) error {
		var err error
		counts, err = tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: p.tenant, GroupBy: storage.ByCategory,
			CreatedFrom: p.now.Add(-30 * 24 * time.Hour), CreatedTo: p.now.Add(time.Microsecond)})
		return err
	})
	return counts, err
}

func lookup(ctx context.Context, st storage.Store, p *probe, i int) (*complaint.Complaint, error) {
	s := p.samples[i%len(p.samples)]
	var c *complaint.Complaint
	err := st.View(ctx, func(tx storage.ReadTx) error {
		var err error
		c, err = tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: p.tenant, TrackingCode: s.TrackingCode})
		return err
	})
	if err == nil && c.ID != s.ID {
		err = fmt.Errorf("bench: tracking code %s found %s, want %s", s.TrackingCode, c.ID, s.ID)
	}
	return c, err
}

// timed runs op b.N times and reports the median and 99th percentile latency. With warm set, op gets
// the indexes 0..warmSet-1 in turn, all run once before the clock starts (the data they read is then
// in the caches); otherwise every iteration gets a new index (samples spread over the year: on a store
// larger than the caches, mostly cold reads).
func timed(b *testing.B, warm bool, op func(i int) error) {
	b.Helper()
	// Cold inputs continue where the previous run stopped, so that -count repeats read new places.
	first := coldNext
	idx := func(i int) int { return first + i }
	if warm {
		idx = func(i int) int { return i % warmSet }
		for i := range 2 * warmSet {
			if err := op(idx(i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	lat := make([]time.Duration, 0, 1024)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if err := op(idx(i)); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	if !warm {
		coldNext += i
	}
	slices.Sort(lat)
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// warmSet is how many distinct inputs a warm benchmark cycles through.
const warmSet = 20

// coldNext is the next input index of a cold benchmark (benchmarks run one at a time).
var coldNext int

// queryBenchmarks runs every hot query on st.
func queryBenchmarks(b *testing.B, st storage.Store, tenant string) {
	ctx := context.Background()
	p, err := newProbe(ctx, st, tenant, 1000)
	require.NoError(b, err)
	b.Run("claim100", func(b *testing.B) {
		timed(b, false, func(int) error {
			n, err := claim100(ctx, st, p)
			if err == nil && n != 100 {
				err = fmt.Errorf("claimed %d timers, want 100 (is the store loaded with cmd/redress-load?)", n)
			}
			return err
		})
	})
	for _, q := range pageQueries {
		for _, warm := range []bool{true, false} {
			name := "page50/" + q.name + "/" + map[bool]string{true: "warm", false: "cold"}[warm]
			b.Run(name, func(b *testing.B) {
				timed(b, warm, func(i int) error {
					n, err := page50(ctx, st, q.params(p, i))
					if err == nil && n == 0 {
						err = errors.New("empty page")
					}
					return err
				})
			})
		}
	}
	b.Run("pareto30d", func(b *testing.B) {
		timed(b, false, func(int) error {
			_, err := pareto30d(ctx, st, p)
			return err
		})
	})
	for _, warm := range []bool{true, false} {
		b.Run("lookup/"+map[bool]string{true: "warm", false: "cold"}[warm], func(b *testing.B) {
			timed(b, warm, func(i int) error {
				_, err := lookup(ctx, st, p, i)
				return err
			})
		})
	}
}

func bigTenant() string {
	if t := os.Getenv(bigTenantEnv); t != "" {
		return t
	}
	return "acme"
}

func BenchmarkQuery1M(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		path := os.Getenv(bigSQLiteEnv)
		if path == "" {
			b.Skip("set REDRESS_BENCH_SQLITE to a file built with: go run ./cmd/redress-load -store /tmp/redress-1m.db -n 1000000")
		}
		if _, err := os.Stat(path); err != nil {
			b.Fatalf("REDRESS_BENCH_SQLITE: %v", err)
		}
		st, err := sqlite.Open(context.Background(), path)
		require.NoError(b, err)
		defer func() { _ = st.Close() }()
		queryBenchmarks(b, st, bigTenant())
	})
	b.Run("postgres", func(b *testing.B) {
		dsn, schema := os.Getenv(pgDSNEnv), os.Getenv(bigPGSchemaEnv)
		if dsn == "" || schema == "" {
			b.Skip("set REDRESS_POSTGRES_DSN and REDRESS_BENCH_POSTGRES_SCHEMA to a schema built with: " +
				"go run ./cmd/redress-load -create-schema -n 1000000 -store 'postgres://...&search_path=SCHEMA'")
		}
		st, err := postgres.Open(context.Background(), withParams(b, dsn, map[string]string{"search_path": schema}))
		require.NoError(b, err)
		defer func() { _ = st.Close() }()
		queryBenchmarks(b, st, bigTenant())
	})
}

// The query operations the 1M benchmarks time, checked on a small store: they return what they
// should, and the claim leaves the timers in place.
func TestQueryOperations(t *testing.T) {
	ctx := t.Context()
	st := openSQLite(t, sqlite.SyncNormal)
	start := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	clock := start
	d := newDesk(t, st, func() time.Time { return clock })
	samples := intakeSamples()
	const n = 240
	for i := range n {
		clock = start.Add(time.Duration(i) * 6 * time.Hour) // 60 days of intake
		_, _, err := d.Intake(ctx, complaint.Actor{ID: "intake"}, sampleIntake(samples, i))
		require.NoError(t, err)
	}
	newest := clock

	p, err := newProbe(ctx, st, benchTenant, 50)
	require.NoError(t, err)
	assert.Equal(t, newest, p.now)
	require.NotEmpty(t, p.samples)
	for _, s := range p.samples {
		assert.False(t, s.CreatedAt.After(newest))
	}

	// Every intake set SLA timers; the claim takes 100 and the rollback puts them back.
	got, err := claim100(ctx, st, p)
	require.NoError(t, err)
	assert.Equal(t, 100, got)
	var first, again []storage.Timer
	for _, dst := range []*[]storage.Timer{&first, &again} {
		err := st.Update(ctx, func(tx storage.Tx) error {
			ts, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: p.claimNow(), Limit: 100})
			*dst = ts
			if err != nil {
				return err
			}
			return errRollback
		})
		require.ErrorIs(t, err, errRollback)
	}
	assert.Equal(t, first, again, "a rolled-back claim leaves the same earliest timers")

	for _, q := range pageQueries {
		lp := q.params(p, 0)
		n, err := page50(ctx, st, lp)
		require.NoError(t, err, q.name)
		assert.LessOrEqual(t, n, 50, q.name)
	}

	counts, err := pareto30d(ctx, st, p)
	require.NoError(t, err)
	var total int64
	for k, c := range counts {
		total += c.N
		if k > 0 {
			assert.GreaterOrEqual(t, counts[k-1].N, c.N, "largest first")
		}
	}
	assert.Equal(t, int64(30*4+1), total, "four intakes a day for the last 30 days, and the newest")

	for i := range p.samples {
		_, err := lookup(ctx, st, p, i)
		require.NoError(t, err)
	}
}
