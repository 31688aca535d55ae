package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/internal/apikey"
	"github.com/redresshq/redress/internal/server"
	"github.com/redresshq/redress/routing"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
)

// clock is a clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type fixture struct {
	t     testing.TB
	clk   *clock
	store storage.Store
	desk  *redress.Desk
	srv   *server.Server
	keys  map[string]string // by name: agent, expert, lead, queued, globex
}

var actors = map[string]apikey.Actor{
	"agent":  {Tenant: "acme", ID: "agent:li", Roles: []string{"agent"}, Tier: 1},
	"expert": {Tenant: "acme", ID: "expert:ma", Roles: []string{"agent"}, Tier: 2},
	"lead":   {Tenant: "acme", ID: "lead:zhou", Roles: []string{"supervisor"}, Tier: 3},
	"queued": {Tenant: "acme", ID: "agent:wu", Roles: []string{"agent"}, Tier: 1, Queues: []string{"frontline"}},
	"globex": {Tenant: "globex", ID: "lead:smith", Roles: []string{"supervisor"}, Tier: 3},
	"admin":  {Tenant: "acme", ID: "admin", Roles: []string{"admin"}, Tier: 3},
}

func newFixture(t testing.TB, mod ...func(*server.Config)) *fixture {
	t.Helper()
	return newDeskFixture(t, nil, mod...)
}

// newDeskFixture is newFixture with a say in the Desk's configuration (surveys, outbox, ...).
func newDeskFixture(t testing.TB, deskMod func(*redress.Config), mod ...func(*server.Config)) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	store := memory.New()
	t.Cleanup(func() { store.Close() })
	dcfg := redress.Config{Now: clk.Now, Authorizer: server.PolicyAuthorizer{Policy: routing.DefaultPolicies}}
	if deskMod != nil {
		deskMod(&dcfg)
	}
	desk, err := redress.New(store, dcfg)
	require.NoError(t, err)
	ks, err := apikey.Open(filepath.Join(t.TempDir(), "keys.json"), apikey.Config{Now: clk.Now})
	require.NoError(t, err)
	f := &fixture{t: t, clk: clk, store: store, desk: desk, keys: map[string]string{}}
	for name, a := range actors {
		key, _, err := ks.Create(a)
		require.NoError(t, err)
		f.keys[name] = key
	}
	cfg := server.Config{Desk: desk, Keys: ks, Now: clk.Now}
	for _, m := range mod {
		m(&cfg)
	}
	f.srv, err = server.New(cfg)
	require.NoError(t, err)
	return f
}

// req is one request to send.
type req struct {
	method, path, key, body string
	header                  map[string]string
	remote                  string
}

func (f *fixture) do(r req) *httptest.ResponseRecorder {
	f.t.Helper()
	hr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.key != "" {
		hr.Header.Set("Authorization", "Bearer "+f.keys[r.key])
	}
	for k, v := range r.header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, hr)
	return w
}

const intakeBody = `{"channel":"email","customer":{"id":"cust-1","name":"王芳","contact":"wang@example.com"},
	"subject":"血糖仪读数偏高","description":"Readings are 3 mmol/L higher than the clinic's.","queue":"frontline"}`

func (f *fixture) intake(key, body string, header map[string]string) *complaint.Complaint {
	f.t.Helper()
	w := f.do(req{method: "POST", path: "/v1/complaints", key: key, body: body, header: header})
	require.Contains(f.t, []int{200, 201}, w.Code, w.Body.String())
	var c complaint.Complaint
	require.NoError(f.t, json.Unmarshal(w.Body.Bytes(), &c))
	return &c
}

func decodeProblem(t testing.TB, w *httptest.ResponseRecorder) server.Problem {
	t.Helper()
	assert.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	var p server.Problem
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p), w.Body.String())
	assert.Equal(t, w.Code, p.Status)
	return p
}

