package feedback

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Defaults of [Policy]; a zero field takes its default.
const (
	// DefaultWindow: the seeds' rule that the customer is contacted within 48 hours of resolution.
	DefaultWindow = 48 * time.Hour
	// DefaultValidity: how long after the send deadline the survey link still takes an answer.
	DefaultValidity = 7 * 24 * time.Hour
	// DefaultCSATBelow: CSAT 1 and 2 are low.
	DefaultCSATBelow = 3
	// DefaultNPSBelow: NPS 0 to 6 (detractors) are low.
	DefaultNPSBelow = 7
	// DefaultCESAtLeast: CES 5 to 7 (hard) are low.
	DefaultCESAtLeast = 5
)

// LowScoreAction is what happens when a customer answers with a low score.
type LowScoreAction string

// Low-score actions.
const (
	// FollowUp schedules a second follow-up by a person (二次跟进) to find out what is still wrong.
	FollowUp LowScoreAction = "follow_up"
	// Reopen reopens the complaint: the customer says it is not solved.
	Reopen LowScoreAction = "reopen"
)

// ErrInvalidPolicy is wrapped by every error of [Policy.Validate].
var ErrInvalidPolicy = errors.New("feedback: invalid policy")

// Policy says when a resolved complaint's survey goes out, what it asks, and what counts as a low
// score. The zero value is the default policy: send at resolution, within 48 hours, ask CSAT, NPS and
// CES, treat CSAT below 3, NPS below 7 (detractors) and CES of 5 or more as low, and follow up.
type Policy struct {
	// Delay is the wait after resolution before the survey is sent (letting a fix prove itself).
	// Zero sends at once. It must not exceed Window.
	Delay time.Duration
	// Window is the send deadline after resolution (DueBy); zero means DefaultWindow.
	Window time.Duration
	// Validity is how long after the send deadline the link still takes an answer (ExpiresAt = DueBy +
	// Validity); zero means DefaultValidity.
	Validity time.Duration
	// Kinds are the measures asked; nil or empty means all of Kinds.
	Kinds []Kind
	// CSATBelow: a CSAT score below it is low; zero means DefaultCSATBelow, 1 never flags.
	CSATBelow int
	// NPSBelow: an NPS score below it is low; zero means DefaultNPSBelow, 1 flags only 0.
	NPSBelow int
	// CESAtLeast: a CES score at or above it is low; zero means DefaultCESAtLeast, 8 never flags.
	CESAtLeast int
	// OnLow is what a low score triggers; empty means FollowUp.
	OnLow LowScoreAction
}

// DefaultPolicy returns the zero policy with every default spelled out.
func DefaultPolicy() Policy { return Policy{}.withDefaults() }

func (p Policy) withDefaults() Policy {
	if p.Window == 0 {
		p.Window = DefaultWindow
	}
	if p.Validity == 0 {
		p.Validity = DefaultValidity
	}
	if len(p.Kinds) == 0 {
		p.Kinds = slices.Clone(Kinds)
	}
	if p.CSATBelow == 0 {
		p.CSATBelow = DefaultCSATBelow
	}
	if p.NPSBelow == 0 {
		p.NPSBelow = DefaultNPSBelow
	}
	if p.CESAtLeast == 0 {
		p.CESAtLeast = DefaultCESAtLeast
	}
	if p.OnLow == "" {
		p.OnLow = FollowUp
	}
	return p
}

// Validate reports the first thing wrong with the policy (after defaults apply), wrapped in
// [ErrInvalidPolicy]: negative durations, a delay longer than the window, unknown or repeated kinds,
// thresholds outside their scale, or an unknown low-score action.
func (p Policy) Validate() error {
	q := p.withDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidPolicy, fmt.Sprintf(format, args...))
	}
	switch {
	case q.Delay < 0 || q.Window < 0 || q.Validity < 0:
		return bad("durations must not be negative")
	case q.Delay > q.Window:
		return bad("delay %v is longer than the window %v", q.Delay, q.Window)
	case q.CSATBelow < 1 || q.CSATBelow > 6:
		return bad("csat threshold %d outside 1–6", q.CSATBelow)
	case q.NPSBelow < 1 || q.NPSBelow > 11:
		return bad("nps threshold %d outside 1–11", q.NPSBelow)
	case q.CESAtLeast < 1 || q.CESAtLeast > 8:
		return bad("ces threshold %d outside 1–8", q.CESAtLeast)
	case q.OnLow != FollowUp && q.OnLow != Reopen:
		return bad("unknown low-score action %q", q.OnLow)
	}
	for i, k := range q.Kinds {
		if !k.Valid() {
			return bad("unknown kind %q", k)
		}
		if slices.Contains(q.Kinds[:i], k) {
			return bad("kind %s listed twice", k)
		}
	}
	return nil
}

// Verdict is a policy's judgement of a response.
type Verdict struct {
	// Low is set when any score is low.
	Low bool
	// Kinds lists the measures that scored low, in Kinds order.
	Kinds []Kind
	// Action is the policy's OnLow when Low, and empty otherwise.
	Action LowScoreAction
}

// Judge says whether r holds a low score and what the policy does about it. Measures that were not
// answered are not low. Judge assumes r is valid ([Response.Validate]).
func (p Policy) Judge(r Response) Verdict {
	q := p.withDefaults()
	var v Verdict
	for _, k := range Kinds {
		s, ok := r.Score(k)
		if !ok {
			continue
		}
		low := false
		switch k {
		case CSAT:
			low = s < q.CSATBelow
		case NPS:
			low = s < q.NPSBelow
		case CES:
			low = s >= q.CESAtLeast
		}
		if low {
			v.Kinds = append(v.Kinds, k)
		}
	}
	if len(v.Kinds) > 0 {
		v.Low, v.Action = true, q.OnLow
	}
	return v
}

