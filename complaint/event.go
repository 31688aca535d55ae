package complaint

import "time"

// EventType says what kind of change an [Event] records.
type EventType string

// Event types written by redress. Embedders may add their own; stores keep any non-empty type.
const (
	EventReceived   EventType = "received"    // the complaint was taken in
	EventTransition EventType = "transition"  // the lifecycle moved (or escalated)
	EventComment    EventType = "comment"     // a note, internal or shown to the customer
	EventAssigned   EventType = "assigned"    // queue or assignee changed
	EventTriaged    EventType = "triaged"     // triage rules set fields
	EventSLA        EventType = "sla"         // an SLA clock crossed a warning level or was breached
	EventFeedback   EventType = "feedback"    // the customer answered a survey
	EventSurveySent EventType = "survey_sent" // a satisfaction survey went out: the follow-up contact
)

// Event is one entry of a complaint's append-only audit trail: who did what, when, and what changed.
// Events are never rewritten; the SLA clocks, the customer-facing timeline, webhooks and KPIs are all
// derived from them.
type Event struct {
	ID          string `json:"id"`
	Tenant      string `json:"tenant"`
	ComplaintID string `json:"complaint_id"`
	// Seq numbers a complaint's events 1, 2, 3, ... in the order they were committed.
	Seq     int64     `json:"seq"`
	Type    EventType `json:"type"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	Trigger Trigger   `json:"trigger,omitempty"`
	From    Status    `json:"from,omitempty"`
	To      Status    `json:"to,omitempty"`
	Note    string    `json:"note,omitempty"`
	// Public events appear on the customer's tracking page; internal notes do not.
	Public bool              `json:"public"`
	Attrs  map[string]string `json:"attrs,omitempty"`
}
