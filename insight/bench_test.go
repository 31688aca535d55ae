package insight_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/redresshq/redress/insight"
)

// benchN is the number of complaints the benchmarks aggregate (issue 5: Pareto and KPIs over 100,000
// complaints in memory).
const benchN = 100_000

func benchDurations(seed uint64) []time.Duration {
	r := rand.New(rand.NewPCG(seed, 1))
	ds := make([]time.Duration, benchN)
	for i := range ds {
		// Skewed like real handling times: mostly short, a long tail up to a few days.
		x := r.ExpFloat64() * float64(6*time.Hour)
		ds[i] = time.Duration(x) + time.Minute
	}
	return ds
}

func benchCategories() []string {
	r := rand.New(rand.NewPCG(7, 1))
	z := rand.NewZipf(r, 1.2, 1, 39)
	names := make([]string, 40)
	for i := range names {
		names[i] = fmt.Sprintf("category-%02d", i)
	}
	out := make([]string, benchN)
	for i := range out {
		out[i] = names[z.Uint64()]
	}
	return out
}

// BenchmarkKPIs compares ComputeKPIs over 100,000 first-response and 100,000 resolution durations
// with its floor: copying and sorting both slices, which any exact median and p90 must do (or match).
func BenchmarkKPIs(b *testing.B) {
	in := insight.KPIInput{
		FirstResponse: benchDurations(1),
		Resolution:    benchDurations(2),
		Total:         benchN, Resolved: benchN, Breached: 4_000, Reopened: 3_000, Repeats: 2_500,
	}
	b.Run("baseline=clone+sort", func(b *testing.B) {
		for b.Loop() {
			a := slices.Clone(in.FirstResponse)
			slices.Sort(a)
			c := slices.Clone(in.Resolution)
			slices.Sort(c)
		}
	})
	b.Run("ComputeKPIs", func(b *testing.B) {
		for b.Loop() {
			if _, err := insight.ComputeKPIs(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPareto compares counting 100,000 complaints by category and building the Pareto table with
// its floor, a bare map count of the same keys; and shows the cost when the store has already counted.
func BenchmarkPareto(b *testing.B) {
	cats := benchCategories()
	key := func(s string) string { return s }
	b.Run("baseline=map-count", func(b *testing.B) {
		for b.Loop() {
			m := make(map[string]int64)
			for _, c := range cats {
				m[c]++
			}
		}
	})
	b.Run("CountBy+NewPareto", func(b *testing.B) {
		for b.Loop() {
			if _, err := insight.NewPareto(insight.CountBy(cats, key), 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	counts := insight.CountBy(cats, key)
	b.Run("NewPareto-from-store-counts", func(b *testing.B) {
		for b.Loop() {
			if _, err := insight.NewPareto(counts, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWarningCheck measures one category's check over 28 daily counts: the early warning reads
// counts, so its cost does not grow with the number of complaints.
func BenchmarkWarningCheck(b *testing.B) {
	series := append(repeat(27, 8, 12, 9, 11), 25)
	for b.Loop() {
		if _, err := (insight.WarningPolicy{}).Check(series); err != nil {
			b.Fatal(err)
		}
	}
}
