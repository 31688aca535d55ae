package redress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/insight"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// The closed loop: problems (root-cause analysis and corrective actions, problems.go), satisfaction
// surveys (surveys.go), KPIs, Pareto and early warnings (insights.go). This file holds the names they
// share and the wiring into the Desk.

// Events the closed loop appends to complaints.
const (
	// EventSurveyScheduled: a survey was scheduled at resolution (internal).
	EventSurveyScheduled complaint.EventType = "survey_scheduled"
	// EventSurveySent: the survey's send time came; the link went to the outbox (internal). It is
	// the follow-up contact: the seed SLA's follow_up clock stops on it.
	EventSurveySent = complaint.EventSurveySent
	// EventSurveyAnswered: the customer answered (public; attrs carry the scores). It is
	// complaint.EventFeedback, whose webhook topic is complaint.feedback.
	EventSurveyAnswered = complaint.EventFeedback
	// EventFollowUp: a low score asks a person to follow up again (二次跟进).
	EventFollowUp complaint.EventType = "follow_up"
	// EventActionOverdue: a corrective action of a problem the complaint is linked to passed its due
	// date (internal; attrs name the problem, action, kind, owner and due date), like an SLA level.
	EventActionOverdue complaint.EventType = "action_overdue"
	// EventProblemLinked: the complaint was linked to a problem record (internal).
	EventProblemLinked complaint.EventType = "problem_linked"
	// EventProblemClosed: the linked problem was closed with verified corrective actions; public
	// when the closer chose to notify customers.
	EventProblemClosed complaint.EventType = "problem_closed"
)

// Outbox topics of the closed loop besides "complaint.<event type>".
const (
	TopicSurveyDue     = "survey.due"             // the link token, deliverable from the survey's ScheduledAt
	TopicProblemOpened = "problem.opened"         // a problem record was opened
	TopicActionOverdue = "problem.action_overdue" // a corrective action passed its due date
	TopicProblemClosed = "problem.closed"         // a problem closed
	TopicWarningRaised = "warning.raised"         // a category's early-warning level rose
)

// Actions the Desk asks the Authorizer about for problem records (the complaint passed is nil).
const (
	ActionProblemOpen   = "problem_open"
	ActionProblemChange = "problem_change"
	ActionProblemClose  = "problem_close"
)

// OpenProblemRequest opens a problem record over complaints of one tenant.
type OpenProblemRequest struct {
	Tenant     string
	Actor      complaint.Actor
	Analysis   rca.Analysis
	Complaints []string
}

// ProblemOp names a change to a problem record.
type ProblemOp string

// Problem operations.
const (
	ProblemRevise         ProblemOp = "revise"          // replace the analysis (Analysis)
	ProblemLink           ProblemOp = "link"            // link more complaints (Complaints)
	ProblemAddAction      ProblemOp = "add_action"      // add an action (Action)
	ProblemStartAction    ProblemOp = "start_action"    // ActionID
	ProblemCompleteAction ProblemOp = "complete_action" // ActionID
	ProblemVerifyAction   ProblemOp = "verify_action"   // ActionID, Verification
	ProblemReworkAction   ProblemOp = "rework_action"   // ActionID, Due
	ProblemClose          ProblemOp = "close"           // NotifyCustomers
	ProblemReopen         ProblemOp = "reopen"
)

// ProblemRequest changes a problem record. Fields other than those its Op uses are ignored.
type ProblemRequest struct {
	Tenant string
	ID     string
	Actor  complaint.Actor
	Op     ProblemOp
	// ExpectedVersion, when non-zero, makes the change conditional (ErrConflict otherwise).
	ExpectedVersion int64

	Analysis     rca.Analysis
	Complaints   []string
	Action       rca.Action
	ActionID     string
	Verification rca.Verification
	Due          time.Time
	// NotifyCustomers, on close, appends a public EventProblemClosed to every linked complaint.
	NotifyCustomers bool
}

// SurveyLink is a scheduled survey and the token of its link; the token exists only here and in the
// outbox message, the store keeps its hash.
type SurveyLink struct {
	Survey *feedback.Survey
	Token  string
}

// AnswerRequest is a customer's answer through a survey link.
type AnswerRequest struct {
	Tenant   string
	Token    string
	Response feedback.Response
}

// AnswerResult is what an answer did.
type AnswerResult struct {
	Survey    *feedback.Survey
	Verdict   feedback.Verdict
	Complaint *complaint.Complaint
}

// KPIQuery selects the complaints of a KPI report: created in [From, To), optionally of one
// category, queue or agent. The satisfaction figures are the survey answers given in [From, To)
// (surveys come after resolution, so they belong to the window they were answered in), about
// complaints of the most specific filter set: the agent, else the queue, else the category.
type KPIQuery struct {
	Tenant   string
	From, To time.Time
	Category string
	Queue    string
	Assignee string
}

// KPIReport is the dashboard: KPIs of the window plus the current backlog per queue and per agent.
type KPIReport struct {
	Query KPIQuery
	insight.KPIs
	// BusinessTime is set when durations are measured on Config.Calendar.
	BusinessTime bool
	Queues       []insight.Load
	Agents       []insight.Load
}

// CategoryWarning is one category's early-warning check.
type CategoryWarning struct {
	Category string
	insight.Warning
}