// snapshot is everything stored for the test tenants, to show that a refused request changed nothing:
// complaints, their events and surveys, and problem records, read from the store itself.
func (f *fixture) snapshot() string {
	f.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err := f.store.View(ctx, func(tx storage.ReadTx) error {
		for _, tenant := range []string{"acme", "globex"} {
			page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: tenant, Limit: storage.MaxListLimit})
			if err != nil {
				return err
			}
			for _, c := range page.Complaints {
				evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: tenant, ComplaintID: c.ID})
				if err != nil {
					return err
				}
				svs, err := tx.SurveyList(ctx, &storage.SurveyListParams{Tenant: tenant, ComplaintID: c.ID})
				if err != nil {
					return err
				}
				raw, _ := json.Marshal(struct {
					C  *complaint.Complaint
					Ev []complaint.Event
					Sv []*feedback.Survey
				}{c, evs, svs})
				b.Write(raw)
				b.WriteByte('\n')
			}
			problems, err := tx.ProblemList(ctx, &storage.ProblemListParams{Tenant: tenant, Limit: storage.MaxListLimit})
			if err != nil {
				return err
			}
			raw, _ := json.Marshal(problems.Problems)
			b.Write(raw)
			b.WriteByte('\n')
		}
		return nil
	})
	require.NoError(f.t, err)
	return b.String()
}

func TestIntakeCreatesThenReplays(t *testing.T) {
	f := newFixture(t)
	w := f.do(req{method: "POST", path: "/v1/complaints", key: "agent", body: intakeBody, header: map[string]string{"Idempotency-Key": "mail-4711"}})
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	var c complaint.Complaint
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &c))
	assert.Equal(t, "/v1/complaints/"+c.ID, w.Header().Get("Location"))
	assert.Equal(t, `"1"`, w.Header().Get("ETag"))
	assert.Equal(t, "acme", c.Tenant, "the tenant is the key's")
	assert.Equal(t, "mail-4711", c.ExternalRef, "Idempotency-Key becomes the external reference")
	assert.Equal(t, complaint.StatusReceived, c.Status)

	got := f.do(req{method: "GET", path: w.Header().Get("Location"), key: "agent"})
	require.Equal(t, http.StatusOK, got.Code)
	assert.JSONEq(t, w.Body.String(), got.Body.String())
	assert.Equal(t, `"1"`, got.Header().Get("ETag"))

	before := f.snapshot()
	again := f.do(req{method: "POST", path: "/v1/complaints", key: "agent", body: intakeBody, header: map[string]string{"Idempotency-Key": "mail-4711"}})
	assert.Equal(t, http.StatusOK, again.Code, "a replay answers 200 with the stored complaint")
	assert.JSONEq(t, w.Body.String(), again.Body.String())
	assert.Empty(t, again.Header().Get("Location"))

	// The same reference in the body is the same complaint too.
	body := strings.Replace(intakeBody, `"channel":"email"`, `"channel":"email","external_ref":"mail-4711"`, 1)
	third := f.do(req{method: "POST", path: "/v1/complaints", key: "agent", body: body})
	assert.Equal(t, http.StatusOK, third.Code)
	assert.Equal(t, before, f.snapshot(), "replays change nothing")
}

