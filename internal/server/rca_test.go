package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/internal/server"
	"github.com/redresshq/redress/rca"
)

const openProblemBody = `{"title":"Glucose meters read high","category":"medical_device",
	"statement":{"what":"Readings 3 mmol/L above the clinic's","how_much":"2 complaints"},
	"whys":[{"question":"Why do they read high?","answer":"The test strips drift"}],
	"causes":[{"category":"material","description":"Strip batch B2611","confirmed":true},{"category":"method","description":"Calibration at the wrong temperature"}],
	"complaints":[%s]}`

const addActionBody = `{"op":"add_action","action":{"kind":"corrective","description":"Recalibrate line 3 at 20 °C","owner":"qa:chen",
	"due":"2026-12-01T17:00:00Z","check":{"metric":"weekly complaints about readings","target":"0 for 4 weeks"}}}`

// openProblem opens a problem over ids with the lead's key and returns it.
func (f *fixture) openProblem(ids ...string) *rca.Problem {
	f.t.Helper()
	w := f.do(req{method: "POST", path: "/v1/problems", key: "lead", body: fmt.Sprintf(openProblemBody, quoteAll(ids))})
	require.Equal(f.t, http.StatusCreated, w.Code, w.Body.String())
	return decodeRecord(f.t, w.Body.Bytes())
}

func quoteAll(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = `"` + id + `"`
	}
	return strings.Join(q, ",")
}

func decodeRecord(t testing.TB, raw []byte) *rca.Problem {
	t.Helper()
	var p rca.Problem
	require.NoError(t, json.Unmarshal(raw, &p), string(raw))
	return &p
}

// op applies one operation with the lead's key under version and returns the changed record.
func (f *fixture) op(id string, version int64, body string) *rca.Problem {
	f.t.Helper()
	w := f.do(req{method: "POST", path: "/v1/problems/" + id + "/operations", key: "lead", body: body,
		header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version)}})
	require.Equal(f.t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(f.t, fmt.Sprintf(`"%d"`, version+1), w.Header().Get("ETag"))
	return decodeRecord(f.t, w.Body.Bytes())
}

func eventTypes(t testing.TB, f *fixture, id string) []complaint.EventType {
	t.Helper()
	w := f.do(req{method: "GET", path: "/v1/complaints/" + id + "/events", key: "agent"})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var evs server.EventList
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &evs))
	var out []complaint.EventType
	for _, e := range evs.Items {
		out = append(out, e.Type)
	}
	return out
}

