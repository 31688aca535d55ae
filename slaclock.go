package redress

import (
	"context"
	"fmt"
	"strings"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
)

// beforeWrite derives what the complaint's history implies before it is stored: with SLA configured,
// the clocks are replayed from every event (stored and new), and a clock that breached marks the
// complaint breached even if no breach timer fired (it may have breached and stopped between scans).
func (d *Desk) beforeWrite(ctx context.Context, tx storage.ReadTx, ch *change) error {
	if d.cfg.SLA == nil {
		return nil
	}
	p, err := d.slaPolicy(ch.after)
	if err != nil {
		return err
	}
	evs, err := ch.history(ctx, tx)
	if err != nil {
		return err
	}
	ch.clocks = p.Clocks(ch.after, evs, d.now())
	for _, c := range ch.clocks {
		if c.Breached {
			ch.after.Breached = true
		}
	}
	return nil
}

// slaPolicy picks the complaint's policy. A name that is not (or no longer) in the set falls back to
// the default, so reloading a smaller policy file never strands complaints.
func (d *Desk) slaPolicy(c *complaint.Complaint) (*sla.Policy, error) {
	p, err := d.cfg.SLA.For(c)
	if err == nil {
		return p, nil
	}
	if p := d.cfg.SLA.Default(); p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("redress: SLA policy for complaint %s: %w", c.ID, err)
}

// slaTimers stores one timer per running clock: the instant its next warning level is due.
func (d *Desk) slaTimers(_ context.Context, _ storage.ReadTx, ch *change) ([]storage.Timer, error) {
	ts := sla.Timers(ch.clocks)
	out := make([]storage.Timer, 0, len(ts))
	for _, t := range ts {
		out = append(out, storage.Timer{Tenant: ch.after.Tenant, ComplaintID: ch.after.ID, Kind: t.Kind, DueAt: t.At})
	}
	return out, nil
}

// fireSLA acts on a due SLA timer: it records the level reached as an internal event (with whom to
// notify, for webhooks), marks a breach, and applies the level's escalation: reassignment to a queue
// and a raised tier.
func (d *Desk) fireSLA(ctx context.Context, tx storage.ReadTx, tm storage.Timer, ch *change) (bool, error) {
	p, err := d.slaPolicy(ch.after)
	if err != nil {
		return false, err
	}
	evs, err := ch.history(ctx, tx)
	if err != nil {
		return false, err
	}
	now := d.now()
	step, ok, err := p.Fire(tm.Kind, ch.after, evs, now)
	if err != nil || !ok {
		return false, err
	}
	ev := step.Event(SystemActor.ID, now)
	if len(step.Notify) > 0 {
		ev.Attrs = withAttrs(ev.Attrs, "notify", strings.Join(step.Notify, ","))
	}
	if step.Breach {
		ch.after.Breached = true
	}
	if step.Reassign != "" && step.Reassign != ch.after.Queue {
		ev.Attrs = withAttrs(ev.Attrs, "reassigned_from", ch.after.Queue)
		ch.after.Queue, ch.after.Assignee = step.Reassign, ""
	}
	d.addEvent(ch, ev)
	if step.RaiseTier {
		next, tev, err := d.lifecycle.Apply(ctx, ch.after, complaint.Request{
			Trigger: complaint.TriggerEscalate, Actor: SystemActor.ID, At: now,
			Note: fmt.Sprintf("escalated: %s reached %s", step.Clock, step.Level),
		})
		if err == nil {
			ch.after = next
			d.addEvent(ch, tev)
		}
	}
	return true, nil
}

func withAttrs(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}
