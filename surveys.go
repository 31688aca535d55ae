package redress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/storage"
)

// Satisfaction surveys. A survey is scheduled when a complaint resolves (Config.Surveys) or by hand
// (ScheduleSurvey): the record, an event, a send timer and the outbox message with the link token are
// written in the complaint's transaction. The timer marks the survey sent at its ScheduledAt; the
// answer comes back through AnswerSurvey, which records it once and, on a low score, follows up or
// reopens the complaint in the same transaction.

// surveyPolicy is the policy surveys are scheduled and judged by.
func (d *Desk) surveyPolicy() feedback.Policy {
	if d.cfg.Surveys != nil {
		return *d.cfg.Surveys
	}
	return feedback.DefaultPolicy()
}

// Surveys returns a complaint's surveys, oldest first. The link tokens are not among them: only their
// hashes are stored. It returns ErrNotFound for an unknown complaint (or one of another tenant).
func (d *Desk) Surveys(ctx context.Context, tenant, complaintID string) ([]*feedback.Survey, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	var out []*feedback.Survey
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		if _, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: tenant, ID: complaintID}); err != nil {
			return err
		}
		var err error
		out, err = tx.SurveyList(ctx, &storage.SurveyListParams{Tenant: tenant, ComplaintID: complaintID})
		return err
	})
	return out, err
}

// ScheduleSurvey schedules a survey for a resolved (or closed) complaint by hand (Config.Surveys does
// it at every resolution) and returns its link token. The survey is timed from now by the policy
// (Config.Surveys, or feedback.DefaultPolicy()), so a complaint resolved long ago gets a survey that can
// still be answered. The complaint gets an EventSurveyScheduled by SystemActor, a send timer, and,
// with Config.Outbox, the TopicSurveyDue message; without the outbox the caller delivers the token.
//
// Errors: ErrInvalid, ErrNotFound, a *complaint.TransitionError when the complaint is not resolved or
// closed.
func (d *Desk) ScheduleSurvey(ctx context.Context, tenant, complaintID string) (*SurveyLink, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	var link *SurveyLink
	_, err := d.mutate(ctx, tenant, complaintID, 0, func(ctx context.Context, tx storage.Tx, cur *complaint.Complaint, ch *change) error {
		if (cur.Status != complaint.StatusResolved && cur.Status != complaint.StatusClosed) || cur.ResolvedAt.IsZero() {
			return &complaint.TransitionError{From: cur.Status, Trigger: "schedule_survey", Reason: "only a resolved or closed complaint is surveyed"}
		}
		var err error
		link, err = d.scheduleSurvey(ctx, tx, ch)
		return err
	})
	if err != nil {
		return nil, err
	}
	return link, nil
}

// surveyOnResolve is the prewrite hook of Config.Surveys: a change that resolves a complaint schedules
// its survey.
func (d *Desk) surveyOnResolve(ctx context.Context, tx storage.Tx, ch *change) error {
	if ch.before == nil || ch.before.Status == complaint.StatusResolved || ch.after.Status != complaint.StatusResolved {
		return nil
	}
	_, err := d.scheduleSurvey(ctx, tx, ch)
	return err
}

// scheduleSurvey stores a new survey for ch's complaint, timed from now, adds EventSurveyScheduled to
// ch and, with the outbox, enqueues the TopicSurveyDue message with the token. The send timer follows
// from surveyTimers when ch is written.
func (d *Desk) scheduleSurvey(ctx context.Context, tx storage.Tx, ch *change) (*SurveyLink, error) {
	c := ch.after
	now := d.now()
	d.randMu.Lock()
	token, hash, err := feedback.NewToken(d.cfg.Random)
	d.randMu.Unlock()
	if err != nil {
		return nil, err
	}
	s, err := d.surveyPolicy().Schedule(feedback.ScheduleParams{ID: d.cfg.NewID(), Tenant: c.Tenant, ComplaintID: c.ID, TokenHash: hash, ResolvedAt: now})
	if err != nil {
		return nil, err
	}
	if err := tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: c.Tenant, Survey: s}); err != nil {
		return nil, err
	}
	d.addEvent(ch, complaint.Event{Type: EventSurveyScheduled, Actor: SystemActor.ID, At: now, Attrs: map[string]string{
		"survey": s.ID, "scheduled_at": s.ScheduledAt.Format(time.RFC3339), "kinds": kindList(s.Kinds)}})
	if d.cfg.Outbox {
		err := d.enqueue(ctx, tx, c.Tenant, TopicSurveyDue, c.ID, s.ScheduledAt, SurveyDuePayload{
			SurveyID: s.ID, Token: token, Kinds: s.Kinds, ScheduledAt: s.ScheduledAt, DueBy: s.DueBy, ExpiresAt: s.ExpiresAt,
			Complaint: Summarize(c)})
		if err != nil {
			return nil, err
		}
	}
	return &SurveyLink{Survey: s, Token: token}, nil
}

