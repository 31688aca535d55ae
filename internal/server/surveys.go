package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/storage"
)

// SurveyView is a satisfaction survey as agents see it. The hash of the link token stays in the store:
// nobody needs it, and the token itself is shown once, when the survey is scheduled.
type SurveyView struct {
	ID          string          `json:"id"`
	Tenant      string          `json:"tenant"`
	ComplaintID string          `json:"complaint_id"`
	Kinds       []feedback.Kind `json:"kinds"`
	// ScheduledAt is when the link goes out, DueBy the send deadline, ExpiresAt the last moment an
	// answer is taken.
	ScheduledAt time.Time          `json:"scheduled_at"`
	DueBy       time.Time          `json:"due_by"`
	ExpiresAt   time.Time          `json:"expires_at"`
	SentAt      time.Time          `json:"sent_at,omitzero"`
	AnsweredAt  time.Time          `json:"answered_at,omitzero"`
	Response    *feedback.Response `json:"response,omitempty"`
	Version     int64              `json:"version"`
}

func surveyView(s *feedback.Survey) SurveyView {
	v := SurveyView{ID: s.ID, Tenant: s.Tenant, ComplaintID: s.ComplaintID, Kinds: s.Kinds, ScheduledAt: s.ScheduledAt,
		DueBy: s.DueBy, ExpiresAt: s.ExpiresAt, SentAt: s.SentAt, AnsweredAt: s.AnsweredAt, Version: s.Version}
	if v.Kinds == nil {
		v.Kinds = []feedback.Kind{}
	}
	if s.Answered() {
		resp := s.Response
		v.Response = &resp
	}
	return v
}

// SurveyList is the answer of GET /v1/complaints/{id}/surveys.
type SurveyList struct {
	Items []SurveyView `json:"items"`
}

// SurveyScheduled is the answer of POST /v1/complaints/{id}/surveys. Token is the survey link's
// secret and is shown only here: the store keeps its hash. The customer answers by POSTing it to
// AnswerPath.
type SurveyScheduled struct {
	Survey     SurveyView `json:"survey"`
	Token      string     `json:"token"`
	AnswerPath string     `json:"answer_path"`
}

// AnswerBody is the body of the public POST /v1/surveys/{tenant}/answer. The token travels in the
// body, not in the URL, so that it stays out of access logs and browser histories.
type AnswerBody struct {
	Token   string           `json:"token"`
	Scores  []feedback.Score `json:"scores"`
	Comment string           `json:"comment,omitempty"`
}

// SurveyAnswered is the answer to a customer's survey answer: what the customer may know.
type SurveyAnswered struct {
	AnsweredAt time.Time `json:"answered_at"`
	// FollowUp is set when a score was low: someone will contact the customer again.
	FollowUp bool `json:"follow_up"`
}

func (s *Server) surveys(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	list, err := s.desk.Surveys(r.Context(), a.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := SurveyList{Items: make([]SurveyView, len(list))}
	for i, sv := range list {
		out.Items[i] = surveyView(sv)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// scheduleSurvey schedules a survey by hand and shows its link token, once.
func (s *Server) scheduleSurvey(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	// Scheduling takes no input: a body, if any, must be an empty object.
	if err := s.decodeOptional(w, r, &struct{}{}); err != nil {
		return err
	}
	link, err := s.desk.ScheduleSurvey(r.Context(), a.Tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, SurveyScheduled{Survey: surveyView(link.Survey), Token: link.Token,
		AnswerPath: "/v1/surveys/" + url.PathEscape(a.Tenant) + "/answer"})
	return nil
}

// answerSurvey takes a customer's answer through a survey link. It needs no key: the token is the
// credential. Unknown, malformed and other tenants' tokens get the same 404, and every attempt costs
// the client a token of the rate limiter, so link tokens cannot be guessed.
func (s *Server) answerSurvey(w http.ResponseWriter, r *http.Request) error {
	if ok, wait := s.answers.Allow(clientKey(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		return reqErr("rate-limited", "too many attempts from your address; retry later")
	}
	w.Header().Set("Cache-Control", "no-store")
	var in AnswerBody
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	if in.Token == "" {
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "token", Code: "required", Message: "is required: the token of the survey link"}}}
	}
	resp := feedback.Response{Scores: in.Scores, Comment: in.Comment}
	// Checked before the token is looked up, against every measure; the Desk checks the measures the
	// survey asked for.
	if err := resp.Validate(nil); err != nil {
		return err
	}
	res, err := s.desk.AnswerSurvey(r.Context(), redress.AnswerRequest{Tenant: r.PathValue("tenant"), Token: in.Token, Response: resp})
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) || errors.Is(err, feedback.ErrBadToken) {
			return reqErr("not-found", "no survey has this link token")
		}
		return err
	}
	writeJSON(w, http.StatusOK, SurveyAnswered{AnsweredAt: res.Survey.AnsweredAt, FollowUp: res.Verdict.Low})
	return nil
}

// responseProblem turns an invalid survey response into field errors.
func responseProblem(err error) *complaint.ValidationError {
	field, code := "scores", "invalid"
	var se *feedback.ScoreError
	switch {
	case errors.As(err, &se) && se.Kind.Valid():
		lo, hi := se.Kind.Range()
		return &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "scores", Code: "out_of_range",
			Message: fmt.Sprintf("%s score %d is outside %d–%d", se.Kind, se.Value, lo, hi)}}}
	case errors.Is(err, feedback.ErrNoScore):
		code = "required"
	case errors.Is(err, feedback.ErrBadComment):
		field = "comment"
	}
	return &complaint.ValidationError{Fields: []complaint.FieldError{{Field: field, Code: code, Message: err.Error()}}}
}
