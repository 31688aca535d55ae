package complaint

import (
	"maps"
	"slices"
	"time"
)

// Severity grades how bad the complaint is for the customer, independent of how fast we must act
// (that is [Complaint.Priority]).
type Severity string

// Severities, from least to most severe.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Valid reports whether s is one of the known severities. The empty severity is valid: triage fills it.
func (s Severity) Valid() bool {
	switch s {
	case "", SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return true
	}
	return false
}

// Rank orders severities: 0 for unset, 1 for low up to 4 for critical.
func (s Severity) Rank() int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return 0
}

// Tier levels of the graded authorization the seeds describe: the front line solves most complaints,
// experts the harder ones, a special team the few that are serious.
const (
	TierFrontline = 1 // first-line agents, 60–70 % of complaints
	TierExpert    = 2 // specialists, 20–30 %
	TierSpecial   = 3 // special team, 5–10 %
)

// Customer identifies who complained. Tier is the customer's own tier in the CRM (for example "gold");
// VIP marks customers whose complaints get faster targets.
type Customer struct {
	ID      string `json:"id,omitempty"`
	Name    string `json:"name,omitempty"`
	Contact string `json:"contact,omitempty"`
	Tier    string `json:"tier,omitempty"`
	VIP     bool   `json:"vip,omitempty"`
}

// Product identifies the product or service complained about, with the traceability fields quality
// teams need to find every affected unit.
type Product struct {
	SKU          string    `json:"sku,omitempty"`
	Model        string    `json:"model,omitempty"`
	Batch        string    `json:"batch,omitempty"`
	OrderNumber  string    `json:"order_number,omitempty"`
	DeliveryDate time.Time `json:"delivery_date,omitzero"`
}

// Attachment is a reference to evidence (photo, recording, document) kept elsewhere; redress never
// stores the bytes.
type Attachment struct {
	Name      string `json:"name"`
	URI       string `json:"uri"`
	MediaType string `json:"media_type,omitempty"`
}

// Complaint is the standard complaint record.
//
// The zero value is not a valid complaint; build one from intake fields and let the Desk assign ID,
// tracking code, status and timestamps.
type Complaint struct {
	ID           string `json:"id"`
	Tenant       string `json:"tenant"`
	TrackingCode string `json:"tracking_code"`
	// Channel is where the complaint came in: phone, email, web, app, wechat, weibo, store, ...
	// It is an open set; any lower-case token is accepted.
	Channel string `json:"channel"`
	// ExternalRef is the channel's own identifier (ticket number, message ID). Intake is idempotent on
	// (tenant, channel, external reference).
	ExternalRef string `json:"external_ref,omitempty"`

	Customer    Customer     `json:"customer"`
	Product     Product      `json:"product,omitzero"`
	Subject     string       `json:"subject"`
	Description string       `json:"description"`
	OccurredAt  time.Time    `json:"occurred_at,omitzero"`
	Place       string       `json:"place,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`

	Category string   `json:"category,omitempty"`
	Severity Severity `json:"severity,omitempty"`
	// Priority is 1 (most urgent) to 4; 0 means not yet set.
	Priority int    `json:"priority,omitempty"`
	Safety   bool   `json:"safety,omitempty"`
	Queue    string `json:"queue,omitempty"`
	Assignee string `json:"assignee,omitempty"`
	// Tier is the authorization tier that owns the complaint (TierFrontline, TierExpert, TierSpecial).
	Tier int `json:"tier,omitempty"`
	// SLAPolicy names the SLA policy whose clocks run for this complaint.
	SLAPolicy string `json:"sla_policy,omitempty"`

	Status          Status `json:"status"`
	EscalationLevel int    `json:"escalation_level,omitempty"`
	// Breached is set once any SLA target of the complaint was missed; it is never cleared.
	Breached bool `json:"breached,omitempty"`
	Reopened int  `json:"reopened,omitempty"`
	// RepeatOf is the ID of an earlier complaint by the same customer about the same thing.
	RepeatOf string            `json:"repeat_of,omitempty"`
	Tags     []string          `json:"tags,omitempty"`
	Custom   map[string]string `json:"custom,omitempty"`

	// Version counts committed changes; updates must name the version they read.
	Version int64 `json:"version"`
	// EventSeq is the sequence number of the last event appended for this complaint.
	EventSeq int64 `json:"event_seq"`

	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	ClosedAt       time.Time `json:"closed_at,omitzero"`
}

// Clone returns a deep copy, so a caller can change the copy without touching a stored or shared record.
func (c *Complaint) Clone() *Complaint {
	if c == nil {
		return nil
	}
	d := *c
	d.Attachments = slices.Clone(c.Attachments)
	d.Tags = slices.Clone(c.Tags)
	d.Custom = maps.Clone(c.Custom)
	return &d
}

// HasTag reports whether the complaint carries tag t.
func (c *Complaint) HasTag(t string) bool { return slices.Contains(c.Tags, t) }

// AddTags adds the tags not yet present, keeping their order.
func (c *Complaint) AddTags(tags ...string) {
	for _, t := range tags {
		if t != "" && !c.HasTag(t) {
			c.Tags = append(c.Tags, t)
		}
	}
}

// Open reports whether work on the complaint is still expected.
func (c *Complaint) Open() bool { return !c.Status.Final() && c.Status != StatusResolved }

// Actor is whoever acts on a complaint: an agent, a supervisor, the customer, or the system itself.
// Tier is the authorization tier the actor holds and Queues the queues it works in; tier policies
// compare them with what an action needs.
type Actor struct {
	ID string `json:"id"`
	// Roles are free-form role names ("agent", "supervisor", "customer", "system", ...).
	Roles []string `json:"roles,omitempty"`
	// Tier is TierFrontline, TierExpert or TierSpecial; 0 for actors outside the tiers (customers,
	// the system).
	Tier   int      `json:"tier,omitempty"`
	Queues []string `json:"queues,omitempty"`
}

// HasRole reports whether the actor holds role r.
func (a Actor) HasRole(r string) bool { return slices.Contains(a.Roles, r) }

// Roles used by redress itself. Embedders may use any other role names in their policies.
const (
	RoleAgent    = "agent"
	RoleCustomer = "customer"
	RoleSystem   = "system"
)
