package feedback_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/feedback"
)

var (
	resolved = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	aHash    = strings.Repeat("ab", 32)
)

func score(k feedback.Kind, v int) feedback.Score { return feedback.Score{Kind: k, Value: v} }

func schedule(t *testing.T, p feedback.Policy) *feedback.Survey {
	t.Helper()
	s, err := p.Schedule(feedback.ScheduleParams{ID: "S1", Tenant: "acme", ComplaintID: "C1", TokenHash: aHash, ResolvedAt: resolved})
	require.NoError(t, err)
	return s
}

func TestDefaultPolicy(t *testing.T) {
	assert.Equal(t, feedback.Policy{
		Window:     48 * time.Hour,
		Validity:   7 * 24 * time.Hour,
		Kinds:      []feedback.Kind{feedback.CSAT, feedback.NPS, feedback.CES},
		CSATBelow:  3,
		NPSBelow:   7,
		CESAtLeast: 5,
		OnLow:      feedback.FollowUp,
	}, feedback.DefaultPolicy())
	require.NoError(t, feedback.Policy{}.Validate())
	require.NoError(t, feedback.DefaultPolicy().Validate())
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name string
		p    feedback.Policy
	}{
		{"negative delay", feedback.Policy{Delay: -time.Hour}},
		{"negative validity", feedback.Policy{Validity: -time.Hour}},
		{"delay beyond window", feedback.Policy{Delay: 49 * time.Hour}},
		{"csat threshold", feedback.Policy{CSATBelow: 7}},
		{"nps threshold", feedback.Policy{NPSBelow: 12}},
		{"ces threshold", feedback.Policy{CESAtLeast: -1}},
		{"unknown kind", feedback.Policy{Kinds: []feedback.Kind{"stars"}}},
		{"repeated kind", feedback.Policy{Kinds: []feedback.Kind{feedback.NPS, feedback.NPS}}},
		{"unknown action", feedback.Policy{OnLow: "escalate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, tt.p.Validate(), feedback.ErrInvalidPolicy)
			_, err := tt.p.Schedule(feedback.ScheduleParams{ID: "S1", Tenant: "acme", ComplaintID: "C1", TokenHash: aHash, ResolvedAt: resolved})
			assert.ErrorIs(t, err, feedback.ErrInvalidPolicy)
		})
	}
}

func TestSchedule(t *testing.T) {
	s := schedule(t, feedback.Policy{Delay: 2 * time.Hour, Kinds: []feedback.Kind{feedback.CSAT, feedback.NPS}})
	assert.Equal(t, &feedback.Survey{
		ID: "S1", Tenant: "acme", ComplaintID: "C1", TokenHash: aHash,
		Kinds:       []feedback.Kind{feedback.CSAT, feedback.NPS},
		ScheduledAt: resolved.Add(2 * time.Hour),
		DueBy:       resolved.Add(48 * time.Hour),
		ExpiresAt:   resolved.Add(48*time.Hour + 7*24*time.Hour),
		Version:     1,
	}, s)
}

func TestScheduleInvalid(t *testing.T) {
	good := feedback.ScheduleParams{ID: "S1", Tenant: "acme", ComplaintID: "C1", TokenHash: aHash, ResolvedAt: resolved}
	tests := []struct {
		name   string
		change func(*feedback.ScheduleParams)
	}{
		{"no id", func(p *feedback.ScheduleParams) { p.ID = "" }},
		{"no tenant", func(p *feedback.ScheduleParams) { p.Tenant = "" }},
		{"no complaint", func(p *feedback.ScheduleParams) { p.ComplaintID = "" }},
		{"no time", func(p *feedback.ScheduleParams) { p.ResolvedAt = time.Time{} }},
		{"raw token instead of hash", func(p *feedback.ScheduleParams) { p.TokenHash = strings.Repeat("A", 43) }},
		{"upper-case hash", func(p *feedback.ScheduleParams) { p.TokenHash = strings.Repeat("AB", 32) }},
		{"short hash", func(p *feedback.ScheduleParams) { p.TokenHash = aHash[:63] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.change(&p)
			s, err := feedback.Policy{}.Schedule(p)
			assert.Nil(t, s)
			assert.ErrorIs(t, err, feedback.ErrInvalidSurvey)
		})
	}
}

func TestAnswer(t *testing.T) {
	s := schedule(t, feedback.Policy{})
	require.NoError(t, s.MarkSent(resolved.Add(time.Hour)))
	r := feedback.Response{Scores: []feedback.Score{score(feedback.CSAT, 2), score(feedback.NPS, 3)}, Comment: "still broken"}
	require.NoError(t, s.Answer(resolved.Add(5*time.Hour), r))
	assert.True(t, s.Answered())
	assert.Equal(t, resolved.Add(5*time.Hour), s.AnsweredAt)
	assert.Equal(t, r, s.Response)
	r.Scores[0].Value = 5
	assert.Equal(t, 2, s.Response.Scores[0].Value, "the survey keeps its own copy")

	before := *s
	err := s.Answer(resolved.Add(6*time.Hour), feedback.Response{Scores: []feedback.Score{score(feedback.CSAT, 5)}})
	assert.ErrorIs(t, err, feedback.ErrAlreadyAnswered, "a survey link works once")
	assert.Equal(t, before, *s)
	assert.ErrorIs(t, s.MarkSent(resolved.Add(7*time.Hour)), feedback.ErrAlreadyAnswered)
}

