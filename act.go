package redress

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// EventAction records a business action taken on a complaint (compensation, refund, replacement,
// callback, ...), after the tier policy allowed it.
const EventAction complaint.EventType = "action"

// ActRequest asks the Desk to record a business action on a complaint: compensation, a refund, a
// replacement, a callback appointment — whatever the embedder's process calls it. The Desk does not
// move money; it checks the actor's tier policy (params such as "amount" are what the policy judges)
// and writes the decision into the audit trail, where webhooks pick it up.
type ActRequest struct {
	Tenant string
	ID     string
	Actor  complaint.Actor
	// Action is a lower-case token such as compensate, refund, replace or callback.
	Action string
	// Params go to the policy and, formatted, into the event's attributes.
	Params map[string]any
	Note   string
	// Public shows the action on the customer's tracking page.
	Public bool
	// ExpectedVersion as in TransitionRequest.
	ExpectedVersion int64
}

// Act records a business action after the Authorizer allowed it. It returns an error matching
// ErrDenied (with the policy's rule) when the actor may not take the action, a *complaint.TransitionError
// for a finished complaint, and ErrNotFound/ErrConflict as Transition does.
func (d *Desk) Act(ctx context.Context, r ActRequest) (*complaint.Complaint, error) {
	if err := checkTenant(r.Tenant); err != nil {
		return nil, err
	}
	if err := checkActor(r.Actor); err != nil {
		return nil, err
	}
	if !complaint.ValidToken(r.Action) {
		return nil, &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "action", Code: "invalid",
			Message: "must be a lower-case token such as compensate, refund, replace"}}}
	}
	if complaint.Trigger(r.Action).Valid() {
		return nil, &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "action", Code: "invalid",
			Message: fmt.Sprintf("%q is a lifecycle trigger: use Transition", r.Action)}}}
	}
	if len(r.Params) > complaint.MaxCustomFields {
		return nil, &complaint.ValidationError{Fields: []complaint.FieldError{{Field: "params", Code: "too_many",
			Message: fmt.Sprintf("has %d entries, at most %d allowed", len(r.Params), complaint.MaxCustomFields)}}}
	}
	return d.mutate(ctx, r.Tenant, r.ID, r.ExpectedVersion, func(ctx context.Context, _ storage.Tx, cur *complaint.Complaint, ch *change) error {
		if cur.Status.Final() {
			return &complaint.TransitionError{From: cur.Status, Trigger: complaint.Trigger(r.Action), Reason: "the complaint is finished"}
		}
		if err := d.authorize(ctx, r.Actor, r.Action, cur, r.Params); err != nil {
			return err
		}
		attrs := map[string]string{"action": r.Action}
		for _, k := range slices.Sorted(maps.Keys(r.Params)) {
			attrs["param."+k] = strings.TrimSpace(fmt.Sprint(r.Params[k]))
		}
		d.addEvent(ch, complaint.Event{Type: EventAction, Actor: r.Actor.ID, At: d.now(), Note: r.Note, Public: r.Public, Attrs: attrs})
		return nil
	})
}
