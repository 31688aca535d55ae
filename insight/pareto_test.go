package insight_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/insight"
)

type row struct {
	key        string
	n          int64
	share, cum float64
	vital      bool
}

func rows(p insight.Pareto) []row {
	out := make([]row, len(p.Rows))
	for i, r := range p.Rows {
		out[i] = row{r.Key, r.N, r.Share, r.Cumulative, r.Vital}
	}
	return out
}

func TestParetoKnown(t *testing.T) {
	p, err := insight.NewPareto([]insight.Count{
		{"packaging", 6}, {"delivery", 50}, {"billing", 4}, {"quality", 30}, {"staff", 10},
	}, 0)
	require.NoError(t, err)
	assert.Equal(t, int64(100), p.Total)
	assert.Equal(t, 0.8, p.Line)
	assert.Equal(t, []row{
		{"delivery", 50, 0.5, 0.5, true},
		{"quality", 30, 0.3, 0.8, true}, // reaches the line exactly: still vital
		{"staff", 10, 0.1, 0.9, false},
		{"packaging", 6, 0.06, 0.96, false},
		{"billing", 4, 0.04, 1, false},
	}, rows(p))
	assert.Len(t, p.Vital(), 2)
}

func TestParetoCrossingRowIsVital(t *testing.T) {
	p, err := insight.NewPareto([]insight.Count{{"a", 7}, {"b", 2}, {"c", 1}}, 0.8)
	require.NoError(t, err)
	// a alone is 70 %, below the line; b crosses it (90 %) and is vital; c is not.
	assert.Equal(t, []bool{true, true, false}, []bool{p.Rows[0].Vital, p.Rows[1].Vital, p.Rows[2].Vital})
	assert.InDelta(t, 0.9, p.Rows[1].Cumulative, 1e-15)
}

func TestParetoMergesTiesAndZeros(t *testing.T) {
	p, err := insight.NewPareto([]insight.Count{{"b", 2}, {"a", 1}, {"c", 0}, {"a", 1}, {"d", 2}}, 0.5)
	require.NoError(t, err)
	assert.Equal(t, []row{
		{"a", 2, 1.0 / 3, 1.0 / 3, true},
		{"b", 2, 1.0 / 3, 2.0 / 3, true},
		{"d", 2, 1.0 / 3, 1, false},
		{"c", 0, 0, 1, false},
	}, rows(p))
}

func TestParetoEdges(t *testing.T) {
	p, err := insight.NewPareto(nil, 0)
	require.NoError(t, err)
	assert.Empty(t, p.Rows)
	assert.Empty(t, p.Vital())

	p, err = insight.NewPareto([]insight.Count{{"a", 0}, {"b", 0}}, 0)
	require.NoError(t, err)
	assert.Equal(t, []row{{"a", 0, 0, 0, false}, {"b", 0, 0, 0, false}}, rows(p), "no NaN when nothing was counted")

	for _, line := range []float64{-0.1, 1.01, math.NaN()} {
		_, err := insight.NewPareto([]insight.Count{{"a", 1}}, line)
		assert.ErrorIs(t, err, insight.ErrInput, "line %v", line)
	}
	_, err = insight.NewPareto([]insight.Count{{"a", -1}}, 0)
	assert.ErrorIs(t, err, insight.ErrInput)
}

func TestParetoString(t *testing.T) {
	p, err := insight.NewPareto([]insight.Count{{"delivery", 50}, {"quality", 30}, {"staff", 20}}, 0)
	require.NoError(t, err)
	assert.Equal(t, ""+
		"key          count   share     cum\n"+
		"delivery        50   50.0%   50.0%\n"+
		"quality         30   30.0%   80.0%\n"+
		"------------------------ 80 % line\n"+
		"staff           20   20.0%  100.0%\n", p.String())
}

// TestParetoProperties: shares sum to 1 and never increase, cumulative shares never decrease and end
// at exactly 1, and the vital rows are the shortest prefix that reaches the line.
func TestParetoProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 40).Draw(t, "n")
		counts := make([]insight.Count, n)
		for i := range counts {
			counts[i] = insight.Count{Key: fmt.Sprintf("k%d", rapid.IntRange(0, 30).Draw(t, "key")), N: rapid.Int64Range(0, 1_000_000).Draw(t, "count")}
		}
		line := rapid.Float64Range(0.01, 1).Draw(t, "line")
		p, err := insight.NewPareto(counts, line)
		require.NoError(t, err)
		if p.Total == 0 {
			return
		}
		var sum float64
		for i, r := range p.Rows {
			sum += r.Share
			if i > 0 {
				assert.LessOrEqual(t, r.Share, p.Rows[i-1].Share)
				assert.GreaterOrEqual(t, r.Cumulative, p.Rows[i-1].Cumulative)
			}
		}
		assert.InDelta(t, 1.0, sum, 1e-9)
		assert.Equal(t, 1.0, p.Rows[len(p.Rows)-1].Cumulative)

		vital := p.Vital()
		require.NotEmpty(t, vital)
		for _, r := range p.Rows[len(vital):] {
			assert.False(t, r.Vital, "vital rows form a prefix")
		}
		assert.GreaterOrEqual(t, vital[len(vital)-1].Cumulative, line-1e-12, "the vital few reach the line")
		if len(vital) > 1 {
			assert.Less(t, vital[len(vital)-2].Cumulative, line, "and no fewer rows would")
		}
	})
}
