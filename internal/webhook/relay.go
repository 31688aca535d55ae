package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redresshq/redress/storage"
)

// reservedPrefix starts the topic of every delivery the relay itself enqueues.
const reservedPrefix = "webhook:"

// Config tunes a [Relay]. Only Subscriptions matter to most callers; the rest has working defaults.
type Config struct {
	// Subscriptions say who receives what; checked by [New] with [CheckSubscriptions].
	Subscriptions []Subscription
	// Client posts deliveries. Default: a client with a 10 s timeout that does not follow redirects
	// (a redirect is a failed delivery: the signature was meant for the configured URL).
	Client *http.Client
	// Now is the clock for leases, backoff and signatures. Default time.Now.
	Now func() time.Time
	// Logger receives delivery failures and dead letters. Default: discard.
	Logger *slog.Logger
	// Lease is how long a claimed delivery belongs to this relay; after it, another relay may retry it.
	// It must exceed the client's timeout. Default 1 minute.
	Lease time.Duration
	// Batch is how many messages one claim takes. Default 100.
	Batch int
	// MaxAttempts is the number of attempts after which a delivery is dead. Default 10.
	MaxAttempts int
	// BackoffBase is the wait after the first failed attempt; it doubles with each further failure up
	// to BackoffMax. Defaults 10 s and 1 h (10 attempts then span about 1.4 h).
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// Concurrency bounds the deliveries in flight. Default 8.
	Concurrency int
}

// Relay moves outbox messages to webhook receivers. It is safe for concurrent use, and several relays
// (server replicas) may drain one store: claims never hand a message to two of them at once.
type Relay struct {
	store storage.Store
	cfg   Config
	subs  map[string]*Subscription // by name

	delivered, failed, dead, dropped, fannedOut atomic.Int64
	lagNanos                                    atomic.Int64
}

