package storage

import (
	"fmt"
	"time"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
)

// This file holds the argument checks every adapter makes before it touches its database, so that all
// adapters reject the same caller bugs with the same error. Each Validate method returns nil or an error
// matching [ErrInvalid] that names the offending field. An adapter calls it first:
//
//	func (tx *Tx) ComplaintInsert(ctx context.Context, p *storage.ComplaintInsertParams) error {
//		if err := p.Validate(); err != nil {
//			return err
//		}
//		...

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// ValidateTenant returns an error matching [ErrInvalid] when tenant is empty: every read and write is
// scoped to one tenant, and an empty one is a caller bug, never "all tenants" (only
// [TimerClaimDueParams] and [OutboxClaimParams] span tenants).
func ValidateTenant(tenant string) error {
	if tenant == "" {
		return invalid("tenant is empty")
	}
	return nil
}

func nilParams(p any) error { return invalid("%T is nil", p) }

// Validate checks the tenant. An empty ID is not invalid: it finds nothing.
func (p *ComplaintGetParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant. An empty code is not invalid: it finds nothing.
func (p *ComplaintGetByTrackingCodeParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant, the channel and the reference: an empty external reference means "none"
// and never identifies a complaint, so looking one up is [ErrInvalid].
func (p *ComplaintGetByExternalRefParams) Validate() error {
	switch {
	case p == nil:
		return nilParams(p)
	case p.Channel == "":
		return invalid("channel is empty")
	case p.ExternalRef == "":
		return invalid("external reference is empty")
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the new complaint: tenant set and equal to Complaint.Tenant, ID, tracking code and
// channel set, a known status, Version 1 and a creation time. Each failure matches [ErrInvalid].
func (p *ComplaintInsertParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	c := p.Complaint
	switch {
	case c == nil:
		return invalid("complaint is nil")
	case c.Tenant != p.Tenant:
		return invalid("complaint tenant %q differs from params tenant %q", c.Tenant, p.Tenant)
	case c.ID == "":
		return invalid("complaint ID is empty")
	case c.TrackingCode == "":
		return invalid("complaint %s: tracking code is empty", c.ID)
	case c.Channel == "":
		return invalid("complaint %s: channel is empty", c.ID)
	case !c.Status.Valid():
		return invalid("complaint %s: unknown status %q", c.ID, c.Status)
	case c.Version != 1:
		return invalid("complaint %s: a new complaint has version 1, not %d", c.ID, c.Version)
	case c.CreatedAt.IsZero():
		return invalid("complaint %s: creation time is zero", c.ID)
	}
	return nil
}

// Validate checks the update: tenant set and equal to Complaint.Tenant, ID set, a known status and a
// positive ExpectedVersion (each failure matches [ErrInvalid]); and Complaint.Version equal to
// ExpectedVersion+1, which is [ErrConflict] as ComplaintUpdate documents.
func (p *ComplaintUpdateParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	c := p.Complaint
	switch {
	case c == nil:
		return invalid("complaint is nil")
	case c.Tenant != p.Tenant:
		return invalid("complaint tenant %q differs from params tenant %q", c.Tenant, p.Tenant)
	case c.ID == "":
		return invalid("complaint ID is empty")
	case !c.Status.Valid():
		return invalid("complaint %s: unknown status %q", c.ID, c.Status)
	case p.ExpectedVersion < 1:
		return invalid("complaint %s: expected version %d, versions start at 1", c.ID, p.ExpectedVersion)
	case c.Version != p.ExpectedVersion+1:
		return fmt.Errorf("%w: complaint %s: new version %d does not follow expected version %d",
			ErrConflict, c.ID, c.Version, p.ExpectedVersion)
	}
	return nil
}

// Validate checks the tenant and the limit, which must not be negative. Filters need no check, and the
// cursor is checked by [DecodeCursor].
func (p *ComplaintListParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if p.Limit < 0 {
		return invalid("negative limit %d", p.Limit)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant and the dimension.
func (p *ComplaintCountParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if p.GroupBy != "" && !p.GroupBy.Valid() {
		return invalid("unknown dimension %q", p.GroupBy)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant.
func (p *ComplaintStatsParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks each event: tenant equal to Tenant, ID, complaint ID and type set, Seq at least 1 and
// a non-zero time. Each failure matches [ErrInvalid].
func (p *EventAppendParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	for i, e := range p.Events {
		switch {
		case e.Tenant != p.Tenant:
			return invalid("event %d: tenant %q differs from params tenant %q", i, e.Tenant, p.Tenant)
		case e.ID == "":
			return invalid("event %d: ID is empty", i)
		case e.ComplaintID == "":
			return invalid("event %d: complaint ID is empty", i)
		case e.Seq < 1:
			return invalid("event %d: sequence number %d, sequences start at 1", i, e.Seq)
		case e.Type == "":
			return invalid("event %d: type is empty", i)
		case e.At.IsZero():
			return invalid("event %d: time is zero", i)
		}
	}
	return nil
}

// Validate checks the tenant and the limit, which must not be negative.
func (p *EventListParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if p.Limit < 0 {
		return invalid("negative limit %d", p.Limit)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the timer: tenant equal to Tenant, complaint ID and kind set, a non-zero due time.
func (p *TimerSetParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	switch {
	case p.Timer.Tenant != p.Tenant:
		return invalid("timer tenant %q differs from params tenant %q", p.Timer.Tenant, p.Tenant)
	case p.Timer.ComplaintID == "":
		return invalid("timer complaint ID is empty")
	case p.Timer.Kind == "":
		return invalid("timer kind is empty")
	case p.Timer.DueAt.IsZero():
		return invalid("timer due time is zero")
	}
	return nil
}

// Validate checks the tenant and the complaint ID.
func (p *TimerDeleteParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if p.ComplaintID == "" {
		return invalid("complaint ID is empty")
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant.
func (p *TimerListParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks Now (non-zero) and Limit (at least 1). Tenant may be empty: all tenants.
func (p *TimerClaimDueParams) Validate() error {
	switch {
	case p == nil:
		return nilParams(p)
	case p.Now.IsZero():
		return invalid("now is zero")
	case p.Limit < 1:
		return invalid("limit %d, at least 1 needed", p.Limit)
	}
	return nil
}

// Validate checks each message: tenant equal to Tenant, ID and topic set, a non-zero creation time, and
// the state of a new message (Attempts 0, no LastError, not Dead). A zero NextAttemptAt is valid and
// means CreatedAt: deliver at once (see [EffectiveNextAttempt]).
func (p *OutboxEnqueueParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	for i, m := range p.Messages {
		switch {
		case m.Tenant != p.Tenant:
			return invalid("message %d: tenant %q differs from params tenant %q", i, m.Tenant, p.Tenant)
		case m.ID == "":
			return invalid("message %d: ID is empty", i)
		case m.Topic == "":
			return invalid("message %d: topic is empty", i)
		case m.CreatedAt.IsZero():
			return invalid("message %d: creation time is zero", i)
		case m.Attempts != 0 || m.LastError != "" || m.Dead:
			return invalid("message %d: a new message has no attempts, no last error and is not dead", i)
		}
	}
	return nil
}

// Validate checks Now (non-zero), Lease (positive) and Limit (at least 1).
func (p *OutboxClaimParams) Validate() error {
	switch {
	case p == nil:
		return nilParams(p)
	case p.Now.IsZero():
		return invalid("now is zero")
	case p.Lease <= 0:
		return invalid("lease %v, a positive lease is needed", p.Lease)
	case p.Limit < 1:
		return invalid("limit %d, at least 1 needed", p.Limit)
	}
	return nil
}

// Validate checks the tenant.
func (p *OutboxAckParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant and, unless the message is declared dead, a non-zero NextAttemptAt.
func (p *OutboxNackParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if !p.Dead && p.NextAttemptAt.IsZero() {
		return invalid("message %s: next attempt time is zero and the message is not dead", p.ID)
	}
	return ValidateTenant(p.Tenant)
}

// EffectiveNextAttempt returns when an enqueued message first becomes claimable: its NextAttemptAt, or
// its CreatedAt when NextAttemptAt is zero, normalised with [Time].
func EffectiveNextAttempt(m *OutboxMessage) time.Time {
	if m.NextAttemptAt.IsZero() {
		return Time(m.CreatedAt)
	}
	return Time(m.NextAttemptAt)
}

// validHash reports whether h has the shape of a survey token hash: the SHA-256 of the token, 64
// lower-case hex digits (what feedback.HashToken returns).
func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// validWindow checks a half-open window [from, to): when both bounds are set, from must come before
// to. A zero bound is open.
func validWindow(name string, from, to time.Time) error {
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return invalid("%s window [%s, %s) is empty or reversed", name, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	}
	return nil
}

// validProblemStatus reports whether s is a status a stored problem may have.
func validProblemStatus(s rca.Status) bool { return s == rca.StatusOpen || s == rca.StatusClosed }

// Validate checks the tenant. An empty ID is not invalid: it finds nothing.
func (p *ProblemGetParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant, the limit (not negative) and the status filter (empty, open or closed:
// any other value could never match and is a caller bug). The cursor is checked by [DecodeCursor].
func (p *ProblemListParams) Validate() error {
	switch {
	case p == nil:
		return nilParams(p)
	case p.Limit < 0:
		return invalid("negative limit %d", p.Limit)
	case p.Status != "" && !validProblemStatus(p.Status):
		return invalid("unknown problem status %q", p.Status)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks Now (non-zero) and Limit (not negative; 0 means [DefaultListLimit] and more than
// [MaxListLimit] is cut to it, as [EffectiveLimit] says). Tenant may be empty: all tenants, the
// scanner's view.
func (p *ProblemListDueParams) Validate() error {
	switch {
	case p == nil:
		return nilParams(p)
	case p.Now.IsZero():
		return invalid("now is zero")
	case p.Limit < 0:
		return invalid("negative limit %d", p.Limit)
	}
	return nil
}

// validProblem checks what every stored problem needs: tenant equal to the Params tenant, an ID, a
// known status and a creation time.
func validProblem(tenant string, pr *rca.Problem) error {
	switch {
	case pr == nil:
		return invalid("problem is nil")
	case pr.Tenant != tenant:
		return invalid("problem tenant %q differs from params tenant %q", pr.Tenant, tenant)
	case pr.ID == "":
		return invalid("problem ID is empty")
	case !validProblemStatus(pr.Status):
		return invalid("problem %s: unknown status %q", pr.ID, pr.Status)
	case pr.CreatedAt.IsZero():
		return invalid("problem %s: creation time is zero", pr.ID)
	}
	return nil
}

// Validate checks the new problem: tenant set and equal to Problem.Tenant, ID set, a known status
// (open or closed), a creation time and Version 1. Each failure matches [ErrInvalid]. The content of
// the analysis is the domain's business (rca.Problem.Validate), not the store's.
func (p *ProblemInsertParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	if err := validProblem(p.Tenant, p.Problem); err != nil {
		return err
	}
	if p.Problem.Version != 1 {
		return invalid("problem %s: a new problem has version 1, not %d", p.Problem.ID, p.Problem.Version)
	}
	return nil
}

// Validate checks the update: tenant set and equal to Problem.Tenant, ID set, a known status, a
// creation time and a positive ExpectedVersion (each failure matches [ErrInvalid]); and
// Problem.Version equal to ExpectedVersion+1, which is [ErrConflict] as ProblemUpdate documents.
func (p *ProblemUpdateParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	if err := validProblem(p.Tenant, p.Problem); err != nil {
		return err
	}
	switch pr := p.Problem; {
	case p.ExpectedVersion < 1:
		return invalid("problem %s: expected version %d, versions start at 1", pr.ID, p.ExpectedVersion)
	case pr.Version != p.ExpectedVersion+1:
		return fmt.Errorf("%w: problem %s: new version %d does not follow expected version %d",
			ErrConflict, pr.ID, pr.Version, p.ExpectedVersion)
	}
	return nil
}

// Validate checks the tenant. An empty ID is not invalid: it finds nothing.
func (p *SurveyGetParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant and the shape of TokenHash: 64 lower-case hex digits, as
// feedback.HashToken returns. Anything else cannot find a survey and means the caller skipped
// HashToken (perhaps passing the token itself), so it is [ErrInvalid] rather than [ErrNotFound].
func (p *SurveyGetByTokenHashParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if !validHash(p.TokenHash) {
		return invalid("token hash is not 64 lower-case hex digits (use feedback.HashToken)")
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant. An empty complaint ID is not invalid: it finds nothing.
func (p *SurveyListParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	return ValidateTenant(p.Tenant)
}

// validSurvey checks what every stored survey needs: tenant equal to the Params tenant, ID and
// complaint ID set, a well-formed token hash, known kinds and a schedule time.
func validSurvey(tenant string, s *feedback.Survey) error {
	switch {
	case s == nil:
		return invalid("survey is nil")
	case s.Tenant != tenant:
		return invalid("survey tenant %q differs from params tenant %q", s.Tenant, tenant)
	case s.ID == "":
		return invalid("survey ID is empty")
	case s.ComplaintID == "":
		return invalid("survey %s: complaint ID is empty", s.ID)
	case !validHash(s.TokenHash):
		return invalid("survey %s: token hash is not 64 lower-case hex digits (use feedback.HashToken)", s.ID)
	case s.ScheduledAt.IsZero():
		return invalid("survey %s: schedule time is zero", s.ID)
	}
	for _, k := range s.Kinds {
		if !k.Valid() {
			return invalid("survey %s: unknown kind %q", s.ID, k)
		}
	}
	return nil
}

// Validate checks the new survey: tenant set and equal to Survey.Tenant, ID and complaint ID set, a
// token hash of 64 lower-case hex digits, known kinds, a schedule time and Version 1. Each failure
// matches [ErrInvalid].
func (p *SurveyInsertParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	if err := validSurvey(p.Tenant, p.Survey); err != nil {
		return err
	}
	if p.Survey.Version != 1 {
		return invalid("survey %s: a new survey has version 1, not %d", p.Survey.ID, p.Survey.Version)
	}
	return nil
}

// Validate checks the update as [SurveyInsertParams.Validate] checks a new survey, plus a positive
// ExpectedVersion (each failure matches [ErrInvalid]); and Survey.Version equal to
// ExpectedVersion+1, which is [ErrConflict] as SurveyUpdate documents.
func (p *SurveyUpdateParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := ValidateTenant(p.Tenant); err != nil {
		return err
	}
	if err := validSurvey(p.Tenant, p.Survey); err != nil {
		return err
	}
	switch s := p.Survey; {
	case p.ExpectedVersion < 1:
		return invalid("survey %s: expected version %d, versions start at 1", s.ID, p.ExpectedVersion)
	case s.Version != p.ExpectedVersion+1:
		return fmt.Errorf("%w: survey %s: new version %d does not follow expected version %d",
			ErrConflict, s.ID, s.Version, p.ExpectedVersion)
	}
	return nil
}

// Validate checks the tenant, the dimension (empty or one of [Dimension.Valid]) and the answer
// window: when both bounds are set, AnsweredFrom must come before AnsweredTo.
func (p *FeedbackTallyParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if p.GroupBy != "" && !p.GroupBy.Valid() {
		return invalid("unknown dimension %q", p.GroupBy)
	}
	if err := validWindow("answer", p.AnsweredFrom, p.AnsweredTo); err != nil {
		return err
	}
	return ValidateTenant(p.Tenant)
}

// Validate checks the tenant and the creation window: when both bounds are set, CreatedFrom must come
// before CreatedTo.
func (p *ComplaintTimesParams) Validate() error {
	if p == nil {
		return nilParams(p)
	}
	if err := validWindow("creation", p.CreatedFrom, p.CreatedTo); err != nil {
		return err
	}
	return ValidateTenant(p.Tenant)
}
