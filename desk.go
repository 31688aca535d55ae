package redress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/routing"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
)

// Authorizer decides whether an actor may perform an action on a complaint. Actions are lifecycle
// trigger names plus the Desk's own actions (ActionAssign, ActionComment) and any the embedder invents
// (compensate, refund, ...). A nil error allows; any error denies and is returned wrapped with ErrDenied.
type Authorizer interface {
	Authorize(ctx context.Context, actor complaint.Actor, action string, c *complaint.Complaint, params map[string]any) error
}

// Actions the Desk checks besides the lifecycle triggers.
const (
	ActionAssign  = "assign"
	ActionComment = "comment"
)

// Desk is the complaint service. It is safe for concurrent use.
type Desk struct {
	store     storage.Store
	cfg       Config
	lifecycle *complaint.Lifecycle
	hooks     []hook
	// timerSources say which timers a complaint wants; timerHandlers act on fired timers by kind prefix.
	timerSources  []timerSource
	timerHandlers map[string]timerHandler
	randMu        sync.Mutex // Config.Random need not be safe for concurrent use
	rules         atomic.Pointer[routing.RuleSet]
	// prewrite hooks run first in every write and, unlike hooks, may change ch.after and add events
	// (the closed loop schedules a survey when a complaint resolves).
	prewrite []hook
	loop     loopState // the closed loop's scanner memory (closedloop.go)
	assigner routing.Assigner
	stats    deskStats
}

// hook runs inside the transaction of every change, after the complaint and its events are written:
// SLA timers and the outbox are hooks. Hooks must not change the complaint.
type hook func(ctx context.Context, tx storage.Tx, ch *change) error

// change is one committed unit of work on a complaint.
type change struct {
	before *complaint.Complaint // nil at intake
	after  *complaint.Complaint
	events []complaint.Event // new events, numbered

	stored       []complaint.Event // the complaint's events before this change, once loaded
	storedLoaded bool
	clocks       []sla.Clock // SLA clocks after the change, when SLA is configured
}

