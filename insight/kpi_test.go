package insight_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/insight"
)

func TestComputeKPIs(t *testing.T) {
	var tally feedback.Tally
	for _, v := range []int{10, 9, 9, 8, 3} { // 3 promoters, 1 detractor of 5 → NPS 40
		require.NoError(t, tally.Add(feedback.Response{Scores: []feedback.Score{{Kind: feedback.NPS, Value: v}}}))
	}
	k, err := insight.ComputeKPIs(insight.KPIInput{
		FirstResponse: []time.Duration{30 * time.Minute, 2 * time.Hour, time.Hour, 90 * time.Minute},
		Resolution:    []time.Duration{48 * time.Hour, 24 * time.Hour, 72 * time.Hour},
		Total:         40,
		Resolved:      30,
		Breached:      3,
		Reopened:      6,
		Repeats:       4,
		Feedback:      tally,
	})
	require.NoError(t, err)
	assert.Equal(t, insight.DurationStats{
		N: 4, Mean: 75 * time.Minute, Median: 75 * time.Minute, P90: 111 * time.Minute, Max: 2 * time.Hour,
	}, k.FirstResponse) // sorted 30, 60, 90, 120 min; p90: h = 3·0.9 = 2.7 → 90 min + 0.7·30 min
	assert.Equal(t, insight.DurationStats{
		N: 3, Mean: 48 * time.Hour, Median: 48 * time.Hour, P90: 4032 * time.Minute, Max: 72 * time.Hour,
	}, k.Resolution) // p90: h = 1.8 → 48 h + 0.8·24 h = 67.2 h
	assert.Equal(t, insight.Rate{Num: 37, Den: 40}, k.SLAAttainment)
	assert.Equal(t, "92.5 % (37/40)", k.SLAAttainment.String())
	assert.Equal(t, insight.Rate{Num: 6, Den: 30}, k.ReopenRate)
	assert.Equal(t, 20.0, k.ReopenRate.Percent())
	assert.Equal(t, insight.Rate{Num: 4, Den: 40}, k.RepeatRate)
	assert.Equal(t, 40.0, k.Satisfaction.NPS)
	assert.Equal(t, int64(5), k.Satisfaction.NPSCount)
}

func TestComputeKPIsEmpty(t *testing.T) {
	k, err := insight.ComputeKPIs(insight.KPIInput{})
	require.NoError(t, err)
	_, ok := k.SLAAttainment.Value()
	assert.False(t, ok)
	assert.Equal(t, "n/a", k.SLAAttainment.String())
	assert.Equal(t, 0.0, k.SLAAttainment.Percent())
	assert.Equal(t, insight.DurationStats{}, k.Resolution)
}

func TestComputeKPIsBadInput(t *testing.T) {
	tests := []struct {
		name  string
		in    insight.KPIInput
		field string
	}{
		{"negative total", insight.KPIInput{Total: -1}, "total"},
		{"negative repeats", insight.KPIInput{Total: 1, Repeats: -1}, "repeats"},
		{"breached above total", insight.KPIInput{Total: 2, Breached: 3}, "breached"},
		{"resolved above total", insight.KPIInput{Total: 2, Resolved: 3}, "resolved"},
		{"repeats above total", insight.KPIInput{Total: 2, Repeats: 3}, "repeats"},
		{"reopened above resolved", insight.KPIInput{Total: 5, Resolved: 1, Reopened: 2}, "reopened"},
		{"negative first response", insight.KPIInput{FirstResponse: []time.Duration{-time.Minute}}, "first_response"},
		{"negative resolution", insight.KPIInput{Resolution: []time.Duration{-time.Minute}}, "resolution"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := insight.ComputeKPIs(tt.in)
			require.ErrorIs(t, err, insight.ErrInput)
			var ie *insight.InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tt.field, ie.Field)
		})
	}
}

func TestWorkload(t *testing.T) {
	rows, err := insight.Workload(
		[]insight.Count{{"wang", 6}, {"li", 10}, {"zhao", 4}, {"wang", 2}, {"chen", 0}},
		[]insight.Count{{"li", 3}, {"wang", 1}},
	)
	require.NoError(t, err)
	assert.Equal(t, []insight.Load{
		{Key: "li", Open: 10, Overdue: 3, Share: 10.0 / 22},
		{Key: "wang", Open: 8, Overdue: 1, Share: 8.0 / 22},
		{Key: "zhao", Open: 4, Share: 4.0 / 22},
		{Key: "chen"},
	}, rows)

	_, err = insight.Workload([]insight.Count{{"li", -1}}, nil)
	assert.ErrorIs(t, err, insight.ErrInput)
	_, err = insight.Workload([]insight.Count{{"li", 1}}, []insight.Count{{"li", 2}})
	assert.ErrorIs(t, err, insight.ErrInput)
	_, err = insight.Workload(nil, []insight.Count{{"ghost", 1}})
	assert.ErrorIs(t, err, insight.ErrInput)
}

func TestCountBy(t *testing.T) {
	got := insight.CountBy([]string{"b", "a", "c", "b", "a", "b"}, func(s string) string { return s })
	assert.Equal(t, []insight.Count{{"b", 3}, {"a", 2}, {"c", 1}}, got)
	assert.Empty(t, insight.CountBy([]string(nil), func(s string) string { return s }))
}
