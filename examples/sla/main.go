// Command sla walks two complaints through their SLA clocks as time advances: an ordinary after-sales
// complaint on office hours (lunch break, a public holiday, a pause while waiting for the customer,
// a missed resolution target) and a safety complaint on a 24×7 clock (warnings, escalation to the
// safety team, a breach that raises the tier).
//
// It plays the part of the Desk: it applies lifecycle moves at injected times, stores the timers the
// clocks ask for, and fires them when they come due, applying each escalation step. The output is
// deterministic.
//
//	go run ./examples/sla
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/sla"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

var (
	shanghai, _ = time.LoadLocation("Asia/Shanghai")
	lifecycle   = complaint.NewLifecycle()
)

// config builds the policies in Go: an office calendar with a lunch break and National Day off, a
// standard policy on office hours and a safety policy on 24×7 with an escalation at every level.
func config() sla.Config {
	office := []sla.Interval{{Start: 9 * time.Hour, End: 12 * time.Hour}, {Start: 13 * time.Hour, End: 18 * time.Hour}}
	return sla.Config{
		Default: "standard",
		Calendars: map[string]sla.CalendarSpec{
			"office": {
				Zone:     "Asia/Shanghai",
				Hours:    map[string][]sla.Interval{"mon-fri": office},
				Holidays: []sla.Date{{Year: 2026, Month: time.October, Day: 1}},
			},
		},
		Policies: []sla.PolicySpec{
			{
				Name:         "standard",
				Calendar:     "office",
				ServiceHours: "office",
				Levels: []sla.Level{
					{Name: "blue", At: 0.5},
					{Name: "yellow", At: 0.75, Notify: []string{"role:supervisor"}},
					{Name: "red", At: 1, Notify: []string{"role:supervisor", "manager"}, RaiseTier: true},
				},
				Targets: []sla.TargetSpec{
					{Name: "first_response", Within: 4 * time.Hour},
					{Name: "resolution", Within: 12 * time.Hour},
					{Name: "follow_up", Within: 48 * time.Hour, Calendar: "24x7"},
				},
			},
			{
				Name:       "safety",
				Calendar:   "24x7",
				ReopenMode: sla.ReopenReset,
				Levels: []sla.Level{
					{Name: "blue", At: 0.5, Notify: []string{"role:supervisor"}},
					{Name: "yellow", At: 0.75, Notify: []string{"role:supervisor", "queue:quality"}, Reassign: "safety-team"},
					{Name: "red", At: 1, Notify: []string{"manager"}, RaiseTier: true},
				},
				Targets: []sla.TargetSpec{
					{Name: "first_response", Within: 2 * time.Hour},
					{Name: "resolution", Within: 24 * time.Hour},
					{Name: "follow_up", Within: 48 * time.Hour},
				},
			},
		},
	}
}

// tracked is one complaint as the Desk holds it: the record, its events and its stored timers.
type tracked struct {
	label  string
	policy *sla.Policy
	c      *complaint.Complaint
	events []complaint.Event
	timers []sla.Timer
}

func (t *tracked) append(e complaint.Event) {
	e.Seq = int64(len(t.events) + 1)
	t.events = append(t.events, e)
}

// refresh recomputes the stored timers, as the Desk does in every transaction.
func (t *tracked) refresh(now time.Time) {
	t.timers = sla.Timers(t.policy.Clocks(t.c, t.events, now))
}

// step is a scripted happening.
type step struct {
	at      string // Shanghai time, "2006-01-02 15:04"
	who     int
	trigger complaint.Trigger
	event   complaint.EventType // a non-transition event (received, feedback), when trigger is empty
	say     string
}

func script() []step {
	return []step{
		{"2026-09-30 16:00", 0, "", complaint.EventReceived, "an ordinary after-sales complaint comes in (standard policy, office hours)"},
		{"2026-09-30 16:30", 0, complaint.TriggerAcknowledge, "", "the agent acknowledges it"},
		{"2026-09-30 17:00", 0, complaint.TriggerInvestigate, "", "investigation starts"},
		{"2026-09-30 17:30", 0, complaint.TriggerRequestInfo, "", "the agent asks the customer for photos: clocks pause"},
		{"2026-09-30 22:00", 1, "", complaint.EventReceived, "a medical-device complaint comes in at night (safety policy, 24x7)"},
		{"2026-10-01 00:30", 1, complaint.TriggerAcknowledge, "", "the on-call agent reaches the customer, late"},
		{"2026-10-01 12:00", 0, "", "", "National Day: a holiday, the office clocks stand still"},
		{"2026-10-02 10:00", 0, complaint.TriggerCustomerReplied, "", "the customer sends the photos: clocks resume"},
		{"2026-10-02 15:00", 1, complaint.TriggerResolve, "", "the safety complaint is resolved: the 48h follow-up starts"},
		{"2026-10-03 11:00", 1, "", complaint.EventFeedback, "the customer answers the satisfaction survey"},
		{"2026-10-05 15:00", 0, complaint.TriggerResolve, "", "the ordinary complaint is resolved, after its target"},
		{"2026-10-05 18:00", 0, "", "", "end of the day"},
	}
}

