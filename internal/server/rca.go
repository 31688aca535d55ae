package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// OpenProblemBody is the body of POST /v1/problems: the analysis known so far (at least a title) and
// the complaints the problem groups. Status, actions, version and timestamps are the Desk's to set.
type OpenProblemBody struct {
	rca.Analysis
	Complaints []string `json:"complaints,omitempty"`
}

// ProblemOpBody is the body of POST /v1/problems/{id}/operations: one operation on a problem record.
// Each op takes its own fields and refuses the others, so a misspelt or misplaced field never goes
// unnoticed:
//
//	revise           analysis
//	link             complaints
//	add_action       action
//	start_action     action_id
//	complete_action  action_id
//	verify_action    action_id, verification
//	rework_action    action_id, due
//	close            notify_customers (optional)
//	reopen           -
type ProblemOpBody struct {
	Op              redress.ProblemOp `json:"op"`
	Analysis        *rca.Analysis     `json:"analysis,omitempty"`
	Complaints      []string          `json:"complaints,omitempty"`
	Action          *ActionInput      `json:"action,omitempty"`
	ActionID        string            `json:"action_id,omitempty"`
	Verification    *VerificationBody `json:"verification,omitempty"`
	Due             *time.Time        `json:"due,omitempty"`
	NotifyCustomers *bool             `json:"notify_customers,omitempty"`
}

// ActionInput plans a containment, corrective or preventive action (op add_action). Its status,
// timestamps and check results are the Desk's to set.
type ActionInput struct {
	// ID is optional; the Desk assigns A1, A2, ... when it is empty.
	ID          string         `json:"id,omitempty"`
	Kind        rca.ActionKind `json:"kind"`
	Description string         `json:"description"`
	Owner       string         `json:"owner"`
	Due         time.Time      `json:"due"`
	// Check is the effectiveness check agreed when the action is planned.
	Check *CheckPlan `json:"check,omitempty"`
}

// CheckPlan is the metric and target an action's effect will be judged by.
type CheckPlan struct {
	Metric string `json:"metric,omitempty"`
	Target string `json:"target,omitempty"`
}

// VerificationBody is the outcome of an effectiveness check (op verify_action). Metric and target may
// be left out when they were planned with the action.
type VerificationBody struct {
	Metric    string `json:"metric,omitempty"`
	Target    string `json:"target,omitempty"`
	Result    string `json:"result"`
	Effective bool   `json:"effective"`
	By        string `json:"by"`
}

// ProblemList is the answer of GET /v1/problems.
type ProblemList struct {
	Items []*rca.Problem `json:"items"`
	// NextCursor continues the list; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// problemOps lists the operations in the order the documentation gives them.
var problemOps = []redress.ProblemOp{redress.ProblemRevise, redress.ProblemLink, redress.ProblemAddAction,
	redress.ProblemStartAction, redress.ProblemCompleteAction, redress.ProblemVerifyAction,
	redress.ProblemReworkAction, redress.ProblemClose, redress.ProblemReopen}

// opFields says which fields each operation needs (required) and which it may take besides.
var opFields = map[redress.ProblemOp]struct{ required, optional []string }{
	redress.ProblemRevise:         {required: []string{"analysis"}},
	redress.ProblemLink:           {required: []string{"complaints"}},
	redress.ProblemAddAction:      {required: []string{"action"}},
	redress.ProblemStartAction:    {required: []string{"action_id"}},
	redress.ProblemCompleteAction: {required: []string{"action_id"}},
	redress.ProblemVerifyAction:   {required: []string{"action_id", "verification"}},
	redress.ProblemReworkAction:   {required: []string{"action_id", "due"}},
	redress.ProblemClose:          {optional: []string{"notify_customers"}},
	redress.ProblemReopen:         {},
}

// present lists the operation fields the body set.
func (b *ProblemOpBody) present() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"analysis", b.Analysis != nil}, {"complaints", b.Complaints != nil}, {"action", b.Action != nil},
		{"action_id", b.ActionID != ""}, {"verification", b.Verification != nil}, {"due", b.Due != nil},
		{"notify_customers", b.NotifyCustomers != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// check validates the body's shape for its op: a known op, its required fields, no others.
func (b *ProblemOpBody) check() error {
	names := make([]string, len(problemOps))
	for i, op := range problemOps {
		names[i] = string(op)
	}
	spec, ok := opFields[b.Op]
	if !ok {
		code, msg := "invalid", fmt.Sprintf("%q is not an operation; one of %s", b.Op, strings.Join(names, ", "))
		if b.Op == "" {
			code, msg = "required", "is required; one of "+strings.Join(names, ", ")
		}
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "op", Code: code, Message: msg}}}
	}
	var fields []complaint.FieldError
	have := b.present()
	for _, f := range spec.required {
		if !slices.Contains(have, f) {
			fields = append(fields, complaint.FieldError{Field: f, Code: "required", Message: fmt.Sprintf("is required by op %s", b.Op)})
		}
	}
	for _, f := range have {
		if !slices.Contains(spec.required, f) && !slices.Contains(spec.optional, f) {
			fields = append(fields, complaint.FieldError{Field: f, Code: "not_allowed", Message: fmt.Sprintf("is not used by op %s", b.Op)})
		}
	}
	if b.Due != nil && b.Due.IsZero() {
		fields = append(fields, complaint.FieldError{Field: "due", Code: "required", Message: "must be a time such as 2026-12-01T17:00:00Z"})
	}
	if len(fields) > 0 {
		return &complaint.ValidationError{Fields: fields}
	}
	return nil
}

