package server

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/internal/apikey"
	"github.com/redresshq/redress/storage"
)

// IntakeRequest is the body of POST /v1/complaints: the fields a channel supplies. Identity, status,
// version and timestamps are the Desk's to set, so they are not accepted (sending them is an unknown
// field, 400). The tenant is the API key's.
type IntakeRequest struct {
	Channel string `json:"channel"`
	// ExternalRef makes intake idempotent; the Idempotency-Key header fills it when it is empty.
	ExternalRef string                 `json:"external_ref,omitempty"`
	Customer    complaint.Customer     `json:"customer"`
	Product     complaint.Product      `json:"product,omitzero"`
	Subject     string                 `json:"subject"`
	Description string                 `json:"description"`
	OccurredAt  time.Time              `json:"occurred_at,omitzero"`
	Place       string                 `json:"place,omitempty"`
	Attachments []complaint.Attachment `json:"attachments,omitempty"`
	Category    string                 `json:"category,omitempty"`
	Severity    complaint.Severity     `json:"severity,omitempty"`
	Priority    int                    `json:"priority,omitempty"`
	Safety      bool                   `json:"safety,omitempty"`
	Queue       string                 `json:"queue,omitempty"`
	Tags        []string               `json:"tags,omitempty"`
	Custom      map[string]string      `json:"custom,omitempty"`
	RepeatOf    string                 `json:"repeat_of,omitempty"`
}

// TransitionBody is the body of POST /v1/complaints/{id}/transitions.
type TransitionBody struct {
	Trigger     complaint.Trigger `json:"trigger"`
	Note        string            `json:"note,omitempty"`
	Public      bool              `json:"public,omitempty"`
	DuplicateOf string            `json:"duplicate_of,omitempty"`
	Params      map[string]any    `json:"params,omitempty"`
}

// CommentBody is the body of POST /v1/complaints/{id}/comments.
type CommentBody struct {
	Note   string `json:"note"`
	Public bool   `json:"public,omitempty"`
}

// AssignBody is the body of POST /v1/complaints/{id}/assignment.
type AssignBody struct {
	Queue    string `json:"queue,omitempty"`
	Assignee string `json:"assignee,omitempty"`
	Note     string `json:"note,omitempty"`
}

// ComplaintList is the answer of GET /v1/complaints.
type ComplaintList struct {
	Items []*complaint.Complaint `json:"items"`
	// NextCursor continues the list; absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// EventList is the answer of GET /v1/complaints/{id}/events.
type EventList struct {
	Items []complaint.Event `json:"items"`
}

// deskActor is the actor the Desk records and its policy judges: the key's ID, roles, tier and queues.
func deskActor(a apikey.Actor) complaint.Actor {
	return complaint.Actor{ID: a.ID, Roles: a.Roles, Tier: a.Tier, Queues: a.Queues}
}

func mustActor(r *http.Request) apikey.Actor {
	a, ok := ActorFrom(r.Context())
	if !ok {
		panic("server: authenticated route without an actor") // wrap always sets it
	}
	return a
}

func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r, s.maxBody)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// decodeOptional is decode for operations whose body may be left out: an empty body leaves v as it
// is; anything else must be a JSON object of v's fields.
func (s *Server) decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r, s.maxBody)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	return decodeJSON(body, v)
}

// writeComplaint answers with c and its version as ETag.
func writeComplaint(w http.ResponseWriter, status int, c *complaint.Complaint) {
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, status, c)
}

func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// ifMatch reads the version an If-Match header names: 0 when there is none or it is "*" (any version).
// A weak or malformed tag is a 400: versions are strong validators.
func ifMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	unq, ok := strings.CutPrefix(h, `"`)
	if ok {
		unq, ok = strings.CutSuffix(unq, `"`)
	}
	v, err := strconv.ParseInt(unq, 10, 64)
	if !ok || err != nil || v < 1 {
		return 0, reqErr("bad-precondition", fmt.Sprintf(`If-Match %q is not a version tag such as "3" (the ETag of the record)`, h))
	}
	return v, nil
}

// precondition marks a conflict as a failed If-Match when the request named a version.
func precondition(err error, version int64) error {
	if err != nil && version != 0 {
		return &errPrecondition{err: err}
	}
	return err
}

func (s *Server) intake(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	var in IntakeRequest
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		switch {
		case in.ExternalRef == "":
			in.ExternalRef = key
		case in.ExternalRef != key:
			return reqErr("bad-request", "the Idempotency-Key header and external_ref differ; send one, or the same value in both")
		}
	}
	c, created, err := s.desk.Intake(r.Context(), deskActor(a), &complaint.Complaint{
		Tenant: a.Tenant, Channel: in.Channel, ExternalRef: in.ExternalRef, Customer: in.Customer, Product: in.Product,
		Subject: in.Subject, Description: in.Description, OccurredAt: in.OccurredAt, Place: in.Place,
		Attachments: in.Attachments, Category: in.Category, Severity: in.Severity, Priority: in.Priority,
		Safety: in.Safety, Queue: in.Queue, Tags: in.Tags, Custom: in.Custom, RepeatOf: in.RepeatOf,
	})
	if err != nil {
		return err
	}
	s.metrics.intake(created)
	if !created {
		writeComplaint(w, http.StatusOK, c)
		return nil
	}
	w.Header().Set("Location", "/v1/complaints/"+url.PathEscape(c.ID))
	writeComplaint(w, http.StatusCreated, c)
	return nil
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	c, err := s.desk.Get(r.Context(), a.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeComplaint(w, http.StatusOK, c)
	return nil
}

// listParams are the query parameters of GET /v1/complaints.
var listParams = []string{"status", "queue", "assignee", "category", "channel", "customer_id", "tag", "created_from", "created_to", "limit", "cursor"}

