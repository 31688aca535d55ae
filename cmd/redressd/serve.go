package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/internal/apikey"
	"github.com/redresshq/redress/internal/server"
	"github.com/redresshq/redress/internal/webhook"
	"github.com/redresshq/redress/routing"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
)

// scanGrace is how long a scanner batch under way at shutdown gets to commit before it is cancelled
// (a cancelled batch rolls back: its timers fire on the next start).
const scanGrace = 5 * time.Second

// serve runs the server until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, args []string, stderr io.Writer) (err error) {
	cfg, err := parseServe(args, stderr)
	if err != nil {
		return err
	}
	level, _ := parseLevel(cfg.logLevel)
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	// Keys first: a key file that cannot be read stops the start before anything is opened.
	keysPath := cfg.keysPath()
	_, statErr := os.Stat(keysPath)
	firstStart := errors.Is(statErr, fs.ErrNotExist)
	keys, err := apikey.Open(keysPath, apikey.Config{})
	if err != nil {
		return err
	}

	var policies *routing.Live[routing.Policy]
	if cfg.policies == "" {
		policies = routing.NewLivePolicies(routing.DefaultPolicies(), routing.Options{})
	} else {
		src, err := os.ReadFile(cfg.policies)
		if err != nil {
			return err
		}
		p, err := routing.LoadPolicies(src, routing.Options{})
		if err != nil {
			return fmt.Errorf("%s: %w", cfg.policies, err)
		}
		policies = routing.NewLivePolicies(p, routing.Options{})
	}

	rules, err := loadRules(cfg.rules)
	if err != nil {
		return err
	}
	slaSrc := sla.SeedYAML()
	if cfg.slaFile != "" {
		if slaSrc, err = os.ReadFile(cfg.slaFile); err != nil {
			return err
		}
	}
	slaSet, err := sla.Parse(slaSrc)
	if err != nil {
		return fmt.Errorf("%s: %w", cmp.Or(cfg.slaFile, "built-in SLA policies"), err)
	}

	var subs []webhook.Subscription
	if cfg.webhooks != "" {
		if subs, err = webhook.LoadSubscriptions(cfg.webhooks); err != nil {
			return err
		}
	}

	store, kind, err := cfg.openStore(ctx)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer func() {
		if cerr := store.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	if kind == "memory" {
		log.Warn("the memory store keeps nothing across restarts; use it for demos and tests only")
	}

	// Surveys travel as survey.due outbox messages, so they need the outbox and a relay draining it
	// even when nobody subscribes (the relay then drops what nobody wants).
	var surveys *feedback.Policy
	if cfg.surveys {
		p := feedback.DefaultPolicy()
		surveys = &p
	}
	outbox := len(subs) > 0 || surveys != nil
	desk, err := redress.New(store, redress.Config{
		Logger:     log,
		Outbox:     outbox,
		Authorizer: server.PolicyAuthorizer{Policy: policies.Load},
		Rules:      rules,
		SLA:        slaSet,
		Surveys:    surveys,
		Tenants:    keyTenants(keys, firstStart, cfg.bootstrapTenant),
	})
	if err != nil {
		return err
	}
	reloader := &ruleReloader{path: cfg.rules, desk: desk, log: log}

	metrics := server.NewMetrics()
	metrics.CounterFunc("redress_sla_events_total", "SLA warning and breach events the scanner wrote.",
		func() float64 { return float64(desk.Stats().SLAEvents) })
	metrics.CounterFunc("redress_sla_breaches_total", "Complaints the scanner found breaching an SLA target.",
		func() float64 { return float64(desk.Stats().SLABreaches) })
	srv, err := server.New(server.Config{
		Desk: desk, Keys: keys, Logger: log, MaxBodyBytes: cfg.maxBody, Metrics: metrics,
		TrackLimiter: server.NewLimiter(cfg.trackRate, cfg.trackBurst, 0, nil),
		Ready:        func(ctx context.Context) error { return ping(ctx, store) },
		ReloadRules:  reloader.Reload,
	})
	if err != nil {
		return err
	}

	var relay *webhook.Relay
	if outbox {
		if relay, err = webhook.New(store, webhook.Config{Subscriptions: subs, Logger: log}); err != nil {
			return err
		}
		registerRelayMetrics(metrics, relay)
	}
	if surveys != nil && !slices.ContainsFunc(subs, func(s webhook.Subscription) bool { return s.Matches(s.Tenant, redress.TopicSurveyDue) }) {
		log.Warn("surveys are on but no webhook subscribes to " + redress.TopicSurveyDue + ": survey links reach no customer (POST /v1/complaints/{id}/surveys still shows a link's token)")
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	// The bootstrap key is made last, when nothing can fail any more, so that it is printed only by a
	// server that then serves.
	if firstStart {
		if err := bootstrapKey(keys, cfg.bootstrapTenant, stderr); err != nil {
			return err
		}
	}

	// Background work runs on its own context: on shutdown it is cancelled only after the HTTP server
	// has drained, and each loop finishes the batch it is in.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var wg sync.WaitGroup
	if relay != nil {
		wg.Go(func() { _ = relay.Run(bg, time.Second) })
		log.Info("webhook relay running", slog.Int("subscriptions", len(subs)))
	}
	wg.Go(func() { runScanner(bg, desk, log) })

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	wg.Go(func() { reloadOnHUP(bg, hup, keys, policies, cfg.policies, reloader, log) })

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	log.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("store", kind), slog.String("keys", keysPath))

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		stopBG()
		wg.Wait()
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	shutdownErr := hs.Shutdown(sctx)
	if shutdownErr != nil {
		log.Error("requests still running at the shutdown timeout were cut", slog.String("error", shutdownErr.Error()))
		_ = hs.Close()
	}
	stopBG()
	wg.Wait()
	log.Info("stopped")
	return nil
}

