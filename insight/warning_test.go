package insight_test

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/insight"
)

func repeat(n int, vs ...int64) []int64 {
	var out []int64
	for len(out) < n {
		out = append(out, vs...)
	}
	return out[:n]
}

func TestWarningLevels(t *testing.T) {
	// A steady category: 8, 12, 8, 12, ... (mean 10, sample σ = √(56/13) ≈ 2.08). The spread used is
	// the Poisson floor √10 ≈ 3.16: blue from 13.16, yellow from 16.32, red from 19.49.
	steady := repeat(14, 8, 12)
	// A bursty category: 0, 20, 0, 20, ... (mean 10, σ = √(1400/13) ≈ 10.38): it takes far more.
	bursty := repeat(14, 0, 20)
	tests := []struct {
		name   string
		series []int64
		want   insight.Level
	}{
		{"steady, usual", append(slices.Clone(steady), 13), insight.LevelNone},
		{"steady, +1σ", append(slices.Clone(steady), 14), insight.LevelBlue},
		{"steady, +2σ", append(slices.Clone(steady), 17), insight.LevelYellow},
		{"steady, +3σ", append(slices.Clone(steady), 20), insight.LevelRed},
		{"steady, below mean", append(slices.Clone(steady), 2), insight.LevelNone},
		{"bursty, 20 is usual", append(slices.Clone(bursty), 20), insight.LevelNone},
		{"bursty, 21 is +1σ", append(slices.Clone(bursty), 21), insight.LevelBlue},
		{"bursty, 31 is +2σ", append(slices.Clone(bursty), 31), insight.LevelYellow},
		{"bursty, 42 is +3σ", append(slices.Clone(bursty), 42), insight.LevelRed},
		{"flat 4s: σ floor √4 = 2, 6 is blue", append(repeat(14, 4), 6), insight.LevelBlue},
		{"flat 4s: 8 is yellow", append(repeat(14, 4), 8), insight.LevelYellow},
		{"flat 4s: 10 is red", append(repeat(14, 4), 10), insight.LevelRed},
		{"tiny: 4 after nothing stays quiet", append(repeat(14, 0), 4), insight.LevelNone},
		{"new category: 5 after nothing is red", append(repeat(14, 0), 5), insight.LevelRed},
		{"only the last 14 windows count", append(append(repeat(10, 500), steady...), 20), insight.LevelRed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := insight.WarningPolicy{}.Check(tt.series)
			require.NoError(t, err)
			assert.Equal(t, tt.want, w.Level, "count %d, mean %.2f, σ %.2f, z %.2f", w.Current, w.Mean, w.Sigma, w.Z)
		})
	}
}

func TestWarningNumbers(t *testing.T) {
	w, err := insight.WarningPolicy{}.Check(append(repeat(14, 8, 12), 17))
	require.NoError(t, err)
	assert.Equal(t, insight.LevelYellow, w.Level)
	assert.Equal(t, int64(17), w.Current)
	assert.Equal(t, 14, w.Windows)
	assert.Equal(t, 10.0, w.Mean)
	assert.InDelta(t, math.Sqrt(56.0/13), w.StdDev, 1e-12)
	assert.InDelta(t, math.Sqrt(10), w.Sigma, 1e-12)
	assert.InDelta(t, 7/math.Sqrt(10), w.Z, 1e-12)
	assert.InDelta(t, 10+math.Sqrt(10), w.Blue, 1e-12)
	assert.InDelta(t, 10+2*math.Sqrt(10), w.Yellow, 1e-12)
	assert.InDelta(t, 10+3*math.Sqrt(10), w.Red, 1e-12)
	assert.True(t, w.Raised(insight.LevelBlue))
	assert.False(t, w.Raised(insight.LevelYellow))
	assert.Equal(t, "yellow", w.Level.String())
}

func TestWarningPolicyCustom(t *testing.T) {
	p := insight.WarningPolicy{Baseline: 4, MinBaseline: 2, MinCount: 1, Blue: 0.5, Yellow: 1, Red: 1.5}
	// baseline 1, 1, 3, 5: mean 2.5, σ = √(11/3) ≈ 1.91, above the floor √2.5 ≈ 1.58
	w, err := p.Check([]int64{1, 1, 3, 5, 5})
	require.NoError(t, err)
	assert.Equal(t, 2.5, w.Mean)
	assert.InDelta(t, math.Sqrt(11.0/3), w.Sigma, 1e-12)
	assert.Equal(t, insight.LevelYellow, w.Level) // 5 ≥ 2.5 + 1.91 = 4.41, < 2.5 + 2.87
	_, err = p.Check([]int64{1, 2, 3})
	require.NoError(t, err, "two baseline windows suffice with MinBaseline 2")
}