func TestAnswerRefused(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		r    feedback.Response
		want error
	}{
		{"out of range", resolved.Add(time.Hour), feedback.Response{Scores: []feedback.Score{score(feedback.NPS, 11)}}, feedback.ErrScoreRange},
		{"empty", resolved.Add(time.Hour), feedback.Response{}, feedback.ErrNoScore},
		{"expired", resolved.Add(48*time.Hour + 7*24*time.Hour + time.Microsecond), feedback.Response{Scores: []feedback.Score{score(feedback.NPS, 9)}}, feedback.ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := schedule(t, feedback.Policy{})
			before := *s
			assert.ErrorIs(t, s.Answer(tt.at, tt.r), tt.want)
			assert.Equal(t, before, *s, "nothing recorded")
		})
	}
	t.Run("last moment", func(t *testing.T) {
		s := schedule(t, feedback.Policy{})
		assert.NoError(t, s.Answer(s.ExpiresAt, feedback.Response{Scores: []feedback.Score{score(feedback.NPS, 9)}}))
	})
}

func TestMarkSent(t *testing.T) {
	s := schedule(t, feedback.Policy{})
	assert.False(t, s.SendOverdue(resolved.Add(48*time.Hour)))
	assert.True(t, s.SendOverdue(resolved.Add(49*time.Hour)))
	require.NoError(t, s.MarkSent(resolved.Add(49*time.Hour)))
	require.NoError(t, s.MarkSent(resolved.Add(72*time.Hour)), "a reminder")
	assert.Equal(t, resolved.Add(49*time.Hour), s.SentAt, "the first send counts")
	assert.False(t, s.SendOverdue(resolved.Add(72*time.Hour)))
	assert.ErrorIs(t, s.MarkSent(s.ExpiresAt.Add(time.Second)), feedback.ErrExpired)
}

func TestJudge(t *testing.T) {
	r := func(scores ...feedback.Score) feedback.Response { return feedback.Response{Scores: scores} }
	tests := []struct {
		name   string
		policy feedback.Policy
		r      feedback.Response
		want   feedback.Verdict
	}{
		{"csat 3 is fine", feedback.Policy{}, r(score(feedback.CSAT, 3)), feedback.Verdict{}},
		{"csat 2 is low", feedback.Policy{}, r(score(feedback.CSAT, 2)), feedback.Verdict{Low: true, Kinds: []feedback.Kind{feedback.CSAT}, Action: feedback.FollowUp}},
		{"nps 6 is a detractor", feedback.Policy{}, r(score(feedback.NPS, 6)), feedback.Verdict{Low: true, Kinds: []feedback.Kind{feedback.NPS}, Action: feedback.FollowUp}},
		{"nps 7 is passive", feedback.Policy{}, r(score(feedback.NPS, 7)), feedback.Verdict{}},
		{"ces 5 is hard", feedback.Policy{}, r(score(feedback.CES, 5)), feedback.Verdict{Low: true, Kinds: []feedback.Kind{feedback.CES}, Action: feedback.FollowUp}},
		{"ces 4 is fine", feedback.Policy{}, r(score(feedback.CES, 4)), feedback.Verdict{}},
		{"several low, reopen", feedback.Policy{OnLow: feedback.Reopen}, r(score(feedback.CES, 7), score(feedback.CSAT, 1), score(feedback.NPS, 9)),
			feedback.Verdict{Low: true, Kinds: []feedback.Kind{feedback.CSAT, feedback.CES}, Action: feedback.Reopen}},
		{"stricter csat", feedback.Policy{CSATBelow: 4}, r(score(feedback.CSAT, 3)), feedback.Verdict{Low: true, Kinds: []feedback.Kind{feedback.CSAT}, Action: feedback.FollowUp}},
		{"csat check off", feedback.Policy{CSATBelow: 1}, r(score(feedback.CSAT, 1)), feedback.Verdict{}},
		{"only nps 0 low", feedback.Policy{NPSBelow: 1}, r(score(feedback.NPS, 1)), feedback.Verdict{}},
		{"ces check off", feedback.Policy{CESAtLeast: 8}, r(score(feedback.CES, 7)), feedback.Verdict{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.policy.Judge(tt.r))
		})
	}
}

func TestSurveyJSONRoundTrip(t *testing.T) {
	s := schedule(t, feedback.Policy{})
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "answered_at", "unset times are left out")
	var back feedback.Survey
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, *s, back)

	require.NoError(t, s.MarkSent(resolved))
	require.NoError(t, s.Answer(resolved.Add(time.Hour), feedback.Response{Scores: []feedback.Score{score(feedback.NPS, 0)}, Comment: "差"}))
	b, err = json.Marshal(s)
	require.NoError(t, err)
	back = feedback.Survey{}
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, *s, back)
}