func kindList(ks []feedback.Kind) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}

// surveyTimers wants a send timer for each survey of the complaint that is neither sent, answered nor
// expired. Only a complaint resolved at least once can have surveys, so the others cost no read.
func (d *Desk) surveyTimers(ctx context.Context, tx storage.ReadTx, ch *change) ([]storage.Timer, error) {
	c := ch.after
	if ch.before == nil || (c.ResolvedAt.IsZero() && c.Reopened == 0) {
		return nil, nil
	}
	ss, err := tx.SurveyList(ctx, &storage.SurveyListParams{Tenant: c.Tenant, ComplaintID: c.ID})
	if err != nil {
		return nil, err
	}
	now := d.now()
	var out []storage.Timer
	for _, s := range ss {
		if s.SentAt.IsZero() && !s.Answered() && !s.Expired(now) {
			out = append(out, storage.Timer{Tenant: c.Tenant, ComplaintID: c.ID, Kind: TimerSurveyPrefix + s.ID, DueAt: s.ScheduledAt})
		}
	}
	return out, nil
}

// fireSurvey marks a survey sent when its send timer fires and records EventSurveySent. A survey
// already sent, answered or expired makes the timer stale.
func (d *Desk) fireSurvey(ctx context.Context, rtx storage.ReadTx, tm storage.Timer, ch *change) (bool, error) {
	tx, ok := rtx.(storage.Tx) // the scanner fires timers inside its read-write transaction
	if !ok {
		return false, errors.New("redress: survey timer fired outside a read-write transaction")
	}
	id := strings.TrimPrefix(tm.Kind, TimerSurveyPrefix)
	cur, err := tx.SurveyGet(ctx, &storage.SurveyGetParams{Tenant: tm.Tenant, ID: id})
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if cur.ComplaintID != ch.after.ID || !cur.SentAt.IsZero() {
		return false, nil
	}
	s := copySurvey(cur)
	now := d.now()
	if err := s.MarkSent(now); err != nil {
		return false, nil // answered or expired meanwhile
	}
	s.Version = cur.Version + 1
	if err := tx.SurveyUpdate(ctx, &storage.SurveyUpdateParams{Tenant: tm.Tenant, Survey: s, ExpectedVersion: cur.Version}); err != nil {
		return false, err
	}
	d.addEvent(ch, complaint.Event{Type: EventSurveySent, Actor: SystemActor.ID, At: now, Attrs: map[string]string{"survey": s.ID}})
	return true, nil
}

func copySurvey(s *feedback.Survey) *feedback.Survey {
	c := *s
	c.Kinds = slices.Clone(s.Kinds)
	c.Response.Scores = slices.Clone(s.Response.Scores)
	return &c
}

