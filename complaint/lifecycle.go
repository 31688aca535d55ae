package complaint

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/qmuntal/stateless"
)

// Status is where a complaint stands in its lifecycle.
type Status string

// Statuses of the lifecycle. Closed, withdrawn, rejected and duplicate are final except that a closed
// complaint may be reopened.
const (
	StatusReceived         Status = "received"
	StatusAcknowledged     Status = "acknowledged"
	StatusInvestigating    Status = "investigating"
	StatusAwaitingCustomer Status = "awaiting_customer"
	StatusResolved         Status = "resolved"
	StatusClosed           Status = "closed"
	StatusWithdrawn        Status = "withdrawn"
	StatusRejected         Status = "rejected"
	StatusDuplicate        Status = "duplicate"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{
	StatusReceived, StatusAcknowledged, StatusInvestigating, StatusAwaitingCustomer,
	StatusResolved, StatusClosed, StatusWithdrawn, StatusRejected, StatusDuplicate,
}

// OpenStatuses are the statuses in which work (and SLA clocks) are running.
var OpenStatuses = []Status{StatusReceived, StatusAcknowledged, StatusInvestigating, StatusAwaitingCustomer}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Final reports whether no more work is expected in status s.
func (s Status) Final() bool {
	switch s {
	case StatusClosed, StatusWithdrawn, StatusRejected, StatusDuplicate:
		return true
	}
	return false
}

// Trigger is a request to move a complaint through its lifecycle.
type Trigger string

// Triggers of the lifecycle.
const (
	TriggerAcknowledge     Trigger = "acknowledge"      // received → acknowledged: the customer has been told we are on it
	TriggerInvestigate     Trigger = "investigate"      // acknowledged → investigating
	TriggerRequestInfo     Trigger = "request_info"     // investigating → awaiting_customer (SLA clocks pause)
	TriggerCustomerReplied Trigger = "customer_replied" // awaiting_customer → investigating (clocks resume)
	TriggerResolve         Trigger = "resolve"          // acknowledged or investigating → resolved
	TriggerConfirm         Trigger = "confirm"          // resolved → closed on the customer's confirmation
	TriggerClose           Trigger = "close"            // resolved → closed once the policy's timeout has passed
	TriggerReopen          Trigger = "reopen"           // resolved or closed → investigating
	TriggerEscalate        Trigger = "escalate"         // raises the escalation level; status unchanged
	TriggerWithdraw        Trigger = "withdraw"         // the customer withdrew the complaint
	TriggerReject          Trigger = "reject"           // not a valid complaint
	TriggerMarkDuplicate   Trigger = "mark_duplicate"   // same as another complaint
)

// Triggers lists every trigger.
var Triggers = []Trigger{
	TriggerAcknowledge, TriggerInvestigate, TriggerRequestInfo, TriggerCustomerReplied, TriggerResolve,
	TriggerConfirm, TriggerClose, TriggerReopen, TriggerEscalate, TriggerWithdraw, TriggerReject,
	TriggerMarkDuplicate,
}

// Valid reports whether t is a known trigger.
func (t Trigger) Valid() bool {
	for _, v := range Triggers {
		if v == t {
			return true
		}
	}
	return false
}

// Request asks the lifecycle to apply a trigger.
type Request struct {
	Trigger Trigger
	Actor   string
	// At is when the change happens; the caller's clock decides, never this package.
	At   time.Time
	Note string
	// Public shows the event on the customer's tracking page. Status changes are always public.
	Public bool
	// CloseAfter is the policy's wait after resolution before TriggerClose may close without the
	// customer's confirmation. Zero or negative forbids closing by timeout.
	CloseAfter time.Duration
	// DuplicateOf names the original complaint for TriggerMarkDuplicate.
	DuplicateOf string
	// Attrs are copied into the event.
	Attrs map[string]string
}

// ErrIllegalTransition is matched by every [*TransitionError].
var ErrIllegalTransition = errors.New("illegal transition")

// TransitionError says that a trigger cannot be applied to a complaint in its current status.
type TransitionError struct {
	From    Status
	Trigger Trigger
	// Reason explains why: unknown trigger, not permitted from this status, or the guard that failed.
	Reason string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("complaint: cannot %s a complaint that is %s: %s", e.Trigger, e.From, e.Reason)
}

// Is makes errors.Is(err, ErrIllegalTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrIllegalTransition }

// Lifecycle is the complaint state machine. It is immutable after [NewLifecycle] and safe for concurrent
// use: the status is read from and written to the record passed in each call.
type Lifecycle struct {
	sm *stateless.StateMachine
}

type recordKey struct{}

type firing struct {
	c   *Complaint
	req *Request
}

func firingFrom(ctx context.Context) *firing {
	f, _ := ctx.Value(recordKey{}).(*firing)
	return f
}

// closeTimeoutElapsed is the guard of TriggerClose: the customer did not confirm, but the policy's wait
// after resolution has passed.
func closeTimeoutElapsed(ctx context.Context, _ ...any) bool {
	f := firingFrom(ctx)
	if f == nil || f.req.CloseAfter <= 0 || f.c.ResolvedAt.IsZero() {
		return false
	}
	return !f.req.At.Before(f.c.ResolvedAt.Add(f.req.CloseAfter))
}

// duplicateNamesOriginal is the guard of TriggerMarkDuplicate: a duplicate must say of what.
func duplicateNamesOriginal(ctx context.Context, _ ...any) bool {
	f := firingFrom(ctx)
	return f != nil && f.req.DuplicateOf != "" && f.req.DuplicateOf != f.c.ID
}

// NewLifecycle builds the machine. Build it once and share it.
func NewLifecycle() *Lifecycle {
	sm := stateless.NewStateMachineWithExternalStorage(
		func(ctx context.Context) (stateless.State, error) {
			f := firingFrom(ctx)
			if f == nil {
				return StatusReceived, nil // only reached by ToGraph
			}
			return f.c.Status, nil
		},
		func(ctx context.Context, s stateless.State) error {
			firingFrom(ctx).c.Status = s.(Status)
			return nil
		},
		stateless.FiringImmediate,
	)
	noop := func(context.Context, ...any) error { return nil }
	open := func(s Status) *stateless.StateConfiguration {
		return sm.Configure(s).
			InternalTransition(TriggerEscalate, noop).
			Permit(TriggerWithdraw, StatusWithdrawn).
			Permit(TriggerReject, StatusRejected).
			Permit(TriggerMarkDuplicate, StatusDuplicate, duplicateNamesOriginal)
	}
	open(StatusReceived).
		Permit(TriggerAcknowledge, StatusAcknowledged)
	open(StatusAcknowledged).
		Permit(TriggerInvestigate, StatusInvestigating).
		Permit(TriggerResolve, StatusResolved)
	open(StatusInvestigating).
		Permit(TriggerRequestInfo, StatusAwaitingCustomer).
		Permit(TriggerResolve, StatusResolved)
	open(StatusAwaitingCustomer).
		Permit(TriggerCustomerReplied, StatusInvestigating)
	sm.Configure(StatusResolved).
		Permit(TriggerConfirm, StatusClosed).
		Permit(TriggerClose, StatusClosed, closeTimeoutElapsed).
		Permit(TriggerReopen, StatusInvestigating).
		Permit(TriggerWithdraw, StatusWithdrawn)
	sm.Configure(StatusClosed).
		Permit(TriggerReopen, StatusInvestigating)
	sm.Configure(StatusWithdrawn)
	sm.Configure(StatusRejected)
	sm.Configure(StatusDuplicate)

	sm.OnUnhandledTrigger(func(_ context.Context, s stateless.State, t stateless.Trigger, unmet []string) error {
		reason := "not permitted from this status"
		if len(unmet) > 0 {
			reason = "guard not met: " + fmt.Sprint(unmet)
		}
		return &TransitionError{From: s.(Status), Trigger: t.(Trigger), Reason: reason}
	})
	return &Lifecycle{sm: sm}
}

// Graph returns the machine in Graphviz DOT.
func (l *Lifecycle) Graph() string { return l.sm.ToGraph() }

// Permitted lists the triggers that req's circumstances allow on c, in [Triggers] order. Guards are
// evaluated against req (its At and CloseAfter), so a close by timeout shows up only once it is due.
func (l *Lifecycle) Permitted(ctx context.Context, c *Complaint, req Request) []Trigger {
	var out []Trigger
	for _, t := range Triggers {
		r := req
		r.Trigger = t
		if t == TriggerMarkDuplicate && r.DuplicateOf == "" {
			r.DuplicateOf = "?"
		}
		fctx := context.WithValue(ctx, recordKey{}, &firing{c: c.Clone(), req: &r})
		if ok, err := l.sm.CanFireCtx(fctx, t); err == nil && ok {
			out = append(out, t)
		}
	}
	return out
}

// Apply applies req to a copy of c and returns the changed copy and the event that records the change.
// c itself is never modified. The event's ID, tenant, complaint ID and sequence number are left for the
// caller (the Desk) to assign when it stores them.
//
// Apply returns a [*TransitionError] (matching [ErrIllegalTransition]) when the trigger is unknown, not
// permitted from c's status, or its guard fails, and an error when req lacks an actor or a time.
func (l *Lifecycle) Apply(ctx context.Context, c *Complaint, req Request) (*Complaint, Event, error) {
	if !req.Trigger.Valid() {
		return nil, Event{}, &TransitionError{From: c.Status, Trigger: req.Trigger, Reason: "unknown trigger"}
	}
	if req.Actor == "" {
		return nil, Event{}, errors.New("complaint: a transition needs an actor")
	}
	if req.At.IsZero() {
		return nil, Event{}, errors.New("complaint: a transition needs a time")
	}
	next := c.Clone()
	from := next.Status
	fctx := context.WithValue(ctx, recordKey{}, &firing{c: next, req: &req})
	if err := l.sm.FireCtx(fctx, req.Trigger); err != nil {
		var te *TransitionError
		if errors.As(err, &te) {
			return nil, Event{}, te
		}
		return nil, Event{}, &TransitionError{From: from, Trigger: req.Trigger, Reason: err.Error()}
	}
	at := req.At.UTC().Truncate(time.Microsecond)
	switch req.Trigger {
	case TriggerAcknowledge:
		next.AcknowledgedAt = at
	case TriggerResolve:
		next.ResolvedAt = at
	case TriggerConfirm, TriggerClose:
		next.ClosedAt = at
	case TriggerReopen:
		next.Reopened++
		next.ResolvedAt = time.Time{}
		next.ClosedAt = time.Time{}
	case TriggerEscalate:
		next.EscalationLevel++
		if next.Tier < TierSpecial {
			next.Tier = max(next.Tier, TierFrontline) + 1
		}
	}
	if (req.Trigger == TriggerWithdraw || req.Trigger == TriggerReject || req.Trigger == TriggerMarkDuplicate) && next.ClosedAt.IsZero() {
		next.ClosedAt = at
	}
	next.UpdatedAt = at
	ev := Event{
		Type:    EventTransition,
		Actor:   req.Actor,
		At:      at,
		Trigger: req.Trigger,
		From:    from,
		To:      next.Status,
		Note:    req.Note,
		Public:  req.Public || from != next.Status,
		Attrs:   req.Attrs,
	}
	if req.Trigger == TriggerMarkDuplicate {
		ev.Attrs = withAttr(ev.Attrs, "duplicate_of", req.DuplicateOf)
	}
	return next, ev, nil
}

func withAttr(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}
