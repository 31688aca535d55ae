package redress_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
)

func withSurveys(p feedback.Policy) func(*redress.Config) {
	return func(c *redress.Config) {
		c.Outbox = true
		c.Surveys = &p
	}
}

// resolved takes a new complaint of tenant to resolved and returns it.
func resolved(t *testing.T, f *fixture, tenant, ref string) *complaint.Complaint {
	t.Helper()
	ctx := context.Background()
	c, _, err := f.desk.Intake(ctx, agent, sample(tenant, ref))
	require.NoError(t, err)
	for _, tr := range []complaint.Trigger{complaint.TriggerAcknowledge, complaint.TriggerResolve} {
		c, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: tenant, ID: c.ID, Actor: agent, Trigger: tr})
		require.NoError(t, err)
	}
	return c
}

// surveyToken returns the token of the one TopicSurveyDue message in msgs.
func surveyToken(t *testing.T, msgs []storage.OutboxMessage) (redress.SurveyDuePayload, storage.OutboxMessage) {
	t.Helper()
	due := topics(msgs, redress.TopicSurveyDue)
	require.Len(t, due, 1)
	var pl redress.SurveyDuePayload
	require.NoError(t, json.Unmarshal(due[0].Payload, &pl))
	return pl, due[0]
}

func TestNewNeedsOutboxForSurveys(t *testing.T) {
	_, err := redress.New(memory.New(), redress.Config{Surveys: &feedback.Policy{}})
	assert.ErrorContains(t, err, "Outbox")
	_, err = redress.New(memory.New(), redress.Config{Surveys: &feedback.Policy{Delay: -time.Hour}, Outbox: true})
	assert.ErrorIs(t, err, feedback.ErrInvalidPolicy)
	_, err = redress.New(memory.New(), redress.Config{Tenants: []string{"acme", "acme"}})
	assert.Error(t, err)
}

// Seed 001: a survey is scheduled in the resolution's transaction and goes out at its time; the
// token travels only in the outbox.
func TestSurveyScheduledAtResolution(t *testing.T) {
	f := newFixture(t, withSurveys(feedback.Policy{Delay: 2 * time.Hour}))
	ctx := context.Background()
	c := resolved(t, f, "acme", "s-1")

	ss, err := f.desk.Surveys(ctx, "acme", c.ID)
	require.NoError(t, err)
	require.Len(t, ss, 1)
	s := ss[0]
	assert.Equal(t, c.ResolvedAt.Add(2*time.Hour), s.ScheduledAt)
	assert.Equal(t, c.ResolvedAt.Add(feedback.DefaultWindow), s.DueBy)
	assert.True(t, s.SentAt.IsZero())

	evs := eventsOf(t, f, "acme", c.ID, redress.EventSurveyScheduled)
	require.Len(t, evs, 1)
	assert.Equal(t, s.ID, evs[0].Attrs["survey"])
	assert.False(t, evs[0].Public)

	var kinds []string
	for _, tm := range timersOf(t, f, "acme", c.ID) {
		kinds = append(kinds, tm.Kind)
		if strings.HasPrefix(tm.Kind, redress.TimerSurveyPrefix) {
			assert.Equal(t, s.ScheduledAt, tm.DueAt)
		}
	}
	assert.ElementsMatch(t, []string{redress.TimerAutoClose, redress.TimerSurveyPrefix + s.ID}, kinds)

	now := drainOutboxAt(t, f.store, s.ScheduledAt.Add(-time.Microsecond))
	assert.Empty(t, topics(now, redress.TopicSurveyDue), "not deliverable before the send time")
	assert.NotEmpty(t, topics(now, "complaint."+string(redress.EventSurveyScheduled)))
	pl, _ := surveyToken(t, drainOutboxAt(t, f.store, s.ScheduledAt))
	assert.Equal(t, s.ID, pl.SurveyID)
	assert.Equal(t, c.ID, pl.Complaint.ID)
	hash, err := feedback.HashToken(pl.Token)
	require.NoError(t, err)
	assert.Equal(t, s.TokenHash, hash, "the store keeps only the hash")

	f.clock.Advance(time.Hour)
	n, err := f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	f.clock.Advance(time.Hour)
	n, err = f.desk.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	ss, err = f.desk.Surveys(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now(), ss[0].SentAt)
	assert.Len(t, eventsOf(t, f, "acme", c.ID, redress.EventSurveySent), 1)
	for _, tm := range timersOf(t, f, "acme", c.ID) {
		assert.NotContains(t, tm.Kind, redress.TimerSurveyPrefix, "a sent survey has no timer")
	}

	// Reopening and resolving again asks again.
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: tier2, Trigger: complaint.TriggerReopen})
	require.NoError(t, err)
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerResolve})
	require.NoError(t, err)
	ss, err = f.desk.Surveys(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Len(t, ss, 2)
}