// New returns a relay on store. It returns an error matching [ErrConfig] for bad subscriptions and an
// error for impossible settings (a lease not longer than the client timeout, negative values).
func New(store storage.Store, cfg Config) (*Relay, error) {
	if store == nil {
		return nil, errors.New("webhook: New needs a store")
	}
	subs, err := CheckSubscriptions(cfg.Subscriptions, nil)
	if err != nil {
		return nil, err
	}
	cfg.Subscriptions = subs
	if cfg.Client == nil {
		cfg.Client = &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	defaults := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{{"Lease", &cfg.Lease, time.Minute}, {"BackoffBase", &cfg.BackoffBase, 10 * time.Second}, {"BackoffMax", &cfg.BackoffMax, time.Hour}}
	for _, d := range defaults {
		if *d.v < 0 {
			return nil, fmt.Errorf("webhook: Config.%s is %s, must not be negative", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	for name, v := range map[string]*int{"Batch": &cfg.Batch, "MaxAttempts": &cfg.MaxAttempts, "Concurrency": &cfg.Concurrency} {
		if *v < 0 {
			return nil, fmt.Errorf("webhook: Config.%s is %d, must not be negative", name, *v)
		}
	}
	if cfg.Batch == 0 {
		cfg.Batch = 100
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 8
	}
	if cfg.Client.Timeout > 0 && cfg.Lease <= cfg.Client.Timeout {
		return nil, fmt.Errorf("webhook: Config.Lease %s must exceed the client timeout %s, or deliveries still in flight are handed out again", cfg.Lease, cfg.Client.Timeout)
	}
	r := &Relay{store: store, cfg: cfg, subs: make(map[string]*Subscription, len(subs))}
	for i := range cfg.Subscriptions {
		r.subs[cfg.Subscriptions[i].Name] = &cfg.Subscriptions[i]
	}
	return r, nil
}

// Envelope is the JSON body of a delivery.
type Envelope struct {
	// ID is the outbox message's ID: the same for every subscription and attempt.
	ID        string    `json:"id"`
	Topic     string    `json:"topic"`
	Tenant    string    `json:"tenant"`
	CreatedAt time.Time `json:"created_at"`
	// Data is the message payload: for the Desk's topics, a redress.WebhookPayload (the event and a
	// summary of the complaint). A payload that is not JSON is sent as a JSON string.
	Data json.RawMessage `json:"data"`
}

// Stats are the relay's counters since it was created, for metrics.
type Stats struct {
	Delivered int64 // deliveries a receiver accepted
	Failed    int64 // attempts that failed (each retry counts)
	Dead      int64 // deliveries given up after MaxAttempts
	Dropped   int64 // messages no subscription wanted, and deliveries whose subscription was removed
	FannedOut int64 // deliveries created from messages
	// Lag is the age of the oldest message in the last claim: how far behind the relay runs. Zero when
	// the last claim found nothing ready.
	Lag time.Duration
}

// Stats returns the counters.
func (r *Relay) Stats() Stats {
	return Stats{Delivered: r.delivered.Load(), Failed: r.failed.Load(), Dead: r.dead.Load(), Dropped: r.dropped.Load(),
		FannedOut: r.fannedOut.Load(), Lag: time.Duration(r.lagNanos.Load())}
}

// Result says what one [Relay.RunOnce] did.
type Result struct {
	Claimed   int // messages and deliveries taken from the outbox
	FannedOut int // deliveries created
	Dropped   int // messages nobody subscribed to, deliveries of removed subscriptions
	Delivered int
	Failed    int // failed attempts that will be retried
	Dead      int // failed attempts that were the last
}

// delivery is one leased delivery and its outcome.
type delivery struct {
	msg    storage.OutboxMessage
	sub    *Subscription
	topic  string // the original topic
	origID string
	err    error // outcome of the attempt
}

// RunOnce does one pass: it fans out up to Batch new messages, claims up to Batch due deliveries, posts
// them and records each outcome. It returns what it did and the first storage error. When ctx ends
// mid-pass, the leased deliveries are left to their lease (at-least-once: another pass retries them).
func (r *Relay) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	var due []*delivery
	// Two claims at most: the first fans messages out; the deliveries it creates are claimable once it
	// commits, and the second picks them up in the same pass.
	for round := 0; round < 2; round++ {
		ds, fanned, err := r.claim(ctx, &res)
		if err != nil {
			return res, err
		}
		due = append(due, ds...)
		if fanned == 0 || len(due) >= r.cfg.Batch {
			break
		}
	}
	if len(due) == 0 {
		return res, nil
	}
	r.deliver(ctx, due)
	if err := ctx.Err(); err != nil {
		return res, err // leave the leases: the outcome of requests cut short is unknown
	}
	return res, r.record(ctx, due, &res)
}

// claim leases up to Batch messages; fresh messages are fanned out to deliveries, deliveries are returned.
func (r *Relay) claim(ctx context.Context, res *Result) ([]*delivery, int, error) {
	now := r.cfg.Now()
	var due []*delivery
	claimed, fanned, dropped := 0, 0, 0
	err := r.store.Update(ctx, func(tx storage.Tx) error {
		due, fanned, dropped = nil, 0, 0
		msgs, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: now, Lease: r.cfg.Lease, Limit: r.cfg.Batch})
		if err != nil {
			return err
		}
		claimed = len(msgs)
		var oldest time.Time
		for _, m := range msgs {
			if oldest.IsZero() || m.CreatedAt.Before(oldest) {
				oldest = m.CreatedAt
			}
		}
		if oldest.IsZero() {
			r.lagNanos.Store(0)
		} else {
			r.lagNanos.Store(int64(max(now.Sub(oldest), 0)))
		}
		for _, m := range msgs {
			if !strings.HasPrefix(m.Topic, reservedPrefix) {
				n, err := r.fanOut(ctx, tx, m, now)
				if err != nil {
					return err
				}
				if n == 0 {
					dropped++
				}
				fanned += n
				continue
			}
			d, ok := r.parseDelivery(m)
			if !ok {
				dropped++
				r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "webhook: dropping a delivery whose subscription is gone",
					slog.String("delivery", m.ID), slog.String("topic", m.Topic))
				if err := tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: m.Tenant, ID: m.ID}); err != nil {
					return err
				}
				continue
			}
			due = append(due, d)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("webhook: claim: %w", err)
	}
	res.Claimed += claimed
	res.FannedOut += fanned
	res.Dropped += dropped
	r.fannedOut.Add(int64(fanned))
	r.dropped.Add(int64(dropped))
	return due, fanned, nil
}

// fanOut replaces message m by one delivery per matching subscription, in tx, and returns how many.
func (r *Relay) fanOut(ctx context.Context, tx storage.Tx, m storage.OutboxMessage, now time.Time) (int, error) {
	var out []storage.OutboxMessage
	for i := range r.cfg.Subscriptions {
		sub := &r.cfg.Subscriptions[i]
		if !sub.Matches(m.Tenant, m.Topic) {
			continue
		}
		out = append(out, storage.OutboxMessage{
			ID: m.ID + "." + sub.Name, Tenant: m.Tenant, Topic: reservedPrefix + sub.Name + ":" + m.Topic, Key: m.Key,
			Payload: m.Payload, CreatedAt: m.CreatedAt, NextAttemptAt: now,
		})
	}
	if len(out) > 0 {
		if err := tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: m.Tenant, Messages: out}); err != nil {
			return 0, err
		}
	}
	return len(out), tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: m.Tenant, ID: m.ID})
}

// parseDelivery reads a delivery written by fanOut; ok is false when its subscription is no longer
// configured (or the row is not one of ours).
func (r *Relay) parseDelivery(m storage.OutboxMessage) (*delivery, bool) {
	rest := strings.TrimPrefix(m.Topic, reservedPrefix)
	name, topic, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, false
	}
	sub := r.subs[name]
	origID, ok := strings.CutSuffix(m.ID, "."+name)
	if sub == nil || !ok || sub.Tenant != m.Tenant {
		return nil, false
	}
	return &delivery{msg: m, sub: sub, topic: topic, origID: origID}, true
}

