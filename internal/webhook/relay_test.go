package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/internal/webhook"
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

// received is one request the receiver got.
type received struct {
	Path     string
	Delivery string
	Topic    string
	Attempt  int
	Envelope webhook.Envelope
	SigErr   error
}

// receiver is an httptest webhook endpoint that checks signatures and answers with status(path, n) for
// the n-th request to a path (1-based).
type receiver struct {
	mu      sync.Mutex
	got     []received
	counts  map[string]int
	status  func(path string, n int) int
	clk     *clock
	secrets map[string][]byte
	srv     *httptest.Server
}

func newReceiver(t *testing.T, clk *clock) *receiver {
	r := &receiver{counts: map[string]int{}, clk: clk, secrets: map[string][]byte{},
		status: func(string, int) int { return http.StatusNoContent }}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var env webhook.Envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	envErr := dec.Decode(&env)
	attempt, _ := strconv.Atoi(req.Header.Get(webhook.HeaderAttempt))
	r.mu.Lock()
	secret := r.secrets[req.URL.Path]
	sigErr := webhook.Verify(secret, req.Header.Get(webhook.HeaderSignature), body, r.clk.Now(), 0)
	if envErr != nil {
		sigErr = envErr
	}
	r.got = append(r.got, received{Path: req.URL.Path, Delivery: req.Header.Get(webhook.HeaderDelivery),
		Topic: req.Header.Get(webhook.HeaderTopic), Attempt: attempt, Envelope: env, SigErr: sigErr})
	r.counts[req.URL.Path]++
	code := r.status(req.URL.Path, r.counts[req.URL.Path])
	r.mu.Unlock()
	w.WriteHeader(code)
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *receiver) sub(name, tenant string, topics ...string) webhook.Subscription {
	secret := "secret-of-" + name + "-0123456789"
	r.mu.Lock()
	r.secrets["/"+name] = []byte(secret)
	r.mu.Unlock()
	return webhook.Subscription{Name: name, Tenant: tenant, Topics: topics, URL: r.srv.URL + "/" + name, Secret: secret}
}

type fixture struct {
	clk   *clock
	store storage.Store
	desk  *redress.Desk
	recv  *receiver
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := &clock{t: t0}
	store := memory.New()
	t.Cleanup(func() { store.Close() })
	desk, err := redress.New(store, redress.Config{Now: clk.Now, Outbox: true})
	require.NoError(t, err)
	return &fixture{clk: clk, store: store, desk: desk, recv: newReceiver(t, clk)}
}

func (f *fixture) relay(t *testing.T, subs []webhook.Subscription, mod ...func(*webhook.Config)) *webhook.Relay {
	t.Helper()
	cfg := webhook.Config{Subscriptions: subs, Now: f.clk.Now}
	for _, m := range mod {
		m(&cfg)
	}
	r, err := webhook.New(f.store, cfg)
	require.NoError(t, err)
	return r
}

var agent = complaint.Actor{ID: "agent:li", Roles: []string{complaint.RoleAgent}, Tier: 1}

func (f *fixture) intake(t *testing.T, tenant, ref string) *complaint.Complaint {
	t.Helper()
	c, _, err := f.desk.Intake(context.Background(), agent, &complaint.Complaint{
		Tenant: tenant, Channel: "email", ExternalRef: ref,
		Customer: complaint.Customer{ID: "c1", Contact: "wang@example.com"},
		Subject:  "屏幕碎了", Description: "The screen arrived cracked.",
	})
	require.NoError(t, err)
	return c
}