// Timer kinds of the closed loop.
const (
	// TimerSurveyPrefix starts the kind of a survey's send timer: TimerSurveyPrefix + survey ID. It
	// fires at the survey's ScheduledAt and marks the survey sent (EventSurveySent); the link itself
	// leaves through the TopicSurveyDue outbox message, which becomes deliverable at the same instant.
	TimerSurveyPrefix = "feedback/survey/"
)

// CustomerActor is the actor recorded for what a customer does through a link that carries no
// identity (a survey answer).
var CustomerActor = complaint.Actor{ID: "customer", Roles: []string{complaint.RoleCustomer}}

// SurveyDuePayload is the JSON body of a TopicSurveyDue outbox message: what a sender needs to send
// the survey link. Token is the only copy of the link token; the store keeps its hash.
type SurveyDuePayload struct {
	SurveyID    string          `json:"survey_id"`
	Token       string          `json:"token"`
	Kinds       []feedback.Kind `json:"kinds"`
	ScheduledAt time.Time       `json:"scheduled_at"`
	DueBy       time.Time       `json:"due_by"`
	ExpiresAt   time.Time       `json:"expires_at"`
	Complaint   Summary         `json:"complaint"`
}

// ProblemPayload is the JSON body of the TopicProblemOpened and TopicProblemClosed outbox messages.
type ProblemPayload struct {
	Problem *rca.Problem `json:"problem"`
	// NotifyCustomers is set on close when the linked complaints' customers were told.
	NotifyCustomers bool `json:"notify_customers,omitempty"`
}

// ActionOverduePayload is the JSON body of a TopicActionOverdue outbox message: one action of a
// problem passed its due date while still planned or in progress.
type ActionOverduePayload struct {
	Tenant     string     `json:"tenant"`
	ProblemID  string     `json:"problem_id"`
	Title      string     `json:"title"`
	Action     rca.Action `json:"action"`
	ReportedAt time.Time  `json:"reported_at"`
}

// WarningPayload is the JSON body of a TopicWarningRaised outbox message.
type WarningPayload struct {
	Tenant   string          `json:"tenant"`
	At       time.Time       `json:"at"`
	Category string          `json:"category"`
	Level    insight.Level   `json:"level"`
	Previous insight.Level   `json:"previous"`
	Warning  insight.Warning `json:"warning"`
}

// loopState is what the closed loop's scanner remembers between runs, in the Desk's memory only: when
// each tenant's categories were last checked for spikes and the level each had then. A restart forgets
// it, so the first check after a restart raises a category's current warning once more.
type loopState struct {
	mu      sync.Mutex
	checked map[string]time.Time                // tenant → last warning check
	levels  map[string]map[string]insight.Level // tenant → category → level at the last check
}

// wireClosedLoop registers the survey timers and, with Config.Surveys, the survey at resolution.
// Survey timers are always handled: Desk.ScheduleSurvey works without Config.Surveys.
func (d *Desk) wireClosedLoop() {
	d.timerSources = append(d.timerSources, d.surveyTimers)
	d.timerHandlers[TimerSurveyPrefix] = d.fireSurvey
	if d.cfg.Surveys != nil {
		d.prewrite = append(d.prewrite, d.surveyOnResolve)
	}
	d.loop.checked = map[string]time.Time{}
	d.loop.levels = map[string]map[string]insight.Level{}
}

// update runs fn in a read-write transaction. With expected == 0 it retries when a concurrent change
// won (ErrConflict), up to Config.MaxRetries times, as mutate does; a caller that named a version gets
// the conflict.
func (d *Desk) update(ctx context.Context, expected int64, fn func(tx storage.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := d.store.Update(ctx, fn)
		if err != nil && expected == 0 && errors.Is(err, storage.ErrConflict) && attempt < d.cfg.MaxRetries {
			continue
		}
		return err
	}
}

// changeIn reads a complaint inside tx, lets fn change a copy and add events, and writes both (with
// the hooks: timers, outbox). It is mutate for changes that are part of a larger transaction.
func (d *Desk) changeIn(ctx context.Context, tx storage.Tx, tenant, id string, fn func(ch *change) error) (*complaint.Complaint, error) {
	cur, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: tenant, ID: id})
	if err != nil {
		return nil, fmt.Errorf("redress: complaint %q: %w", id, err)
	}
	ch := &change{before: cur, after: cur.Clone()}
	if err := fn(ch); err != nil {
		return nil, err
	}
	if err := d.write(ctx, tx, ch); err != nil {
		return nil, err
	}
	return ch.after, nil
}

// enqueue writes one outbox message of the closed loop (not tied to one complaint event).
func (d *Desk) enqueue(ctx context.Context, tx storage.Tx, tenant, topic, key string, at time.Time, payload any) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("redress: outbox payload: %w", err)
	}
	now := d.now()
	return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: tenant, Messages: []storage.OutboxMessage{{
		ID: d.cfg.NewID(), Tenant: tenant, Topic: topic, Key: key, Payload: body,
		CreatedAt: now, NextAttemptAt: storage.Time(at),
	}}})
}

// checkWindow refuses an empty or reversed time window.
func checkWindow(from, to time.Time) error {
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return fmt.Errorf("%w: the window [%s, %s) is empty", ErrInvalid, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return nil
}