// A problem record from opening to closing with verified corrective actions, over HTTP.
func TestProblemFromOpenToClose(t *testing.T) {
	f := newFixture(t)
	c1 := f.intake("agent", intakeBody, nil)
	c2 := f.intake("agent", strings.Replace(intakeBody, `"channel":"email"`, `"channel":"phone"`, 1), nil)
	other := f.intake("agent", strings.Replace(intakeBody, `"channel":"email"`, `"channel":"app"`, 1), nil)

	w := f.do(req{method: "POST", path: "/v1/problems", key: "lead", body: fmt.Sprintf(openProblemBody, quoteAll([]string{c1.ID, c2.ID}))})
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	p := decodeRecord(t, w.Body.Bytes())
	assert.Equal(t, "/v1/problems/"+p.ID, w.Header().Get("Location"))
	assert.Equal(t, `"1"`, w.Header().Get("ETag"))
	assert.Equal(t, "acme", p.Tenant, "the tenant is the key's")
	assert.Equal(t, rca.StatusOpen, p.Status)
	assert.Equal(t, []string{c1.ID, c2.ID}, p.Complaints)
	assert.Equal(t, "Strip batch B2611", p.Causes[0].Description)
	assert.Equal(t, rca.Material, p.Causes[0].Category)
	assert.Equal(t, f.clk.Now(), p.CreatedAt)
	assert.Contains(t, eventTypes(t, f, c1.ID), redress.EventProblemLinked)
	assert.NotContains(t, eventTypes(t, f, other.ID), redress.EventProblemLinked)

	got := f.do(req{method: "GET", path: "/v1/problems/" + p.ID, key: "agent"})
	require.Equal(t, http.StatusOK, got.Code)
	assert.JSONEq(t, w.Body.String(), got.Body.String())
	assert.Equal(t, `"1"`, got.Header().Get("ETag"))

	f.clk.Advance(time.Hour)
	p = f.op(p.ID, 1, addActionBody)
	require.Len(t, p.Actions, 1)
	a := p.Actions[0]
	assert.Equal(t, "A1", a.ID)
	assert.Equal(t, rca.ActionPlanned, a.Status)
	assert.Equal(t, time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC), a.Due)
	assert.Equal(t, "0 for 4 weeks", a.Check.Target)

	// Not closable yet: no root cause, and A1 is not verified. The problem document says both.
	before := f.snapshot()
	w = f.do(req{method: "POST", path: "/v1/problems/" + p.ID + "/operations", key: "lead", body: `{"op":"close"}`})
	require.Equal(t, http.StatusConflict, w.Code, w.Body.String())
	prob := decodeProblem(t, w)
	assert.Equal(t, server.ProblemTypeBase+"not-closable", prob.Type)
	assert.Equal(t, []complaint.FieldError{
		{Field: "root_cause", Code: "required", Message: "record the root cause before closing"},
		{Field: "actions.A1", Code: "unverified", Message: "corrective action A1 is planned, not verified effective"},
	}, prob.Errors)
	assert.Equal(t, before, f.snapshot(), "a refused close changes nothing")

	p = f.op(p.ID, 2, `{"op":"start_action","action_id":"A1"}`)
	assert.Equal(t, rca.ActionInProgress, p.Actions[0].Status)
	p = f.op(p.ID, 3, `{"op":"complete_action","action_id":"A1"}`)
	assert.Equal(t, rca.ActionDone, p.Actions[0].Status)
	p = f.op(p.ID, 4, `{"op":"verify_action","action_id":"A1","verification":{"result":"0 complaints in 4 weeks","effective":true,"by":"qa:lin"}}`)
	assert.Equal(t, rca.ActionVerified, p.Actions[0].Status)
	assert.Equal(t, "qa:lin", p.Actions[0].Check.VerifiedBy)
	p = f.op(p.ID, 5, `{"op":"revise","analysis":{"title":"Glucose meters read high","root_cause":"Strips of batch B2611 were calibrated at 30 °C"}}`)
	assert.Equal(t, "Strips of batch B2611 were calibrated at 30 °C", p.RootCause)
	assert.Empty(t, p.Causes, "revise replaces the analysis as a whole")
	p = f.op(p.ID, 6, `{"op":"link","complaints":["`+other.ID+`"]}`)
	assert.Equal(t, []string{c1.ID, c2.ID, other.ID}, p.Complaints)

	f.clk.Advance(time.Hour)
	p = f.op(p.ID, 7, `{"op":"close","notify_customers":true}`)
	assert.Equal(t, rca.StatusClosed, p.Status)
	assert.Equal(t, f.clk.Now(), p.ClosedAt)
	for _, id := range []string{c1.ID, c2.ID, other.ID} {
		types := eventTypes(t, f, id)
		assert.Equal(t, redress.EventProblemClosed, types[len(types)-1], "every linked customer is told")
	}

	// Lists: by status and by complaint.
	for _, tc := range []struct {
		query string
		want  int
	}{{"", 1}, {"status=closed", 1}, {"status=open", 0}, {"complaint_id=" + c2.ID, 1}, {"complaint_id=nope", 0}, {"limit=1", 1}} {
		w := f.do(req{method: "GET", path: "/v1/problems?" + tc.query, key: "agent"})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var page server.ProblemList
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
		assert.Len(t, page.Items, tc.want, tc.query)
		assert.NotNil(t, page.Items, "an empty page is [], not null")
	}
	w = f.do(req{method: "GET", path: "/v1/problems", key: "globex"})
	assert.JSONEq(t, `{"items":[]}`, w.Body.String(), "another tenant sees none")

	p = f.op(p.ID, 8, `{"op":"reopen"}`)
	assert.Equal(t, rca.StatusOpen, p.Status)
}

