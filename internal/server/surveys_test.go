package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/internal/server"
)

// surveyFixture is a server whose Desk schedules a survey at every resolution (default policy: sent
// at once, due within 48 hours, answerable for 7 days more).
func surveyFixture(t *testing.T, mod ...func(*server.Config)) *fixture {
	t.Helper()
	return newDeskFixture(t, func(c *redress.Config) {
		pol := feedback.DefaultPolicy()
		c.Surveys, c.Outbox = &pol, true
	}, mod...)
}

// resolve takes a complaint from received to resolved with the agent's key.
func (f *fixture) resolve(id string) {
	f.t.Helper()
	for _, trig := range []string{"acknowledge", "resolve"} {
		w := f.do(req{method: "POST", path: "/v1/complaints/" + id + "/transitions", key: "agent", body: `{"trigger":"` + trig + `"}`})
		require.Equal(f.t, http.StatusOK, w.Code, w.Body.String())
	}
}

// schedule schedules a survey by hand and returns its answer.
func (f *fixture) schedule(id string) server.SurveyScheduled {
	f.t.Helper()
	w := f.do(req{method: "POST", path: "/v1/complaints/" + id + "/surveys", key: "agent"})
	require.Equal(f.t, http.StatusCreated, w.Code, w.Body.String())
	assert.Equal(f.t, "no-store", w.Header().Get("Cache-Control"), "the token must not be cached")
	var s server.SurveyScheduled
	require.NoError(f.t, json.Unmarshal(w.Body.Bytes(), &s))
	return s
}

func (f *fixture) listSurveys(id string) []server.SurveyView {
	f.t.Helper()
	w := f.do(req{method: "GET", path: "/v1/complaints/" + id + "/surveys", key: "agent"})
	require.Equal(f.t, http.StatusOK, w.Code, w.Body.String())
	assert.NotContains(f.t, w.Body.String(), "token", "neither the token nor its hash is shown")
	var l server.SurveyList
	require.NoError(f.t, json.Unmarshal(w.Body.Bytes(), &l))
	return l.Items
}

func answerBody(token, scores string) string {
	return `{"token":"` + token + `","scores":` + scores + `}`
}

