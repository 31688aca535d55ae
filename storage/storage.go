package storage

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redresshq/redress/complaint"
)

// Sentinel errors. Adapters return them (possibly wrapped); callers test with errors.Is.
var (
	// ErrNotFound: no row with that key in that tenant.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict: the row changed since it was read (ExpectedVersion mismatch), or an event sequence
	// number for the complaint is already taken.
	ErrConflict = errors.New("storage: conflict")
	// ErrDuplicate: an insert reused an ID, a tracking code, or a (tenant, channel, external reference).
	ErrDuplicate = errors.New("storage: duplicate")
	// ErrBadCursor: a list cursor was not produced by this store for this query shape.
	ErrBadCursor = errors.New("storage: malformed cursor")
	// ErrInvalid: a Params value breaks the contract (missing tenant, zero time, ...). It signals a
	// caller bug, not bad user input.
	ErrInvalid = errors.New("storage: invalid parameters")
)

// Store is a database that holds complaints. Implementations must be safe for concurrent use.
type Store interface {
	// Update runs fn in a read-write transaction. It commits when fn returns nil and rolls back when fn
	// returns an error or panics (the panic is re-raised after the rollback). The error from fn is
	// returned unchanged (so errors.Is works); a failed commit is returned wrapped.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction that sees one consistent snapshot.
	View(ctx context.Context, fn func(ReadTx) error) error
	// Close releases the store's resources. Using the store afterwards is an error.
	Close() error
}

// ReadTx holds the read operations. A Tx is also a ReadTx and sees its own writes.
type ReadTx interface {
	ClosedLoopReadTx
	// ComplaintGet returns the complaint or ErrNotFound.
	ComplaintGet(ctx context.Context, p *ComplaintGetParams) (*complaint.Complaint, error)
	// ComplaintGetByTrackingCode returns the complaint with that canonical code in that tenant, or
	// ErrNotFound.
	ComplaintGetByTrackingCode(ctx context.Context, p *ComplaintGetByTrackingCodeParams) (*complaint.Complaint, error)
	// ComplaintGetByExternalRef returns the complaint taken in from that channel with that reference,
	// or ErrNotFound.
	ComplaintGetByExternalRef(ctx context.Context, p *ComplaintGetByExternalRefParams) (*complaint.Complaint, error)
	// ComplaintList returns complaints matching every filter set in p, newest first (created_at, then
	// ID, descending), and a cursor for the next page. A malformed cursor is ErrBadCursor.
	ComplaintList(ctx context.Context, p *ComplaintListParams) (*ComplaintPage, error)
	// ComplaintCount counts complaints created in [CreatedFrom, CreatedTo) grouped by one dimension,
	// largest count first (ties by key ascending).
	ComplaintCount(ctx context.Context, p *ComplaintCountParams) ([]Count, error)
	// ComplaintStats aggregates the response and resolution figures of complaints created in
	// [CreatedFrom, CreatedTo).
	ComplaintStats(ctx context.Context, p *ComplaintStatsParams) (*Stats, error)
	// EventList returns a complaint's events in sequence order.
	EventList(ctx context.Context, p *EventListParams) ([]complaint.Event, error)
	// TimerList returns a complaint's pending timers ordered by due time, then kind.
	TimerList(ctx context.Context, p *TimerListParams) ([]Timer, error)
}

// Tx holds the write operations of a read-write transaction.
type Tx interface {
	ReadTx
	ClosedLoopTx
	// ComplaintInsert stores a new complaint whose Version must be 1. It returns ErrDuplicate when the
	// ID, the tracking code (within the tenant) or the non-empty (tenant, channel, external reference)
	// is taken.
	ComplaintInsert(ctx context.Context, p *ComplaintInsertParams) error
	// ComplaintUpdate replaces a stored complaint. The stored version must equal ExpectedVersion and
	// p.Complaint.Version must be ExpectedVersion+1; otherwise ErrConflict (ErrNotFound when there is
	// no such complaint). Channel, external reference, tracking code and creation time never change.
	ComplaintUpdate(ctx context.Context, p *ComplaintUpdateParams) error
	// EventAppend appends events. Each names its complaint and carries the next sequence number; a
	// sequence number already used for that complaint is ErrConflict.
	EventAppend(ctx context.Context, p *EventAppendParams) error
	// TimerSet creates or moves the timer (tenant, complaint, kind).
	TimerSet(ctx context.Context, p *TimerSetParams) error
	// TimerDelete removes a complaint's timers: the one of Kind, or all when Kind is empty. Deleting
	// nothing is not an error.
	TimerDelete(ctx context.Context, p *TimerDeleteParams) error
	// TimerClaimDue removes and returns up to Limit timers due at or before Now, earliest first, of one
	// tenant or of all tenants when Tenant is empty. Because the timers leave the store in the caller's
	// transaction, a commit consumes them exactly once and a rollback puts them back; concurrent
	// transactions never receive the same timer.
	TimerClaimDue(ctx context.Context, p *TimerClaimDueParams) ([]Timer, error)
	// OutboxEnqueue adds messages to the outbox; they become claimable when the transaction commits.
	OutboxEnqueue(ctx context.Context, p *OutboxEnqueueParams) error
	// OutboxClaim leases up to Limit pending messages whose NextAttemptAt is at or before Now, oldest
	// first: it increments Attempts and moves NextAttemptAt to Now+Lease, so a crashed relay's messages
	// come back after the lease. Concurrent transactions never receive the same message.
	OutboxClaim(ctx context.Context, p *OutboxClaimParams) ([]OutboxMessage, error)
	// OutboxAck removes a delivered message. ErrNotFound when it is not in the outbox.
	OutboxAck(ctx context.Context, p *OutboxAckParams) error
	// OutboxNack records a failed delivery: the message is retried at NextAttemptAt, or never again
	// when Dead is set (it stays, for inspection, with its last error).
	OutboxNack(ctx context.Context, p *OutboxNackParams) error
}

