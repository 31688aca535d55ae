package insight_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/insight"
)

func secs(vs ...int) []time.Duration {
	out := make([]time.Duration, len(vs))
	for i, v := range vs {
		out[i] = time.Duration(v) * time.Second
	}
	return out
}

func TestPercentileKnown(t *testing.T) {
	ten := secs(7, 3, 10, 1, 9, 2, 8, 4, 6, 5) // 1..10 shuffled
	tests := []struct {
		name string
		ds   []time.Duration
		p    float64
		want time.Duration
	}{
		{"p90 of 1..10", ten, 90, 9100 * time.Millisecond}, // h = 9·0.9 = 8.1 → 9 s + 0.1·1 s
		{"median of 1..10", ten, 50, 5500 * time.Millisecond},
		{"p0 is the minimum", ten, 0, time.Second},
		{"p100 is the maximum", ten, 100, 10 * time.Second},
		{"p25 of 1..10", ten, 25, 3250 * time.Millisecond},
		{"median of odd count", secs(30, 10, 20), 50, 20 * time.Second},
		{"p90 of 1..11", secs(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), 90, 10 * time.Second},
		{"one value", secs(42), 90, 42 * time.Second},
		{"rounds to the nanosecond", []time.Duration{0, 1}, 50, 1},                                      // 0.5 ns rounds away from zero
		{"p90 with a long tail", secs(60, 60, 60, 60, 60, 60, 60, 60, 60, 3600), 90, 414 * time.Second}, // h = 8.1 → 60 s + 0.1·3540 s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.ds)
			got, err := insight.Percentile(tt.ds, tt.p)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, in, tt.ds, "input untouched")
		})
	}
}

func TestPercentileBadInput(t *testing.T) {
	_, err := insight.Percentile(nil, 50)
	assert.ErrorIs(t, err, insight.ErrNoData)
	for _, p := range []float64{-0.1, 100.5, math.NaN(), math.Inf(1)} {
		_, err := insight.Percentile(secs(1, 2), p)
		assert.ErrorIs(t, err, insight.ErrInput, "p=%v", p)
	}
	_, err = insight.Percentile([]time.Duration{time.Second, -time.Second}, 50)
	var ie *insight.InputError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "durations", ie.Field)
}

func TestDescribe(t *testing.T) {
	s, err := insight.Describe(secs(7, 3, 10, 1, 9, 2, 8, 4, 6, 5))
	require.NoError(t, err)
	assert.Equal(t, insight.DurationStats{
		N: 10, Mean: 5500 * time.Millisecond, Median: 5500 * time.Millisecond, P90: 9100 * time.Millisecond, Max: 10 * time.Second,
	}, s)
	s, err = insight.Describe(nil)
	require.NoError(t, err)
	assert.Equal(t, insight.DurationStats{}, s)
	_, err = insight.Describe(secs(1, -1))
	assert.ErrorIs(t, err, insight.ErrInput)
}

// TestPercentileProperties: percentiles are monotonic in p, lie between the minimum and the maximum,
// hit them at 0 and 100, and do not depend on the order of the input.
func TestPercentileProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		raw := rapid.SliceOfN(rapid.Int64Range(0, int64(90*24*time.Hour)), 1, 200).Draw(t, "ds")
		ds := make([]time.Duration, len(raw))
		for i, v := range raw {
			ds[i] = time.Duration(v)
		}
		p1 := rapid.Float64Range(0, 100).Draw(t, "p1")
		p2 := rapid.Float64Range(0, 100).Draw(t, "p2")
		if p1 > p2 {
			p1, p2 = p2, p1
		}
		v1, err := insight.Percentile(ds, p1)
		require.NoError(t, err)
		v2, err := insight.Percentile(ds, p2)
		require.NoError(t, err)
		assert.LessOrEqual(t, v1, v2)
		lo, hi := slices.Min(ds), slices.Max(ds)
		assert.GreaterOrEqual(t, v1, lo)
		assert.LessOrEqual(t, v2, hi)
		v0, _ := insight.Percentile(ds, 0)
		v100, _ := insight.Percentile(ds, 100)
		assert.Equal(t, lo, v0)
		assert.Equal(t, hi, v100)

		rev := slices.Clone(ds)
		slices.Reverse(rev)
		vr, _ := insight.Percentile(rev, p1)
		assert.Equal(t, v1, vr)
	})
}

// reference computes a percentile the obvious way: sort, then interpolate.
func reference(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	h := float64(len(s)-1) * p / 100
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	return s[lo] + time.Duration(math.Round((h-float64(lo))*float64(s[lo+1]-s[lo])))
}

// TestDescribeMatchesSorting checks the selection-based figures against sorting, on inputs shaped to
// stress the partition: random with many duplicates, sorted, reversed, constant and organ-pipe.
func TestDescribeMatchesSorting(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 3000).Draw(t, "n")
		spread := rapid.SampledFrom([]int64{1, 3, 50, 1 << 40}).Draw(t, "spread")
		ds := make([]time.Duration, n)
		for i := range ds {
			ds[i] = time.Duration(rapid.Int64Range(0, spread).Draw(t, "v"))
		}
		switch rapid.IntRange(0, 3).Draw(t, "shape") {
		case 1:
			slices.Sort(ds)
		case 2:
			slices.Sort(ds)
			slices.Reverse(ds)
		case 3:
			slices.Sort(ds)
			for i, j := 1, len(ds)-1; i < j; i, j = i+2, j-1 {
				ds[i], ds[j] = ds[j], ds[i]
			}
		}
		in := slices.Clone(ds)
		got, err := insight.Describe(ds)
		require.NoError(t, err)
		assert.Equal(t, in, ds, "input untouched")
		assert.Equal(t, n, got.N)
		assert.Equal(t, reference(ds, 50), got.Median)
		assert.Equal(t, reference(ds, 90), got.P90)
		assert.Equal(t, slices.Max(ds), got.Max)
		p := rapid.Float64Range(0, 100).Draw(t, "p")
		v, err := insight.Percentile(ds, p)
		require.NoError(t, err)
		assert.Equal(t, reference(ds, p), v)
	})
}