func TestProblemListPages(t *testing.T) {
	f := newFixture(t)
	c := f.intake("agent", intakeBody, nil)
	var ids []string
	for range 5 {
		ids = append(ids, f.openProblem(c.ID).ID)
		f.clk.Advance(time.Minute)
	}
	var seen []string
	cursor := ""
	for range 5 {
		path := "/v1/problems?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		w := f.do(req{method: "GET", path: path, key: "agent"})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var page server.ProblemList
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
		for _, p := range page.Items {
			seen = append(seen, p.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	assert.Equal(t, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, seen, "newest first, each once")
}

// Every refused problem request gets its status and problem type, and changes nothing.
func TestProblemErrorsChangeNothing(t *testing.T) {
	f := newFixture(t)
	c := f.intake("agent", intakeBody, nil)
	g := f.intake("globex", intakeBody, nil)
	p := f.openProblem(c.ID)
	p = f.op(p.ID, 1, addActionBody)
	ops := "/v1/problems/" + p.ID + "/operations"
	huge := `{"title":"` + strings.Repeat("a", 1<<20) + `"}`

	for _, tc := range []struct {
		name   string
		r      req
		status int
		kind   string
		says   string
		field  string
	}{
		{"open below the tier", req{method: "POST", path: "/v1/problems", key: "agent", body: fmt.Sprintf(openProblemBody, `"`+c.ID+`"`)}, 403, "denied", "default", ""},
		{"open malformed", req{method: "POST", path: "/v1/problems", key: "lead", body: `{"title":`}, 400, "invalid-json", "ends too early", ""},
		{"open unknown field", req{method: "POST", path: "/v1/problems", key: "lead", body: `{"title":"x","status":"closed"}`}, 400, "invalid-json", `unknown field "status"`, ""},
		{"open oversized", req{method: "POST", path: "/v1/problems", key: "lead", body: huge}, 413, "body-too-large", "", ""},
		{"open no key", req{method: "POST", path: "/v1/problems", body: `{"title":"x"}`}, 401, "unauthorized", "", ""},
		{"open without title", req{method: "POST", path: "/v1/problems", key: "lead", body: `{"complaints":["` + c.ID + `"]}`}, 422, "validation", "", "title"},
		{"open bad 6M", req{method: "POST", path: "/v1/problems", key: "lead", body: `{"title":"x","causes":[{"category":"money","description":"y"}]}`}, 422, "validation", "", "causes[0].category"},
		{"open over another tenant's complaint", req{method: "POST", path: "/v1/problems", key: "lead", body: fmt.Sprintf(openProblemBody, `"`+c.ID+`","`+g.ID+`"`)}, 422, "validation", "", "complaints[1]"},
		{"open over an unknown complaint", req{method: "POST", path: "/v1/problems", key: "lead", body: fmt.Sprintf(openProblemBody, `"nope"`)}, 422, "validation", "", "complaints[0]"},
		{"link an unknown complaint", req{method: "POST", path: ops, key: "lead", body: `{"op":"link","complaints":["` + c.ID + `","nope"]}`}, 422, "validation", "", "complaints[1]"},
		{"link to an unknown problem", req{method: "POST", path: "/v1/problems/nope/operations", key: "lead", body: `{"op":"link","complaints":["` + c.ID + `"]}`}, 404, "not-found", "problem record", ""},
		{"link nothing", req{method: "POST", path: ops, key: "lead", body: `{"op":"link","complaints":[]}`}, 422, "validation", "", "complaints"},
		{"op below the tier", req{method: "POST", path: ops, key: "agent", body: `{"op":"start_action","action_id":"A1"}`}, 403, "denied", "default", ""},
		{"op unknown", req{method: "POST", path: ops, key: "lead", body: `{"op":"explode"}`}, 422, "validation", "explode", "op"},
		{"op missing", req{method: "POST", path: ops, key: "lead", body: `{"action_id":"A1"}`}, 422, "validation", "", "op"},
		{"op without its field", req{method: "POST", path: ops, key: "lead", body: `{"op":"start_action"}`}, 422, "validation", "", "action_id"},
		{"op with a field it does not use", req{method: "POST", path: ops, key: "lead", body: `{"op":"close","due":"2026-12-01T00:00:00Z"}`}, 422, "validation", "", "due"},
		{"op unknown field", req{method: "POST", path: ops, key: "lead", body: `{"op":"close","notify":true}`}, 400, "invalid-json", `unknown field "notify"`, ""},
		{"op unknown action field", req{method: "POST", path: ops, key: "lead", body: `{"op":"add_action","action":{"kind":"corrective","status":"verified"}}`}, 400, "invalid-json", `unknown field "status"`, ""},
		{"op malformed", req{method: "POST", path: ops, key: "lead", body: `{"op":"close"`}, 400, "invalid-json", "", ""},
		{"op oversized", req{method: "POST", path: ops, key: "lead", body: `{"op":"revise","analysis":` + huge + `}`}, 413, "body-too-large", "", ""},
		{"op bad If-Match", req{method: "POST", path: ops, key: "lead", body: `{"op":"close"}`, header: map[string]string{"If-Match": `"one"`}}, 400, "bad-precondition", "one", ""},
		{"op stale If-Match", req{method: "POST", path: ops, key: "lead", body: `{"op":"start_action","action_id":"A1"}`, header: map[string]string{"If-Match": `"1"`}}, 412, "stale-version", "", ""},
		{"op other tenant", req{method: "POST", path: ops, key: "globex", body: `{"op":"reopen"}`}, 404, "not-found", "problem record", ""},
		{"op unknown problem", req{method: "POST", path: "/v1/problems/nope/operations", key: "lead", body: `{"op":"reopen"}`}, 404, "not-found", "problem record", ""},
		{"op unknown action", req{method: "POST", path: ops, key: "lead", body: `{"op":"start_action","action_id":"A9"}`}, 422, "validation", "", "action_id"},
		{"op action not done", req{method: "POST", path: ops, key: "lead", body: `{"op":"verify_action","action_id":"A1","verification":{"result":"ok","effective":true,"by":"qa"}}`}, 409, "action-state", "planned", ""},
		{"op action without owner", req{method: "POST", path: ops, key: "lead", body: `{"op":"add_action","action":{"kind":"corrective","description":"x","due":"2026-12-01T00:00:00Z"}}`}, 422, "validation", "", "actions[1].owner"},
		{"op reopen an open problem", req{method: "POST", path: ops, key: "lead", body: `{"op":"reopen"}`}, 409, "problem-state", "not closed", ""},
		{"get other tenant", req{method: "GET", path: "/v1/problems/" + p.ID, key: "globex"}, 404, "not-found", "problem record", ""},
		{"list bad status", req{method: "GET", path: "/v1/problems?status=pending", key: "lead"}, 400, "bad-query", "pending", ""},
		{"list bad limit", req{method: "GET", path: "/v1/problems?limit=0", key: "lead"}, 400, "bad-query", "limit", ""},
		{"list bad cursor", req{method: "GET", path: "/v1/problems?cursor=garbage", key: "lead"}, 400, "bad-cursor", "", ""},
		{"list unknown parameter", req{method: "GET", path: "/v1/problems?statuss=open", key: "lead"}, 400, "bad-query", "statuss", ""},
		{"list repeated parameter", req{method: "GET", path: "/v1/problems?status=open&status=closed", key: "lead"}, 400, "bad-query", "2 times", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snapshot()
			w := f.do(tc.r)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			pr := decodeProblem(t, w)
			assert.Equal(t, server.ProblemTypeBase+tc.kind, pr.Type)
			assert.Contains(t, pr.Detail+pr.Rule, tc.says)
			assert.Equal(t, before, f.snapshot(), "a refused request changes nothing")
			if tc.field != "" {
				var fields []string
				for _, e := range pr.Errors {
					fields = append(fields, e.Field)
				}
				assert.Contains(t, fields, tc.field)
			}
			if tc.status == 403 {
				assert.NotEmpty(t, pr.Rule, "a denial names its rule")
			}
		})
	}
}

// FuzzProblemOperation: whatever the body of an operation, the server never fails on its side, and a
// refused operation leaves the record as it was.
func FuzzProblemOperation(f *testing.F) {
	fx := newFixture(f)
	c := fx.intake("agent", intakeBody, nil)
	p := fx.openProblem(c.ID)
	for _, s := range []string{addActionBody, `{"op":"close"}`, `{"op":"reopen"}`, `{"op":"link","complaints":[""]}`,
		`{"op":"revise","analysis":{"title":""}}`, `{"op":"verify_action","action_id":"A1","verification":{}}`,
		`{"op":"rework_action","action_id":"A1","due":"0001-01-01T00:00:00Z"}`, `{"op":"add_action","action":{"due":"x"}}`, `{"op":5}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fx.t = t
		before := fx.snapshot()
		w := fx.do(req{method: "POST", path: "/v1/problems/" + p.ID + "/operations", key: "lead", body: body})
		switch w.Code {
		case http.StatusOK:
		case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity:
			assert.NotEmpty(t, decodeProblem(t, w).Detail)
			assert.Equal(t, before, fx.snapshot(), "a refused operation changes nothing")
		default:
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body.String())
		}
	})
}