// bootstrapKey creates the first admin key and prints it, once, to stderr.
func bootstrapKey(keys *apikey.Keys, tenant string, stderr io.Writer) error {
	actor := apikey.Actor{Tenant: tenant, ID: "admin", Roles: []string{"admin"}, Tier: 3}
	key, rec, err := keys.Create(actor)
	if err != nil {
		return fmt.Errorf("bootstrap key: %w", err)
	}
	fmt.Fprintf(stderr, "redressd: first start: created an admin API key. It is shown only now; keep it:\n\n    %s\n\n"+
		"redressd: tenant %q, actor %q, tier 3, id %s; its SHA-256 digest is in %s.\n"+
		"redressd: create more with: redressd keys create -tenant %s -actor agent:NAME -tier 1 -roles agent\n",
		key, actor.Tenant, actor.ID, rec.ID, keys.Path(), actor.Tenant)
	return nil
}

// ping reports whether the store answers a query (a lookup that finds nothing is an answer).
func ping(ctx context.Context, store storage.Store) error {
	return store.View(ctx, func(tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "-", ID: "-"})
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return err
	})
}

func registerRelayMetrics(m *server.Metrics, r *webhook.Relay) {
	m.GaugeFunc("redress_outbox_lag_seconds", "Age of the oldest outbox message in the relay's last claim; 0 when it found none ready.",
		func() float64 { return r.Stats().Lag.Seconds() })
	for _, c := range []struct {
		outcome string
		fn      func(webhook.Stats) int64
	}{
		{"delivered", func(s webhook.Stats) int64 { return s.Delivered }},
		{"failed", func(s webhook.Stats) int64 { return s.Failed }},
		{"dead", func(s webhook.Stats) int64 { return s.Dead }},
		{"dropped", func(s webhook.Stats) int64 { return s.Dropped }},
	} {
		m.CounterFunc("redress_webhook_deliveries_total", "Webhook delivery attempts by outcome (dropped: no subscriber).",
			func() float64 { return float64(c.fn(r.Stats())) }, "outcome", c.outcome)
	}
}

// runScanner runs the Desk's due-timer scanner (SLA warnings and breaches, automatic closes) every
// second until ctx ends. A scan under way when ctx ends gets scanGrace to finish its batch.
func runScanner(ctx context.Context, desk *redress.Desk, log *slog.Logger) {
	scanCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(scanGrace, cancel) })
	defer stop()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		if _, err := desk.RunOnce(scanCtx); err != nil && scanCtx.Err() == nil {
			log.Error("SLA scan failed", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// keyTenants lists the tenants of the key file, sorted, with the bootstrap tenant on a first start (its
// key is made last): the tenants whose early warnings the scanner checks. A tenant whose first key is
// created while the server runs is checked from the next start on.
func keyTenants(keys *apikey.Keys, firstStart bool, bootstrap string) []string {
	var out []string
	if firstStart && bootstrap != "" {
		out = append(out, bootstrap)
	}
	for _, r := range keys.List() {
		if r.Tenant != "" {
			out = append(out, r.Tenant)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ruleReloader reloads the triage rule file into the Desk. It is the one code path of SIGHUP and of
// POST /v1/rules/reload. Reloads take turns, so the set in use is always that of the file read last.
type ruleReloader struct {
	mu   sync.Mutex
	path string
	desk *redress.Desk
	log  *slog.Logger
}

// Reload reads and compiles the rule file and installs it. A file that fails to load never replaces
// the set in use: the error (with each bad rule's name and position) is logged and returned. Without
// a rule file it returns server.ErrNoRuleFile.
func (r *ruleReloader) Reload(ctx context.Context) (*routing.RuleSet, error) {
	if r.path == "" {
		return nil, server.ErrNoRuleFile
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rs, err := loadRules(r.path)
	if err != nil {
		r.log.LogAttrs(ctx, slog.LevelError, "reload rules: keeping the rules in use", slog.String("error", err.Error()))
		return nil, err
	}
	r.desk.SetRules(rs)
	r.log.LogAttrs(ctx, slog.LevelInfo, "rules reloaded", slog.String("file", r.path), slog.Int("rules", rs.Len()))
	return rs, nil
}

// loadRules reads and compiles a triage rule file; an empty path means no triage.
func loadRules(path string) (*routing.RuleSet, error) {
	if path == "" {
		return nil, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rs, err := routing.LoadRules(src, routing.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rs, nil
}

// reloadOnHUP rereads the key file, the rule file and the policy file on SIGHUP. A rule or policy file
// that does not compile leaves the set in use.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, keys *apikey.Keys, policies *routing.Live[routing.Policy], policyPath string, rules *ruleReloader, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		if err := keys.Reload(); err != nil {
			log.Error("reload keys", slog.String("error", err.Error()))
		} else {
			log.Info("keys reloaded", slog.Int("keys", keys.Len()))
		}
		// A rule file that fails to load never replaces the set in use; Reload logs either outcome.
		_, _ = rules.Reload(ctx)
		if policyPath == "" {
			continue
		}
		src, err := os.ReadFile(policyPath)
		if err == nil {
			err = policies.Reload(src)
		}
		if err != nil {
			log.Error("reload policies: keeping the policy in use", slog.String("error", err.Error()))
			continue
		}
		log.Info("policies reloaded", slog.Uint64("generation", policies.Generation()))
	}
}
