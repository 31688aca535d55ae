package memory

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

func cloneEvent(e complaint.Event) complaint.Event {
	e.At = storage.Time(e.At)
	if len(e.Attrs) == 0 {
		e.Attrs = nil
	} else {
		e.Attrs = maps.Clone(e.Attrs)
	}
	return e
}

func bySeq(a, b complaint.Event) int { return cmp.Compare(a.Seq, b.Seq) }

func (tx *tx) EventAppend(ctx context.Context, p *storage.EventAppendParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	// Build the new slices first and store them only when every event fits, so a failed append leaves
	// no trace. Appending at the end may write into the spare capacity of the stored slice: no stored
	// or returned slice reaches past its own length, and the undo log restores the old length. An event
	// that lands in the middle goes into a copy.
	next := map[string][]complaint.Event{}
	for _, e := range p.Events {
		if tx.complaint(p.Tenant, e.ComplaintID) == nil {
			return fmt.Errorf("%w: complaint %q of event %d", storage.ErrNotFound, e.ComplaintID, e.Seq)
		}
		evs, ok := next[e.ComplaintID]
		if !ok {
			evs = tx.s.events[e.ComplaintID]
		}
		i, taken := slices.BinarySearchFunc(evs, e, bySeq)
		switch {
		case taken:
			return fmt.Errorf("%w: complaint %q already has event %d", storage.ErrConflict, e.ComplaintID, e.Seq)
		case i == len(evs):
			evs = append(evs, cloneEvent(e))
		default:
			evs = slices.Insert(slices.Clone(evs), i, cloneEvent(e))
		}
		next[e.ComplaintID] = evs
	}
	for id, evs := range next {
		put(tx, tx.s.events, id, evs)
	}
	return nil
}

func (tx *tx) EventList(ctx context.Context, p *storage.EventListParams) ([]complaint.Event, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if tx.complaint(p.Tenant, p.ComplaintID) == nil {
		return nil, nil
	}
	var out []complaint.Event
	for _, e := range tx.s.events[p.ComplaintID] {
		if e.Seq <= p.AfterSeq || p.PublicOnly && !e.Public {
			continue
		}
		if p.Limit > 0 && len(out) == p.Limit {
			break
		}
		out = append(out, cloneEvent(e))
	}
	return out, nil
}

func (tx *tx) TimerSet(ctx context.Context, p *storage.TimerSetParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if tx.complaint(p.Tenant, p.Timer.ComplaintID) == nil {
		return fmt.Errorf("%w: complaint %q", storage.ErrNotFound, p.Timer.ComplaintID)
	}
	put(tx, tx.s.timers, timerKey{p.Tenant, p.Timer.ComplaintID, p.Timer.Kind}, storage.Time(p.Timer.DueAt))
	return nil
}

func (tx *tx) TimerDelete(ctx context.Context, p *storage.TimerDeleteParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Kind != "" {
		del(tx, tx.s.timers, timerKey{p.Tenant, p.ComplaintID, p.Kind})
		return nil
	}
	for k := range tx.s.timers {
		if k.tenant == p.Tenant && k.complaintID == p.ComplaintID {
			del(tx, tx.s.timers, k)
		}
	}
	return nil
}

// timerOrder orders timers by due time, then tenant, complaint and kind.
func timerOrder(a, b storage.Timer) int {
	if c := a.DueAt.Compare(b.DueAt); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.ComplaintID, b.ComplaintID), cmp.Compare(a.Kind, b.Kind))
}

func (tx *tx) TimerList(ctx context.Context, p *storage.TimerListParams) ([]storage.Timer, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out []storage.Timer
	for k, due := range tx.s.timers {
		if k.tenant == p.Tenant && k.complaintID == p.ComplaintID {
			out = append(out, storage.Timer{Tenant: k.tenant, ComplaintID: k.complaintID, Kind: k.kind, DueAt: due})
		}
	}
	slices.SortFunc(out, timerOrder)
	return out, nil
}

func (tx *tx) TimerClaimDue(ctx context.Context, p *storage.TimerClaimDueParams) ([]storage.Timer, error) {
	if err := tx.write(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var due []storage.Timer
	for k, at := range tx.s.timers {
		if (p.Tenant == "" || k.tenant == p.Tenant) && !at.After(p.Now) {
			due = append(due, storage.Timer{Tenant: k.tenant, ComplaintID: k.complaintID, Kind: k.kind, DueAt: at})
		}
	}
	slices.SortFunc(due, timerOrder)
	if len(due) > p.Limit {
		due = due[:p.Limit]
	}
	for _, t := range due {
		del(tx, tx.s.timers, timerKey{t.Tenant, t.ComplaintID, t.Kind})
	}
	return due, nil
}

func (tx *tx) OutboxEnqueue(ctx context.Context, p *storage.OutboxEnqueueParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, m := range p.Messages {
		if _, taken := tx.s.outbox[m.ID]; taken || seen[m.ID] {
			return fmt.Errorf("%w: outbox message %q", storage.ErrDuplicate, m.ID)
		}
		seen[m.ID] = true
	}
	for _, m := range p.Messages {
		m.NextAttemptAt = storage.EffectiveNextAttempt(&m)
		m.CreatedAt = storage.Time(m.CreatedAt)
		m.Payload = clonePayload(m.Payload)
		put(tx, tx.s.outbox, m.ID, &m)
	}
	return nil
}

func clonePayload(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return slices.Clone(b)
}

func (tx *tx) OutboxClaim(ctx context.Context, p *storage.OutboxClaimParams) ([]storage.OutboxMessage, error) {
	if err := tx.write(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var ready []*storage.OutboxMessage
	for _, m := range tx.s.outbox {
		if !m.Dead && !m.NextAttemptAt.After(p.Now) {
			ready = append(ready, m)
		}
	}
	slices.SortFunc(ready, func(a, b *storage.OutboxMessage) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	if len(ready) > p.Limit {
		ready = ready[:p.Limit]
	}
	out := make([]storage.OutboxMessage, 0, len(ready))
	for _, m := range ready {
		leased := *m
		leased.Attempts++
		leased.NextAttemptAt = storage.Time(p.Now.Add(p.Lease))
		put(tx, tx.s.outbox, m.ID, &leased)
		ret := leased
		ret.Payload = clonePayload(leased.Payload)
		out = append(out, ret)
	}
	return out, nil
}

// outboxMessage returns the message id of tenant, or an error matching storage.ErrNotFound.
func (tx *tx) outboxMessage(tenant, id string) (*storage.OutboxMessage, error) {
	m := tx.s.outbox[id]
	if m == nil || m.Tenant != tenant {
		return nil, fmt.Errorf("%w: outbox message %q", storage.ErrNotFound, id)
	}
	return m, nil
}

func (tx *tx) OutboxAck(ctx context.Context, p *storage.OutboxAckParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if _, err := tx.outboxMessage(p.Tenant, p.ID); err != nil {
		return err
	}
	del(tx, tx.s.outbox, p.ID)
	return nil
}

func (tx *tx) OutboxNack(ctx context.Context, p *storage.OutboxNackParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	m, err := tx.outboxMessage(p.Tenant, p.ID)
	if err != nil {
		return err
	}
	failed := *m
	failed.NextAttemptAt = storage.Time(p.NextAttemptAt)
	failed.LastError = p.Error
	failed.Dead = p.Dead
	put(tx, tx.s.outbox, m.ID, &failed)
	return nil
}
