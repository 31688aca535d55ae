package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/internal/server"
)

func TestActionRecordsCompensationWithinTheTier(t *testing.T) {
	f := newFixture(t)
	c := f.intake("agent", intakeBody, nil)
	path := "/v1/complaints/" + c.ID + "/actions"

	w := f.do(req{method: "POST", path: path, key: "agent", header: map[string]string{"If-Match": `"1"`},
		body: `{"action":"compensate","params":{"amount":150,"currency":"CNY"},"note":"voucher for the wait","public":true}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, `"2"`, w.Header().Get("ETag"))

	// An expert may grant more than the front line.
	w = f.do(req{method: "POST", path: path, key: "expert", body: `{"action":"refund","params":{"amount":1500}}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, `"3"`, w.Header().Get("ETag"))

	w = f.do(req{method: "GET", path: "/v1/complaints/" + c.ID + "/events", key: "agent"})
	require.Equal(t, http.StatusOK, w.Code)
	var evs server.EventList
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &evs))
	require.Len(t, evs.Items, 3)
	first, second := evs.Items[1], evs.Items[2]
	assert.Equal(t, redress.EventAction, first.Type)
	assert.Equal(t, "agent:li", first.Actor)
	assert.Equal(t, map[string]string{"action": "compensate", "param.amount": "150", "param.currency": "CNY"}, first.Attrs)
	assert.Equal(t, "voucher for the wait", first.Note)
	assert.True(t, first.Public)
	assert.Equal(t, map[string]string{"action": "refund", "param.amount": "1500"}, second.Attrs)
	assert.Equal(t, "expert:ma", second.Actor)
	assert.False(t, second.Public)

	// The public action shows on the tracking page, the internal one does not.
	w = f.do(req{method: "GET", path: "/v1/track/acme/" + c.TrackingCode})
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "voucher for the wait")
	assert.NotContains(t, w.Body.String(), "1500")
}

// Every refused action gets its status and problem type, and changes nothing.
func TestActionErrorsChangeNothing(t *testing.T) {
	f := newFixture(t)
	c := f.intake("agent", intakeBody, nil)
	done := f.intake("agent", strings.Replace(intakeBody, `"channel":"email"`, `"channel":"app"`, 1), nil)
	require.Equal(t, http.StatusOK, f.do(req{method: "POST", path: "/v1/complaints/" + done.ID + "/transitions", key: "lead", body: `{"trigger":"withdraw"}`}).Code)
	path := "/v1/complaints/" + c.ID + "/actions"
	huge := `{"action":"compensate","note":"` + strings.Repeat("a", 1<<20) + `"}`

	for _, tc := range []struct {
		name   string
		r      req
		status int
		kind   string
		says   string
	}{
		{"over the front line's limit", req{method: "POST", path: path, key: "agent", body: `{"action":"compensate","params":{"amount":500}}`}, 403, "denied", "frontline-money-limit"},
		{"over the experts' limit", req{method: "POST", path: path, key: "expert", body: `{"action":"refund","params":{"amount":2500}}`}, 403, "denied", "expert-money-limit"},
		{"no amount", req{method: "POST", path: path, key: "lead", body: `{"action":"compensate"}`}, 403, "denied", "money-needs-amount"},
		{"amount as text", req{method: "POST", path: path, key: "lead", body: `{"action":"compensate","params":{"amount":"100"}}`}, 403, "denied", "money-needs-amount"},
		{"malformed json", req{method: "POST", path: path, key: "agent", body: `{"action":`}, 400, "invalid-json", "ends too early"},
		{"unknown field", req{method: "POST", path: path, key: "agent", body: `{"action":"refund","amount":5}`}, 400, "invalid-json", `unknown field "amount"`},
		{"oversized", req{method: "POST", path: path, key: "agent", body: huge}, 413, "body-too-large", "1048576"},
		{"bad If-Match", req{method: "POST", path: path, key: "agent", body: `{"action":"callback"}`, header: map[string]string{"If-Match": "1"}}, 400, "bad-precondition", "If-Match"},
		{"stale If-Match", req{method: "POST", path: path, key: "agent", body: `{"action":"callback"}`, header: map[string]string{"If-Match": `"4"`}}, 412, "stale-version", ""},
		{"other tenant's key", req{method: "POST", path: path, key: "globex", body: `{"action":"callback"}`}, 404, "not-found", ""},
		{"no key", req{method: "POST", path: path, body: `{"action":"callback"}`}, 401, "unauthorized", ""},
		{"no action", req{method: "POST", path: path, key: "agent", body: `{"note":"x"}`}, 422, "validation", "action"},
		{"a trigger", req{method: "POST", path: path, key: "agent", body: `{"action":"resolve"}`}, 422, "validation", "Transition"},
		{"not a token", req{method: "POST", path: path, key: "agent", body: `{"action":"Give Money"}`}, 422, "validation", "action"},
		{"nested params", req{method: "POST", path: path, key: "lead", body: `{"action":"compensate","params":{"amount":{"value":5}}}`}, 422, "validation", "params.amount"},
		{"finished complaint", req{method: "POST", path: "/v1/complaints/" + done.ID + "/actions", key: "lead", body: `{"action":"callback"}`}, 409, "illegal-transition", "finished"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snapshot()
			w := f.do(tc.r)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			p := decodeProblem(t, w)
			assert.Equal(t, server.ProblemTypeBase+tc.kind, p.Type)
			assert.Contains(t, p.Detail+p.Rule, tc.says)
			assert.Equal(t, before, f.snapshot(), "a refused action changes nothing")
			switch tc.status {
			case 403:
				assert.Equal(t, tc.says, p.Rule, "a denial names its rule")
			case 422:
				assert.NotEmpty(t, p.Errors)
			}
		})
	}
	var got complaint.Complaint
	w := f.do(req{method: "GET", path: "/v1/complaints/" + c.ID, key: "agent"})
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, int64(1), got.Version)
}