// request turns the body into the Desk's request.
func (b *ProblemOpBody) request(a complaint.Actor, tenant, id string, version int64) redress.ProblemRequest {
	req := redress.ProblemRequest{Tenant: tenant, ID: id, Actor: a, Op: b.Op, ExpectedVersion: version,
		Complaints: b.Complaints, ActionID: b.ActionID}
	if b.Analysis != nil {
		req.Analysis = *b.Analysis
	}
	if in := b.Action; in != nil {
		req.Action = rca.Action{ID: in.ID, Kind: in.Kind, Description: in.Description, Owner: in.Owner, Due: in.Due}
		if in.Check != nil {
			req.Action.Check = rca.Check{Metric: in.Check.Metric, Target: in.Check.Target}
		}
	}
	if v := b.Verification; v != nil {
		req.Verification = rca.Verification{Metric: v.Metric, Target: v.Target, Result: v.Result, Effective: v.Effective, By: v.By}
	}
	if b.Due != nil {
		req.Due = *b.Due
	}
	if b.NotifyCustomers != nil {
		req.NotifyCustomers = *b.NotifyCustomers
	}
	return req
}

// writeProblemRecord answers with a problem record and its version as ETag.
func writeProblemRecord(w http.ResponseWriter, status int, p *rca.Problem) {
	w.Header().Set("ETag", etag(p.Version))
	writeJSON(w, status, p)
}

// missingComplaint names the first of ids that is not a complaint of tenant, as a field error: the
// Desk's ErrNotFound says that one is missing, not which. It reads only after a refused change.
func (s *Server) missingComplaint(ctx context.Context, tenant string, ids []string) error {
	for i, id := range ids {
		if _, err := s.desk.Get(ctx, tenant, id); errors.Is(err, storage.ErrNotFound) {
			return &complaint.ValidationError{Fields: []complaint.FieldError{{Field: fmt.Sprintf("complaints[%d]", i),
				Code: "not_found", Message: fmt.Sprintf("complaint %q is not in your tenant", id)}}}
		}
	}
	return &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "complaints", Code: "not_found",
		Message: "names a complaint that is not in your tenant"}}}
}

// problemNotFound gives ErrNotFound on a problem route its own words: the record asked for is a
// problem, not a complaint.
func problemNotFound(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return reqErr("not-found", "no such problem record in your tenant")
	}
	return err
}

func (s *Server) openProblem(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	var in OpenProblemBody
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	p, err := s.desk.OpenProblem(r.Context(), redress.OpenProblemRequest{Tenant: a.Tenant, Actor: deskActor(a),
		Analysis: in.Analysis, Complaints: in.Complaints})
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			// The only records read are the linked complaints: one of them is not in the tenant.
			return s.missingComplaint(r.Context(), a.Tenant, in.Complaints)
		}
		return err
	}
	w.Header().Set("Location", "/v1/problems/"+url.PathEscape(p.ID))
	writeProblemRecord(w, http.StatusCreated, p)
	return nil
}

// problemListParams are the query parameters of GET /v1/problems.
var problemListParams = []string{"status", "complaint_id", "limit", "cursor"}

func parseProblemList(q url.Values, tenant string) (*storage.ProblemListParams, error) {
	if err := strictQuery(q, problemListParams); err != nil {
		return nil, err
	}
	p := &storage.ProblemListParams{Tenant: tenant, ComplaintID: q.Get("complaint_id"), Cursor: q.Get("cursor")}
	if v := q.Get("status"); v != "" {
		st := rca.Status(v)
		if st != rca.StatusOpen && st != rca.StatusClosed {
			return nil, queryErr("status", "invalid", fmt.Sprintf("status %q is not open or closed", v))
		}
		p.Status = st
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > storage.MaxListLimit {
			return nil, queryErr("limit", "invalid", fmt.Sprintf("limit %q must be a whole number from 1 to %d", v, storage.MaxListLimit))
		}
		p.Limit = n
	}
	return p, nil
}

// strictQuery refuses parameters not in known and parameters given more than once, naming them, so a
// typo never silently widens an answer.
func strictQuery(q url.Values, known []string) error {
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(known, k) {
			return queryErr(k, "unknown", fmt.Sprintf("unknown parameter %q; known: %s", k, strings.Join(known, ", ")))
		}
		if len(q[k]) > 1 {
			return queryErr(k, "repeated", fmt.Sprintf("parameter %q is given %d times", k, len(q[k])))
		}
	}
	return nil
}

func (s *Server) listProblems(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	p, err := parseProblemList(r.URL.Query(), a.Tenant)
	if err != nil {
		return err
	}
	page, err := s.desk.Problems(r.Context(), p)
	if err != nil {
		return err
	}
	out := ProblemList{Items: page.Problems, NextCursor: page.Next}
	if out.Items == nil {
		out.Items = []*rca.Problem{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getProblem(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	p, err := s.desk.Problem(r.Context(), a.Tenant, r.PathValue("id"))
	if err != nil {
		return problemNotFound(err)
	}
	writeProblemRecord(w, http.StatusOK, p)
	return nil
}

func (s *Server) changeProblem(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in ProblemOpBody
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if err := in.check(); err != nil {
		return err
	}
	id := r.PathValue("id")
	p, err := s.desk.ChangeProblem(r.Context(), in.request(deskActor(a), a.Tenant, id, version))
	if err != nil {
		if in.Op == redress.ProblemLink && errors.Is(err, storage.ErrNotFound) {
			// Either the problem or a complaint to link is missing; only the first is a 404.
			if _, perr := s.desk.Problem(r.Context(), a.Tenant, id); perr == nil {
				return s.missingComplaint(r.Context(), a.Tenant, in.Complaints)
			}
		}
		return precondition(problemNotFound(err), version)
	}
	writeProblemRecord(w, http.StatusOK, p)
	return nil
}
