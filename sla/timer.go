package sla

import (
	"errors"
	"fmt"
	"time"

	"github.com/redresshq/redress/complaint"
)

// ErrNotSLATimer is returned by [Policy.Fire] for a timer kind this package did not make.
var ErrNotSLATimer = errors.New("sla: not an SLA timer kind")

// Timer is a due instant the Desk stores for a complaint (as storage.Timer Kind and DueAt): when it
// passes, the scanner calls [Policy.Fire] with the kind.
type Timer struct {
	// Kind is sla/<clock>/<level>, for example "sla/resolution/yellow".
	Kind string
	// At is when the level fires, in UTC, rounded up to the microsecond.
	At time.Time
}

// Timers returns the timers to store for clocks: one per running clock with a level left to fire,
// for that next level. Paused, stopped and not-started clocks have none; so the Desk replaces a
// complaint's SLA timers (those whose kind starts with [TimerPrefix]) with this list in the same
// transaction as every change to the complaint.
func Timers(clocks []Clock) []Timer {
	var out []Timer
	for i := range clocks {
		c := &clocks[i]
		if c.Phase == PhaseRunning && c.Next != "" {
			out = append(out, Timer{Kind: timerKind(c.Name, c.Next), At: c.NextAt})
		}
	}
	return out
}

// Step is what the Desk does when a level fires: append an SLA event ([Step.Event]), notify, and
// apply the escalation.
type Step struct {
	Clock string
	Level string
	// Fraction is the level's fraction of the target (0.75 for 75 %).
	Fraction float64
	// Breach is set for levels at 1.0 and above: the Desk marks the complaint breached.
	Breach bool
	// Target is the business time the clock allows this complaint.
	Target time.Duration
	// ReachedAt is when the level fired by the clock (moved into service hours when the policy asks).
	ReachedAt time.Time
	// Notify, Reassign, RaiseTier and Note come from the level's escalation.
	Notify    []string
	Reassign  string
	RaiseTier bool
	Note      string
}

// Event returns the SLA event recording the step, with attributes [AttrClock] and [AttrLevel] so that
// [Policy.Clocks] knows the level fired. The Desk assigns ID, tenant, complaint and sequence number.
func (s Step) Event(actor string, at time.Time) complaint.Event {
	note := s.Note
	if note == "" {
		note = fmt.Sprintf("%s reached %s (%g%% of %s)", s.Clock, s.Level, s.Fraction*100, s.Target)
	}
	return complaint.Event{
		Type:  complaint.EventSLA,
		Actor: actor,
		At:    at.UTC().Truncate(time.Microsecond),
		Note:  note,
		Attrs: map[string]string{AttrClock: s.Clock, AttrLevel: s.Level},
	}
}

// Fire decides what a due timer of kind does for complaint c with its events at now. ok is false when
// the timer is stale, and then nothing fires: the clock is gone from the policy, is no longer running
// (paused or stopped since the timer was set), the level already fired, or the level is not due yet
// (the clock was paused in between, so its levels moved). The Desk then just recomputes the timers.
//
// Only the next level fires; when several are due (a scanner that ran late), the timers recomputed
// after appending the step's event are due at once and the following level fires on the next scan.
// Fire returns [ErrNotSLATimer] for a kind not of the form sla/<clock>/<level>.
func (p *Policy) Fire(kind string, c *complaint.Complaint, events []complaint.Event, now time.Time) (step Step, ok bool, err error) {
	clock, lvName, isSLA := ParseTimerKind(kind)
	if !isSLA {
		return Step{}, false, fmt.Errorf("%w: %q", ErrNotSLATimer, kind)
	}
	var t *target
	for _, tt := range p.targets {
		if tt.name == clock {
			t = tt
		}
	}
	if t == nil {
		return Step{}, false, nil
	}
	lv := t.levelByName(lvName)
	if lv == nil {
		return Step{}, false, nil
	}
	if c == nil {
		c = &complaint.Complaint{}
	}
	var buf [64]evKey
	clk := p.clock(t, c, events, eventKeys(buf[:0], events, now), now)
	if clk.Phase != PhaseRunning || clk.Next != lvName || now.Before(clk.NextAt) {
		return Step{}, false, nil
	}
	return Step{
		Clock:     clock,
		Level:     lv.Name,
		Fraction:  lv.At,
		Breach:    lv.At >= 1,
		Target:    clk.Target,
		ReachedAt: clk.NextAt,
		Notify:    append([]string(nil), lv.Notify...),
		Reassign:  lv.Reassign,
		RaiseTier: lv.RaiseTier,
		Note:      lv.Note,
	}, true, nil
}