// pending counts messages in the outbox that a relay could claim far in the future (dead ones excluded),
// without disturbing them: the claim is rolled back.
func pending(t *testing.T, store storage.Store) int {
	t.Helper()
	n := 0
	errRollback := fmt.Errorf("rollback")
	err := store.Update(context.Background(), func(tx storage.Tx) error {
		msgs, err := tx.OutboxClaim(context.Background(), &storage.OutboxClaimParams{Now: t0.Add(1000 * time.Hour), Lease: time.Minute, Limit: 1000})
		n = len(msgs)
		if err != nil {
			return err
		}
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	return n
}

func TestDeliversSignedEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.relay(t, []webhook.Subscription{f.recv.sub("crm", "acme", "complaint.*")})
	c := f.intake(t, "acme", "m1")
	f.clk.Advance(time.Minute)
	_, err := f.desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Actor: agent, Trigger: complaint.TriggerAcknowledge})
	require.NoError(t, err)

	res, err := r.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, res.FannedOut)
	assert.Equal(t, 2, res.Delivered)

	got := f.recv.requests()
	require.Len(t, got, 2)
	topics := map[string]bool{}
	for _, g := range got {
		assert.NoError(t, g.SigErr, "the signature verifies with the subscription's secret")
		assert.Equal(t, "/crm", g.Path)
		assert.Equal(t, "acme", g.Envelope.Tenant)
		assert.Equal(t, g.Topic, g.Envelope.Topic)
		assert.Equal(t, g.Envelope.ID+".crm", g.Delivery)
		assert.Equal(t, 1, g.Attempt)
		var payload redress.WebhookPayload
		require.NoError(t, json.Unmarshal(g.Envelope.Data, &payload))
		assert.Equal(t, c.ID, payload.Complaint.ID)
		assert.Empty(t, payload.Complaint.Category)
		topics[g.Topic] = true
	}
	assert.Equal(t, map[string]bool{"complaint.received": true, "complaint.transition": true}, topics)
	assert.Equal(t, 0, pending(t, f.store), "delivered messages leave the outbox")

	res, err = r.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, webhook.Result{}, res, "nothing is delivered twice")
	assert.Equal(t, int64(2), r.Stats().Delivered)
}

func TestRoutesByTenantAndTopic(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.relay(t, []webhook.Subscription{
		f.recv.sub("acme-new", "acme", "complaint.received"),
		f.recv.sub("globex-all", "globex", "*"),
	})
	c := f.intake(t, "acme", "a1")
	_, err := f.desk.Comment(ctx, redress.CommentRequest{Tenant: "acme", ID: c.ID, Actor: agent, Note: "called back"})
	require.NoError(t, err)
	f.intake(t, "globex", "g1")
	f.intake(t, "initech", "i1")

	res, err := r.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Delivered)
	assert.Equal(t, 2, res.Dropped, "acme's comment and initech's intake have no subscriber")
	byPath := map[string][]string{}
	for _, g := range f.recv.requests() {
		byPath[g.Path] = append(byPath[g.Path], g.Envelope.Tenant+" "+g.Topic)
	}
	assert.Equal(t, map[string][]string{
		"/acme-new":   {"acme complaint.received"},
		"/globex-all": {"globex complaint.received"},
	}, byPath)
	assert.Equal(t, 0, pending(t, f.store))
}

func TestRetriesWithBackoff(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.recv.status = func(_ string, n int) int {
		if n <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	}
	r := f.relay(t, []webhook.Subscription{f.recv.sub("crm", "acme", "*")}, func(c *webhook.Config) {
		c.BackoffBase = 10 * time.Second
	})
	f.intake(t, "acme", "m1")

	steps := []struct {
		advance  time.Duration
		requests int
		res      webhook.Result
	}{
		{0, 1, webhook.Result{Claimed: 2, FannedOut: 1, Failed: 1}}, // attempt 1 fails: retry in 10 s
		{9 * time.Second, 1, webhook.Result{}},                      // not yet
		{time.Second, 2, webhook.Result{Claimed: 1, Failed: 1}},     // attempt 2 fails: retry in 20 s
		{19 * time.Second, 2, webhook.Result{}},                     // not yet
		{time.Second, 3, webhook.Result{Claimed: 1, Delivered: 1}},  // attempt 3 succeeds
		{time.Hour, 3, webhook.Result{}},                            // and is not sent again
	}
	for i, s := range steps {
		f.clk.Advance(s.advance)
		res, err := r.RunOnce(ctx)
		require.NoError(t, err)
		assert.Equal(t, s.res, res, "step %d", i)
		assert.Len(t, f.recv.requests(), s.requests, "step %d", i)
	}
	got := f.recv.requests()
	for i, g := range got {
		assert.Equal(t, i+1, g.Attempt)
		assert.Equal(t, got[0].Delivery, g.Delivery, "the delivery ID is stable across attempts")
		assert.NoError(t, g.SigErr, "each attempt is signed at its own time")
	}
	st := r.Stats()
	assert.Equal(t, int64(1), st.Delivered)
	assert.Equal(t, int64(2), st.Failed)
}