func TestAnswerSurveyOnceUnderRace(t *testing.T) {
	f := newFixture(t, withSurveys(feedback.Policy{}))
	ctx := context.Background()
	c := resolved(t, f, "acme", "race")
	pl, _ := surveyToken(t, drainOutbox(t, f.store))

	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, already := 0, 0
	for range n {
		wg.Go(func() {
			_, err := f.desk.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: "acme", Token: pl.Token,
				Response: feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 5}}}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, feedback.ErrAlreadyAnswered):
				already++
			default:
				t.Errorf("unexpected error %v", err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, wins)
	assert.Equal(t, n-1, already)
	assert.Len(t, eventsOf(t, f, "acme", c.ID, redress.EventSurveyAnswered), 1)
}

func TestAnswerSurveyBadInputChangesNothing(t *testing.T) {
	f := newFixture(t, withSurveys(feedback.Policy{}))
	ctx := context.Background()
	c := resolved(t, f, "acme", "bad")
	pl, _ := surveyToken(t, drainOutbox(t, f.store))
	answer := func(tenant, token string, scores ...feedback.Score) error {
		_, err := f.desk.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: tenant, Token: token, Response: feedback.Response{Scores: scores}})
		return err
	}
	unknown, _, err := feedback.NewToken(strings.NewReader(strings.Repeat("x", 32)))
	require.NoError(t, err)

	assert.ErrorIs(t, answer("acme", "not a token", feedback.Score{Kind: feedback.CSAT, Value: 5}), redress.ErrNotFound)
	assert.ErrorIs(t, answer("acme", unknown, feedback.Score{Kind: feedback.CSAT, Value: 5}), redress.ErrNotFound)
	assert.ErrorIs(t, answer("globex", pl.Token, feedback.Score{Kind: feedback.CSAT, Value: 5}), redress.ErrNotFound, "another tenant")
	err = answer("acme", pl.Token, feedback.Score{Kind: feedback.NPS, Value: 11})
	var se *feedback.ScoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, feedback.NPS, se.Kind)
	assert.ErrorIs(t, answer("acme", pl.Token), feedback.ErrNoScore)

	ss, err := f.desk.Surveys(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.False(t, ss[0].Answered())
	assert.Equal(t, int64(1), ss[0].Version)
	got, err := f.desk.Get(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.Version, got.Version, "the complaint is untouched")
	assert.Empty(t, drainOutbox(t, f.store))

	// Too late: the link expired.
	f.clock.Advance(feedback.DefaultWindow + feedback.DefaultValidity + time.Second)
	assert.ErrorIs(t, answer("acme", pl.Token, feedback.Score{Kind: feedback.CSAT, Value: 4}), feedback.ErrExpired)
}

func TestLowScoreFollowsUp(t *testing.T) {
	f := newFixture(t, withSurveys(feedback.Policy{}))
	ctx := context.Background()
	c := resolved(t, f, "acme", "low")
	pl, _ := surveyToken(t, drainOutbox(t, f.store))

	res, err := f.desk.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: "acme", Token: pl.Token, Response: feedback.Response{
		Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 2}, {Kind: feedback.NPS, Value: 8}}, Comment: "still wobbly"}})
	require.NoError(t, err)
	assert.True(t, res.Verdict.Low)
	assert.Equal(t, feedback.FollowUp, res.Verdict.Action)
	assert.Equal(t, []feedback.Kind{feedback.CSAT}, res.Verdict.Kinds)
	assert.True(t, res.Complaint.HasTag("follow_up"))
	assert.Equal(t, complaint.StatusResolved, res.Complaint.Status)
	assert.Equal(t, f.clock.Now(), res.Survey.AnsweredAt)

	ans := eventsOf(t, f, "acme", c.ID, redress.EventSurveyAnswered)
	require.Len(t, ans, 1)
	assert.True(t, ans[0].Public)
	assert.Equal(t, map[string]string{"survey": res.Survey.ID, "csat": "2", "nps": "8", "low": "csat"}, ans[0].Attrs)
	fu := eventsOf(t, f, "acme", c.ID, redress.EventFollowUp)
	require.Len(t, fu, 1)
	assert.False(t, fu[0].Public)

	msgs := drainOutbox(t, f.store)
	assert.Len(t, topics(msgs, "complaint."+string(redress.EventFollowUp)), 1)
}

