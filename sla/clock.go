package sla

import (
	"time"

	"github.com/redresshq/redress/complaint"
)

// Phase is where a clock stands in its own cycle.
type Phase string

// Phases of a clock.
const (
	PhaseNotStarted Phase = "not_started" // no start condition has matched yet (or it was reset)
	PhaseRunning    Phase = "running"     // counting business time
	PhasePaused     Phase = "paused"      // not counting, waiting for a resume condition
	PhaseStopped    Phase = "stopped"     // a stop condition matched; only a reopen restarts it
)

// State summarises a clock for people and dashboards.
type State string

// States of a clock. Breached wins over running and paused: a clock past its target keeps counting
// (so later levels can still fire) but shows as breached.
const (
	StateNotStarted State = "not_started"
	StateRunning    State = "running"
	StatePaused     State = "paused"
	StateMet        State = "met"      // stopped before its target
	StateBreached   State = "breached" // reached its target before it stopped (or has not stopped yet)
)

// Clock is the state of one target of a policy for one complaint at one instant.
//
// Times are UTC. Durations are business time on the clock's calendar.
type Clock struct {
	// Name is the target's name, such as "resolution".
	Name  string
	Phase Phase
	// Breached is set once the elapsed time reached the target in the current run (a reset or a reopen
	// in reset mode starts a new run).
	Breached bool
	// Target is the business time allowed to this complaint (after the policy's rules).
	Target time.Duration
	// Calendar names the calendar the clock runs on.
	Calendar string
	// StartedAt is when the current run started; zero when not started.
	StartedAt time.Time
	// StoppedAt is when the clock stopped; zero unless stopped.
	StoppedAt time.Time
	// Elapsed is the business time counted in the current run up to now (or up to the stop).
	Elapsed time.Duration
	// Remaining is Target − Elapsed: negative once breached, by how much the target is overrun.
	Remaining time.Duration
	// DueAt is when the target is (for a running clock) or was (for a breached one) reached; zero for a
	// clock that is not started, paused before its target, or met.
	DueAt time.Time
	// Level is the highest warning level reached so far, "" for none.
	Level string
	// Next is the next warning level to fire, and NextAt when it fires (rounded up to the microsecond,
	// and moved into service hours when the policy asks for it). Set only on running clocks that have a
	// level left; NextAt may be in the past when a level was reached but has not fired yet. Levels fire
	// in order, except that a breach level that comes due before reminders held back for service hours
	// fires first; a level that fires supersedes the lower levels not yet fired.
	Next   string
	NextAt time.Time
}

// State returns the summary state.
func (c Clock) State() State {
	switch {
	case c.Breached:
		return StateBreached
	case c.Phase == PhaseStopped:
		return StateMet
	}
	return State(c.Phase)
}

// AttrClock and AttrLevel are the attributes of an SLA event ([complaint.EventSLA]) naming the clock
// and the level that fired. [Policy.Clocks] reads them back: a level with such an event does not
// fire again in the same run.
const (
	AttrClock = "clock"
	AttrLevel = "level"
)

var slaTypeIndex = typeIndex(complaint.EventSLA)

// run is the replay state of one clock.
type run struct {
	phase      Phase
	started    time.Time
	stopped    time.Time
	runFrom    time.Time     // start of the current running segment
	base       time.Duration // elapsed before runFrom
	fired      uint32        // levels recorded as fired in this run
	breachedAt time.Time
}

// close ends the running segment at at, noting when the target was crossed.
func (r *run) close(t *target, within time.Duration, at time.Time) {
	seg := t.cal.Between(r.runFrom, at)
	if r.breachedAt.IsZero() && r.base < within && r.base+seg >= within {
		r.breachedAt = t.cal.Add(r.runFrom, within-r.base)
	}
	r.base += seg
	r.runFrom = at
}

// Clocks computes the state of every clock of the policy for complaint c at instant now, from the
// complaint's events in sequence order. It is a pure function: the same policy, complaint fields,
// events and now always give the same clocks, so clocks can be recomputed at any time and a changed
// policy can be re-applied by replaying the events.
//
// The complaint's current priority, safety flag, severity, category and customer decide the time
// allowed (via the targets' rules). Events after now are ignored. Each event, in order, does the
// following to each clock:
//
//   - an SLA event whose attributes name the clock marks its level as fired;
//   - a reset condition returns the clock to not started, with nothing elapsed and no level fired;
//   - then, by phase: not started → running on a start condition; running → stopped on a stop
//     condition, else → paused on a pause condition; paused → stopped on a stop condition, else →
//     running on a resume condition; stopped → running on a reopen condition, keeping what had
//     elapsed (reopen mode resume) or from zero (reopen mode reset).
//
// A clock breaches when its elapsed business time reaches the target: a complaint acknowledged at
// exactly the due instant has breached.
func (p *Policy) Clocks(c *complaint.Complaint, events []complaint.Event, now time.Time) []Clock {
	if c == nil {
		c = &complaint.Complaint{}
	}
	var buf [64]evKey
	keys := eventKeys(buf[:0], events, now)
	out := make([]Clock, len(p.targets))
	for i, t := range p.targets {
		out[i] = p.clock(t, c, events, keys, now)
	}
	return out
}

