package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/internal/apikey"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/routing"
	"github.com/redresshq/redress/storage"
)

// ProblemTypeBase prefixes every problem type. Tag URIs (RFC 4151), as RFC 9457 suggests for types
// that are identifiers rather than pages; the OpenAPI document lists them all.
const ProblemTypeBase = "tag:redresshq.github.io,2026:problem:"

// Problem is an RFC 9457 problem detail, the body of every error response
// (Content-Type: application/problem+json).
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Instance is the request path the problem occurred on.
	Instance string `json:"instance,omitempty"`
	// Errors lists the fields that are wrong (validation problems).
	Errors []complaint.FieldError `json:"errors,omitempty"`
	// Rule names the policy rule that refused the action (denied problems), or the first rule that
	// failed to load (invalid-rules problems).
	Rule string `json:"rule,omitempty"`
	// RuleErrors lists every rule of a rule file that failed to load, with its position
	// (invalid-rules problems).
	RuleErrors []RuleProblem `json:"rule_errors,omitempty"`
}

// Problem kinds: the last segment of a problem's type, with the status and the title that go with it.
var kinds = map[string]struct {
	status int
	title  string
}{
	"invalid-json":           {http.StatusBadRequest, "The request body is not acceptable JSON"},
	"bad-request":            {http.StatusBadRequest, "The request is malformed"},
	"bad-query":              {http.StatusBadRequest, "A query parameter is malformed"},
	"bad-cursor":             {http.StatusBadRequest, "The list cursor is malformed"},
	"bad-precondition":       {http.StatusBadRequest, "The If-Match header is malformed"},
	"unauthorized":           {http.StatusUnauthorized, "A valid API key is required"},
	"denied":                 {http.StatusForbidden, "The policy does not allow this action"},
	"not-found":              {http.StatusNotFound, "Not found"},
	"method-not-allowed":     {http.StatusMethodNotAllowed, "Method not allowed"},
	"illegal-transition":     {http.StatusConflict, "The transition is not allowed from the complaint's status"},
	"conflict":               {http.StatusConflict, "The record changed concurrently"},
	"problem-state":          {http.StatusConflict, "The problem record's status does not allow this"},
	"action-state":           {http.StatusConflict, "The corrective action's status does not allow this"},
	"not-closable":           {http.StatusConflict, "The problem record cannot close yet"},
	"already-answered":       {http.StatusConflict, "The survey was already answered"},
	"no-rule-file":           {http.StatusConflict, "The server has no triage rule file to reload"},
	"expired":                {http.StatusGone, "The survey link has expired"},
	"stale-version":          {http.StatusPreconditionFailed, "The record's version does not match If-Match"},
	"body-too-large":         {http.StatusRequestEntityTooLarge, "The request body is too large"},
	"unsupported-media-type": {http.StatusUnsupportedMediaType, "The request body must be application/json"},
	"validation":             {http.StatusUnprocessableEntity, "The request's content is invalid"},
	"invalid-rules":          {http.StatusUnprocessableEntity, "The rule file does not load; the rules in use stay"},
	"rate-limited":           {http.StatusTooManyRequests, "Too many requests"},
	"internal":               {http.StatusInternalServerError, "Internal server error"},
	"unavailable":            {http.StatusServiceUnavailable, "The service is unavailable"},
}

// requestError is an error the server itself finds in a request (body, query, headers). kind is a key
// of kinds.
type requestError struct {
	kind   string
	detail string
	rule   string
	// param and code name the query parameter a bad-query problem is about and what is wrong with it
	// (unknown, repeated, invalid).
	param, code string
}

func (e *requestError) Error() string { return e.kind + ": " + e.detail }

func reqErr(kind, detail string) error { return &requestError{kind: kind, detail: detail} }

// queryErr is a bad-query problem about one query parameter, which its errors[] names as the field.
func queryErr(param, code, detail string) error {
	return &requestError{kind: "bad-query", detail: detail, param: param, code: code}
}

// errPrecondition marks ErrConflict from a change that named a version with If-Match: the client's
// precondition failed (412) rather than a lost race (409).
type errPrecondition struct{ err error }

func (e *errPrecondition) Error() string { return e.err.Error() }
func (e *errPrecondition) Unwrap() error { return e.err }

