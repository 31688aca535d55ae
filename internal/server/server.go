package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/internal/apikey"
	"github.com/redresshq/redress/routing"
)

// Authenticator maps an API key to its actor; *apikey.Keys is one. It returns an error matching
// apikey.ErrUnknownKey for a key it does not know.
type Authenticator interface {
	Authenticate(key string) (apikey.Actor, error)
}

// Config configures a [Server]. Desk and Keys are required; everything else has a default.
type Config struct {
	// Desk is the service the API exposes.
	Desk *redress.Desk
	// Keys authenticates the bearer key of every non-public request.
	Keys Authenticator
	// Logger receives one line per request (level info; 5xx at error). Default: discard.
	Logger *slog.Logger
	// Now is the clock for latency figures and the tracking rate limit. Default time.Now.
	Now func() time.Time
	// MaxBodyBytes caps request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64
	// TrackLimiter limits the public tracking lookup per client address. Default: 20 at once, then
	// one per second.
	TrackLimiter *Limiter
	// Ready reports whether the server can serve (the store is reachable), for /readyz. Default: ready.
	Ready func(ctx context.Context) error
	// Metrics collects the figures served at /metrics. Default: a new collector; pass one to add
	// figures of your own (the webhook relay's).
	Metrics *Metrics
	// AnswerLimiter limits the public survey answers per client address. Default: TrackLimiter, so the
	// two keyless endpoints share one budget per address and a client cannot double its guesses by
	// spreading them over both.
	AnswerLimiter *Limiter
	// ReloadRules reloads the triage rules from wherever the program keeps them (cmd/redressd: the
	// -rules file), installs them with Desk.SetRules and returns the set now in use. On error it must
	// leave the set in use alone; an error holding *routing.RuleError values is answered 422 with each
	// rule's name and position. POST /v1/rules/reload calls it for keys with the admin role. Nil, or an
	// error matching ErrNoRuleFile, means there is nothing to reload (409).
	ReloadRules func(ctx context.Context) (*routing.RuleSet, error)
}

// Server is the HTTP API of redressd: an http.Handler over a Desk. It is safe for concurrent use.
type Server struct {
	desk    *redress.Desk
	keys    Authenticator
	log     *slog.Logger
	now     func() time.Time
	maxBody int64
	limiter *Limiter
	ready   func(ctx context.Context) error
	metrics *Metrics
	answers *Limiter
	reload  func(ctx context.Context) (*routing.RuleSet, error)
	mux     *http.ServeMux
	routes  []route
}

// route is one operation of the API. The table in routes() is the source of truth that the OpenAPI
// document is checked against.
type route struct {
	method, path string // path in ServeMux (and OpenAPI) template syntax
	public       bool   // no API key needed
	handle       func(w http.ResponseWriter, r *http.Request) error
}

// label names the route in logs and metrics.
func (rt route) label() string { return rt.method + " " + rt.path }