func TestWarningBadInput(t *testing.T) {
	tests := []struct {
		name   string
		p      insight.WarningPolicy
		series []int64
	}{
		{"too short for the default", insight.WarningPolicy{}, repeat(7, 3)},
		{"negative count", insight.WarningPolicy{}, append(repeat(14, 3), -1)},
		{"min baseline above baseline", insight.WarningPolicy{Baseline: 3, MinBaseline: 5}, repeat(20, 1)},
		{"negative baseline", insight.WarningPolicy{Baseline: -1}, repeat(20, 1)},
		{"negative min count", insight.WarningPolicy{MinCount: -1}, repeat(20, 1)},
		{"thresholds out of order", insight.WarningPolicy{Blue: 2, Yellow: 1}, repeat(20, 1)},
		{"negative threshold", insight.WarningPolicy{Blue: -1}, repeat(20, 1)},
		{"infinite red", insight.WarningPolicy{Red: math.Inf(1)}, repeat(20, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.p.Check(tt.series)
			assert.ErrorIs(t, err, insight.ErrInput)
		})
	}
	_, err := insight.WarningPolicy{}.Check(repeat(8, 3))
	assert.NoError(t, err, "seven baseline windows are enough by default")
}

// TestWarningMonotonic: a larger current count never lowers the level.
func TestWarningMonotonic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		series := rapid.SliceOfN(rapid.Int64Range(0, 200), 8, 30).Draw(t, "series")
		bump := rapid.Int64Range(0, 100).Draw(t, "bump")
		w1, err := insight.WarningPolicy{}.Check(series)
		require.NoError(t, err)
		higher := slices.Clone(series)
		higher[len(higher)-1] += bump
		w2, err := insight.WarningPolicy{}.Check(higher)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, w2.Level, w1.Level)
		assert.GreaterOrEqual(t, w1.Sigma, 1.0)
	})
}

func TestDailySeries(t *testing.T) {
	from := time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC) // the day of from counts from midnight
	to := time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)
	got, err := insight.DailySeries([]insight.Count{
		{"2026-03-02", 4}, {"2026-03-05", 7}, {"2026-03-01", 1}, {"2026-02-28", 99}, {"2026-03-06", 99}, {"2026-03-02", 1},
	}, from, to)
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 5, 0, 0, 7}, got)

	_, err = insight.DailySeries([]insight.Count{{"March 2", 1}}, from, to)
	assert.ErrorIs(t, err, insight.ErrInput)
	_, err = insight.DailySeries([]insight.Count{{"2026-03-02", -1}}, from, to)
	assert.ErrorIs(t, err, insight.ErrInput)
	_, err = insight.DailySeries(nil, to, from)
	assert.ErrorIs(t, err, insight.ErrInput)
}

func TestWindows(t *testing.T) {
	daily := []int64{1, 2, 3, 4, 5, 6, 7, 8}
	assert.Equal(t, []int64{12, 21}, insight.Windows(daily, 3), "aligned to the last day; days 1 and 2 dropped")
	assert.Equal(t, daily, insight.Windows(daily, 1))
	assert.Equal(t, daily, insight.Windows(daily, 0))
	assert.Equal(t, []int64{36}, insight.Windows(daily, 8))
	assert.Empty(t, insight.Windows(daily, 9))
}

func TestLevelText(t *testing.T) {
	for l := insight.LevelNone; l <= insight.LevelRed; l++ {
		b, err := l.MarshalText()
		require.NoError(t, err)
		var back insight.Level
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, l, back)
	}
	b, err := json.Marshal(map[string]insight.Level{"level": insight.LevelYellow})
	require.NoError(t, err)
	assert.Equal(t, `{"level":"yellow"}`, string(b))
	_, err = insight.Level(7).MarshalText()
	assert.ErrorIs(t, err, insight.ErrInput)
	var l insight.Level
	assert.ErrorIs(t, l.UnmarshalText([]byte("Red")), insight.ErrInput)
	assert.ErrorIs(t, json.Unmarshal([]byte(`"orange"`), &l), insight.ErrInput)
}

func FuzzLevelUnmarshalText(f *testing.F) {
	for _, s := range []string{"none", "blue", "yellow", "red", "", "RED", "3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var l insight.Level
		if err := l.UnmarshalText([]byte(s)); err != nil {
			require.ErrorIs(t, err, insight.ErrInput)
			return
		}
		b, err := l.MarshalText()
		require.NoError(t, err)
		require.Equal(t, s, string(b), "only canonical names are accepted")
	})
}
