package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/internal/webhook"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/sqlite"
)

// logLines is the server's stderr: it keeps every line and reports the bootstrap key and the listen
// address as they appear, so the test waits on events rather than on time.
type logLines struct {
	mu      sync.Mutex
	lines   []string
	partial []byte
	key     chan string
	addr    chan string
}

func newLogLines() *logLines {
	return &logLines{key: make(chan string, 1), addr: make(chan string, 1)}
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		l.lines = append(l.lines, line)
		if k := strings.TrimSpace(line); strings.HasPrefix(k, "rdk_") {
			l.key <- k
		}
		var rec struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
			l.addr <- rec.Addr
		}
	}
}

func (l *logLines) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// running is one run of redressd in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
	log    *logLines
	url    string
	key    string // the bootstrap key, when this run printed one
}

func start(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &running{cancel: cancel, done: make(chan error, 1), log: newLogLines()}
	go func() { s.done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, s.log) }()
	select {
	case addr := <-s.log.addr:
		s.url = "http://" + addr
	case err := <-s.done:
		t.Fatalf("redressd stopped before listening: %v\n%s", err, s.log.text())
	}
	select {
	case s.key = <-s.log.key:
	default:
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop cancels the run (as SIGTERM does) and requires a clean exit.
func (s *running) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	require.NoError(t, <-s.done, s.log.text())
	assert.Contains(t, s.log.text(), `"msg":"stopped"`)
}

func (s *running) do(t *testing.T, method, path, key, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, raw
}

const intake = `{"channel":"phone","external_ref":"call-1","customer":{"name":"王芳"},"subject":"血糖仪读数偏高","description":"Reads 3 mmol/L high."}`

// Zero configuration: SQLite in the given file, a bootstrap key on first start, one intake over HTTP,
// a clean shutdown; the complaint is on disk, and a restart with a key made by `keys create` reads it.
func TestServeSQLite(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "redress.db")
	s := start(t, "-store", db)
	require.NotEmpty(t, s.key, "the first start prints a bootstrap key")
	assert.Contains(t, s.log.text(), `"store":"sqlite"`)

	resp, body := s.do(t, "POST", "/v1/complaints", s.key, intake)
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	var c complaint.Complaint
	require.NoError(t, json.Unmarshal(body, &c))
	assert.Equal(t, "default", c.Tenant)
	resp, _ = s.do(t, "GET", "/readyz", "", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, body = s.do(t, "GET", "/metrics", "", "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `redress_intake_total{result="created"} 1`)
	assert.Contains(t, string(body), "redress_sla_breaches_total 0", "SLA breaches are counted (none yet)")
	assert.Contains(t, string(body), "redress_outbox_lag_seconds")
	s.stop(t)

	// The 201 was durable: the file holds the complaint.
	store, err := sqlite.Open(context.Background(), db)
	require.NoError(t, err)
	err = store.View(context.Background(), func(tx storage.ReadTx) error {
		got, err := tx.ComplaintGet(context.Background(), &storage.ComplaintGetParams{Tenant: "default", ID: c.ID})
		if err == nil {
			assert.Equal(t, c.TrackingCode, got.TrackingCode)
		}
		return err
	})
	require.NoError(t, err)
	require.NoError(t, store.Close())

	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"keys", "create", "-store", db, "-tenant", "default", "-actor", "agent:li", "-tier", "2"}, &out, &errOut))
	key := strings.TrimSpace(out.String())
	assert.True(t, strings.HasPrefix(key, "rdk_"), "stdout holds only the key: %q", out.String())
	assert.Contains(t, errOut.String(), "shown only now")

	again := start(t, "-store", db)
	assert.Empty(t, again.key, "no second bootstrap key")
	resp, body = again.do(t, "GET", "/v1/complaints/"+c.ID, key, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	resp, _ = again.do(t, "GET", "/v1/complaints/"+c.ID, "rdk_"+strings.Repeat("x", 43), "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// With a subscription file the server delivers signed webhooks from the outbox.
func TestServeDeliversWebhooks(t *testing.T) {
	dir := t.TempDir()
	secret := "a-secret-of-sufficient-length"
	type delivery struct {
		topic  string
		sigErr error
	}
	got := make(chan delivery, 16)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Get(webhook.HeaderTopic), webhook.Verify([]byte(secret), r.Header.Get(webhook.HeaderSignature), body, time.Now(), 0)}
	}))
	t.Cleanup(recv.Close)
	subs := filepath.Join(dir, "webhooks.yaml")
	require.NoError(t, os.WriteFile(subs, []byte("subscriptions:\n  - name: crm\n    tenant: default\n    topics: [\"complaint.*\"]\n    url: "+recv.URL+"\n    secret_env: TEST_WEBHOOK_SECRET\n"), 0o600))
	t.Setenv("TEST_WEBHOOK_SECRET", secret)

	s := start(t, "-store", filepath.Join(dir, "redress.db"), "-webhooks", subs)
	resp, body := s.do(t, "POST", "/v1/complaints", s.key, intake)
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	d := <-got
	assert.Equal(t, "complaint.received", d.topic)
	assert.NoError(t, d.sigErr)
}

func TestServeMemoryAndEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REDRESS_STORE", "memory:")
	t.Setenv("REDRESS_KEYS", filepath.Join(dir, "keys.json"))
	t.Setenv("REDRESS_BOOTSTRAP_TENANT", "acme")
	s := start(t)
	assert.Contains(t, s.log.text(), `"store":"memory"`)
	resp, body := s.do(t, "POST", "/v1/complaints", s.key, intake)
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	assert.Contains(t, string(body), `"tenant":"acme"`)
	_, err := os.Stat(filepath.Join(dir, "keys.json"))
	assert.NoError(t, err)
}

func TestBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		says string
	}{
		{"unknown flag", nil, []string{"-port", "80"}, "flag provided but not defined"},
		{"extra argument", nil, []string{"now"}, `unexpected argument "now"`},
		{"log level", nil, []string{"-log-level", "loud"}, "loud"},
		{"sqlite sync", nil, []string{"-sqlite-sync", "OFF"}, "FULL or NORMAL"},
		{"env number", map[string]string{"REDRESS_MAX_BODY": "lots"}, nil, "REDRESS_MAX_BODY"},
		{"env bool", map[string]string{"REDRESS_SURVEYS": "maybe"}, nil, "REDRESS_SURVEYS"},
		{"body limit", nil, []string{"-max-body", "0"}, "max-body"},
		{"webhook file", nil, []string{"-webhooks", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{"policy file", nil, []string{"-policies", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{"keys subcommand", nil, []string{"keys", "rotate"}, `unknown keys subcommand "rotate"`},
		{"keys invalid actor", nil, []string{"keys", "create", "-keys", filepath.Join(dir, "k.json"), "-tenant", "acme"}, "actor ID is empty"},
		{"keys revoke unknown", nil, []string{"keys", "revoke", "-keys", filepath.Join(dir, "k.json"), "-id", "nope"}, "no such key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := append([]string{}, tc.args...)
			if len(args) == 0 || args[0] != "keys" {
				args = append(args, "-store", "memory:", "-keys", filepath.Join(dir, "keys.json"), "-addr", "127.0.0.1:0")
			}
			var stderr bytes.Buffer
			err := run(context.Background(), args, io.Discard, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error()+stderr.String(), tc.says)
		})
	}
}

func TestKeysListAndRevoke(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"keys", "create", "-keys", path, "-tenant", "acme", "-actor", "agent:li", "-roles", "agent,reviewer", "-queues", "frontline"}, &out, io.Discard))
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"keys", "list", "-keys", path}, &out, io.Discard))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	fields := strings.Fields(lines[1])
	assert.Equal(t, []string{"acme", "agent:li", "1", "agent,reviewer", "frontline"}, fields[1:6])

	require.NoError(t, run(context.Background(), []string{"keys", "revoke", "-keys", path, "-id", fields[0]}, io.Discard, io.Discard))
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"keys", "list", "-keys", path}, &out, io.Discard))
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(out.String()), "\n")+1, "only the header is left")
}