func run(w io.Writer) error {
	set, err := sla.Compile(config())
	if err != nil {
		return err
	}
	standard, _ := set.Policy("standard")
	safety, _ := set.Policy("safety")
	cs := []*tracked{
		{label: "A", policy: standard, c: &complaint.Complaint{ID: "A", Queue: "after-sales", Tier: complaint.TierFrontline}},
		{label: "B", policy: safety, c: &complaint.Complaint{ID: "B", Queue: "after-sales", Tier: complaint.TierFrontline, Safety: true, SLAPolicy: "safety"}},
	}
	p := &printer{w: w}
	for _, s := range script() {
		at, err := time.ParseInLocation("2006-01-02 15:04", s.at, shanghai)
		if err != nil {
			return err
		}
		// The scanner fires every timer that comes due before this step, in time order.
		if err := scanUntil(p, cs, at); err != nil {
			return err
		}
		t := cs[s.who]
		switch {
		case s.trigger != "":
			next, ev, err := lifecycle.Apply(context.Background(), t.c, complaint.Request{Trigger: s.trigger, Actor: "agent", At: at})
			if err != nil {
				return err
			}
			t.c = next
			t.append(ev)
		case s.event == complaint.EventReceived:
			t.c.Status, t.c.CreatedAt = complaint.StatusReceived, at
			t.append(complaint.Event{Type: complaint.EventReceived, Actor: "customer", At: at, To: complaint.StatusReceived})
		case s.event != "":
			t.append(complaint.Event{Type: s.event, Actor: "customer", At: at})
		}
		t.refresh(at)
		p.moment(at, t.label, s.say)
		for _, x := range cs {
			if x == t || s.trigger == "" && s.event == "" {
				p.clocks(x, at)
			}
		}
	}
	return p.err
}

// scanUntil fires due timers, earliest first, until the next one is after end.
func scanUntil(p *printer, cs []*tracked, end time.Time) error {
	for {
		var t *tracked
		var due sla.Timer
		for _, x := range cs {
			for _, tm := range x.timers {
				if !tm.At.After(end) && (t == nil || tm.At.Before(due.At)) {
					t, due = x, tm
				}
			}
		}
		if t == nil {
			return nil
		}
		now := due.At
		step, ok, err := t.policy.Fire(due.Kind, t.c, t.events, now)
		if err != nil {
			return err
		}
		if !ok {
			t.refresh(now) // stale: the clock moved on
			continue
		}
		t.append(step.Event("sla-scanner", now))
		var did []string
		if len(step.Notify) > 0 {
			did = append(did, "notify "+strings.Join(step.Notify, ", "))
		}
		if step.Reassign != "" && step.Reassign != t.c.Queue {
			t.c.Queue = step.Reassign
			t.append(complaint.Event{Type: complaint.EventAssigned, Actor: "sla-scanner", At: now, Attrs: map[string]string{"queue": step.Reassign}})
			did = append(did, "move to queue "+step.Reassign)
		}
		if step.RaiseTier {
			next, ev, err := lifecycle.Apply(context.Background(), t.c, complaint.Request{Trigger: complaint.TriggerEscalate, Actor: "sla-scanner", At: now})
			if err != nil {
				return err
			}
			did = append(did, fmt.Sprintf("raise tier %d -> %d", t.c.Tier, next.Tier))
			t.c = next
			t.append(ev)
		}
		if step.Breach {
			t.c.Breached = true
			did = append(did, "mark breached")
		}
		if len(did) == 0 {
			did = append(did, "reminder")
		}
		t.refresh(now)
		p.moment(now, t.label, fmt.Sprintf("%s reaches %s (%g%%): %s", step.Clock, step.Level, step.Fraction*100, strings.Join(did, "; ")))
		p.clocks(t, now)
	}
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *printer) moment(at time.Time, who, what string) {
	p.printf("\n%s  %s  %s\n", stamp(at), who, what)
}

func (p *printer) clocks(t *tracked, now time.Time) {
	head := fmt.Sprintf("    %s %-8s queue %-11s tier %d %s", t.label, t.policy.Name(), t.c.Queue, t.c.Tier, t.c.Status)
	if t.c.Breached {
		head += ", breached"
	}
	p.printf("%s\n", head)
	for _, c := range t.policy.Clocks(t.c, t.events, now) {
		if c.Phase == sla.PhaseNotStarted {
			continue
		}
		p.printf("      %-15s %-11s %7s of %-4s", c.Name, c.State(), dur(c.Elapsed), dur(c.Target))
		switch {
		case c.Breached && c.Phase == sla.PhaseStopped:
			p.printf("  missed at %s, stopped %s", stamp(c.DueAt), stamp(c.StoppedAt))
		case c.Breached:
			p.printf("  missed at %s, overdue %s", stamp(c.DueAt), dur(-c.Remaining))
		case c.Phase == sla.PhaseStopped:
			p.printf("  met, stopped %s", stamp(c.StoppedAt))
		case c.Phase == sla.PhasePaused:
			p.printf("  paused, %s left", dur(c.Remaining))
		default:
			p.printf("  due %s", stamp(c.DueAt))
		}
		if c.Level != "" {
			p.printf("  [%s]", c.Level)
		}
		p.printf("\n")
	}
	if len(t.timers) > 0 {
		var ts []string
		for _, tm := range t.timers {
			ts = append(ts, fmt.Sprintf("%s at %s", strings.TrimPrefix(tm.Kind, sla.TimerPrefix), stamp(tm.At)))
		}
		p.printf("      timers: %s\n", strings.Join(ts, ", "))
	}
}

func stamp(t time.Time) string { return t.In(shanghai).Format("Mon 02 Jan 15:04") }

func dur(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%dm", m)
	case m == 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dh%02dm", h, m)
}
