package rca

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ActionKind says what an action is for. The seeds distinguish treating the symptom now (temporary,
// 治标) from removing the cause for good (permanent, 治本), and 8D adds preventing recurrence elsewhere.
type ActionKind string

// Action kinds.
const (
	// Containment is a temporary action that limits the damage at once: replace the product, refund,
	// quarantine the batch (8D step D3).
	Containment ActionKind = "containment"
	// Corrective is a permanent action that removes the root cause (D5, D6). A problem closes only when
	// every corrective action is verified effective.
	Corrective ActionKind = "corrective"
	// Preventive stops the same cause from appearing in other products, lines or sites (D7).
	Preventive ActionKind = "preventive"
)

// Valid reports whether k is a known kind.
func (k ActionKind) Valid() bool {
	switch k {
	case Containment, Corrective, Preventive:
		return true
	}
	return false
}

// ActionStatus is where an action stands:
//
//	planned → in_progress → done → verified
//	   └──────────────────→ done → ineffective → (rework) in_progress → ...
type ActionStatus string

// Action statuses.
const (
	ActionPlanned     ActionStatus = "planned"
	ActionInProgress  ActionStatus = "in_progress"
	ActionDone        ActionStatus = "done"        // carried out, effect not yet checked
	ActionVerified    ActionStatus = "verified"    // checked and effective
	ActionIneffective ActionStatus = "ineffective" // checked and not effective: rework it
)

// Valid reports whether s is a known status.
func (s ActionStatus) Valid() bool {
	switch s {
	case ActionPlanned, ActionInProgress, ActionDone, ActionVerified, ActionIneffective:
		return true
	}
	return false
}

// Open reports whether work on the action is still expected by its due date (planned or in progress).
func (s ActionStatus) Open() bool { return s == ActionPlanned || s == ActionInProgress }

// Check is an action's effectiveness check: the metric and target agreed when the action is planned,
// and the observed result, verdict, verifier and time recorded when it is verified.
type Check struct {
	Metric     string    `json:"metric,omitempty"` // e.g. "weekly complaints about the hinge"
	Target     string    `json:"target,omitempty"` // e.g. "fewer than 2 per week for 4 weeks"
	Result     string    `json:"result,omitempty"` // what was observed
	Effective  bool      `json:"effective,omitempty"`
	VerifiedBy string    `json:"verified_by,omitempty"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
}

// Action is one containment, corrective or preventive action (CAPA) with an owner and a due date.
type Action struct {
	// ID is unique within the problem; [Problem.AddAction] assigns A1, A2, ... when it is empty.
	ID          string       `json:"id"`
	Kind        ActionKind   `json:"kind"`
	Description string       `json:"description"`
	Owner       string       `json:"owner"`
	Due         time.Time    `json:"due"`
	Status      ActionStatus `json:"status"`
	Check       Check        `json:"check,omitzero"`
	CreatedAt   time.Time    `json:"created_at"`
	StartedAt   time.Time    `json:"started_at,omitzero"`
	DoneAt      time.Time    `json:"done_at,omitzero"`
}

// Overdue reports whether the action is still open (planned or in progress) and its due date has come:
// due at or before now.
func (a Action) Overdue(now time.Time) bool { return a.Status.Open() && !now.Before(a.Due) }

func (a *Action) validate(v *validator, f string) {
	v.text(f+".id", a.ID, maxIDLen, true)
	if !a.Kind.Valid() {
		v.add(f+".kind", "invalid", "must be containment, corrective or preventive")
	}
	v.text(f+".description", a.Description, MaxTextLen, true)
	v.text(f+".owner", a.Owner, MaxShortLen, true)
	if a.Due.IsZero() {
		v.add(f+".due", "required", "is required")
	}
	v.text(f+".check.metric", a.Check.Metric, MaxShortLen, false)
	v.text(f+".check.target", a.Check.Target, MaxShortLen, false)
	v.text(f+".check.result", a.Check.Result, MaxTextLen, false)
	v.text(f+".check.verified_by", a.Check.VerifiedBy, MaxShortLen, false)
}

// AddAction plans a new action and returns it as stored: status planned, created now, ID assigned
// (A1, A2, ... when a.ID is empty). Kind, description, owner and due date are required; a planned
// effectiveness check (a.Check.Metric, a.Check.Target) may be given now or at verification. Status,
// timestamps and check results in a are ignored.
//
// It returns a [*ValidationError] (matching [ErrInvalid]) naming each missing or malformed field, for
// example actions[2].owner or actions[2].due, and [ErrClosed] on a closed problem; either way p is
// unchanged.
func (p *Problem) AddAction(now time.Time, a Action) (Action, error) {
	if p.Status == StatusClosed {
		return Action{}, ErrClosed
	}
	at := norm(now)
	if a.ID == "" {
		a.ID = p.nextActionID()
	}
	a.Status = ActionPlanned
	a.Check = Check{Metric: a.Check.Metric, Target: a.Check.Target}
	a.CreatedAt, a.StartedAt, a.DoneAt = at, time.Time{}, time.Time{}
	if !a.Due.IsZero() {
		a.Due = norm(a.Due)
	}
	var v validator
	f := fmt.Sprintf("actions[%d]", len(p.Actions))
	a.validate(&v, f)
	if p.action(a.ID) >= 0 {
		v.add(f+".id", "duplicate", "repeats action ID %q", a.ID)
	}
	if len(p.Actions) >= MaxActions {
		v.add("actions", "too_many", "already has %d actions, at most %d allowed", len(p.Actions), MaxActions)
	}
	if err := v.err(); err != nil {
		return Action{}, err
	}
	p.Actions = append(p.Actions, a)
	p.touch(now)
	return a, nil
}

func (p *Problem) nextActionID() string {
	for n := len(p.Actions) + 1; ; n++ {
		id := defaultActionPre + strconv.Itoa(n)
		if p.action(id) < 0 {
			return id
		}
	}
}

func (p *Problem) action(id string) int {
	return slices.IndexFunc(p.Actions, func(a Action) bool { return a.ID == id })
}

// change finds action id, checks that the problem is open and that the action's status is one of from,
// and applies fn to the action. It returns ErrClosed, a wrapped ErrNoAction or an *ActionStateError.
func (p *Problem) change(now time.Time, id, op string, from []ActionStatus, fn func(*Action) error) (Action, error) {
	if p.Status == StatusClosed {
		return Action{}, ErrClosed
	}
	i := p.action(id)
	if i < 0 {
		return Action{}, fmt.Errorf("%w: %q", ErrNoAction, id)
	}
	a := p.Actions[i]
	if !slices.Contains(from, a.Status) {
		return Action{}, &ActionStateError{Action: id, Status: a.Status, Op: op}
	}
	if err := fn(&a); err != nil {
		return Action{}, err
	}
	p.Actions[i] = a
	p.touch(now)
	return a, nil
}

// StartAction marks a planned action in progress. It returns [ErrNoAction] (wrapped) for an unknown ID,
// an [*ActionStateError] unless the action is planned, and [ErrClosed] on a closed problem.
func (p *Problem) StartAction(now time.Time, id string) (Action, error) {
	return p.change(now, id, "start", []ActionStatus{ActionPlanned}, func(a *Action) error {
		a.Status = ActionInProgress
		a.StartedAt = norm(now)
		return nil
	})
}

// CompleteAction marks a planned or in-progress action done: carried out, its effect not yet verified.
// It returns [ErrNoAction] (wrapped) for an unknown ID, an [*ActionStateError] for an action already
// done, verified or ineffective, and [ErrClosed] on a closed problem.
func (p *Problem) CompleteAction(now time.Time, id string) (Action, error) {
	return p.change(now, id, "complete", []ActionStatus{ActionPlanned, ActionInProgress}, func(a *Action) error {
		if a.StartedAt.IsZero() {
			a.StartedAt = norm(now)
		}
		a.Status = ActionDone
		a.DoneAt = norm(now)
		return nil
	})
}

// Verification is the outcome of an effectiveness check. Metric and Target may be left empty when they
// were planned with the action.
type Verification struct {
	Metric    string
	Target    string
	Result    string // what was observed, e.g. "0 complaints in 4 weeks"
	Effective bool
	By        string // who verified
}

// VerifyAction records the effectiveness check of a done action: verified when v.Effective, otherwise
// ineffective (rework it with [Problem.ReworkAction] or plan another action). The verifier, the result,
// and a metric and target (given now or planned earlier) are required.
//
// It returns [ErrNoAction] (wrapped) for an unknown ID, an [*ActionStateError] unless the action is
// done, a [*ValidationError] for a missing or malformed verification, and [ErrClosed] on a closed
// problem; on error p is unchanged.
func (p *Problem) VerifyAction(now time.Time, id string, v Verification) (Action, error) {
	return p.change(now, id, "verify", []ActionStatus{ActionDone}, func(a *Action) error {
		c := a.Check
		if v.Metric != "" {
			c.Metric = v.Metric
		}
		if v.Target != "" {
			c.Target = v.Target
		}
		c.Result, c.Effective, c.VerifiedBy, c.VerifiedAt = v.Result, v.Effective, v.By, norm(now)
		var val validator
		f := "actions[" + strconv.Itoa(p.action(id)) + "].check"
		val.text(f+".metric", c.Metric, MaxShortLen, true)
		val.text(f+".target", c.Target, MaxShortLen, true)
		val.text(f+".result", c.Result, MaxTextLen, true)
		val.text(f+".verified_by", c.VerifiedBy, MaxShortLen, true)
		if err := val.err(); err != nil {
			return err
		}
		a.Check = c
		a.Status = ActionIneffective
		if c.Effective {
			a.Status = ActionVerified
		}
		return nil
	})
}

// ReworkAction sends an ineffective action back to work with a new due date (required). The failed
// check's result is cleared; its metric and target stay. It returns [ErrNoAction] (wrapped), an
// [*ActionStateError] unless the action is ineffective, a [*ValidationError] for a zero due date, and
// [ErrClosed] on a closed problem.
func (p *Problem) ReworkAction(now time.Time, id string, due time.Time) (Action, error) {
	return p.change(now, id, "rework", []ActionStatus{ActionIneffective}, func(a *Action) error {
		if due.IsZero() {
			var v validator
			v.add("actions["+strconv.Itoa(p.action(id))+"].due", "required", "is required")
			return v.err()
		}
		a.Status = ActionInProgress
		a.Due = norm(due)
		a.StartedAt = norm(now)
		a.DoneAt = time.Time{}
		a.Check = Check{Metric: a.Check.Metric, Target: a.Check.Target}
		return nil
	})
}

// Overdue lists the actions still planned or in progress whose due date has come (due at or before
// now), earliest due first, then by ID. The Desk turns each into an escalation event, as it does for SLA
// breaches.
func (p *Problem) Overdue(now time.Time) []Action { return p.OverdueSince(time.Time{}, now) }

// OverdueSince is [Problem.Overdue] restricted to actions due at or after from: the ones that became
// overdue since from. With [Problem.NextDue] it lets the Desk escalate each due date exactly once: it
// keeps a timer at NextDue(t) and, when that timer (due d) fires at now, reports OverdueSince(d, now) and
// sets the next timer at NextDue(now).
func (p *Problem) OverdueSince(from, now time.Time) []Action {
	var out []Action
	for _, a := range p.Actions {
		if a.Overdue(now) && !a.Due.Before(from) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Action) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// NextDue returns the earliest due date strictly after after among actions still planned or in
// progress, and false when there is none.
func (p *Problem) NextDue(after time.Time) (time.Time, bool) {
	var next time.Time
	for _, a := range p.Actions {
		if a.Status.Open() && a.Due.After(after) && (next.IsZero() || a.Due.Before(next)) {
			next = a.Due
		}
	}
	return next, !next.IsZero()
}

// NextReport is when the next open action falls overdue and has not been reported yet:
// NextDue(OverdueReportedAt). Stores index it so that a scanner finds the problems due for a report
// without reading the others.
func (p *Problem) NextReport() (time.Time, bool) { return p.NextDue(p.OverdueReportedAt) }

// ReportOverdue returns the open actions that fell due after the last report and at or before now,
// earliest first, and moves OverdueReportedAt to now so that each is reported once. It returns nil
// and changes nothing when there is none, or when now is not after the last report.
func (p *Problem) ReportOverdue(now time.Time) []Action {
	now = norm(now)
	if !now.After(p.OverdueReportedAt) {
		return nil
	}
	var out []Action
	for _, a := range p.OverdueSince(p.OverdueReportedAt, now) {
		if a.Due.After(p.OverdueReportedAt) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil
	}
	p.OverdueReportedAt = now
	p.touch(now)
	return out
}