// Survey is one satisfaction survey about one resolved complaint. The link sent to the customer
// carries a token; only its hash is kept here (see [NewToken]).
type Survey struct {
	ID          string `json:"id"`
	Tenant      string `json:"tenant"`
	ComplaintID string `json:"complaint_id"`
	// TokenHash is the SHA-256 of the link token, hex encoded: the store looks surveys up by it.
	TokenHash string `json:"token_hash"`
	Kinds     []Kind `json:"kinds"`
	// ScheduledAt is when to send (resolution + delay); DueBy is the send deadline (resolution +
	// window); ExpiresAt is the last moment an answer is accepted.
	ScheduledAt time.Time `json:"scheduled_at"`
	DueBy       time.Time `json:"due_by"`
	ExpiresAt   time.Time `json:"expires_at"`
	// SentAt is when the survey first went out; zero until then.
	SentAt time.Time `json:"sent_at,omitzero"`
	// AnsweredAt is when the customer answered; zero until then. Response is the answer.
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	Response   Response  `json:"response,omitzero"`
	// Version counts committed changes (optimistic concurrency); Schedule sets 1 and the store
	// increments it.
	Version int64 `json:"version"`
}

// Errors of the survey life.
var (
	// ErrAlreadyAnswered: the survey was answered; a link works once.
	ErrAlreadyAnswered = errors.New("feedback: survey already answered")
	// ErrExpired: the survey's answer period is over.
	ErrExpired = errors.New("feedback: survey expired")
	// ErrInvalidSurvey is wrapped by [Policy.Schedule] for missing or malformed parameters.
	ErrInvalidSurvey = errors.New("feedback: invalid survey")
)

// ScheduleParams names the complaint a survey is for. The caller assigns the ID and draws the token
// ([NewToken]); the survey keeps only its hash.
type ScheduleParams struct {
	ID          string
	Tenant      string
	ComplaintID string
	TokenHash   string
	ResolvedAt  time.Time
}

// Schedule creates the survey for a complaint resolved at p.ResolvedAt: ScheduledAt = ResolvedAt +
// Delay, DueBy = ResolvedAt + Window, ExpiresAt = DueBy + Validity, asking the policy's kinds. It
// returns an error wrapping [ErrInvalidPolicy] when the policy is invalid and one wrapping
// [ErrInvalidSurvey] when an ID is missing, the time is zero or TokenHash is not a hex SHA-256.
func (pol Policy) Schedule(p ScheduleParams) (*Survey, error) {
	if err := pol.Validate(); err != nil {
		return nil, err
	}
	switch {
	case p.ID == "" || p.Tenant == "" || p.ComplaintID == "":
		return nil, fmt.Errorf("%w: id, tenant and complaint id are required", ErrInvalidSurvey)
	case p.ResolvedAt.IsZero():
		return nil, fmt.Errorf("%w: resolution time is required", ErrInvalidSurvey)
	case !validHash(p.TokenHash):
		return nil, fmt.Errorf("%w: token hash must be 64 lower-case hex digits (use HashToken)", ErrInvalidSurvey)
	}
	q := pol.withDefaults()
	at := norm(p.ResolvedAt)
	due := at.Add(q.Window)
	return &Survey{
		ID:          p.ID,
		Tenant:      p.Tenant,
		ComplaintID: p.ComplaintID,
		TokenHash:   p.TokenHash,
		Kinds:       slices.Clone(q.Kinds),
		ScheduledAt: at.Add(q.Delay),
		DueBy:       due,
		ExpiresAt:   due.Add(q.Validity),
		Version:     1,
	}, nil
}

func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Answered reports whether the customer has answered.
func (s *Survey) Answered() bool { return !s.AnsweredAt.IsZero() }

// Expired reports whether now is after the answer period.
func (s *Survey) Expired(now time.Time) bool { return now.After(s.ExpiresAt) }

// SendOverdue reports whether the survey was not sent by its deadline: the follow-up target was missed.
func (s *Survey) SendOverdue(now time.Time) bool { return s.SentAt.IsZero() && now.After(s.DueBy) }

// MarkSent records that the survey went out at now. Reminders may call it again; SentAt keeps the
// first send. It returns [ErrAlreadyAnswered] or [ErrExpired] when sending makes no sense any more;
// then s is unchanged.
func (s *Survey) MarkSent(now time.Time) error {
	switch {
	case s.Answered():
		return ErrAlreadyAnswered
	case s.Expired(now):
		return ErrExpired
	}
	if s.SentAt.IsZero() {
		s.SentAt = norm(now)
	}
	return nil
}

// Answer records the customer's response at now. It refuses a second answer with
// [ErrAlreadyAnswered] and a late one with [ErrExpired], and returns the errors of
// [Response.Validate] (checked against the survey's kinds) for a malformed response; on error s is
// unchanged. Judge the response with the policy afterwards to decide on a follow-up.
func (s *Survey) Answer(now time.Time, r Response) error {
	switch {
	case s.Answered():
		return ErrAlreadyAnswered
	case s.Expired(now):
		return ErrExpired
	}
	if err := r.Validate(s.Kinds); err != nil {
		return err
	}
	s.AnsweredAt = norm(now)
	s.Response = r.clone()
	return nil
}
