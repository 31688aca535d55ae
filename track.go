package redress

import (
	"context"
	"errors"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// TrackView is what a customer sees when looking a complaint up by tracking code: progress and the
// public part of the trail, never internal notes, assignees, tags or custom fields.
type TrackView struct {
	TrackingCode string           `json:"tracking_code"`
	Status       complaint.Status `json:"status"`
	Subject      string           `json:"subject"`
	Channel      string           `json:"channel"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
	Events       []TrackEvent     `json:"events"`
}

// TrackEvent is one public step of a complaint's progress.
type TrackEvent struct {
	At     time.Time           `json:"at"`
	Type   complaint.EventType `json:"type"`
	Status complaint.Status    `json:"status,omitempty"`
	Note   string              `json:"note,omitempty"`
}

// TrackLookup finds a complaint of tenant by the code the customer holds (typed loosely: case, spaces
// and look-alike letters are forgiven). A malformed code and an unknown code both return ErrNotFound,
// so probing tells an attacker nothing.
func (d *Desk) TrackLookup(ctx context.Context, tenant, code string) (*TrackView, error) {
	if err := checkTenant(tenant); err != nil {
		return nil, err
	}
	canon, err := complaint.ParseTrackingCode(code)
	if err != nil {
		return nil, ErrNotFound
	}
	var v *TrackView
	err = d.store.View(ctx, func(tx storage.ReadTx) error {
		c, err := tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: tenant, TrackingCode: canon})
		if err != nil {
			return err
		}
		evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: tenant, ComplaintID: c.ID, PublicOnly: true})
		if err != nil {
			return err
		}
		v = &TrackView{TrackingCode: c.TrackingCode, Status: c.Status, Subject: c.Subject, Channel: c.Channel,
			CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Events: make([]TrackEvent, 0, len(evs))}
		for _, ev := range evs {
			v.Events = append(v.Events, TrackEvent{At: ev.At, Type: ev.Type, Status: ev.To, Note: ev.Note})
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound
	}
	return v, err
}

// Summary is the part of a complaint sent with webhooks: enough to route a notification, without the
// customer's contact details or the description.
type Summary struct {
	ID           string             `json:"id"`
	Tenant       string             `json:"tenant"`
	TrackingCode string             `json:"tracking_code"`
	Channel      string             `json:"channel"`
	Status       complaint.Status   `json:"status"`
	Category     string             `json:"category,omitempty"`
	Severity     complaint.Severity `json:"severity,omitempty"`
	Priority     int                `json:"priority,omitempty"`
	Safety       bool               `json:"safety,omitempty"`
	Queue        string             `json:"queue,omitempty"`
	Assignee     string             `json:"assignee,omitempty"`
	Tier         int                `json:"tier,omitempty"`
	Version      int64              `json:"version"`
}

// Summarize extracts the webhook summary of c.
func Summarize(c *complaint.Complaint) Summary {
	return Summary{ID: c.ID, Tenant: c.Tenant, TrackingCode: c.TrackingCode, Channel: c.Channel, Status: c.Status,
		Category: c.Category, Severity: c.Severity, Priority: c.Priority, Safety: c.Safety, Queue: c.Queue,
		Assignee: c.Assignee, Tier: c.Tier, Version: c.Version}
}

// WebhookPayload is the JSON body of every outbox message the Desk writes.
type WebhookPayload struct {
	Event     complaint.Event `json:"event"`
	Complaint Summary         `json:"complaint"`
}
