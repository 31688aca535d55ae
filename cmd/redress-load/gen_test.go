package main

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
)

func testSpec(n int, seed uint64) Spec {
	return Spec{N: n, Seed: seed, Now: DefaultNow, Tenants: []string{"acme", "globex"}, BatchSize: 250}
}

func allRecords(t testing.TB, g *Generator) []Record {
	t.Helper()
	var out []Record
	for b := range g.Batches() {
		recs, err := g.Batch(b)
		require.NoError(t, err)
		out = append(out, recs...)
	}
	return out
}

func TestNewGeneratorRejectsBadSpecs(t *testing.T) {
	good := testSpec(10, 1)
	for name, mutate := range map[string]func(*Spec){
		"negative N":   func(s *Spec) { s.N = -1 },
		"zero batch":   func(s *Spec) { s.BatchSize = 0 },
		"zero now":     func(s *Spec) { s.Now = time.Time{} },
		"no tenants":   func(s *Spec) { s.Tenants = nil },
		"empty tenant": func(s *Spec) { s.Tenants = []string{"acme", ""} },
	} {
		t.Run(name, func(t *testing.T) {
			s := good
			mutate(&s)
			_, err := NewGenerator(s)
			require.ErrorIs(t, err, ErrSpec)
		})
	}
	g, err := NewGenerator(good)
	require.NoError(t, err)
	_, err = g.Batch(g.Batches())
	require.ErrorIs(t, err, ErrSpec, "a batch past the end")
	_, err = g.Batch(-1)
	require.ErrorIs(t, err, ErrSpec)
}

func TestBatchesCoverNExactly(t *testing.T) {
	for _, tc := range []struct{ n, batch, batches, last int }{
		{n: 1, batch: 1000, batches: 1, last: 1},
		{n: 1000, batch: 1000, batches: 1, last: 1000},
		{n: 1001, batch: 1000, batches: 2, last: 1},
		{n: 2500, batch: 1000, batches: 3, last: 500},
	} {
		g, err := NewGenerator(Spec{N: tc.n, Seed: 3, Now: DefaultNow, Tenants: []string{"acme"}, BatchSize: tc.batch})
		require.NoError(t, err)
		assert.Equal(t, tc.batches, g.Batches(), "n=%d batch=%d", tc.n, tc.batch)
		recs, err := g.Batch(g.Batches() - 1)
		require.NoError(t, err)
		assert.Len(t, recs, tc.last)
	}
}

// One seed is one data set: equal specs give equal records, whatever order batches are made in, and
// another seed gives other records.
func TestGeneratorIsDeterministic(t *testing.T) {
	g1, err := NewGenerator(testSpec(1000, 7))
	require.NoError(t, err)
	g2, err := NewGenerator(testSpec(1000, 7))
	require.NoError(t, err)
	b3, err := g2.Batch(3)
	require.NoError(t, err)
	b0, err := g2.Batch(0)
	require.NoError(t, err)
	a0, err := g1.Batch(0)
	require.NoError(t, err)
	a3, err := g1.Batch(3)
	require.NoError(t, err)
	require.Equal(t, a0, b0)
	require.Equal(t, a3, b3)

	g3, err := NewGenerator(testSpec(1000, 8))
	require.NoError(t, err)
	c0, err := g3.Batch(0)
	require.NoError(t, err)
	assert.NotEqual(t, a0[0].Complaint.ID, c0[0].Complaint.ID)
	assert.NotEqual(t, a0[0].Complaint.TrackingCode, c0[0].Complaint.TrackingCode)
}