// deliver posts every delivery, at most Concurrency at a time. Deliveries for one (subscription, key)
// are posted one after another in claim order, so a receiver normally sees a complaint's events in order.
func (r *Relay) deliver(ctx context.Context, due []*delivery) {
	type groupKey struct{ sub, key string }
	var order []groupKey
	groups := map[groupKey][]*delivery{}
	for _, d := range due {
		k := groupKey{d.sub.Name, d.msg.Key}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], d)
	}
	work := make(chan []*delivery)
	var wg sync.WaitGroup
	for range min(r.cfg.Concurrency, len(order)) {
		wg.Go(func() {
			for g := range work {
				for _, d := range g {
					d.err = r.post(ctx, d)
				}
			}
		})
	}
	for _, k := range order {
		work <- groups[k]
	}
	close(work)
	wg.Wait()
}

// post sends one delivery; nil means the receiver accepted it with a 2xx status.
func (r *Relay) post(ctx context.Context, d *delivery) error {
	data := json.RawMessage(d.msg.Payload)
	if !json.Valid(data) {
		quoted, _ := json.Marshal(string(d.msg.Payload))
		data = quoted
	}
	body, err := json.Marshal(Envelope{ID: d.origID, Topic: d.topic, Tenant: d.msg.Tenant, CreatedAt: d.msg.CreatedAt, Data: data})
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.sub.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "redressd-webhook/1")
	req.Header.Set(HeaderTopic, d.topic)
	req.Header.Set(HeaderDelivery, d.msg.ID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(d.msg.Attempts))
	req.Header.Set(HeaderSignature, Sign([]byte(d.sub.Secret), r.cfg.Now(), body))
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // let the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(snippet)))
	}
	return nil
}

// backoff returns the wait after the attempt-th failed attempt (attempt >= 1).
func (r *Relay) backoff(attempt int) time.Duration {
	d := r.cfg.BackoffBase
	for i := 1; i < attempt && d < r.cfg.BackoffMax; i++ {
		d *= 2
	}
	return min(d, r.cfg.BackoffMax)
}

// record acknowledges delivered messages and schedules or buries failed ones, in one transaction.
func (r *Relay) record(ctx context.Context, due []*delivery, res *Result) error {
	now := r.cfg.Now()
	var delivered, failed, dead int
	err := r.store.Update(ctx, func(tx storage.Tx) error {
		delivered, failed, dead = 0, 0, 0
		for _, d := range due {
			if d.err == nil {
				err := tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: d.msg.Tenant, ID: d.msg.ID})
				if err != nil && !errors.Is(err, storage.ErrNotFound) {
					return err
				}
				delivered++
				continue
			}
			p := &storage.OutboxNackParams{Tenant: d.msg.Tenant, ID: d.msg.ID, Error: truncate(d.err.Error(), 500)}
			if d.msg.Attempts >= r.cfg.MaxAttempts {
				p.Dead = true
				dead++
			} else {
				p.NextAttemptAt = now.Add(r.backoff(d.msg.Attempts))
				failed++
			}
			if err := tx.OutboxNack(ctx, p); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("webhook: record outcomes: %w", err)
	}
	res.Delivered += delivered
	res.Failed += failed
	res.Dead += dead
	r.delivered.Add(int64(delivered))
	r.failed.Add(int64(failed + dead))
	r.dead.Add(int64(dead))
	for _, d := range due {
		switch {
		case d.err == nil:
		case d.msg.Attempts >= r.cfg.MaxAttempts:
			r.cfg.Logger.LogAttrs(ctx, slog.LevelError, "webhook: delivery dead after its last attempt",
				slog.String("delivery", d.msg.ID), slog.String("subscription", d.sub.Name), slog.Int("attempts", d.msg.Attempts), slog.String("error", d.err.Error()))
		default:
			r.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "webhook: delivery failed, will retry",
				slog.String("delivery", d.msg.ID), slog.String("subscription", d.sub.Name), slog.Int("attempt", d.msg.Attempts),
				slog.Duration("retry_in", r.backoff(d.msg.Attempts)), slog.String("error", d.err.Error()))
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Run calls RunOnce every interval until ctx ends, and at once again while the outbox has more than one
// batch ready. A pass under way when ctx ends is finished (its requests are bounded by the client
// timeout), so a graceful shutdown does not leave deliveries to their lease. Errors are logged; Run
// returns nil when ctx ends.
func (r *Relay) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("webhook: Run interval %s must be positive", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := r.RunOnce(context.WithoutCancel(ctx))
		if err != nil {
			r.cfg.Logger.LogAttrs(ctx, slog.LevelError, "webhook: relay pass failed", slog.String("error", err.Error()))
		}
		if ctx.Err() != nil {
			return nil
		}
		if err == nil && res.Claimed >= r.cfg.Batch {
			continue // more is waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
