package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/insight"
	"github.com/redresshq/redress/internal/server"
)

func complaintBody(customer, category string) string {
	return fmt.Sprintf(`{"channel":"email","customer":{"id":%q,"name":"王芳"},"subject":"读数偏高","description":"Readings are high.","queue":"frontline","category":%q}`,
		customer, category)
}

func (f *fixture) trigger(id, trig string) {
	f.t.Helper()
	w := f.do(req{method: "POST", path: "/v1/complaints/" + id + "/transitions", key: "agent", body: `{"trigger":"` + trig + `"}`})
	require.Equal(f.t, http.StatusOK, w.Code, w.Body.String())
}

func getJSON[T any](t *testing.T, f *fixture, path string) T {
	t.Helper()
	w := f.do(req{method: "GET", path: path, key: "agent"})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var v T
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v))
	return v
}

func ratio(num, den int64, v float64) server.Rate { return server.Rate{Num: num, Den: den, Value: &v} }

// Five complaints on 24 November: four about billing (two from one customer, so one repeat) and one
// about delivery. Three are acknowledged after 10, 20 and 60 minutes; the first is resolved after an
// hour and its customer answers a survey.
func insightData(t *testing.T) (*fixture, []*complaint.Complaint) {
	t.Helper()
	f := surveyFixture(t)
	var cs []*complaint.Complaint
	for _, b := range []string{complaintBody("cust-1", "billing"), complaintBody("cust-1", "billing"),
		complaintBody("cust-2", "billing"), complaintBody("cust-3", "billing"), complaintBody("cust-4", "delivery")} {
		cs = append(cs, f.intake("agent", b, nil))
	}
	f.clk.Advance(10 * time.Minute)
	f.trigger(cs[0].ID, "acknowledge")
	f.clk.Advance(10 * time.Minute)
	f.trigger(cs[1].ID, "acknowledge")
	f.clk.Advance(40 * time.Minute)
	f.trigger(cs[2].ID, "acknowledge")
	f.trigger(cs[0].ID, "resolve")
	s := f.schedule(cs[0].ID)
	w := f.do(req{method: "POST", path: s.AnswerPath, body: answerBody(s.Token, `[{"kind":"csat","value":4},{"kind":"nps","value":9},{"kind":"ces","value":2}]`)})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	return f, cs
}

func TestKPIsOnKnownData(t *testing.T) {
	f, _ := insightData(t)
	day := "from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z"

	k := getJSON[server.KPIReport](t, f, "/v1/insights/kpis?"+day)
	assert.Equal(t, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), k.From)
	assert.Equal(t, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), k.To)
	assert.False(t, k.BusinessTime)
	// 10, 20 and 60 minutes: mean 30, median 20, p90 interpolated 20 + 0.8·40 = 52.
	assert.Equal(t, server.Durations{N: 3, MeanSeconds: 1800, MedianSeconds: 1200, P90Seconds: 3120, MaxSeconds: 3600}, k.FirstResponse)
	assert.Equal(t, server.Durations{N: 1, MeanSeconds: 3600, MedianSeconds: 3600, P90Seconds: 3600, MaxSeconds: 3600}, k.Resolution)
	assert.Equal(t, ratio(5, 5, 1), k.SLAAttainment, "no SLA clocks run here, so none was breached")
	assert.Equal(t, ratio(0, 1, 0), k.ReopenRate)
	assert.Equal(t, ratio(1, 5, 0.2), k.RepeatRate)
	assert.Equal(t, server.Satisfaction{CSATCount: 1, CSAT: 100, NPSCount: 1, Promoters: 1, NPS: 100, CESCount: 1, CES: 2}, k.Satisfaction)
	assert.Equal(t, []server.Load{{Key: "frontline", Open: 4, Share: 1}}, k.Queues, "four complaints are still open")

	k = getJSON[server.KPIReport](t, f, "/v1/insights/kpis?"+day+"&category=delivery")
	assert.Equal(t, "delivery", k.Category)
	assert.Equal(t, server.Durations{}, k.FirstResponse)
	assert.Equal(t, ratio(1, 1, 1), k.SLAAttainment)
	assert.Equal(t, server.Rate{Num: 0, Den: 0}, k.ReopenRate, "no resolved complaint: no rate")

	// Without a window: the 30 days up to now.
	k = getJSON[server.KPIReport](t, f, "/v1/insights/kpis")
	assert.Equal(t, f.clk.Now(), k.To)
	assert.Equal(t, f.clk.Now().Add(-server.DefaultInsightWindow), k.From)
	assert.Equal(t, int64(5), k.SLAAttainment.Den)

	w := f.do(req{method: "GET", path: "/v1/insights/kpis?" + day, key: "globex"})
	require.Equal(t, http.StatusOK, w.Code)
	var other server.KPIReport
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &other))
	assert.Zero(t, other.SLAAttainment.Den, "another tenant counts none of them")
}