// AnswerSurvey records an answer once per link. Errors: ErrNotFound for an unknown token (or one of
// another tenant), feedback.ErrAlreadyAnswered, feedback.ErrExpired, a *feedback.ScoreError.
//
// In one transaction it stores the answer under the survey's version (of answers racing on one link,
// one succeeds and the others get feedback.ErrAlreadyAnswered), appends a public EventSurveyAnswered to
// the complaint with the scores in its attributes, and judges the answer by the survey policy. A low
// score either reopens the complaint (policy OnLow feedback.Reopen: TriggerReopen by SystemActor, when
// the complaint is resolved or closed) or asks for a second follow-up: an internal EventFollowUp and the
// tag "follow_up" (policy feedback.FollowUp, and the fallback when the lifecycle cannot reopen). The
// result's Verdict.Action says which happened. A malformed token is ErrNotFound too; other malformed
// responses give the errors of feedback.Response.Validate (ErrNoScore, ErrNotRequested, ...). On error
// nothing is stored.
func (d *Desk) AnswerSurvey(ctx context.Context, r AnswerRequest) (*AnswerResult, error) {
	if err := checkTenant(r.Tenant); err != nil {
		return nil, err
	}
	hash, err := feedback.HashToken(r.Token)
	if err != nil {
		return nil, ErrNotFound // a malformed token and an unknown one look the same to a prober
	}
	pol := d.surveyPolicy()
	var res *AnswerResult
	err = d.update(ctx, 0, func(tx storage.Tx) error {
		cur, err := tx.SurveyGetByTokenHash(ctx, &storage.SurveyGetByTokenHashParams{Tenant: r.Tenant, TokenHash: hash})
		if err != nil {
			return err
		}
		s := copySurvey(cur)
		now := d.now()
		if err := s.Answer(now, r.Response); err != nil {
			return err
		}
		s.Version = cur.Version + 1
		if err := tx.SurveyUpdate(ctx, &storage.SurveyUpdateParams{Tenant: r.Tenant, Survey: s, ExpectedVersion: cur.Version}); err != nil {
			return err
		}
		verdict := pol.Judge(s.Response)
		c, err := d.changeIn(ctx, tx, r.Tenant, s.ComplaintID, func(ch *change) error {
			return d.answerEvents(ctx, ch, s, &verdict, now)
		})
		if err != nil {
			return err
		}
		res = &AnswerResult{Survey: s, Verdict: verdict, Complaint: c}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "survey answered", slog.String("tenant", r.Tenant), slog.String("survey", res.Survey.ID),
		slog.String("complaint", res.Survey.ComplaintID), slog.Bool("low", res.Verdict.Low), slog.String("action", string(res.Verdict.Action)))
	return res, nil
}

// answerEvents records an answer on its complaint and acts on a low verdict, setting v.Action to what
// was done.
func (d *Desk) answerEvents(ctx context.Context, ch *change, s *feedback.Survey, v *feedback.Verdict, now time.Time) error {
	attrs := map[string]string{"survey": s.ID}
	for _, sc := range s.Response.Scores {
		attrs[string(sc.Kind)] = strconv.Itoa(sc.Value)
	}
	if v.Low {
		attrs["low"] = kindList(v.Kinds)
	}
	d.addEvent(ch, complaint.Event{Type: EventSurveyAnswered, Actor: CustomerActor.ID, At: now, Public: true,
		Note: "satisfaction survey answered", Attrs: attrs})
	if !v.Low {
		return nil
	}
	reason := fmt.Sprintf("low survey score (%s)", kindList(v.Kinds))
	if v.Action == feedback.Reopen {
		next, ev, err := d.lifecycle.Apply(ctx, ch.after, complaint.Request{
			Trigger: complaint.TriggerReopen, Actor: SystemActor.ID, At: now, Note: "reopened: " + reason,
			Attrs: map[string]string{"survey": s.ID}})
		switch {
		case err == nil:
			ch.after = next
			d.addEvent(ch, ev)
			return nil
		case !errors.Is(err, complaint.ErrIllegalTransition):
			return err
		}
		v.Action = feedback.FollowUp // the lifecycle cannot reopen from here: a person follows up instead
	}
	ch.after.AddTags("follow_up")
	d.addEvent(ch, complaint.Event{Type: EventFollowUp, Actor: SystemActor.ID, At: now, Note: "follow up with the customer: " + reason,
		Attrs: map[string]string{"survey": s.ID, "low": kindList(v.Kinds)}})
	return nil
}
