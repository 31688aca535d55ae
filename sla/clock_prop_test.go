package sla

import (
	"context"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/redresshq/redress/complaint"
)

// propSet is the seed set plus a policy exercising reset, custom conditions and step limits.
func propSet(t *rapid.T) *Set {
	data := append(SeedYAML(), []byte(`
  - name: steps
    calendar: office
    reopen_mode: reset
    levels: [{name: half, at: 0.5}, {name: due, at: 1}, {name: late, at: 2}]
    targets:
      - name: resolution
        within: 16h
      - name: step:investigating
        within: 4h
      - name: callback
        calendar: 24x7
        within: 3h
        start: ["to:awaiting_customer"]
        stop: ["from:awaiting_customer", "type:comment"]
        reset: ["to:awaiting_customer"]
`)...)
	set, err := Parse(data)
	if err != nil {
		t.Fatalf("prop policy: %v", err)
	}
	return set
}

type walk struct {
	p      *Policy
	c      *complaint.Complaint
	events []complaint.Event
	now    time.Time
}

func (w *walk) add(e complaint.Event) {
	e.Seq = int64(len(w.events) + 1)
	w.events = append(w.events, e)
}

// scan fires every due timer like the Desk's scanner, until none is due.
func (w *walk) scan(t *rapid.T) {
	for range 20 {
		due := false
		for _, tm := range Timers(w.p.Clocks(w.c, w.events, w.now)) {
			if tm.At.After(w.now) {
				continue
			}
			step, ok, err := w.p.Fire(tm.Kind, w.c, w.events, w.now)
			if err != nil || !ok {
				t.Fatalf("due timer %s at %s did not fire: ok=%v err=%v", tm.Kind, w.now, ok, err)
			}
			w.add(step.Event("system", w.now))
			due = true
		}
		if !due {
			return
		}
	}
	t.Fatalf("scanner did not converge")
}

// genWalk draws a complaint's history: lifecycle moves, comments, feedback and scanner passes at
// increasing times.
func genWalk(t *rapid.T) *walk {
	set := propSet(t)
	pols := set.Policies()
	w := &walk{p: pols[rapid.IntRange(0, len(pols)-1).Draw(t, "policy")]}
	w.c = &complaint.Complaint{
		Priority: rapid.IntRange(0, 4).Draw(t, "priority"),
		Safety:   rapid.Bool().Draw(t, "safety"),
		Customer: complaint.Customer{VIP: rapid.Bool().Draw(t, "vip")},
		Status:   complaint.StatusReceived,
	}
	loc, _ := time.LoadLocation(sh)
	w.now = time.Date(2026, 9, 1, 0, 0, 0, 0, loc).Add(time.Duration(rapid.IntRange(0, 60*24*60).Draw(t, "start")) * time.Minute)
	w.add(complaint.Event{Type: complaint.EventReceived, At: w.now, To: complaint.StatusReceived})
	steps := rapid.IntRange(0, 30).Draw(t, "steps")
	for range steps {
		w.now = w.now.Add(time.Duration(rapid.IntRange(0, 30*60).Draw(t, "gap")) * time.Minute)
		req := complaint.Request{Actor: "agent", At: w.now, CloseAfter: 72 * time.Hour, DuplicateOf: "other"}
		moves := lifecycle.Permitted(context.Background(), w.c, req)
		switch action := rapid.IntRange(0, 9).Draw(t, "action"); {
		case action < 6 && len(moves) > 0:
			req.Trigger = moves[rapid.IntRange(0, len(moves)-1).Draw(t, "move")]
			next, ev, err := lifecycle.Apply(context.Background(), w.c, req)
			if err != nil {
				t.Fatalf("permitted move %s failed: %v", req.Trigger, err)
			}
			w.c = next
			w.add(ev)
		case action == 6:
			w.add(complaint.Event{Type: complaint.EventComment, At: w.now})
		case action == 7:
			w.add(complaint.Event{Type: complaint.EventFeedback, At: w.now})
		default:
			w.scan(t)
		}
	}
	w.now = w.now.Add(time.Duration(rapid.IntRange(0, 48*60).Draw(t, "tail")) * time.Minute)
	return w
}