// ComplaintGetParams identifies a complaint by ID.
type ComplaintGetParams struct {
	Tenant string
	ID     string
}

// ComplaintGetByTrackingCodeParams identifies a complaint by its canonical tracking code.
type ComplaintGetByTrackingCodeParams struct {
	Tenant       string
	TrackingCode string
}

// ComplaintGetByExternalRefParams identifies a complaint by the channel's own reference.
type ComplaintGetByExternalRefParams struct {
	Tenant      string
	Channel     string
	ExternalRef string
}

// ComplaintInsertParams carries a new complaint. Complaint.Tenant must equal Tenant.
type ComplaintInsertParams struct {
	Tenant    string
	Complaint *complaint.Complaint
}

// ComplaintUpdateParams carries the new state of a complaint and the version it was derived from.
type ComplaintUpdateParams struct {
	Tenant          string
	Complaint       *complaint.Complaint
	ExpectedVersion int64
}

// ComplaintListParams filters and pages a list. Zero-valued filters are ignored.
type ComplaintListParams struct {
	Tenant     string
	Statuses   []complaint.Status
	Queue      string
	Assignee   string
	Category   string
	Channel    string
	CustomerID string
	// Tags: a complaint matches when it carries every tag listed.
	Tags []string
	// CreatedFrom (inclusive) and CreatedTo (exclusive) bound the creation time.
	CreatedFrom time.Time
	CreatedTo   time.Time
	// Limit is the page size: 0 means DefaultListLimit; larger than MaxListLimit is cut to MaxListLimit.
	Limit int
	// Cursor continues a previous page; empty starts from the newest.
	Cursor string
}

// Page sizes for ComplaintList.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// EffectiveLimit returns the page size an adapter must use for a requested limit.
func EffectiveLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultListLimit
	case n > MaxListLimit:
		return MaxListLimit
	}
	return n
}

// ComplaintPage is one page of a list. Next is empty on the last page.
type ComplaintPage struct {
	Complaints []*complaint.Complaint
	Next       string
}

// Dimension names what ComplaintCount groups by.
type Dimension string

// Dimensions for ComplaintCount.
const (
	ByCategory Dimension = "category"
	ByQueue    Dimension = "queue"
	ByAssignee Dimension = "assignee"
	ByChannel  Dimension = "channel"
	ByStatus   Dimension = "status"
	BySeverity Dimension = "severity"
	// ByDay groups by the UTC date of creation, keys formatted 2006-01-02.
	ByDay Dimension = "day"
)

// Valid reports whether d is a known dimension.
func (d Dimension) Valid() bool {
	switch d {
	case ByCategory, ByQueue, ByAssignee, ByChannel, ByStatus, BySeverity, ByDay:
		return true
	}
	return false
}

// ComplaintCountParams selects what to count. Category, when set, restricts the count to one category
// (useful with ByDay for a category's daily series). An empty GroupBy counts everything selected as one
// group, key "" (no row when nothing matches).
type ComplaintCountParams struct {
	Tenant   string
	GroupBy  Dimension
	Category string
	// OpenOnly counts only complaints not yet resolved (status received, acknowledged, investigating
	// or awaiting_customer): the backlog. BreachedOnly counts only those that missed an SLA target.
	// Together they give the overdue backlog.
	OpenOnly     bool
	BreachedOnly bool
	// CustomerID, when set, counts only that customer's complaints (intake counts a customer's
	// lifetime complaints for the triage rules this way, without reading them).
	CustomerID  string
	CreatedFrom time.Time
	CreatedTo   time.Time
}