func TestLifecycleOverHTTP(t *testing.T) {
	f := newFixture(t)
	c := f.intake("agent", intakeBody, nil)
	path := "/v1/complaints/" + c.ID

	w := f.do(req{method: "POST", path: path + "/transitions", key: "agent", body: `{"trigger":"acknowledge","note":"called the customer","public":true}`,
		header: map[string]string{"If-Match": `"1"`}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, `"2"`, w.Header().Get("ETag"))

	w = f.do(req{method: "POST", path: path + "/comments", key: "lead", body: `{"note":"internal: check batch B2611"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, `"3"`, w.Header().Get("ETag"))

	w = f.do(req{method: "POST", path: path + "/assignment", key: "agent", body: `{"assignee":"agent:li","note":"mine"}`,
		header: map[string]string{"If-Match": `"3"`}})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var got complaint.Complaint
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, "agent:li", got.Assignee)

	w = f.do(req{method: "POST", path: path + "/transitions", key: "agent", body: `{"trigger":"investigate"}`})
	require.Equal(t, http.StatusOK, w.Code, "If-Match is optional")

	w = f.do(req{method: "GET", path: path + "/events", key: "agent"})
	require.Equal(t, http.StatusOK, w.Code)
	var evs server.EventList
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &evs))
	var kinds []string
	for _, e := range evs.Items {
		kinds = append(kinds, string(e.Type)+":"+string(e.Trigger)+":"+e.Actor)
	}
	assert.Equal(t, []string{"received::agent:li", "transition:acknowledge:agent:li", "comment::lead:zhou",
		"assigned::agent:li", "transition:investigate:agent:li"}, kinds)
}

func TestListFiltersAndPages(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := range 5 {
		body := strings.Replace(intakeBody, `"channel":"email"`, fmt.Sprintf(`"channel":"%s","tags":["t%d"]`, []string{"email", "phone"}[i%2], i%2), 1)
		ids = append(ids, f.intake("agent", body, nil).ID)
		f.clk.Advance(time.Minute)
	}
	f.intake("globex", intakeBody, nil)

	var seen []string
	cursor := ""
	for range 5 {
		path := "/v1/complaints?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		w := f.do(req{method: "GET", path: path, key: "agent"})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var page server.ComplaintList
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
		for _, c := range page.Items {
			seen = append(seen, c.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	assert.Equal(t, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, seen, "newest first, every acme complaint once, no globex one")

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"channel=phone", []string{ids[3], ids[1]}},
		{"tag=t0", []string{ids[4], ids[2], ids[0]}},
		{"status=received,closed", []string{ids[4], ids[3], ids[2], ids[1], ids[0]}},
		{"status=closed", nil},
		{"created_from=2026-11-24T09:02:00Z&created_to=2026-11-24T09:04:00Z", []string{ids[3], ids[2]}},
		{"customer_id=cust-1&queue=frontline&limit=1", []string{ids[4]}},
	} {
		w := f.do(req{method: "GET", path: "/v1/complaints?" + tc.query, key: "agent"})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var page server.ComplaintList
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
		var got []string
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		assert.Equal(t, tc.want, got, tc.query)
		assert.NotNil(t, page.Items, "an empty page is [], not null")
	}
}

// Every refused request gets its status and problem type, and changes nothing.
func TestErrorsChangeNothing(t *testing.T) {
	f := newFixture(t)
	c := f.intake("agent", intakeBody, map[string]string{"Idempotency-Key": "k1"})
	other := f.intake("agent", strings.Replace(intakeBody, `"frontline"`, `"experts"`, 1), nil)
	g := f.intake("globex", intakeBody, nil)
	path := "/v1/complaints/" + c.ID
	huge := `{"channel":"email","subject":"x","description":"` + strings.Repeat("a", 1<<20) + `"}`

	cases := []struct {
		name   string
		r      req
		status int
		kind   string
		says   string
	}{
		{"malformed json", req{method: "POST", path: "/v1/complaints", key: "agent", body: `{"channel":`}, 400, "invalid-json", "ends too early"},
		{"syntax error", req{method: "POST", path: "/v1/complaints", key: "agent", body: "{\n \"channel\": x}"}, 400, "invalid-json", "line 2"},
		{"unknown field", req{method: "POST", path: "/v1/complaints", key: "agent", body: `{"channel":"email","tenant":"globex"}`}, 400, "invalid-json", `unknown field "tenant"`},
		{"unknown nested field", req{method: "POST", path: "/v1/complaints", key: "agent", body: `{"customer":{"id":"1","email":"x"}}`}, 400, "invalid-json", `unknown field "email"`},
		{"two values", req{method: "POST", path: "/v1/complaints", key: "agent", body: intakeBody + `{}`}, 400, "invalid-json", "exactly one JSON value"},
		{"array", req{method: "POST", path: "/v1/complaints", key: "agent", body: `[` + intakeBody + `]`}, 400, "invalid-json", "JSON object"},
		{"empty body", req{method: "POST", path: "/v1/complaints", key: "agent", body: ` `}, 400, "invalid-json", "empty"},
		{"wrong type", req{method: "POST", path: "/v1/complaints", key: "agent", body: `{"subject":5}`}, 400, "invalid-json", "subject"},
		{"bad time", req{method: "POST", path: "/v1/complaints", key: "agent", body: `{"occurred_at":"yesterday"}`}, 400, "invalid-json", "yesterday"},
		{"oversized", req{method: "POST", path: "/v1/complaints", key: "agent", body: huge}, 413, "body-too-large", "1048576"},
		{"not json", req{method: "POST", path: "/v1/complaints", key: "agent", body: intakeBody, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, "unsupported-media-type", "form"},
		{"invalid complaint", req{method: "POST", path: "/v1/complaints", key: "agent", body: `{"channel":"E Mail","customer":{"id":"1"},"subject":"x"}`}, 422, "validation", "description"},
		{"idempotency mismatch", req{method: "POST", path: "/v1/complaints", key: "agent", body: strings.Replace(intakeBody, `"channel":"email"`, `"channel":"email","external_ref":"a"`, 1), header: map[string]string{"Idempotency-Key": "b"}}, 400, "bad-request", "differ"},
		{"no key", req{method: "POST", path: "/v1/complaints", body: intakeBody}, 401, "unauthorized", "Bearer"},
		{"unknown key", req{method: "GET", path: path, header: map[string]string{"Authorization": "Bearer rdk_" + strings.Repeat("A", 43)}}, 401, "unauthorized", "unknown"},
		{"basic auth", req{method: "GET", path: path, header: map[string]string{"Authorization": "Basic YTpi"}}, 401, "unauthorized", "Bearer"},
		{"other tenant get", req{method: "GET", path: "/v1/complaints/" + g.ID, key: "agent"}, 404, "not-found", "your tenant"},
		{"other tenant transition", req{method: "POST", path: path + "/transitions", key: "globex", body: `{"trigger":"acknowledge"}`}, 404, "not-found", ""},
		{"other tenant events", req{method: "GET", path: path + "/events", key: "globex"}, 404, "not-found", ""},
		{"other tenant comment", req{method: "POST", path: path + "/comments", key: "globex", body: `{"note":"hi"}`}, 404, "not-found", ""},
		{"unknown id", req{method: "GET", path: "/v1/complaints/nope", key: "agent"}, 404, "not-found", ""},
		{"illegal transition", req{method: "POST", path: path + "/transitions", key: "agent", body: `{"trigger":"resolve"}`}, 409, "illegal-transition", "received"},
		{"unknown trigger", req{method: "POST", path: path + "/transitions", key: "agent", body: `{"trigger":"explode"}`}, 422, "validation", "explode"},
		{"no trigger", req{method: "POST", path: path + "/transitions", key: "agent", body: `{}`}, 422, "validation", "required"},
		{"stale version", req{method: "POST", path: path + "/transitions", key: "agent", body: `{"trigger":"acknowledge"}`, header: map[string]string{"If-Match": `"7"`}}, 412, "stale-version", "version 1"},
		{"malformed version", req{method: "POST", path: path + "/transitions", key: "agent", body: `{"trigger":"acknowledge"}`, header: map[string]string{"If-Match": `W/"1"`}}, 400, "bad-precondition", "W/"},
		{"stale assignment", req{method: "POST", path: path + "/assignment", key: "agent", body: `{"assignee":"x"}`, header: map[string]string{"If-Match": `"2"`}}, 412, "stale-version", ""},
		{"tier too low", req{method: "POST", path: path + "/transitions", key: "agent", body: `{"trigger":"reject","note":"spam"}`}, 403, "denied", `"default"`},
		{"other queue", req{method: "POST", path: "/v1/complaints/" + other.ID + "/transitions", key: "queued", body: `{"trigger":"acknowledge"}`}, 403, "denied", "own-queues-only"},
		{"assign outside key queues", req{method: "POST", path: path + "/assignment", key: "queued", body: `{"queue":"experts"}`}, 403, "denied", "experts"},
		{"list outside key queues", req{method: "GET", path: "/v1/complaints?queue=experts", key: "queued"}, 403, "denied", "experts"},
		{"empty comment", req{method: "POST", path: path + "/comments", key: "lead", body: `{"note":"  "}`}, 422, "validation", "note"},
		{"empty assignment", req{method: "POST", path: path + "/assignment", key: "agent", body: `{}`}, 422, "validation", "assignee"},
		{"bad cursor", req{method: "GET", path: "/v1/complaints?cursor=garbage", key: "agent"}, 400, "bad-cursor", ""},
		{"unknown parameter", req{method: "GET", path: "/v1/complaints?stauts=received", key: "agent"}, 400, "bad-query", "stauts"},
		{"bad status", req{method: "GET", path: "/v1/complaints?status=open", key: "agent"}, 400, "bad-query", "open"},
		{"bad limit", req{method: "GET", path: "/v1/complaints?limit=0", key: "agent"}, 400, "bad-query", "limit"},
		{"limit too big", req{method: "GET", path: "/v1/complaints?limit=501", key: "agent"}, 400, "bad-query", "500"},
		{"bad time filter", req{method: "GET", path: "/v1/complaints?created_from=today", key: "agent"}, 400, "bad-query", "created_from"},
		{"repeated filter", req{method: "GET", path: "/v1/complaints?queue=a&queue=b", key: "agent"}, 400, "bad-query", "2 times"},
		{"wrong method", req{method: "DELETE", path: path, key: "agent"}, 405, "method-not-allowed", "GET"},
		{"unknown endpoint", req{method: "GET", path: "/v2/things", key: "agent"}, 404, "not-found", "openapi"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.snapshot()
			w := f.do(tc.r)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			p := decodeProblem(t, w)
			assert.Equal(t, server.ProblemTypeBase+tc.kind, p.Type)
			assert.NotEmpty(t, p.Title)
			assert.Contains(t, p.Detail, tc.says)
			assert.Equal(t, before, f.snapshot(), "a refused request changes nothing")
			switch tc.status {
			case 401:
				assert.Equal(t, `Bearer realm="redress"`, w.Header().Get("WWW-Authenticate"))
			case 403:
				assert.NotEmpty(t, p.Rule, "a denial names its rule")
			case 405:
				assert.Equal(t, "GET, HEAD", w.Header().Get("Allow"))
			case 422:
				assert.NotEmpty(t, p.Errors, "validation problems list the fields")
			}
		})
	}
}

func TestValidationListsEveryField(t *testing.T) {
	f := newFixture(t)
	w := f.do(req{method: "POST", path: "/v1/complaints", key: "agent", body: `{"channel":"E Mail","subject":""}`})
	require.Equal(t, http.StatusUnprocessableEntity, w.Code)
	p := decodeProblem(t, w)
	var fields []string
	for _, e := range p.Errors {
		fields = append(fields, e.Field)
	}
	assert.Subset(t, fields, []string{"channel", "customer", "subject", "description"})
}

// A key's tenant is the only one it sees, whatever the request says.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	a := f.intake("agent", intakeBody, map[string]string{"Idempotency-Key": "same"})
	g := f.intake("globex", intakeBody, map[string]string{"Idempotency-Key": "same"})
	assert.NotEqual(t, a.ID, g.ID, "the same reference in two tenants is two complaints")
	assert.Equal(t, "globex", g.Tenant)

	w := f.do(req{method: "GET", path: "/v1/complaints", key: "globex"})
	var page server.ComplaintList
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &page))
	require.Len(t, page.Items, 1)
	assert.Equal(t, g.ID, page.Items[0].ID)

	// Tracking codes too: acme's code under globex's name is simply not found.
	w = f.do(req{method: "GET", path: "/v1/track/globex/" + a.TrackingCode})
	assert.Equal(t, http.StatusNotFound, w.Code)
}

func TestTrackShowsOnlyPublicFacts(t *testing.T) {
	f := newFixture(t)
	c := f.intake("agent", intakeBody, nil)
	path := "/v1/complaints/" + c.ID
	require.Equal(t, 200, f.do(req{method: "POST", path: path + "/transitions", key: "agent", body: `{"trigger":"acknowledge","note":"we will call you today","public":true}`}).Code)
	require.Equal(t, 200, f.do(req{method: "POST", path: path + "/comments", key: "lead", body: `{"note":"internal: supplier at fault"}`}).Code)

	typed := strings.ToLower(strings.ReplaceAll(c.TrackingCode, "-", " "))
	w := f.do(req{method: "GET", path: "/v1/track/acme/" + strings.ReplaceAll(typed, " ", "%20")})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	body := w.Body.String()
	assert.NotContains(t, body, "internal: supplier")
	assert.NotContains(t, body, "wang@example.com")
	assert.NotContains(t, body, c.ID, "internal identifiers stay internal")
	var v redress.TrackView
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v))
	assert.Equal(t, complaint.StatusAcknowledged, v.Status)
	require.Len(t, v.Events, 2)
	assert.Equal(t, "we will call you today", v.Events[1].Note)

	// Unknown, malformed and other tenants' codes are indistinguishable.
	notFound := func(path string) string {
		w := f.do(req{method: "GET", path: path})
		require.Equal(t, http.StatusNotFound, w.Code)
		p := decodeProblem(t, w)
		p.Instance = ""
		raw, _ := json.Marshal(p)
		return string(raw)
	}
	unknown := notFound("/v1/track/acme/ZZZZ-ZZZZ-ZZZZ")
	assert.Equal(t, unknown, notFound("/v1/track/acme/not-a-code"))
	assert.Equal(t, unknown, notFound("/v1/track/globex/"+c.TrackingCode))
	assert.Equal(t, unknown, notFound("/v1/track/nosuchtenant/"+c.TrackingCode))
}

func TestTrackIsRateLimitedPerAddress(t *testing.T) {
	lclk := &clock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	f := newFixture(t, func(c *server.Config) { c.TrackLimiter = server.NewLimiter(1, 3, 0, lclk.Now) })
	get := func(remote string) *httptest.ResponseRecorder {
		return f.do(req{method: "GET", path: "/v1/track/acme/ZZZZ-ZZZZ-ZZZZ", remote: remote})
	}
	for range 3 {
		assert.Equal(t, http.StatusNotFound, get("192.0.2.1:5000").Code, "within the burst, even misses are answered")
	}
	w := get("192.0.2.1:5001")
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, server.ProblemTypeBase+"rate-limited", decodeProblem(t, w).Type)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Equal(t, http.StatusNotFound, get("192.0.2.2:5000").Code, "another address has its own bucket")

	// IPv6 clients are counted per /64.
	for range 3 {
		get("[2001:db8:1:2::1]:443")
	}
	assert.Equal(t, http.StatusTooManyRequests, get("[2001:db8:1:2::ffff]:443").Code)
	assert.Equal(t, http.StatusNotFound, get("[2001:db8:1:3::1]:443").Code)

	lclk.Advance(time.Second)
	assert.Equal(t, http.StatusNotFound, get("192.0.2.1:5000").Code, "a token refills each second")
	assert.Equal(t, http.StatusTooManyRequests, get("192.0.2.1:5000").Code)
}

func TestHealthReadyMetrics(t *testing.T) {
	var ready error
	f := newFixture(t, func(c *server.Config) {
		c.Ready = func(context.Context) error { return ready }
	})
	f.srv.Metrics().GaugeFunc("redress_outbox_lag_seconds", "Age of the oldest message in the last claim.", func() float64 { return 1.5 })

	assert.Equal(t, http.StatusOK, f.do(req{method: "GET", path: "/healthz"}).Code)
	assert.Equal(t, http.StatusOK, f.do(req{method: "GET", path: "/readyz"}).Code)
	ready = errors.New("disk gone")
	w := f.do(req{method: "GET", path: "/readyz"})
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.NotContains(t, w.Body.String(), "disk gone", "internals stay in the log")

	f.intake("agent", intakeBody, map[string]string{"Idempotency-Key": "x"})
	f.intake("agent", intakeBody, map[string]string{"Idempotency-Key": "x"})
	f.do(req{method: "GET", path: "/v1/complaints/nope", key: "agent"})

	w = f.do(req{method: "GET", path: "/metrics"})
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", w.Header().Get("Content-Type"))
	text := w.Body.String()
	for _, line := range []string{
		`redress_http_requests_total{route="POST /v1/complaints",code="201"} 1`,
		`redress_http_requests_total{route="POST /v1/complaints",code="200"} 1`,
		`redress_http_requests_total{route="GET /v1/complaints/{id}",code="404"} 1`,
		`redress_http_requests_total{route="GET /readyz",code="503"} 1`,
		`redress_http_request_duration_seconds_bucket{route="POST /v1/complaints",le="+Inf"} 2`,
		`redress_http_request_duration_seconds_count{route="POST /v1/complaints"} 2`,
		`redress_intake_total{result="created"} 1`,
		`redress_intake_total{result="replayed"} 1`,
		`redress_outbox_lag_seconds 1.5`,
		`# TYPE redress_http_request_duration_seconds histogram`,
	} {
		assert.Contains(t, text, line+"\n")
	}
}

// The API also works over a real connection (headers, body limits and keep-alive through net/http).
func TestOverRealHTTP(t *testing.T) {
	f := newFixture(t)
	ts := httptest.NewServer(f.srv)
	t.Cleanup(ts.Close)
	hr, err := http.NewRequest("POST", ts.URL+"/v1/complaints", strings.NewReader(intakeBody))
	require.NoError(t, err)
	hr.Header.Set("Authorization", "Bearer "+f.keys["agent"])
	hr.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := ts.Client().Do(hr)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	resp2, err := ts.Client().Post(ts.URL+"/v1/complaints", "application/json", bytes.NewReader(bytes.Repeat([]byte("x"), 2<<20)))
	require.NoError(t, err)
	defer resp2.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp2.StatusCode, "the key is checked before the body is read")
}

func TestNewNeedsDeskAndKeys(t *testing.T) {
	_, err := server.New(server.Config{})
	assert.Error(t, err)
}

// FuzzDecodeIntake: whatever the body, intake never panics or fails on the server's side; bad bodies
// are 400 (or 422 for well-formed but invalid complaints).
func FuzzDecodeIntake(f *testing.F) {
	fx := newFixture(f)
	for _, s := range []string{intakeBody, `{}`, `{"channel":1}`, `[]`, `null`, `{"customer":{"id":"1"}}{}`, `{"tags":["a",null]}`,
		`{"custom":{"k":5}}`, `{"occurred_at":"2026-01-02T03:04:05Z"}`, "\xff", `{"priority":1e400}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fx.t = t
		w := fx.do(req{method: "POST", path: "/v1/complaints", key: "agent", body: body})
		switch w.Code {
		case http.StatusCreated, http.StatusOK:
			var c complaint.Complaint
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &c))
			assert.Equal(t, "acme", c.Tenant)
		case http.StatusBadRequest:
			p := decodeProblem(t, w)
			assert.Equal(t, server.ProblemTypeBase+"invalid-json", p.Type)
			assert.NotEmpty(t, p.Detail)
		case http.StatusUnprocessableEntity:
			assert.NotEmpty(t, decodeProblem(t, w).Errors)
		default:
			t.Fatalf("status %d for %q: %s", w.Code, body, w.Body.String())
		}
	})
}