func TestBackoffIsCapped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.recv.status = func(string, int) int { return http.StatusInternalServerError }
	r := f.relay(t, []webhook.Subscription{f.recv.sub("crm", "acme", "*")}, func(c *webhook.Config) {
		c.BackoffBase, c.BackoffMax, c.MaxAttempts = time.Second, 4*time.Second, 100
	})
	f.intake(t, "acme", "m1")
	_, err := r.RunOnce(ctx) // attempt 1, then waits 1 s, 2 s, 4 s, 4 s, ...
	require.NoError(t, err)
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second} {
		f.clk.Advance(wait - time.Millisecond)
		res, err := r.RunOnce(ctx)
		require.NoError(t, err)
		require.Equal(t, 0, res.Claimed, "wait %d is %s", i, wait)
		f.clk.Advance(time.Millisecond)
		res, err = r.RunOnce(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, res.Failed, "wait %d is %s", i, wait)
	}
}

func TestDeadLetter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.recv.status = func(string, int) int { return http.StatusBadRequest }
	r := f.relay(t, []webhook.Subscription{f.recv.sub("crm", "acme", "*")}, func(c *webhook.Config) {
		c.MaxAttempts = 3
	})
	f.intake(t, "acme", "m1")
	var total webhook.Result
	for range 10 {
		res, err := r.RunOnce(ctx)
		require.NoError(t, err)
		total.Failed += res.Failed
		total.Dead += res.Dead
		f.clk.Advance(time.Hour)
	}
	assert.Len(t, f.recv.requests(), 3, "three attempts, then no more")
	assert.Equal(t, 2, total.Failed)
	assert.Equal(t, 1, total.Dead)
	assert.Equal(t, int64(1), r.Stats().Dead)
	assert.Equal(t, 0, pending(t, f.store), "a dead delivery is never claimed again")
}

// One receiver that is down neither delays nor duplicates deliveries to another.
func TestReceiversAreIndependent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.recv.status = func(path string, _ int) int {
		if path == "/down" {
			return http.StatusBadGateway
		}
		return http.StatusOK
	}
	r := f.relay(t, []webhook.Subscription{f.recv.sub("up", "acme", "*"), f.recv.sub("down", "acme", "*")})
	f.intake(t, "acme", "m1")
	for range 4 {
		_, err := r.RunOnce(ctx)
		require.NoError(t, err)
		f.clk.Advance(10 * time.Minute)
	}
	counts := map[string]int{}
	for _, g := range f.recv.requests() {
		counts[g.Path]++
	}
	assert.Equal(t, 1, counts["/up"])
	assert.Equal(t, 4, counts["/down"])
}