// Count is one group of ComplaintCount.
type Count struct {
	Key string
	N   int64
}

// ComplaintStatsParams selects the complaints to aggregate.
type ComplaintStatsParams struct {
	Tenant   string
	Category string
	// Queue and Assignee, when set, restrict the aggregate to one queue or one agent.
	Queue       string
	Assignee    string
	CreatedFrom time.Time
	CreatedTo   time.Time
}

// Stats are the raw sums from which insight derives its KPIs.
type Stats struct {
	Total int64
	// Acknowledged counts complaints with an acknowledgement time; AckSeconds sums the seconds from
	// creation to acknowledgement over them.
	Acknowledged int64
	AckSeconds   float64
	// Resolved counts complaints with a resolution time; ResolveSeconds sums creation to resolution.
	Resolved       int64
	ResolveSeconds float64
	Reopened       int64 // complaints reopened at least once
	// ResolvedEver counts complaints resolved at least once: those with a resolution time and those
	// reopened since (a reopen clears the resolution time). It is the base of the reopen rate.
	ResolvedEver int64
	Repeats      int64 // complaints with RepeatOf set
	Breached     int64 // complaints that missed an SLA target
	Closed       int64 // complaints in status closed
}

// EventAppendParams carries events to append; each event's Tenant must equal Tenant.
type EventAppendParams struct {
	Tenant string
	Events []complaint.Event
}

// EventListParams selects a complaint's events.
type EventListParams struct {
	Tenant      string
	ComplaintID string
	// AfterSeq skips events with Seq <= AfterSeq.
	AfterSeq int64
	// PublicOnly keeps only events meant for the customer.
	PublicOnly bool
	// Limit caps the result; 0 means no cap.
	Limit int
}

// Timer is a stored due time: when DueAt passes, the scanner claims it and acts on Kind (an SLA
// warning level, an escalation, an automatic close, a survey reminder).
type Timer struct {
	Tenant      string
	ComplaintID string
	Kind        string
	DueAt       time.Time
}

// TimerSetParams sets one timer. Timer.Tenant must equal Tenant.
type TimerSetParams struct {
	Tenant string
	Timer  Timer
}

// TimerDeleteParams removes a complaint's timers of Kind, or all of them when Kind is empty.
type TimerDeleteParams struct {
	Tenant      string
	ComplaintID string
	Kind        string
}

// TimerListParams selects a complaint's timers.
type TimerListParams struct {
	Tenant      string
	ComplaintID string
}

// TimerClaimDueParams selects due timers. Tenant empty means every tenant (the scanner's view).
type TimerClaimDueParams struct {
	Tenant string
	Now    time.Time
	Limit  int
}

// OutboxMessage is a notification waiting to leave the system (a webhook delivery). It is written in
// the same transaction as the change it reports, so no committed change goes unannounced.
type OutboxMessage struct {
	ID            string
	Tenant        string
	Topic         string
	Key           string // usually the complaint ID; deliveries for one key keep their order
	Payload       []byte
	CreatedAt     time.Time
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	Dead          bool
}

// OutboxEnqueueParams carries messages; each message's Tenant must equal Tenant.
type OutboxEnqueueParams struct {
	Tenant   string
	Messages []OutboxMessage
}

// OutboxClaimParams leases pending messages of every tenant.
type OutboxClaimParams struct {
	Now   time.Time
	Lease time.Duration
	Limit int
}

// OutboxAckParams names a delivered message.
type OutboxAckParams struct {
	Tenant string
	ID     string
}

// OutboxNackParams records a failed delivery.
type OutboxNackParams struct {
	Tenant        string
	ID            string
	NextAttemptAt time.Time
	Error         string
	Dead          bool
}

// EncodeCursor builds the opaque keyset cursor every adapter uses for ComplaintList: the creation time
// (microseconds) and ID of the last row of a page.
func EncodeCursor(createdAt time.Time, id string) string {
	raw := strconv.FormatInt(createdAt.UTC().UnixMicro(), 10) + "|" + id
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeCursor reverses EncodeCursor; anything else is ErrBadCursor.
func DecodeCursor(s string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w: %v", ErrBadCursor, err)
	}
	us, id, ok := strings.Cut(string(raw), "|")
	if !ok || id == "" {
		return time.Time{}, "", ErrBadCursor
	}
	n, err := strconv.ParseInt(us, 10, 64)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w: %v", ErrBadCursor, err)
	}
	return time.UnixMicro(n).UTC(), id, nil
}

// Time normalises a timestamp the way every adapter stores it: UTC, truncated to microseconds.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