// New returns a Desk on store. It validates cfg and fills its defaults; store stays owned by the caller.
func New(store storage.Store, cfg Config) (*Desk, error) {
	if store == nil {
		return nil, errors.New("redress: New needs a store")
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	d := &Desk{store: store, cfg: cfg, lifecycle: complaint.NewLifecycle(), timerHandlers: map[string]timerHandler{}}
	d.timerSources = append(d.timerSources, d.autoCloseTimer)
	d.rules.Store(cfg.Rules)
	if cfg.SLA != nil {
		d.timerSources = append(d.timerSources, d.slaTimers)
		d.timerHandlers[sla.TimerPrefix] = d.fireSLA
	}
	d.hooks = append(d.hooks, d.syncTimers)
	if cfg.Outbox {
		d.hooks = append(d.hooks, d.enqueueOutbox)
	}
	d.wireClosedLoop()
	return d, nil
}

// Lifecycle returns the state machine the Desk uses, for callers that want to show permitted triggers.
func (d *Desk) Lifecycle() *complaint.Lifecycle { return d.lifecycle }

func (d *Desk) now() time.Time { return storage.Time(d.cfg.Now()) }

func checkActor(a complaint.Actor) error {
	if a.ID == "" {
		return fmt.Errorf("%w: the actor has no ID", ErrInvalid)
	}
	return nil
}

func checkTenant(tenant string) error {
	if tenant == "" {
		return fmt.Errorf("%w: no tenant", ErrInvalid)
	}
	return nil
}

// Intake takes a complaint in. It validates in (returning a *complaint.ValidationError naming every
// bad field), assigns an ID, a tracking code, status received and timestamps, and stores it with its
// first event in one transaction.
//
// Intake is idempotent on (tenant, channel, external reference): taking in a complaint whose
// reference is already stored returns the stored complaint and created=false, and changes nothing.
// in is not modified.
func (d *Desk) Intake(ctx context.Context, actor complaint.Actor, in *complaint.Complaint) (c *complaint.Complaint, created bool, err error) {
	if in == nil {
		return nil, false, fmt.Errorf("%w: no complaint", ErrInvalid)
	}
	if err := checkTenant(in.Tenant); err != nil {
		return nil, false, err
	}
	if err := checkActor(actor); err != nil {
		return nil, false, err
	}
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	for attempt := 0; ; attempt++ {
		c, created, err = d.intakeOnce(ctx, actor, in)
		// A duplicate that is not an existing external reference is a collision of generated
		// identifiers (tracking code or ID): draw new ones.
		if errors.Is(err, storage.ErrDuplicate) && attempt < 3 {
			continue
		}
		return c, created, err
	}
}

func (d *Desk) intakeOnce(ctx context.Context, actor complaint.Actor, in *complaint.Complaint) (*complaint.Complaint, bool, error) {
	now := d.now()
	d.randMu.Lock()
	code, err := complaint.NewTrackingCode(d.cfg.Random)
	d.randMu.Unlock()
	if err != nil {
		return nil, false, err
	}
	c := in.Clone()
	c.ID = d.cfg.NewID()
	c.TrackingCode = code
	c.Status = complaint.StatusReceived
	c.Version = 1
	c.EventSeq = 0
	c.EscalationLevel, c.Reopened, c.Breached = 0, 0, false
	c.CreatedAt, c.UpdatedAt = now, now
	c.AcknowledgedAt, c.ResolvedAt, c.ClosedAt = time.Time{}, time.Time{}, time.Time{}
	c.OccurredAt = storage.Time(c.OccurredAt)
	if c.OccurredAt.IsZero() {
		c.OccurredAt = time.Time{}
	}
	c.Product.DeliveryDate = storage.Time(c.Product.DeliveryDate)
	if c.Tier == 0 {
		c.Tier = complaint.TierFrontline
	}
	triaged, err := d.triage(ctx, c)
	if err != nil {
		return nil, false, err
	}

	// The insert itself enforces idempotency: a taken external reference is ErrDuplicate (the store's
	// unique key), and the stored complaint is the answer. Reading it first would cost every intake a
	// query for the sake of retries.
	err = d.store.Update(ctx, func(tx storage.Tx) error {
		ch := &change{after: c}
		d.addEvent(ch, complaint.Event{Type: complaint.EventReceived, Actor: actor.ID, At: now, To: complaint.StatusReceived,
			Public: true, Note: "complaint received", Attrs: map[string]string{"channel": c.Channel}})
		if triaged != nil {
			d.addEvent(ch, complaint.Event{Type: complaint.EventTriaged, Actor: SystemActor.ID, At: now, Attrs: triaged})
		}
		return d.write(ctx, tx, ch)
	})
	if errors.Is(err, storage.ErrDuplicate) && c.ExternalRef != "" {
		// The reference was taken before (a retry) or by a concurrent intake: answer with the stored
		// complaint.
		got, gerr := d.getByExternalRef(ctx, c.Tenant, c.Channel, c.ExternalRef)
		if gerr == nil {
			return got, false, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	d.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "complaint received", slog.String("tenant", c.Tenant), slog.String("id", c.ID), slog.String("channel", c.Channel))
	return c, true, nil
}

// addEvent numbers ev as the next event of ch.after and queues it for writing.
func (d *Desk) addEvent(ch *change, ev complaint.Event) {
	ch.after.EventSeq++
	ev.ID = d.cfg.NewID()
	ev.Tenant = ch.after.Tenant
	ev.ComplaintID = ch.after.ID
	ev.Seq = ch.after.EventSeq
	ev.At = storage.Time(ev.At)
	ch.events = append(ch.events, ev)
}

// write stores a change inside tx: the complaint (inserted at intake, otherwise updated against the
// version it was read at), its new events, and whatever the hooks derive from them (timers, outbox).
func (d *Desk) write(ctx context.Context, tx storage.Tx, ch *change) error {
	for _, h := range d.prewrite {
		if err := h(ctx, tx, ch); err != nil {
			return err
		}
	}
	c := ch.after
	if err := d.beforeWrite(ctx, tx, ch); err != nil {
		return err
	}
	if ch.before == nil {
		if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: c.Tenant, Complaint: c}); err != nil {
			return err
		}
	} else {
		c.Version = ch.before.Version + 1
		c.UpdatedAt = d.now()
		if err := tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: c.Tenant, Complaint: c, ExpectedVersion: ch.before.Version}); err != nil {
			return err
		}
	}
	if err := tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: c.Tenant, Events: ch.events}); err != nil {
		return err
	}
	for _, h := range d.hooks {
		if err := h(ctx, tx, ch); err != nil {
			return err
		}
	}
	return nil
}

// Get returns one complaint of tenant by ID, or ErrNotFound.
func (d *Desk) Get(ctx context.Context, tenant, id string) (*complaint.Complaint, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	var c *complaint.Complaint
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		var err error
		c, err = tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: tenant, ID: id})
		return err
	})
	return c, err
}

// GetByExternalRef returns the complaint taken in from channel with the channel's own reference, or
// ErrNotFound.
func (d *Desk) GetByExternalRef(ctx context.Context, tenant, channel, ref string) (*complaint.Complaint, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	return d.getByExternalRef(ctx, tenant, channel, ref)
}

