package feedback_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/feedback"
)

func responses(k feedback.Kind, vs ...int) []feedback.Response {
	out := make([]feedback.Response, len(vs))
	for i, v := range vs {
		out[i] = feedback.Response{Scores: []feedback.Score{{Kind: k, Value: v}}}
	}
	return out
}

func TestSummarizeKnownSets(t *testing.T) {
	var rs []feedback.Response
	// NPS: promoters 10,10,9,9,10,9 (6), passives 8,7 (2), detractors 6,2 (2) of 10 → 60 % − 20 % = 40.
	rs = append(rs, responses(feedback.NPS, 10, 10, 9, 8, 7, 6, 2, 9, 10, 9)...)
	// CSAT: 5,4,4,5,4 of 8 are 4–5 → 62.5 %.
	rs = append(rs, responses(feedback.CSAT, 5, 4, 4, 3, 2, 5, 1, 4)...)
	// CES mean (2+3+5+7)/4 = 4.25.
	rs = append(rs, responses(feedback.CES, 2, 3, 5, 7)...)
	s, err := feedback.Summarize(rs)
	require.NoError(t, err)
	assert.Equal(t, feedback.Summary{
		CSATCount: 8, CSAT: 62.5,
		NPSCount: 10, Promoters: 6, Passives: 2, Detractors: 2, NPS: 40,
		CESCount: 4, CES: 4.25,
	}, s)
}

func TestSummarizeEdges(t *testing.T) {
	s, err := feedback.Summarize(nil)
	require.NoError(t, err)
	assert.Equal(t, feedback.Summary{}, s)

	s, err = feedback.Summarize(responses(feedback.NPS, 0, 1, 2))
	require.NoError(t, err)
	assert.Equal(t, -100.0, s.NPS)
	s, err = feedback.Summarize(responses(feedback.NPS, 9, 10))
	require.NoError(t, err)
	assert.Equal(t, 100.0, s.NPS)

	_, err = feedback.Summarize(responses(feedback.CSAT, 4, 0))
	assert.ErrorIs(t, err, feedback.ErrScoreRange)
}

func TestTallyAddIsAllOrNothing(t *testing.T) {
	var tl feedback.Tally
	err := tl.Add(feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 5}, {Kind: feedback.NPS, Value: 12}}})
	assert.ErrorIs(t, err, feedback.ErrScoreRange)
	assert.Equal(t, feedback.Tally{}, tl)
}

func TestSummarizeBy(t *testing.T) {
	type answer struct {
		queue string
		r     feedback.Response
	}
	var items []answer
	for _, r := range responses(feedback.NPS, 10, 0, 9) {
		items = append(items, answer{"returns", r})
	}
	for _, r := range responses(feedback.NPS, 7, 8) {
		items = append(items, answer{"billing", r})
	}
	groups, err := feedback.SummarizeBy(items, func(a answer) string { return a.queue }, func(a answer) feedback.Response { return a.r })
	require.NoError(t, err)
	require.Len(t, groups, 2)
	assert.Equal(t, "billing", groups[0].Key)
	assert.Equal(t, int64(2), groups[0].NPSCount)
	assert.Equal(t, 0.0, groups[0].NPS)
	assert.Equal(t, "returns", groups[1].Key)
	assert.InDelta(t, 100.0/3, groups[1].NPS, 1e-12) // 2 promoters, 1 detractor of 3

	items = append(items, answer{"billing", feedback.Response{Scores: []feedback.Score{{Kind: feedback.CES, Value: 9}}}})
	_, err = feedback.SummarizeBy(items, func(a answer) string { return a.queue }, func(a answer) feedback.Response { return a.r })
	assert.ErrorIs(t, err, feedback.ErrScoreRange)
}

func genResponse() *rapid.Generator[feedback.Response] {
	return rapid.Custom(func(t *rapid.T) feedback.Response {
		var r feedback.Response
		for _, k := range feedback.Kinds {
			if rapid.Bool().Draw(t, "has") {
				lo, hi := k.Range()
				r.Scores = append(r.Scores, feedback.Score{Kind: k, Value: rapid.IntRange(lo, hi).Draw(t, string(k))})
			}
		}
		return r
	})
}

// TestTallyMergeProperty: tallies of two halves merge into the tally of the whole, and every figure
// stays on its scale.
func TestTallyMergeProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs := rapid.SliceOf(genResponse()).Draw(t, "responses")
		cut := rapid.IntRange(0, len(rs)).Draw(t, "cut")
		var whole, a, b feedback.Tally
		for i, r := range rs {
			require.NoError(t, whole.Add(r))
			if i < cut {
				require.NoError(t, a.Add(r))
			} else {
				require.NoError(t, b.Add(r))
			}
		}
		a.Merge(b)
		assert.Equal(t, whole, a)

		s := whole.Summary()
		assert.GreaterOrEqual(t, s.CSAT, 0.0)
		assert.LessOrEqual(t, s.CSAT, 100.0)
		assert.GreaterOrEqual(t, s.NPS, -100.0)
		assert.LessOrEqual(t, s.NPS, 100.0)
		assert.Equal(t, s.NPSCount, s.Promoters+s.Passives+s.Detractors)
		if s.CESCount > 0 {
			assert.GreaterOrEqual(t, s.CES, 1.0)
			assert.LessOrEqual(t, s.CES, 7.0)
		}
		// Counts per kind equal the number of responses that answered it.
		var nCSAT int64
		for _, r := range rs {
			if _, ok := r.Score(feedback.CSAT); ok {
				nCSAT++
			}
		}
		assert.Equal(t, nCSAT, s.CSATCount)
	})
}