func TestPropClocksReplay(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := genWalk(t)
		clocks := w.p.Clocks(w.c, w.events, w.now)

		// Same inputs, same output — also from a copy of the events, and from a re-read complaint.
		again := w.p.Clocks(w.c.Clone(), slices.Clone(w.events), w.now)
		if !slices.EqualFunc(clocks, again, clockEqual) {
			t.Fatalf("replay differs:\n%+v\n%+v", clocks, again)
		}

		set := propSet(t)
		for _, c := range clocks {
			cal, ok := set.Calendar(c.Calendar)
			if !ok {
				t.Fatalf("clock %s names unknown calendar %q", c.Name, c.Calendar)
			}
			if c.Elapsed+c.Remaining != c.Target || c.Elapsed < 0 || c.Target <= 0 {
				t.Fatalf("%s: elapsed %s + remaining %s != target %s", c.Name, c.Elapsed, c.Remaining, c.Target)
			}
			if c.Breached != (c.Elapsed >= c.Target) {
				t.Fatalf("%s: breached=%v with elapsed %s of %s", c.Name, c.Breached, c.Elapsed, c.Target)
			}
			switch c.Phase {
			case PhaseNotStarted:
				if c.Elapsed != 0 || !c.StartedAt.IsZero() || c.Next != "" {
					t.Fatalf("%s: not started but %+v", c.Name, c)
				}
				continue
			case PhaseStopped:
				if c.StoppedAt.IsZero() || c.Next != "" {
					t.Fatalf("%s: stopped but %+v", c.Name, c)
				}
			case PhasePaused:
				if c.Next != "" {
					t.Fatalf("%s: paused clocks have no next level", c.Name)
				}
			}
			end := w.now
			if c.Phase == PhaseStopped {
				end = c.StoppedAt
			}
			if c.StartedAt.After(end) || c.Elapsed > cal.Between(c.StartedAt, end) {
				t.Fatalf("%s: elapsed %s exceeds the business time %s since it started", c.Name, c.Elapsed, cal.Between(c.StartedAt, end))
			}
			if c.Phase == PhaseRunning && !c.Breached {
				if got := cal.Between(w.now, c.DueAt); got != c.Remaining {
					t.Fatalf("%s: due %s is %s away, remaining %s", c.Name, c.DueAt, got, c.Remaining)
				}
			}
			if c.Breached && (c.DueAt.IsZero() || c.DueAt.After(end)) {
				t.Fatalf("%s: breached at %s, after %s", c.Name, c.DueAt, end)
			}
		}

		// Time passing without events moves running clocks forward by exactly the business time that
		// passed, and leaves the others alone.
		later := w.now.Add(time.Duration(rapid.IntRange(0, 100*60).Draw(t, "later")) * time.Minute)
		for i, c := range w.p.Clocks(w.c, w.events, later) {
			before := clocks[i]
			grown := time.Duration(0)
			if before.Phase == PhaseRunning {
				cal, _ := set.Calendar(c.Calendar)
				grown = cal.Between(w.now, later)
			}
			if c.Phase != before.Phase || c.Elapsed != before.Elapsed+grown || (before.Breached && !c.Breached) ||
				levelIndex(c.Level) < levelIndex(before.Level) {
				t.Fatalf("%s: from %+v to %+v, expected %s more", c.Name, before, c, grown)
			}
		}

		// An event changes phases, never the time counted — except to start a clock again from zero.
		// With the rule above, this pins elapsed time down completely.
		for i := range w.events {
			at := w.events[i].At
			before := w.p.Clocks(w.c, w.events[:i], at)
			after := w.p.Clocks(w.c, w.events[:i+1], at)
			for j := range after {
				b, a := before[j], after[j]
				restarted := a.Elapsed == 0 && a.StartedAt.Equal(at) && a.Phase == PhaseRunning
				if a.Elapsed != b.Elapsed && !restarted && a.Phase != PhaseNotStarted {
					t.Fatalf("%s: event %d (%s %s) changed elapsed from %s to %s", a.Name, i, w.events[i].Type, w.events[i].Trigger, b.Elapsed, a.Elapsed)
				}
			}
		}

		// Each timer fires at its instant, not a microsecond before.
		for _, tm := range Timers(clocks) {
			fireAt := tm.At
			if fireAt.Before(w.now) {
				fireAt = w.now
			}
			if _, ok, err := w.p.Fire(tm.Kind, w.c, w.events, fireAt); err != nil || !ok {
				t.Fatalf("timer %s at %s does not fire at %s: %v", tm.Kind, tm.At, fireAt, err)
			}
			if early := tm.At.Add(-time.Microsecond); !early.Before(w.now) {
				if _, ok, _ := w.p.Fire(tm.Kind, w.c, w.events, early); ok {
					t.Fatalf("timer %s fires a microsecond early", tm.Kind)
				}
			}
		}

		// After a scan nothing is due, and every level already fired stays fired.
		w.scan(t)
		for _, tm := range Timers(w.p.Clocks(w.c, w.events, w.now)) {
			if !tm.At.After(w.now) {
				t.Fatalf("timer %s still due after a scan", tm.Kind)
			}
			for _, e := range w.events {
				if e.Type == complaint.EventSLA && TimerPrefix+e.Attrs[AttrClock]+"/"+e.Attrs[AttrLevel] == tm.Kind && !resets(w.p, e.Attrs[AttrClock]) {
					t.Fatalf("timer %s set again although it fired", tm.Kind)
				}
			}
		}
	})
}

// resets reports whether a clock of p can start a new run (reset conditions or reopen in reset
// mode), in which its levels legitimately fire again.
func resets(p *Policy, clock string) bool {
	for _, t := range p.targets {
		if t.name == clock {
			return len(t.reset) > 0 || (t.mode == ReopenReset && len(t.reopn) > 0)
		}
	}
	return false
}

func levelIndex(name string) int {
	return slices.Index([]string{"", "half", "blue", "yellow", "due", "red", "late"}, name)
}

func clockEqual(a, b Clock) bool {
	return a.Name == b.Name && a.Phase == b.Phase && a.Breached == b.Breached && a.Target == b.Target &&
		a.Calendar == b.Calendar && a.StartedAt.Equal(b.StartedAt) && a.StoppedAt.Equal(b.StoppedAt) &&
		a.Elapsed == b.Elapsed && a.Remaining == b.Remaining && a.DueAt.Equal(b.DueAt) &&
		a.Level == b.Level && a.Next == b.Next && a.NextAt.Equal(b.NextAt)
}