func TestLowScoreReopens(t *testing.T) {
	f := newFixture(t, withSurveys(feedback.Policy{OnLow: feedback.Reopen}))
	ctx := context.Background()
	c := resolved(t, f, "acme", "reopen")
	pl, _ := surveyToken(t, drainOutbox(t, f.store))
	res, err := f.desk.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: "acme", Token: pl.Token,
		Response: feedback.Response{Scores: []feedback.Score{{Kind: feedback.CES, Value: 6}}}})
	require.NoError(t, err)
	assert.Equal(t, feedback.Reopen, res.Verdict.Action)
	assert.Equal(t, complaint.StatusInvestigating, res.Complaint.Status)
	assert.Equal(t, 1, res.Complaint.Reopened)
	evs, err := f.desk.Timeline(ctx, "acme", c.ID)
	require.NoError(t, err)
	last := evs[len(evs)-1]
	assert.Equal(t, complaint.TriggerReopen, last.Trigger)
	assert.Equal(t, redress.SystemActor.ID, last.Actor)

	// A high score changes nothing else.
	c2 := resolved(t, f, "acme", "happy")
	pl2, _ := surveyToken(t, drainOutbox(t, f.store))
	res, err = f.desk.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: "acme", Token: pl2.Token,
		Response: feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 5}}}})
	require.NoError(t, err)
	assert.False(t, res.Verdict.Low)
	assert.Equal(t, complaint.StatusResolved, res.Complaint.Status)
	assert.Equal(t, c2.Version+1, res.Complaint.Version)

	// A complaint withdrawn after resolution cannot reopen: a person follows up instead.
	c3 := resolved(t, f, "acme", "gone")
	pl3, _ := surveyToken(t, drainOutbox(t, f.store))
	_, err = f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c3.ID, Actor: agent, Trigger: complaint.TriggerWithdraw})
	require.NoError(t, err)
	res, err = f.desk.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: "acme", Token: pl3.Token,
		Response: feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 1}}}})
	require.NoError(t, err)
	assert.Equal(t, feedback.FollowUp, res.Verdict.Action)
	assert.Equal(t, complaint.StatusWithdrawn, res.Complaint.Status)
	assert.True(t, res.Complaint.HasTag("follow_up"))
}

func TestScheduleSurveyByHand(t *testing.T) {
	f := newFixture(t) // no Config.Surveys: nothing is automatic
	ctx := context.Background()
	open, _, err := f.desk.Intake(ctx, agent, sample("acme", "open"))
	require.NoError(t, err)
	_, err = f.desk.ScheduleSurvey(ctx, "acme", open.ID)
	assert.ErrorIs(t, err, complaint.ErrIllegalTransition)
	_, err = f.desk.ScheduleSurvey(ctx, "acme", "missing")
	assert.ErrorIs(t, err, redress.ErrNotFound)

	c := resolved(t, f, "acme", "hand")
	ss, err := f.desk.Surveys(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Empty(t, ss)
	f.clock.Advance(30 * 24 * time.Hour) // long after resolution the link still works
	link, err := f.desk.ScheduleSurvey(ctx, "acme", c.ID)
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now(), link.Survey.ScheduledAt)
	res, err := f.desk.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: "acme", Token: link.Token,
		Response: feedback.Response{Scores: []feedback.Score{{Kind: feedback.NPS, Value: 10}}}})
	require.NoError(t, err)
	assert.Equal(t, link.Survey.ID, res.Survey.ID)
	_, err = f.desk.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: "acme", Token: link.Token,
		Response: feedback.Response{Scores: []feedback.Score{{Kind: feedback.NPS, Value: 0}}}})
	assert.ErrorIs(t, err, feedback.ErrAlreadyAnswered, "a link works once")
}