// A relay that dies mid-batch loses nothing: after its lease, a new relay on the same store delivers
// every event.
func TestNoLossAcrossRestart(t *testing.T) {
	f := newFixture(t)
	sub := f.recv.sub("crm", "acme", "*")
	var ids []string
	for i := range 5 {
		c := f.intake(t, "acme", fmt.Sprintf("m%d", i))
		ids = append(ids, c.ID)
	}

	// The first relay "crashes": its context ends while the receiver is answering the first request,
	// so no outcome is recorded.
	crashCtx, crash := context.WithCancel(context.Background())
	var first atomic.Bool
	f.recv.status = func(string, int) int {
		if first.CompareAndSwap(false, true) {
			crash()
		}
		return http.StatusOK
	}
	r1 := f.relay(t, []webhook.Subscription{sub}, func(c *webhook.Config) { c.Concurrency = 1 })
	_, err := r1.RunOnce(crashCtx)
	require.ErrorIs(t, err, context.Canceled)
	before := len(f.recv.requests())
	require.GreaterOrEqual(t, before, 1)

	// Within the lease, a new relay finds nothing to do: the deliveries still belong to the first.
	r2 := f.relay(t, []webhook.Subscription{sub})
	res, err := r2.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 0, res.Claimed)

	// After the lease, it delivers everything.
	f.clk.Advance(time.Minute)
	res, err = r2.RunOnce(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 5, res.Delivered)
	assert.Equal(t, 0, pending(t, f.store))

	seen := map[string]bool{}
	for _, g := range f.recv.requests() {
		var p redress.WebhookPayload
		require.NoError(t, json.Unmarshal(g.Envelope.Data, &p))
		seen[p.Complaint.ID] = true
	}
	for _, id := range ids {
		assert.True(t, seen[id], "complaint %s was announced", id)
	}
}

func TestRemovedSubscriptionIsDropped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.recv.status = func(string, int) int { return http.StatusInternalServerError }
	old := f.relay(t, []webhook.Subscription{f.recv.sub("old", "acme", "*")})
	f.intake(t, "acme", "m1")
	_, err := old.RunOnce(ctx)
	require.NoError(t, err)
	require.Len(t, f.recv.requests(), 1)

	f.clk.Advance(time.Hour)
	r := f.relay(t, []webhook.Subscription{f.recv.sub("new", "acme", "*")})
	res, err := r.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Dropped)
	assert.Len(t, f.recv.requests(), 1, "the old subscription's delivery is not sent to anyone")
	assert.Equal(t, 0, pending(t, f.store))
}

func TestNonJSONPayloadIsSentAsString(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.relay(t, []webhook.Subscription{f.recv.sub("crm", "acme", "custom.*")})
	require.NoError(t, f.store.Update(ctx, func(tx storage.Tx) error {
		return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: []storage.OutboxMessage{
			{ID: "m1", Tenant: "acme", Topic: "custom.note", Key: "k", Payload: []byte("plain text"), CreatedAt: t0},
		}})
	}))
	_, err := r.RunOnce(ctx)
	require.NoError(t, err)
	got := f.recv.requests()
	require.Len(t, got, 1)
	assert.JSONEq(t, `"plain text"`, string(got[0].Envelope.Data))
	assert.Equal(t, "m1", got[0].Envelope.ID)
}

func TestRedirectIsAFailure(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.recv.status = func(string, int) int { return http.StatusFound }
	r := f.relay(t, []webhook.Subscription{f.recv.sub("crm", "acme", "*")})
	f.intake(t, "acme", "m1")
	res, err := r.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Failed)
}

func TestLag(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.relay(t, []webhook.Subscription{f.recv.sub("crm", "acme", "*")})
	f.intake(t, "acme", "m1")
	f.clk.Advance(90 * time.Second)
	_, err := r.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, r.Stats().Lag)
	_, err = r.RunOnce(ctx)
	require.NoError(t, err)
	assert.Zero(t, r.Stats().Lag, "nothing waiting, no lag")
}

func TestNewRejectsBadConfig(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name string
		cfg  webhook.Config
	}{
		{"lease within the timeout", webhook.Config{Lease: 5 * time.Second}},
		{"negative batch", webhook.Config{Batch: -1}},
		{"negative backoff", webhook.Config{BackoffBase: -time.Second}},
		{"bad subscription", webhook.Config{Subscriptions: []webhook.Subscription{{Name: "x"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := webhook.New(f.store, tc.cfg)
			assert.Error(t, err)
			if tc.cfg.Subscriptions != nil {
				assert.ErrorIs(t, err, webhook.ErrConfig)
			}
		})
	}
	_, err := webhook.New(nil, webhook.Config{})
	assert.Error(t, err)
}