func (p *Policy) clock(t *target, c *complaint.Complaint, events []complaint.Event, keys []evKey, now time.Time) Clock {
	within := t.withinFor(c)
	r := run{phase: PhaseNotStarted}
	for i := range events {
		k := keys[i]
		if k.typ == slaTypeIndex {
			e := &events[i]
			if e.Attrs[AttrClock] == t.name {
				if lv := t.levelByName(e.Attrs[AttrLevel]); lv != nil {
					r.fired |= 1 << lv.index
				}
			}
		}
		if t.types[k.typ>>6]&(1<<(k.typ&63)) == 0 {
			continue // no condition of this clock can match an event of this type (or it is after now)
		}
		at := events[i].At
		if anyMatch(t.reset, k) {
			r = run{phase: PhaseNotStarted}
		}
		switch r.phase {
		case PhaseNotStarted:
			if anyMatch(t.start, k) {
				r.phase, r.started, r.runFrom = PhaseRunning, at, at
			}
		case PhaseRunning:
			if anyMatch(t.stop, k) {
				r.close(t, within, at)
				r.phase, r.stopped = PhaseStopped, at
			} else if anyMatch(t.pause, k) {
				r.close(t, within, at)
				r.phase = PhasePaused
			}
		case PhasePaused:
			if anyMatch(t.stop, k) {
				r.phase, r.stopped = PhaseStopped, at
			} else if anyMatch(t.resume, k) {
				r.phase, r.runFrom = PhaseRunning, at
			}
		case PhaseStopped:
			if anyMatch(t.reopn, k) {
				if t.mode == ReopenReset {
					r = run{phase: PhaseRunning, started: at, runFrom: at}
				} else {
					r.phase, r.runFrom, r.stopped = PhaseRunning, at, time.Time{}
				}
			}
		}
	}

	clk := Clock{Name: t.name, Phase: r.phase, Target: within, Calendar: t.cal.Name()}
	if r.phase == PhaseNotStarted {
		clk.Remaining = within
		return clk
	}
	base, segStart := r.base, r.runFrom // the current running segment, before it is closed at now
	if r.phase == PhaseRunning {
		r.close(t, within, now)
	}
	clk.StartedAt = r.started.UTC()
	clk.StoppedAt = utcOrZero(r.stopped)
	clk.Elapsed = r.base
	clk.Remaining = within - r.base
	clk.Breached = !r.breachedAt.IsZero()
	switch {
	case clk.Breached:
		clk.DueAt = r.breachedAt.UTC()
	case r.phase == PhaseRunning:
		clk.DueAt = t.cal.Add(segStart, within-base).UTC()
	}
	var highestFired = -1
	for j := range t.levels {
		lv := &t.levels[j]
		if lv.threshold(within) <= clk.Elapsed {
			clk.Level = lv.Name
		}
		if r.fired&(1<<j) != 0 {
			highestFired = j
		}
	}
	if r.phase == PhaseRunning {
		// The next level to fire is the one after the highest already fired that fires first. Without
		// service hours that is simply the next one; with them, reminders held back until the service
		// calendar opens may come after a breach, which then fires first and supersedes them.
		for j := highestFired + 1; j < len(t.levels); j++ {
			lv := &t.levels[j]
			at := segStart // a level reached before a pause fires as soon as the clock runs again
			if th := lv.threshold(within); th > base {
				at = t.cal.Add(segStart, th-base)
			}
			if lv.At < 1 && p.service != nil {
				at = p.service.NextOpen(at)
			}
			at = ceilMicro(at.UTC())
			if clk.Next == "" || !at.After(clk.NextAt) {
				clk.Next, clk.NextAt = lv.Name, at
			}
			if p.service == nil {
				break // fire instants increase with the level
			}
		}
	}
	return clk
}

// skipIndex marks events after now: no condition matches it.
const skipIndex = 254

// eventKeys reduces events to keys once for all clocks, marking those after now to be skipped.
func eventKeys(buf []evKey, events []complaint.Event, now time.Time) []evKey {
	for i := range events {
		if events[i].At.After(now) {
			buf = append(buf, evKey{typ: skipIndex})
		} else {
			buf = append(buf, keyOf(&events[i]))
		}
	}
	return buf
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// ceilMicro rounds t up to the microsecond, the precision stores keep: a timer stored at a rounded
// down instant would fire before its level is reached.
func ceilMicro(t time.Time) time.Time {
	if r := t.Truncate(time.Microsecond); !r.Equal(t) {
		return r.Add(time.Microsecond)
	}
	return t
}