const triageRules = `rules:
  - name: glucose-meters
    when: text.contains("血糖仪")
    category: medical_device
    queue: devices
`

// The rule file reloads over HTTP for an admin key, through the same code as SIGHUP: a good file is
// put in use, a bad one is refused with its rule and position and the rules in use stay.
func TestServeReloadsRulesOverHTTP(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	require.NoError(t, os.WriteFile(rules, []byte(triageRules), 0o600))
	s := start(t, "-store", "memory:", "-keys", filepath.Join(dir, "keys.json"), "-rules", rules)

	require.NoError(t, os.WriteFile(rules, []byte(strings.Replace(triageRules, "queue: devices", "queue: meters", 1)), 0o600))
	resp, body := s.do(t, "POST", "/v1/rules/reload", s.key, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.JSONEq(t, `{"rules":1,"names":["glucose-meters"]}`, string(body))
	assert.Contains(t, s.log.text(), `"msg":"rules reloaded"`)

	require.NoError(t, os.WriteFile(rules, []byte("rules:\n  - name: broken\n    when: complaint.chanel == 'x'\n    queue: q\n"), 0o600))
	resp, body = s.do(t, "POST", "/v1/rules/reload", s.key, "")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, string(body))
	var p struct {
		Type       string
		Rule       string
		RuleErrors []struct {
			Rule         string
			Line, Column int
		} `json:"rule_errors"`
	}
	require.NoError(t, json.Unmarshal(body, &p))
	assert.Equal(t, "broken", p.Rule)
	require.Len(t, p.RuleErrors, 1)
	assert.Equal(t, 3, p.RuleErrors[0].Line)
	assert.Equal(t, 20, p.RuleErrors[0].Column)
	assert.Contains(t, s.log.text(), "keeping the rules in use")

	resp, body = s.do(t, "POST", "/v1/complaints", s.key, intake)
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	var c complaint.Complaint
	require.NoError(t, json.Unmarshal(body, &c))
	assert.Equal(t, "meters", c.Queue, "the last good file is in use")
}

// Surveys are on by default: resolving a complaint schedules one (its link goes out as a survey.due
// webhook; with no subscriber the server says so at start). -surveys=false turns them off.
func TestServeSchedulesSurveys(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{{"default", nil, 1}, {"off", []string{"-surveys=false"}, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := start(t, append([]string{"-store", filepath.Join(dir, "redress.db")}, tc.args...)...)
			resp, body := s.do(t, "POST", "/v1/complaints", s.key, intake)
			require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
			var c complaint.Complaint
			require.NoError(t, json.Unmarshal(body, &c))
			for _, trig := range []string{"acknowledge", "resolve"} {
				resp, body = s.do(t, "POST", "/v1/complaints/"+c.ID+"/transitions", s.key, `{"trigger":"`+trig+`"}`)
				require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			}
			resp, body = s.do(t, "GET", "/v1/complaints/"+c.ID+"/surveys", s.key, "")
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			var list struct{ Items []json.RawMessage }
			require.NoError(t, json.Unmarshal(body, &list))
			assert.Len(t, list.Items, tc.want)
			if tc.want > 0 {
				assert.Contains(t, s.log.text(), "no webhook subscribes to survey.due")
			}

			// A survey scheduled by hand shows its token once, and the customer answers with it.
			resp, body = s.do(t, "POST", "/v1/complaints/"+c.ID+"/surveys", s.key, "")
			require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
			var link struct {
				Token      string `json:"token"`
				AnswerPath string `json:"answer_path"`
			}
			require.NoError(t, json.Unmarshal(body, &link))
			resp, body = s.do(t, "POST", link.AnswerPath, "", `{"token":"`+link.Token+`","scores":[{"kind":"csat","value":5}]}`)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			resp, body = s.do(t, "GET", "/v1/insights/kpis", s.key, "")
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			assert.Contains(t, string(body), `"csat_count":1`)
		})
	}
}
