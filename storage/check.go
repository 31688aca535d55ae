package storage

import (
	"fmt"
	"time"
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
	if !p.GroupBy.Valid() {
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