// checkRecord asserts what every generated record must satisfy to be a plausible Desk record.
func checkRecord(t require.TestingT, set *sla.Set, now time.Time, tenants []string, r Record) {
	c := r.Complaint
	require.NoError(t, c.Validate(), "complaint %s", c.ID)
	require.Contains(t, tenants, c.Tenant)
	require.Equal(t, int64(1), c.Version, "stored whole in one insert")
	require.NotEmpty(t, c.TrackingCode)
	canon, err := complaint.ParseTrackingCode(c.TrackingCode)
	require.NoError(t, err)
	require.Equal(t, canon, c.TrackingCode)
	require.True(t, c.Status.Valid())
	require.False(t, c.CreatedAt.Before(now.Add(-historyHours*time.Hour)), "created %s", c.CreatedAt)
	require.True(t, c.CreatedAt.Before(now), "created %s", c.CreatedAt)
	require.Equal(t, storage.Time(c.CreatedAt), c.CreatedAt)

	require.Len(t, r.Events, int(c.EventSeq))
	require.Equal(t, complaint.EventReceived, r.Events[0].Type)
	status := complaint.StatusReceived
	acked := false
	for k, e := range r.Events {
		require.Equal(t, int64(k+1), e.Seq, "events numbered 1..n")
		require.Equal(t, c.ID, e.ComplaintID)
		require.Equal(t, c.Tenant, e.Tenant)
		require.NotEmpty(t, e.ID)
		require.False(t, e.At.After(now), "event %d at %s after now", e.Seq, e.At)
		if k > 0 {
			require.False(t, e.At.Before(r.Events[k-1].At), "event %d dated before event %d", e.Seq, e.Seq-1)
		}
		if e.Type == complaint.EventTransition && e.From != e.To {
			require.Equal(t, status, e.From, "event %d starts where the previous transition ended", e.Seq)
			status = e.To
		}
		if e.Trigger == complaint.TriggerAcknowledge {
			acked = true
		}
	}
	require.Equal(t, status, c.Status, "the transitions lead to the stored status")
	require.Equal(t, acked, !c.AcknowledgedAt.IsZero())
	require.Equal(t, r.Events[len(r.Events)-1].At, c.UpdatedAt)

	if c.Status.Final() {
		require.Empty(t, r.Timers, "a finished complaint has no timers")
		require.False(t, c.ClosedAt.IsZero())
	}
	for _, tm := range r.Timers {
		require.Equal(t, c.Tenant, tm.Tenant)
		require.Equal(t, c.ID, tm.ComplaintID)
		if tm.Kind == "lifecycle/autoclose" {
			require.Equal(t, complaint.StatusResolved, c.Status)
			require.True(t, tm.DueAt.After(now), "the close timeout is ahead: resolved within 7 days")
			continue
		}
		_, _, ok := sla.ParseTimerKind(tm.Kind)
		require.True(t, ok, "timer kind %q", tm.Kind)
	}
	if c.Status == complaint.StatusResolved {
		require.True(t, slices.ContainsFunc(r.Timers, func(tm storage.Timer) bool { return tm.Kind == "lifecycle/autoclose" }))
	}
	// The stored timers are exactly what the Desk would keep: the next level of each running clock.
	p, err := set.For(c)
	require.NoError(t, err)
	if !c.Status.Final() {
		var sl []storage.Timer
		for _, tm := range r.Timers {
			if tm.Kind != "lifecycle/autoclose" {
				sl = append(sl, tm)
			}
		}
		var want []storage.Timer
		for _, tm := range sla.Timers(p.Clocks(c, r.Events, now)) {
			want = append(want, storage.Timer{Tenant: c.Tenant, ComplaintID: c.ID, Kind: tm.Kind, DueAt: storage.Time(tm.At)})
		}
		require.Equal(t, want, sl)
	}
}

func TestRecordsAreConsistent(t *testing.T) {
	g, err := NewGenerator(testSpec(3000, 11))
	require.NoError(t, err)
	ids := map[string]bool{}
	codes := map[string]bool{}
	refs := map[string]bool{}
	for _, r := range allRecords(t, g) {
		checkRecord(t, g.sla, g.spec.Now, g.spec.Tenants, r)
		c := r.Complaint
		require.False(t, ids[c.ID], "ID %s twice", c.ID)
		ids[c.ID] = true
		key := c.Tenant + "/" + c.TrackingCode
		require.False(t, codes[key], "tracking code %s twice", key)
		codes[key] = true
		if c.ExternalRef != "" {
			key := c.Tenant + "/" + c.Channel + "/" + c.ExternalRef
			require.False(t, refs[key], "external reference %s twice", key)
			refs[key] = true
		}
	}
}