func (d *Desk) getByExternalRef(ctx context.Context, tenant, channel, ref string) (*complaint.Complaint, error) {
	var c *complaint.Complaint
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		var err error
		c, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: tenant, Channel: channel, ExternalRef: ref})
		return err
	})
	return c, err
}

// List returns a page of complaints matching p (see storage.ComplaintListParams for the filters).
func (d *Desk) List(ctx context.Context, p *storage.ComplaintListParams) (*storage.ComplaintPage, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: no list parameters", ErrInvalid)
	}
	if err := checkTenant(p.Tenant); err != nil {
		return nil, err
	}
	var page *storage.ComplaintPage
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		var err error
		page, err = tx.ComplaintList(ctx, p)
		return err
	})
	return page, err
}

// Timeline returns every event of a complaint, oldest first: the full internal audit trail.
func (d *Desk) Timeline(ctx context.Context, tenant, id string) ([]complaint.Event, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	var evs []complaint.Event
	err := d.store.View(ctx, func(tx storage.ReadTx) error {
		if _, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: tenant, ID: id}); err != nil {
			return err
		}
		var err error
		evs, err = tx.EventList(ctx, &storage.EventListParams{Tenant: tenant, ComplaintID: id})
		return err
	})
	return evs, err
}

// TransitionRequest asks the Desk to move a complaint through its lifecycle.
type TransitionRequest struct {
	Tenant  string
	ID      string
	Actor   complaint.Actor
	Trigger complaint.Trigger
	Note    string
	// Public shows the note on the customer's tracking page (status changes are always shown).
	Public bool
	// ExpectedVersion, when non-zero, makes the change conditional: if the complaint's version differs,
	// Transition returns ErrConflict and changes nothing. Zero applies to the current version,
	// retrying briefly when a concurrent change wins.
	ExpectedVersion int64
	// DuplicateOf names the original for TriggerMarkDuplicate.
	DuplicateOf string
	// Params are handed to the Authorizer (an amount, a reason code).
	Params map[string]any
}

// Transition applies a lifecycle trigger. It returns the updated complaint, or: ErrNotFound,
// ErrConflict (stale ExpectedVersion), a *complaint.TransitionError (illegal from the current status,
// unknown trigger, unmet guard), an error matching ErrDenied (the policy refused the actor).
func (d *Desk) Transition(ctx context.Context, r TransitionRequest) (*complaint.Complaint, error) {
	if err := checkTenant(r.Tenant); err != nil {
		return nil, err
	}
	if err := checkActor(r.Actor); err != nil {
		return nil, err
	}
	if !r.Trigger.Valid() {
		return nil, &complaint.TransitionError{Trigger: r.Trigger, Reason: "unknown trigger"}
	}
	return d.mutate(ctx, r.Tenant, r.ID, r.ExpectedVersion, func(ctx context.Context, tx storage.Tx, cur *complaint.Complaint, ch *change) error {
		if err := d.authorize(ctx, r.Actor, string(r.Trigger), cur, r.Params); err != nil {
			return err
		}
		next, ev, err := d.lifecycle.Apply(ctx, cur, complaint.Request{
			Trigger: r.Trigger, Actor: r.Actor.ID, At: d.now(), Note: r.Note, Public: r.Public,
			CloseAfter: d.cfg.CloseAfter, DuplicateOf: r.DuplicateOf,
		})
		if err != nil {
			return err
		}
		ch.after = next
		d.addEvent(ch, ev)
		return nil
	})
}

// CommentRequest adds a note to a complaint's trail.
type CommentRequest struct {
	Tenant string
	ID     string
	Actor  complaint.Actor
	Note   string
	// Public shows the note to the customer; otherwise it is internal.
	Public bool
}

// Comment appends a note. The complaint's version advances, so concurrent editors notice.
func (d *Desk) Comment(ctx context.Context, r CommentRequest) (*complaint.Complaint, error) {
	if err := checkTenant(r.Tenant); err != nil {
		return nil, err
	}
	if err := checkActor(r.Actor); err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.Note) == "" {
		return nil, &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "note", Code: "required", Message: "is required"}}}
	}
	if n := len([]rune(r.Note)); n > complaint.MaxDescriptionLen {
		return nil, &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "note", Code: "too_long",
			Message: fmt.Sprintf("has %d characters, at most %d allowed", n, complaint.MaxDescriptionLen)}}}
	}
	return d.mutate(ctx, r.Tenant, r.ID, 0, func(ctx context.Context, tx storage.Tx, cur *complaint.Complaint, ch *change) error {
		if err := d.authorize(ctx, r.Actor, ActionComment, cur, nil); err != nil {
			return err
		}
		d.addEvent(ch, complaint.Event{Type: complaint.EventComment, Actor: r.Actor.ID, At: d.now(), Note: r.Note, Public: r.Public})
		return nil
	})
}