func TestSurveyScheduledAtResolutionAndAnsweredOnce(t *testing.T) {
	f := surveyFixture(t)
	c := f.intake("agent", intakeBody, nil)
	assert.Empty(t, f.listSurveys(c.ID), "no survey before resolution")
	f.clk.Advance(time.Hour)
	f.resolve(c.ID)
	resolvedAt := f.clk.Now()

	auto := f.listSurveys(c.ID)
	require.Len(t, auto, 1, "resolution schedules a survey")
	assert.Equal(t, c.ID, auto[0].ComplaintID)
	assert.Equal(t, resolvedAt, auto[0].ScheduledAt)
	assert.Equal(t, resolvedAt.Add(48*time.Hour), auto[0].DueBy)
	assert.Equal(t, resolvedAt.Add(9*24*time.Hour), auto[0].ExpiresAt)
	assert.Equal(t, []feedback.Kind{feedback.CSAT, feedback.NPS, feedback.CES}, auto[0].Kinds)
	assert.Nil(t, auto[0].Response)

	s := f.schedule(c.ID)
	assert.Len(t, s.Token, feedback.TokenLen)
	assert.Equal(t, "/v1/surveys/acme/answer", s.AnswerPath)
	assert.Equal(t, c.ID, s.Survey.ComplaintID)
	require.Len(t, f.listSurveys(c.ID), 2)

	f.clk.Advance(2 * time.Hour)
	w := f.do(req{method: "POST", path: s.AnswerPath, body: `{"token":"` + s.Token + `","scores":[{"kind":"csat","value":5},{"kind":"nps","value":10}],"comment":"很满意"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	var got server.SurveyAnswered
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, server.SurveyAnswered{AnsweredAt: f.clk.Now(), FollowUp: false}, got)
	assert.NotContains(t, w.Body.String(), c.ID, "the public answer shows nothing internal")

	// A link takes one answer.
	before := f.snapshot()
	w = f.do(req{method: "POST", path: s.AnswerPath, body: answerBody(s.Token, `[{"kind":"csat","value":1}]`)})
	require.Equal(t, http.StatusConflict, w.Code, w.Body.String())
	assert.Equal(t, server.ProblemTypeBase+"already-answered", decodeProblem(t, w).Type)
	assert.Equal(t, before, f.snapshot())

	list := f.listSurveys(c.ID)
	require.Len(t, list, 2)
	answered := list[1]
	if list[0].ID == s.Survey.ID {
		answered = list[0]
	}
	require.NotNil(t, answered.Response)
	assert.Equal(t, "很满意", answered.Response.Comment)
	assert.Equal(t, []feedback.Score{{Kind: feedback.CSAT, Value: 5}, {Kind: feedback.NPS, Value: 10}}, answered.Response.Scores)
	assert.Contains(t, eventTypes(t, f, c.ID), redress.EventSurveyAnswered)
	assert.NotContains(t, eventTypes(t, f, c.ID), redress.EventFollowUp)
}

func TestSurveyLowScoreAsksForFollowUp(t *testing.T) {
	f := surveyFixture(t)
	c := f.intake("agent", intakeBody, nil)
	f.resolve(c.ID)
	s := f.schedule(c.ID)
	w := f.do(req{method: "POST", path: s.AnswerPath, body: answerBody(s.Token, `[{"kind":"csat","value":1},{"kind":"ces","value":7}]`)})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var got server.SurveyAnswered
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.True(t, got.FollowUp)
	assert.Contains(t, eventTypes(t, f, c.ID), redress.EventFollowUp)
}

// Unknown, malformed and other tenants' tokens are indistinguishable; bad answers change nothing.
func TestSurveyAnswerErrorsChangeNothing(t *testing.T) {
	f := surveyFixture(t, func(c *server.Config) { c.AnswerLimiter = server.NewLimiter(1, 1000, 0, nil) })
	c := f.intake("agent", intakeBody, nil)
	g := f.intake("globex", intakeBody, nil)
	f.resolve(c.ID)
	s := f.schedule(c.ID)
	unknown := strings.Repeat("A", feedback.TokenLen)

	notFound := func(path, token string) string {
		t.Helper()
		before := f.snapshot()
		w := f.do(req{method: "POST", path: path, body: answerBody(token, `[{"kind":"csat","value":5}]`)})
		require.Equal(t, http.StatusNotFound, w.Code, w.Body.String())
		p := decodeProblem(t, w)
		assert.Equal(t, server.ProblemTypeBase+"not-found", p.Type)
		assert.Equal(t, before, f.snapshot())
		p.Instance = ""
		raw, _ := json.Marshal(p)
		return string(raw)
	}
	want := notFound("/v1/surveys/acme/answer", unknown)
	assert.Equal(t, want, notFound("/v1/surveys/acme/answer", "not-a-token"))
	assert.Equal(t, want, notFound("/v1/surveys/globex/answer", s.Token), "another tenant's path does not find acme's token")
	assert.Equal(t, want, notFound("/v1/surveys/nosuchtenant/answer", s.Token))

	path := s.AnswerPath
	for _, tc := range []struct {
		name   string
		r      req
		status int
		kind   string
		field  string
	}{
		{"score out of range", req{method: "POST", path: path, body: answerBody(s.Token, `[{"kind":"nps","value":11}]`)}, 422, "validation", "scores"},
		{"score below range", req{method: "POST", path: path, body: answerBody(s.Token, `[{"kind":"csat","value":0}]`)}, 422, "validation", "scores"},
		{"unknown kind", req{method: "POST", path: path, body: answerBody(s.Token, `[{"kind":"joy","value":3}]`)}, 422, "validation", "scores"},
		{"measure twice", req{method: "POST", path: path, body: answerBody(s.Token, `[{"kind":"csat","value":3},{"kind":"csat","value":4}]`)}, 422, "validation", "scores"},
		{"no scores", req{method: "POST", path: path, body: answerBody(s.Token, `[]`)}, 422, "validation", "scores"},
		{"comment too long", req{method: "POST", path: path, body: `{"token":"` + s.Token + `","scores":[{"kind":"csat","value":3}],"comment":"` + strings.Repeat("长", 2001) + `"}`}, 422, "validation", "comment"},
		{"no token", req{method: "POST", path: path, body: `{"scores":[{"kind":"csat","value":3}]}`}, 422, "validation", "token"},
		{"unknown field", req{method: "POST", path: path, body: `{"token":"` + s.Token + `","scores":[],"complaint_id":"x"}`}, 400, "invalid-json", ""},
		{"malformed", req{method: "POST", path: path, body: `{"token":`}, 400, "invalid-json", ""},
		{"oversized", req{method: "POST", path: path, body: `{"token":"` + strings.Repeat("a", 1<<20) + `"}`}, 413, "body-too-large", ""},
		{"not json", req{method: "POST", path: path, body: "token=" + s.Token, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, "unsupported-media-type", ""},
		{"schedule for another tenant's complaint", req{method: "POST", path: "/v1/complaints/" + g.ID + "/surveys", key: "agent"}, 404, "not-found", ""},
		{"schedule with a body field", req{method: "POST", path: "/v1/complaints/" + c.ID + "/surveys", key: "agent", body: `{"kinds":["csat"]}`}, 400, "invalid-json", ""},
		{"schedule without key", req{method: "POST", path: "/v1/complaints/" + c.ID + "/surveys"}, 401, "unauthorized", ""},
		{"list another tenant's complaint", req{method: "GET", path: "/v1/complaints/" + c.ID + "/surveys", key: "globex"}, 404, "not-found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snapshot()
			w := f.do(tc.r)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			p := decodeProblem(t, w)
			assert.Equal(t, server.ProblemTypeBase+tc.kind, p.Type)
			assert.Equal(t, before, f.snapshot(), "a refused request changes nothing")
			if tc.field != "" {
				require.NotEmpty(t, p.Errors)
				assert.Equal(t, tc.field, p.Errors[0].Field)
			}
		})
	}

	// After all that, the link still takes its one answer.
	w := f.do(req{method: "POST", path: path, body: answerBody(s.Token, `[{"kind":"csat","value":4}]`)})
	assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
}

func TestSurveyScheduleNeedsAResolvedComplaint(t *testing.T) {
	f := surveyFixture(t)
	c := f.intake("agent", intakeBody, nil)
	before := f.snapshot()
	w := f.do(req{method: "POST", path: "/v1/complaints/" + c.ID + "/surveys", key: "agent"})
	require.Equal(t, http.StatusConflict, w.Code, w.Body.String())
	p := decodeProblem(t, w)
	assert.Equal(t, server.ProblemTypeBase+"illegal-transition", p.Type)
	assert.Contains(t, p.Detail, "received")
	assert.Equal(t, before, f.snapshot())
}

func TestSurveyLinkExpires(t *testing.T) {
	f := surveyFixture(t)
	c := f.intake("agent", intakeBody, nil)
	f.resolve(c.ID)
	s := f.schedule(c.ID)
	f.clk.Advance(9*24*time.Hour + time.Second)
	before := f.snapshot()
	w := f.do(req{method: "POST", path: s.AnswerPath, body: answerBody(s.Token, `[{"kind":"csat","value":5}]`)})
	require.Equal(t, http.StatusGone, w.Code, w.Body.String())
	assert.Equal(t, server.ProblemTypeBase+"expired", decodeProblem(t, w).Type)
	assert.Equal(t, before, f.snapshot())
}

// Guessing tokens costs the client its rate-limit budget, per address.
func TestSurveyAnswersAreRateLimitedPerAddress(t *testing.T) {
	lclk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	f := surveyFixture(t, func(c *server.Config) { c.AnswerLimiter = server.NewLimiter(1, 2, 0, lclk.Now) })
	guess := func(remote string) *httptest.ResponseRecorder {
		return f.do(req{method: "POST", path: "/v1/surveys/acme/answer", remote: remote,
			body: answerBody(strings.Repeat("B", feedback.TokenLen), `[{"kind":"csat","value":5}]`)})
	}
	assert.Equal(t, http.StatusNotFound, guess("192.0.2.7:1000").Code)
	assert.Equal(t, http.StatusNotFound, guess("192.0.2.7:1001").Code)
	w := guess("192.0.2.7:1002")
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, server.ProblemTypeBase+"rate-limited", decodeProblem(t, w).Type)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Equal(t, http.StatusNotFound, guess("192.0.2.8:1000").Code, "another address has its own budget")
	lclk.Advance(time.Second)
	assert.Equal(t, http.StatusNotFound, guess("192.0.2.7:1000").Code)

	// The tracking lookup keeps its own limiter here, since one was given for answers.
	assert.Equal(t, http.StatusNotFound, f.do(req{method: "GET", path: "/v1/track/acme/ZZZZ-ZZZZ-ZZZZ", remote: "192.0.2.7:1000"}).Code)
}

// Without a limiter of their own, answers share the tracking lookup's budget: a client cannot double
// its guesses by spreading them over both public endpoints.
func TestSurveyAnswersShareTheTrackingBudget(t *testing.T) {
	lclk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	f := surveyFixture(t, func(c *server.Config) { c.TrackLimiter = server.NewLimiter(1, 2, 0, lclk.Now) })
	remote := "198.51.100.1:4000"
	assert.Equal(t, http.StatusNotFound, f.do(req{method: "GET", path: "/v1/track/acme/ZZZZ-ZZZZ-ZZZZ", remote: remote}).Code)
	assert.Equal(t, http.StatusNotFound, f.do(req{method: "POST", path: "/v1/surveys/acme/answer", remote: remote,
		body: answerBody(strings.Repeat("C", feedback.TokenLen), `[{"kind":"nps","value":3}]`)}).Code)
	assert.Equal(t, http.StatusTooManyRequests, f.do(req{method: "POST", path: "/v1/surveys/acme/answer", remote: remote,
		body: answerBody(strings.Repeat("C", feedback.TokenLen), `[{"kind":"nps","value":3}]`)}).Code)
	assert.Equal(t, http.StatusTooManyRequests, f.do(req{method: "GET", path: "/v1/track/acme/ZZZZ-ZZZZ-ZZZZ", remote: remote}).Code)
}

// FuzzAnswerSurvey: whatever a keyless client posts, the public answer never fails on the server's
// side and never answers anything but its documented statuses.
func FuzzAnswerSurvey(f *testing.F) {
	fx := newDeskFixture(f, func(c *redress.Config) {
		pol := feedback.DefaultPolicy()
		c.Surveys, c.Outbox = &pol, true
	}, func(c *server.Config) { c.AnswerLimiter = server.NewLimiter(1e9, 1e9, 0, nil) })
	for _, s := range []string{answerBody(strings.Repeat("A", feedback.TokenLen), `[{"kind":"csat","value":5}]`), `{}`, `{"token":""}`,
		`{"token":"x","scores":null}`, `{"token":"x","scores":[{"kind":"nps","value":-1}]}`, `{"token":"x","scores":[{"kind":"ces","value":1e99}]}`,
		`{"token":"x","scores":[{}],"comment":"\u0000"}`, `[]`, `null`, "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fx.t = t
		w := fx.do(req{method: "POST", path: "/v1/surveys/acme/answer", body: body})
		switch w.Code {
		case http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity:
			assert.NotEmpty(t, decodeProblem(t, w).Detail)
		default:
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body.String())
		}
	})
}
