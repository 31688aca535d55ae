package feedback_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/feedback"
)

func TestKindCheck(t *testing.T) {
	tests := []struct {
		kind feedback.Kind
		v    int
		ok   bool
	}{
		{feedback.CSAT, 0, false}, {feedback.CSAT, 1, true}, {feedback.CSAT, 5, true}, {feedback.CSAT, 6, false},
		{feedback.NPS, -1, false}, {feedback.NPS, 0, true}, {feedback.NPS, 10, true}, {feedback.NPS, 11, false},
		{feedback.CES, 0, false}, {feedback.CES, 1, true}, {feedback.CES, 7, true}, {feedback.CES, 8, false},
		{"stars", 3, false},
	}
	for _, tt := range tests {
		err := tt.kind.Check(tt.v)
		if tt.ok {
			assert.NoError(t, err, "%s %d", tt.kind, tt.v)
			continue
		}
		require.ErrorIs(t, err, feedback.ErrScoreRange, "%s %d", tt.kind, tt.v)
		var se *feedback.ScoreError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, feedback.ScoreError{Kind: tt.kind, Value: tt.v}, *se)
	}
	assert.EqualError(t, feedback.NPS.Check(11), "feedback: nps score 11 out of range 0–10")
	assert.ErrorIs(t, feedback.Kind("stars").Check(3), feedback.ErrUnknownKind)
	assert.NotErrorIs(t, feedback.NPS.Check(11), feedback.ErrUnknownKind)
}

func TestResponseValidate(t *testing.T) {
	all := []feedback.Kind{feedback.CSAT, feedback.NPS, feedback.CES}
	s := func(k feedback.Kind, v int) feedback.Score { return feedback.Score{Kind: k, Value: v} }
	tests := []struct {
		name      string
		r         feedback.Response
		requested []feedback.Kind
		want      error
	}{
		{"all three", feedback.Response{Scores: []feedback.Score{s(feedback.CSAT, 4), s(feedback.NPS, 0), s(feedback.CES, 7)}, Comment: "还行"}, all, nil},
		{"partial", feedback.Response{Scores: []feedback.Score{s(feedback.NPS, 10)}}, all, nil},
		{"any kind when none requested", feedback.Response{Scores: []feedback.Score{s(feedback.CES, 2)}}, nil, nil},
		{"no score", feedback.Response{Comment: "just a comment"}, all, feedback.ErrNoScore},
		{"csat too high", feedback.Response{Scores: []feedback.Score{s(feedback.CSAT, 6)}}, all, feedback.ErrScoreRange},
		{"nps negative", feedback.Response{Scores: []feedback.Score{s(feedback.NPS, -1)}}, all, feedback.ErrScoreRange},
		{"ces zero", feedback.Response{Scores: []feedback.Score{s(feedback.CES, 0)}}, all, feedback.ErrScoreRange},
		{"unknown kind", feedback.Response{Scores: []feedback.Score{s("stars", 3)}}, all, feedback.ErrUnknownKind},
		{"not requested", feedback.Response{Scores: []feedback.Score{s(feedback.CES, 3)}}, []feedback.Kind{feedback.CSAT}, feedback.ErrNotRequested},
		{"twice", feedback.Response{Scores: []feedback.Score{s(feedback.CSAT, 3), s(feedback.CSAT, 4)}}, all, feedback.ErrDuplicateScore},
		{"long comment", feedback.Response{Scores: []feedback.Score{s(feedback.CSAT, 3)}, Comment: strings.Repeat("差", feedback.MaxCommentLen+1)}, all, feedback.ErrBadComment},
		{"bad utf8", feedback.Response{Scores: []feedback.Score{s(feedback.CSAT, 3)}, Comment: "\xff"}, all, feedback.ErrBadComment},
		{"nul", feedback.Response{Scores: []feedback.Score{s(feedback.CSAT, 3)}, Comment: "a\x00"}, all, feedback.ErrBadComment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate(tt.requested)
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.want)
		})
	}
}

func TestResponseScore(t *testing.T) {
	r := feedback.Response{Scores: []feedback.Score{{Kind: feedback.NPS, Value: 0}}}
	v, ok := r.Score(feedback.NPS)
	assert.True(t, ok, "an NPS of 0 is an answer")
	assert.Equal(t, 0, v)
	_, ok = r.Score(feedback.CSAT)
	assert.False(t, ok)
}