// parseList reads the list query strictly: an unknown parameter or a bad value is a 400 naming it, so a
// typo never silently widens a list.
func parseList(q url.Values, tenant string) (*storage.ComplaintListParams, error) {
	for k := range q {
		if !slices.Contains(listParams, k) {
			return nil, queryErr(k, "unknown", fmt.Sprintf("unknown parameter %q; known: %s", k, strings.Join(listParams, ", ")))
		}
	}
	for _, k := range listParams {
		if k != "status" && k != "tag" && len(q[k]) > 1 {
			return nil, queryErr(k, "repeated", fmt.Sprintf("parameter %q is given %d times", k, len(q[k])))
		}
	}
	p := &storage.ComplaintListParams{Tenant: tenant, Queue: q.Get("queue"), Assignee: q.Get("assignee"),
		Category: q.Get("category"), Channel: q.Get("channel"), CustomerID: q.Get("customer_id"), Cursor: q.Get("cursor")}
	for _, v := range q["status"] {
		for st := range strings.SplitSeq(v, ",") {
			s := complaint.Status(strings.TrimSpace(st))
			if !s.Valid() {
				return nil, queryErr("status", "invalid", fmt.Sprintf("status %q is not a status", st))
			}
			p.Statuses = append(p.Statuses, s)
		}
	}
	for _, t := range q["tag"] {
		if t == "" {
			return nil, queryErr("tag", "invalid", "tag is empty")
		}
		p.Tags = append(p.Tags, t)
	}
	for _, tc := range []struct {
		name string
		dst  *time.Time
	}{{"created_from", &p.CreatedFrom}, {"created_to", &p.CreatedTo}} {
		if v := q.Get(tc.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return nil, queryErr(tc.name, "invalid", fmt.Sprintf("%s %q is not an RFC 3339 time such as 2026-11-24T09:00:00Z", tc.name, v))
			}
			*tc.dst = t
		}
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

func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	p, err := parseList(r.URL.Query(), a.Tenant)
	if err != nil {
		return err
	}
	if len(a.Queues) > 0 {
		switch {
		case p.Queue == "" && len(a.Queues) == 1:
			p.Queue = a.Queues[0]
		case p.Queue == "":
			return &requestError{kind: "denied", rule: "key-queues", detail: "this key works in the queues " + strings.Join(a.Queues, ", ") + "; name one with queue="}
		case !a.InQueue(p.Queue):
			return &requestError{kind: "denied", rule: "key-queues", detail: fmt.Sprintf("this key may not list queue %q", p.Queue)}
		}
	}
	page, err := s.desk.List(r.Context(), p)
	if err != nil {
		return err
	}
	out := ComplaintList{Items: page.Complaints, NextCursor: page.Next}
	if out.Items == nil {
		out.Items = []*complaint.Complaint{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) transition(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in TransitionBody
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if !in.Trigger.Valid() {
		names := make([]string, len(complaint.Triggers))
		for i, t := range complaint.Triggers {
			names[i] = string(t)
		}
		code, msg := "invalid", fmt.Sprintf("%q is not a trigger; one of %s", in.Trigger, strings.Join(names, ", "))
		if in.Trigger == "" {
			code, msg = "required", "is required; one of "+strings.Join(names, ", ")
		}
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "trigger", Code: code, Message: msg}}}
	}
	c, err := s.desk.Transition(r.Context(), redress.TransitionRequest{
		Tenant: a.Tenant, ID: r.PathValue("id"), Actor: deskActor(a), Trigger: in.Trigger, Note: in.Note,
		Public: in.Public, ExpectedVersion: version, DuplicateOf: in.DuplicateOf, Params: in.Params,
	})
	if err != nil {
		return precondition(err, version)
	}
	writeComplaint(w, http.StatusOK, c)
	return nil
}

func (s *Server) comment(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	var in CommentBody
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.desk.Comment(r.Context(), redress.CommentRequest{Tenant: a.Tenant, ID: r.PathValue("id"), Actor: deskActor(a), Note: in.Note, Public: in.Public})
	if err != nil {
		return err
	}
	writeComplaint(w, http.StatusOK, c)
	return nil
}

func (s *Server) assign(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in AssignBody
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.Queue != "" && !a.InQueue(in.Queue) {
		return &requestError{kind: "denied", rule: "key-queues", detail: fmt.Sprintf("this key may not assign to queue %q", in.Queue)}
	}
	c, err := s.desk.Assign(r.Context(), redress.AssignRequest{Tenant: a.Tenant, ID: r.PathValue("id"), Actor: deskActor(a),
		Queue: in.Queue, Assignee: in.Assignee, Note: in.Note, ExpectedVersion: version})
	if err != nil {
		return precondition(err, version)
	}
	writeComplaint(w, http.StatusOK, c)
	return nil
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	evs, err := s.desk.Timeline(r.Context(), a.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []complaint.Event{}
	}
	writeJSON(w, http.StatusOK, EventList{Items: evs})
	return nil
}

// track answers the public, keyless lookup by tracking code. Unknown, malformed and other tenants'
// codes get the same 404, and every lookup costs the client a token, so codes cannot be enumerated.
func (s *Server) track(w http.ResponseWriter, r *http.Request) error {
	if ok, wait := s.limiter.Allow(clientKey(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		return reqErr("rate-limited", "too many lookups from your address; retry later")
	}
	v, err := s.desk.TrackLookup(r.Context(), r.PathValue("tenant"), r.PathValue("code"))
	if err != nil {
		if errors.Is(err, redress.ErrNotFound) {
			return reqErr("not-found", "no complaint has this tracking code")
		}
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
	return nil
}