// AssignRequest routes a complaint to a queue and/or an agent.
type AssignRequest struct {
	Tenant   string
	ID       string
	Actor    complaint.Actor
	Queue    string // empty keeps the queue
	Assignee string // empty keeps the assignee
	Note     string
	// ExpectedVersion as in TransitionRequest.
	ExpectedVersion int64
}

// Assign changes queue and assignee and records who did it. Assigning a closed complaint is a
// *complaint.TransitionError.
func (d *Desk) Assign(ctx context.Context, r AssignRequest) (*complaint.Complaint, error) {
	if err := checkTenant(r.Tenant); err != nil {
		return nil, err
	}
	if err := checkActor(r.Actor); err != nil {
		return nil, err
	}
	if r.Queue == "" && r.Assignee == "" {
		return nil, &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "assignee", Code: "required", Message: "name a queue or an assignee"}}}
	}
	return d.mutate(ctx, r.Tenant, r.ID, r.ExpectedVersion, func(ctx context.Context, tx storage.Tx, cur *complaint.Complaint, ch *change) error {
		if cur.Status.Final() {
			return &complaint.TransitionError{From: cur.Status, Trigger: ActionAssign, Reason: "the complaint is finished"}
		}
		if err := d.authorize(ctx, r.Actor, ActionAssign, cur, map[string]any{"queue": r.Queue, "assignee": r.Assignee}); err != nil {
			return err
		}
		attrs := map[string]string{}
		if r.Queue != "" {
			attrs["queue"] = r.Queue
			ch.after.Queue = r.Queue
		}
		if r.Assignee != "" {
			attrs["assignee"] = r.Assignee
			ch.after.Assignee = r.Assignee
		}
		if err := ch.after.Validate(); err != nil {
			return err
		}
		d.addEvent(ch, complaint.Event{Type: complaint.EventAssigned, Actor: r.Actor.ID, At: d.now(), Note: r.Note, Attrs: attrs})
		return nil
	})
}

func (d *Desk) authorize(ctx context.Context, actor complaint.Actor, action string, c *complaint.Complaint, params map[string]any) error {
	if d.cfg.Authorizer == nil {
		return nil
	}
	if err := d.cfg.Authorizer.Authorize(ctx, actor, action, c, params); err != nil {
		return fmt.Errorf("%w: %w", ErrDenied, err)
	}
	return nil
}

// mutate reads a complaint, lets fn change a copy and add events, and writes both in one transaction
// with an optimistic version check. Without an expected version it retries a few times when a
// concurrent change won.
func (d *Desk) mutate(ctx context.Context, tenant, id string, expected int64,
	fn func(ctx context.Context, tx storage.Tx, cur *complaint.Complaint, ch *change) error) (*complaint.Complaint, error) {
	if id == "" {
		return nil, fmt.Errorf("%w: no complaint ID", ErrInvalid)
	}
	for attempt := 0; ; attempt++ {
		var out *complaint.Complaint
		err := d.store.Update(ctx, func(tx storage.Tx) error {
			cur, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: tenant, ID: id})
			if err != nil {
				return err
			}
			if expected != 0 && cur.Version != expected {
				return fmt.Errorf("%w: complaint %s is at version %d, not %d", storage.ErrConflict, id, cur.Version, expected)
			}
			ch := &change{before: cur, after: cur.Clone()}
			if err := fn(ctx, tx, cur, ch); err != nil {
				return err
			}
			if err := d.write(ctx, tx, ch); err != nil {
				return err
			}
			out = ch.after
			return nil
		})
		if err == nil {
			return out, nil
		}
		if expected == 0 && errors.Is(err, storage.ErrConflict) && attempt < d.cfg.MaxRetries {
			continue
		}
		return nil, err
	}
}

// enqueueOutbox writes one outbox message per new event, in the change's transaction.
func (d *Desk) enqueueOutbox(ctx context.Context, tx storage.Tx, ch *change) error {
	msgs := make([]storage.OutboxMessage, 0, len(ch.events))
	for _, ev := range ch.events {
		payload, err := json.Marshal(WebhookPayload{Event: ev, Complaint: Summarize(ch.after)})
		if err != nil {
			return fmt.Errorf("redress: outbox payload: %w", err)
		}
		msgs = append(msgs, storage.OutboxMessage{
			ID: d.cfg.NewID(), Tenant: ch.after.Tenant, Topic: "complaint." + string(ev.Type), Key: ch.after.ID,
			Payload: payload, CreatedAt: ev.At, NextAttemptAt: ev.At,
		})
	}
	return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: ch.after.Tenant, Messages: msgs})
}