func TestParetoAndFeedbackOnKnownData(t *testing.T) {
	f, _ := insightData(t)
	day := "from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z"

	p := getJSON[server.ParetoReport](t, f, "/v1/insights/pareto?"+day)
	assert.Equal(t, "category", string(p.By), "category is the default")
	assert.Equal(t, int64(5), p.Total)
	assert.Equal(t, insight.DefaultParetoLine, p.Line)
	assert.Equal(t, []server.ParetoRow{
		{Key: "billing", N: 4, Share: 0.8, Cumulative: 0.8, Vital: true},
		{Key: "delivery", N: 1, Share: 0.2, Cumulative: 1, Vital: false},
	}, p.Rows)

	p = getJSON[server.ParetoReport](t, f, "/v1/insights/pareto?by=status&"+day)
	var keys []string
	for _, r := range p.Rows {
		keys = append(keys, r.Key)
	}
	assert.Equal(t, []string{"acknowledged", "received", "resolved"}, keys, "2 acknowledged, 2 received, 1 resolved; ties by key")

	fb := getJSON[server.FeedbackReport](t, f, "/v1/insights/feedback?"+day)
	assert.Equal(t, []server.FeedbackGroup{{Key: "", Satisfaction: server.Satisfaction{CSATCount: 1, CSAT: 100, NPSCount: 1, Promoters: 1, NPS: 100, CESCount: 1, CES: 2}}}, fb.Groups)
	fb = getJSON[server.FeedbackReport](t, f, "/v1/insights/feedback?by=category&"+day)
	require.Len(t, fb.Groups, 1)
	assert.Equal(t, "billing", fb.Groups[0].Key)
	fb = getJSON[server.FeedbackReport](t, f, "/v1/insights/feedback?from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z")
	assert.Empty(t, fb.Groups, "no answers that day")
}

// Fourteen days with one billing complaint each, then ten on the fifteenth: a red warning for billing.
func TestWarningsOnASpike(t *testing.T) {
	f := newFixture(t)
	d0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	intake := func(at time.Time, customer string) {
		f.clk.Set(at)
		f.intake("agent", complaintBody(customer, "billing"), nil)
	}
	for i := range 14 {
		intake(d0.AddDate(0, 0, i), fmt.Sprintf("base-%d", i))
	}
	spike := d0.AddDate(0, 0, 14)
	for i := range 10 {
		intake(spike.Add(time.Duration(i)*time.Minute), fmt.Sprintf("spike-%d", i))
	}
	at := spike.Add(time.Hour).Format(time.RFC3339)

	rep := getJSON[server.WarningReport](t, f, "/v1/insights/warnings?at="+at)
	assert.Equal(t, spike.Add(time.Hour), rep.At)
	require.Len(t, rep.Items, 1)
	w := rep.Items[0]
	assert.Equal(t, "billing", w.Category)
	assert.Equal(t, insight.LevelRed, w.Level)
	assert.Equal(t, int64(10), w.Current)
	assert.Equal(t, 1.0, w.Mean)
	assert.Equal(t, 9.0, w.Z, "(10 - 1) / σ, σ = 1")

	raw := f.do(req{method: "GET", path: "/v1/insights/warnings?at=" + at, key: "agent"}).Body.String()
	assert.Contains(t, raw, `"level":"red"`, "levels are named, not numbered")

	// The day before the spike is quiet.
	rep = getJSON[server.WarningReport](t, f, "/v1/insights/warnings?at="+spike.Add(-23*time.Hour).Format(time.RFC3339))
	for _, it := range rep.Items {
		assert.Equal(t, insight.LevelNone, it.Level, it.Category)
	}
}

// Bad query values are 400 naming the parameter, on every insight route.
func TestInsightQueryErrors(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		path, says, field string
	}{
		{"/v1/insights/kpis?from=yesterday", "yesterday", "from"},
		{"/v1/insights/kpis?to=2026-13-01T00:00:00Z", "RFC 3339", "to"},
		{"/v1/insights/kpis?from=2026-11-24T00:00:00Z&to=2026-11-23T00:00:00Z", "before to", "from"},
		{"/v1/insights/kpis?from=2026-11-24T00:00:00Z&to=2026-11-24T00:00:00Z", "before to", "from"},
		{"/v1/insights/kpis?queue=a&queue=b", "2 times", "queue"},
		{"/v1/insights/kpis?team=x", "unknown parameter", "team"},
		{"/v1/insights/pareto?by=colour", "colour", "by"},
		{"/v1/insights/pareto?from=2026-11-24", "2026-11-24", "from"},
		{"/v1/insights/pareto?category=billing", "unknown parameter", "category"},
		{"/v1/insights/feedback?by=mood", "mood", "by"},
		{"/v1/insights/feedback?to=now", "now", "to"},
		{"/v1/insights/warnings?at=noon", "noon", "at"},
		{"/v1/insights/warnings?from=2026-11-24T00:00:00Z", "unknown parameter", "from"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			w := f.do(req{method: "GET", path: tc.path, key: "agent"})
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			p := decodeProblem(t, w)
			assert.Equal(t, server.ProblemTypeBase+"bad-query", p.Type)
			assert.Contains(t, p.Detail, tc.says)
			require.Len(t, p.Errors, 1, "the problem names the parameter")
			assert.Equal(t, tc.field, p.Errors[0].Field)
		})
	}
	for _, path := range []string{"/v1/insights/kpis", "/v1/insights/pareto", "/v1/insights/feedback", "/v1/insights/warnings"} {
		assert.Equal(t, http.StatusUnauthorized, f.do(req{method: "GET", path: path}).Code, path)
	}
}