// New returns a server. It returns an error when Desk or Keys is missing or a limit is negative.
func New(cfg Config) (*Server, error) {
	if cfg.Desk == nil || cfg.Keys == nil {
		return nil, errors.New("server: Config needs a Desk and Keys")
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("server: Config.MaxBodyBytes is %d, must not be negative", cfg.MaxBodyBytes)
	}
	s := &Server{desk: cfg.Desk, keys: cfg.Keys, log: cfg.Logger, now: cfg.Now, maxBody: cfg.MaxBodyBytes,
		limiter: cfg.TrackLimiter, ready: cfg.Ready, metrics: cfg.Metrics, answers: cfg.AnswerLimiter, reload: cfg.ReloadRules}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBody == 0 {
		s.maxBody = 1 << 20
	}
	if s.limiter == nil {
		s.limiter = NewLimiter(1, 20, 0, s.now)
	}
	if s.answers == nil {
		s.answers = s.limiter
	}
	if s.reload == nil {
		s.reload = func(context.Context) (*routing.RuleSet, error) { return nil, ErrNoRuleFile }
	}
	if s.ready == nil {
		s.ready = func(context.Context) error { return nil }
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	s.routes = []route{
		{http.MethodPost, "/v1/complaints", false, s.intake},
		{http.MethodGet, "/v1/complaints", false, s.list},
		{http.MethodGet, "/v1/complaints/{id}", false, s.get},
		{http.MethodPost, "/v1/complaints/{id}/transitions", false, s.transition},
		{http.MethodPost, "/v1/complaints/{id}/comments", false, s.comment},
		{http.MethodPost, "/v1/complaints/{id}/assignment", false, s.assign},
		{http.MethodGet, "/v1/complaints/{id}/events", false, s.events},
		{http.MethodPost, "/v1/complaints/{id}/actions", false, s.act},
		{http.MethodGet, "/v1/complaints/{id}/surveys", false, s.surveys},
		{http.MethodPost, "/v1/complaints/{id}/surveys", false, s.scheduleSurvey},
		{http.MethodPost, "/v1/problems", false, s.openProblem},
		{http.MethodGet, "/v1/problems", false, s.listProblems},
		{http.MethodGet, "/v1/problems/{id}", false, s.getProblem},
		{http.MethodPost, "/v1/problems/{id}/operations", false, s.changeProblem},
		{http.MethodGet, "/v1/insights/kpis", false, s.kpis},
		{http.MethodGet, "/v1/insights/pareto", false, s.pareto},
		{http.MethodGet, "/v1/insights/feedback", false, s.feedbackSummary},
		{http.MethodGet, "/v1/insights/warnings", false, s.warnings},
		{http.MethodPost, "/v1/rules/reload", false, s.reloadRules},
		{http.MethodGet, "/v1/track/{tenant}/{code}", true, s.track},
		{http.MethodPost, "/v1/surveys/{tenant}/answer", true, s.answerSurvey},
		{http.MethodGet, "/openapi.json", true, s.openapi},
		{http.MethodGet, "/healthz", true, s.healthz},
		{http.MethodGet, "/readyz", true, s.readyz},
		{http.MethodGet, "/metrics", true, s.serveMetrics},
	}
	s.mux = http.NewServeMux()
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range s.routes {
		s.mux.Handle(rt.label(), s.wrap(rt))
		if _, ok := allowed[rt.path]; !ok {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	// Known paths with other methods get 405 with Allow; anything else 404; both as problems.
	for _, p := range paths {
		methods := allowed[p]
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead)
		}
		allow := strings.Join(methods, ", ")
		s.mux.Handle(p, s.wrap(route{method: "*", path: p, public: true, handle: func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", allow)
			return reqErr("method-not-allowed", r.Method+" is not allowed here; allowed: "+allow)
		}}))
	}
	s.mux.Handle("/", s.wrap(route{method: "*", path: "unmatched", public: true, handle: func(w http.ResponseWriter, r *http.Request) error {
		return reqErr("not-found", "no such endpoint; see /openapi.json")
	}}))
	return s, nil
}

// Metrics returns the collector the server writes to.
func (s *Server) Metrics() *Metrics { return s.metrics }

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type actorKey struct{}

// ActorFrom returns the actor whose API key authenticated the request that ctx belongs to. Handlers and
// the [PolicyAuthorizer] use it; it is absent on public endpoints.
func ActorFrom(ctx context.Context) (apikey.Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(apikey.Actor)
	return a, ok
}

// wrap adds what every route shares: authentication, panic recovery, metrics and the access log.
func (s *Server) wrap(rt route) http.Handler {
	label := rt.label()
	if rt.method == "*" {
		label = rt.path
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		sw := &statusWriter{ResponseWriter: w}
		var actor apikey.Actor
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				err := fmt.Errorf("panic: %v", p)
				if sw.status == 0 {
					s.writeProblem(sw, r, err)
				} else {
					s.log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
				}
			}
			d := s.now().Sub(start)
			s.metrics.observe(label, sw.status, d)
			if s.log.Enabled(r.Context(), slog.LevelInfo) {
				attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", label), slog.String("path", r.URL.Path),
					slog.Int("status", sw.status), slog.Float64("ms", float64(d.Microseconds())/1000)}
				if actor.ID != "" {
					attrs = append(attrs, slog.String("tenant", actor.Tenant), slog.String("actor", actor.ID))
				}
				s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
			}
		}()
		if !rt.public {
			a, err := s.authenticate(r)
			if err != nil {
				s.writeProblem(sw, r, err)
				return
			}
			actor = a
			r = r.WithContext(context.WithValue(r.Context(), actorKey{}, a))
		}
		if err := rt.handle(sw, r); err != nil {
			s.writeProblem(sw, r, err)
		}
	})
}

// authenticate reads "Authorization: Bearer <key>".
func (s *Server) authenticate(r *http.Request) (apikey.Actor, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return apikey.Actor{}, reqErr("unauthorized", "send the API key as Authorization: Bearer <key>")
	}
	scheme, key, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return apikey.Actor{}, reqErr("unauthorized", "the Authorization header must be Bearer <key>")
	}
	return s.keys.Authenticate(strings.TrimSpace(key))
}

// writeJSON answers with v as JSON. A failed write means the client is gone; there is no one to tell.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "not ready", slog.String("error", err.Error()))
		return reqErr("unavailable", "the store is not reachable")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	s.metrics.ServeHTTP(w, r)
	return nil
}