// problemFor maps an error to its problem. It is the one place where errors become HTTP statuses.
// The boolean is true when the error is the server's fault (logged at error level).
func problemFor(err error) (Problem, bool) {
	var (
		re   *requestError
		ve   *complaint.ValidationError
		rve  *rca.ValidationError
		ce   *rca.CloseError
		rle  *rulesError
		te   *complaint.TransitionError
		de   *routing.DeniedError
		pre  *errPrecondition
		mbe  *http.MaxBytesError
		kind string
		p    Problem
	)
	switch {
	case errors.As(err, &re):
		kind, p.Detail, p.Rule = re.kind, re.detail, re.rule
		if re.param != "" {
			p.Errors = []complaint.FieldError{{Field: re.param, Code: re.code, Message: re.detail}}
		}
	case errors.As(err, &mbe):
		kind, p.Detail = "body-too-large", "the body exceeds "+strconv.FormatInt(mbe.Limit, 10)+" bytes"
	case errors.As(err, &rle) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
		kind, p.Detail, p.RuleErrors = "invalid-rules", err.Error(), ruleProblems(err)
		if len(p.RuleErrors) > 0 {
			p.Rule = p.RuleErrors[0].Rule
		}
	case errors.As(err, &ve):
		kind, p.Detail, p.Errors = "validation", err.Error(), ve.Fields
	case errors.As(err, &rve):
		kind, p.Detail, p.Errors = "validation", err.Error(), rve.Fields
	case errors.Is(err, rca.ErrNoAction):
		kind, p.Detail = "validation", err.Error()
		p.Errors = []complaint.FieldError{{Field: "action_id", Code: "not_found", Message: "names no action of this problem record"}}
	case errors.As(err, &ce):
		kind, p.Detail, p.Errors = "not-closable", err.Error(), closeProblems(ce)
	case errors.Is(err, rca.ErrClosed), errors.Is(err, rca.ErrNotClosed):
		kind, p.Detail = "problem-state", err.Error()
	case errors.Is(err, rca.ErrActionState):
		kind, p.Detail = "action-state", err.Error()
	case errors.Is(err, feedback.ErrAlreadyAnswered):
		kind, p.Detail = "already-answered", "this survey link was used already; a link takes one answer"
	case errors.Is(err, feedback.ErrExpired):
		kind, p.Detail = "expired", "this survey link no longer takes answers"
	case isResponseError(err):
		ve := responseProblem(err)
		kind, p.Detail, p.Errors = "validation", err.Error(), ve.Fields
	case errors.As(err, &te):
		kind, p.Detail = "illegal-transition", err.Error()
	case errors.Is(err, apikey.ErrUnknownKey):
		kind, p.Detail = "unauthorized", "the API key is unknown or revoked"
	case errors.As(err, &de):
		kind, p.Detail, p.Rule = "denied", de.Error(), de.Rule
	case errors.Is(err, redress.ErrDenied):
		kind, p.Detail = "denied", err.Error()
	case errors.As(err, &pre) && errors.Is(err, storage.ErrConflict):
		kind, p.Detail = "stale-version", err.Error()
	case errors.Is(err, storage.ErrConflict):
		kind, p.Detail = "conflict", err.Error()+"; read it again and retry"
	case errors.Is(err, storage.ErrNotFound):
		kind, p.Detail = "not-found", "no such complaint in your tenant"
	case errors.Is(err, storage.ErrBadCursor):
		kind, p.Detail = "bad-cursor", "the cursor was not returned by this list; start again without it"
	case errors.Is(err, redress.ErrInvalid):
		kind, p.Detail = "bad-request", err.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		kind, p.Detail = "unavailable", "the request was cancelled or timed out"
	default:
		// storage.ErrInvalid and anything unexpected: a bug or an outage, not the client's doing. The
		// detail stays generic so internals do not leak; the log has the error.
		kind = "internal"
	}
	k := kinds[kind]
	p.Type, p.Title, p.Status = ProblemTypeBase+kind, k.title, k.status
	return p, k.status >= 500
}

// isResponseError reports whether err says a survey response is malformed.
func isResponseError(err error) bool {
	for _, target := range []error{feedback.ErrScoreRange, feedback.ErrUnknownKind, feedback.ErrNotRequested,
		feedback.ErrDuplicateScore, feedback.ErrNoScore, feedback.ErrBadComment} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// closeProblems lists what keeps a problem record from closing, as field errors: a missing root
// cause, no corrective action, and each corrective action not verified effective.
func closeProblems(ce *rca.CloseError) []complaint.FieldError {
	var out []complaint.FieldError
	if ce.NoRootCause {
		out = append(out, complaint.FieldError{Field: "root_cause", Code: "required", Message: "record the root cause before closing"})
	}
	if ce.NoCorrective {
		out = append(out, complaint.FieldError{Field: "actions", Code: "no_corrective", Message: "add a corrective (permanent) action and verify it before closing"})
	}
	for _, a := range ce.Unverified {
		out = append(out, complaint.FieldError{Field: "actions." + a.ID, Code: "unverified",
			Message: fmt.Sprintf("corrective action %s is %s, not verified effective", a.ID, a.Status)})
	}
	return out
}

// writeProblem answers with the problem for err, logging server faults.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p, fault := problemFor(err)
	p.Instance = r.URL.Path
	if fault {
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	}
	switch p.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="redress"`)
	}
	writeProblemBody(w, p)
}

func writeProblemBody(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