// Property: whatever the seed, size and batch size, every record is consistent.
func TestRecordsAreConsistentForAnySeed(t *testing.T) {
	set, err := sla.Parse(sla.SeedYAML())
	require.NoError(t, err)
	rapid.Check(t, func(rt *rapid.T) {
		spec := Spec{
			N:         rapid.IntRange(1, 60).Draw(rt, "n"),
			Seed:      rapid.Uint64().Draw(rt, "seed"),
			Now:       DefaultNow.Add(time.Duration(rapid.Int64Range(-1e6, 1e6).Draw(rt, "shift")) * time.Second),
			Tenants:   []string{"t1", "t2", "t3"}[:rapid.IntRange(1, 3).Draw(rt, "tenants")],
			BatchSize: rapid.IntRange(1, 25).Draw(rt, "batch"),
		}
		g, err := NewGenerator(spec)
		require.NoError(rt, err)
		n := 0
		for b := range g.Batches() {
			recs, err := g.Batch(b)
			require.NoError(rt, err)
			for _, r := range recs {
				checkRecord(rt, set, storage.Time(spec.Now), spec.Tenants, r)
				n++
			}
		}
		require.Equal(rt, spec.N, n)
	})
}

// The shape of the data: a Pareto of categories, about 8 % open, a year of history in creation
// order, tags, repeat customers.
func TestDistributions(t *testing.T) {
	const n = 20000
	g, err := NewGenerator(Spec{N: n, Seed: 1, Now: DefaultNow, Tenants: []string{"acme"}, BatchSize: 1000})
	require.NoError(t, err)
	recs := allRecords(t, g)
	byCat := map[string]int{}
	byStatus := map[complaint.Status]int{}
	months := map[string]int{}
	customers := map[string]int{}
	tagged, withTimers := 0, 0
	var prev time.Time
	outOfOrder := 0
	for _, r := range recs {
		c := r.Complaint
		byCat[c.Category]++
		byStatus[c.Status]++
		months[c.CreatedAt.Format("2006-01")]++
		customers[c.Customer.ID]++
		if len(c.Tags) > 0 {
			tagged++
		}
		if len(r.Timers) > 0 {
			withTimers++
		}
		if c.CreatedAt.Before(prev) {
			outOfOrder++
		}
		prev = c.CreatedAt
	}
	counts := make([]int, 0, len(byCat))
	for _, v := range byCat {
		counts = append(counts, v)
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	top4 := counts[0] + counts[1] + counts[2] + counts[3]
	assert.Len(t, byCat, len(categories))
	assert.Greater(t, float64(top4)/n, 0.45, "the four largest of twenty categories hold about half")
	assert.Greater(t, counts[0], 10*counts[len(counts)-1], "the head is far above the tail")

	open := 0
	for _, s := range complaint.OpenStatuses {
		open += byStatus[s]
	}
	assert.InDelta(t, 0.08, float64(open)/n, 0.02, "open share")
	assert.InDelta(t, 0.02, float64(byStatus[complaint.StatusResolved])/n, 0.01, "resolved share")
	assert.Greater(t, float64(byStatus[complaint.StatusClosed])/n, 0.7)
	assert.Len(t, months, 12, "a year of history")
	for m, k := range months {
		assert.Greater(t, k, n/20, "month %s", m)
	}
	assert.Less(t, float64(outOfOrder)/n, 0.01, "creation times grow with the index")
	assert.Greater(t, float64(tagged)/n, 0.3)
	assert.Greater(t, withTimers, n/200)
	repeaters := 0
	for _, k := range customers {
		if k > 1 {
			repeaters++
		}
	}
	assert.Greater(t, repeaters, len(customers)/10, "some customers complain again")
}

func BenchmarkGenerateBatch(b *testing.B) {
	g, err := NewGenerator(Spec{N: 1_000_000, Seed: 1, Now: DefaultNow, Tenants: []string{"acme"}, BatchSize: 1000})
	require.NoError(b, err)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Batch(i % g.Batches()); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i*1000), "ns/complaint")
}
