package sla

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
)

var lifecycle = complaint.NewLifecycle()

// story builds a complaint's events the way the Desk does: through the lifecycle, at injected times,
// with SLA events appended when timers fire.
type story struct {
	t      *testing.T
	p      *Policy
	c      *complaint.Complaint
	events []complaint.Event
}

func newStory(t *testing.T, p *Policy, c *complaint.Complaint, received time.Time) *story {
	c.Status = complaint.StatusReceived
	c.CreatedAt = received
	s := &story{t: t, p: p, c: c}
	s.add(complaint.Event{Type: complaint.EventReceived, Actor: "customer", At: received, To: complaint.StatusReceived})
	return s
}

func (s *story) add(e complaint.Event) {
	e.Seq = int64(len(s.events) + 1)
	s.events = append(s.events, e)
}

func (s *story) do(tr complaint.Trigger, at time.Time) {
	s.t.Helper()
	next, ev, err := lifecycle.Apply(context.Background(), s.c, complaint.Request{Trigger: tr, Actor: "agent-7", At: at})
	require.NoError(s.t, err)
	s.c = next
	s.add(ev)
}

func (s *story) clock(name string, now time.Time) Clock {
	s.t.Helper()
	for _, c := range s.p.Clocks(s.c, s.events, now) {
		if c.Name == name {
			return c
		}
	}
	s.t.Fatalf("no clock %s", name)
	return Clock{}
}

// fire fires the timer of kind at now like the Desk: it returns the step, and records the SLA event.
func (s *story) fire(kind string, now time.Time) (Step, bool) {
	s.t.Helper()
	step, ok, err := s.p.Fire(kind, s.c, s.events, now)
	require.NoError(s.t, err)
	if ok {
		s.add(step.Event("system", now))
	}
	return step, ok
}

func (s *story) timers(now time.Time) []Timer { return Timers(s.p.Clocks(s.c, s.events, now)) }

func seedSet(t *testing.T) *Set {
	set, err := Parse(SeedYAML())
	require.NoError(t, err)
	return set
}

func policyOf(t *testing.T, set *Set, name string) *Policy {
	p, err := set.Policy(name)
	require.NoError(t, err)
	return p
}

const sh = "Asia/Shanghai"

// Seed 000: a medical-device complaint must be contacted within 2 hours, day and night. Warnings at
// 50 % and 75 % escalate; the breach at 100 % raises the tier.
func TestMedicalDeviceContactWithinTwoHours(t *testing.T) {
	set := seedSet(t)
	received := at(sh, "2026-09-07 22:00") // late evening: the safety clock does not wait for office hours
	s := newStory(t, policyOf(t, set, "safety"), &complaint.Complaint{Safety: true}, received)

	c := s.clock("first_response", at(sh, "2026-09-07 22:59"))
	assert.Equal(t, StateRunning, c.State())
	assert.Equal(t, 2*time.Hour, c.Target)
	assert.Equal(t, 59*time.Minute, c.Elapsed)
	assert.Equal(t, 61*time.Minute, c.Remaining)
	assert.True(t, c.DueAt.Equal(at(sh, "2026-09-08 00:00")), "due %s", c.DueAt)
	assert.Equal(t, "", c.Level)
	assert.Equal(t, []Timer{
		{Kind: "sla/first_response/blue", At: at(sh, "2026-09-07 23:00").UTC()},
		{Kind: "sla/resolution/blue", At: at(sh, "2026-09-08 10:00").UTC()},
	}, s.timers(at(sh, "2026-09-07 22:59")))

	// 50 %: blue, the supervisor is told.
	_, ok := s.fire("sla/first_response/blue", at(sh, "2026-09-07 22:59"))
	assert.False(t, ok, "a timer claimed early does not fire")
	step, ok := s.fire("sla/first_response/blue", at(sh, "2026-09-07 23:00"))
	require.True(t, ok)
	assert.Equal(t, Step{Clock: "first_response", Level: "blue", Fraction: 0.5, Target: 2 * time.Hour,
		ReachedAt: at(sh, "2026-09-07 23:00").UTC(), Notify: []string{"role:supervisor"}}, step)
	_, ok = s.fire("sla/first_response/blue", at(sh, "2026-09-07 23:01"))
	assert.False(t, ok, "a level fires once")

	// 75 %: yellow, reassigned to the safety team.
	c = s.clock("first_response", at(sh, "2026-09-07 23:00"))
	assert.Equal(t, "blue", c.Level)
	assert.Equal(t, "yellow", c.Next)
	assert.True(t, c.NextAt.Equal(at(sh, "2026-09-07 23:30")))
	step, ok = s.fire("sla/first_response/yellow", at(sh, "2026-09-07 23:30"))
	require.True(t, ok)
	assert.Equal(t, "safety-team", step.Reassign)
	assert.False(t, step.Breach)

	// 100 %: red, breached, tier raised.
	step, ok = s.fire("sla/first_response/red", at(sh, "2026-09-08 00:00"))
	require.True(t, ok)
	assert.True(t, step.Breach)
	assert.True(t, step.RaiseTier)
	assert.Equal(t, []string{"manager"}, step.Notify)
	ev := step.Event("system", at(sh, "2026-09-08 00:00"))
	assert.Equal(t, complaint.EventSLA, ev.Type)
	assert.Equal(t, "safety contact target missed", ev.Note)
	assert.Equal(t, map[string]string{AttrClock: "first_response", AttrLevel: "red"}, ev.Attrs)

	c = s.clock("first_response", at(sh, "2026-09-08 00:30"))
	assert.Equal(t, StateBreached, c.State())
	assert.Equal(t, PhaseRunning, c.Phase, "a breached clock keeps counting")
	assert.Equal(t, -30*time.Minute, c.Remaining)
	assert.True(t, c.DueAt.Equal(at(sh, "2026-09-08 00:00")), "DueAt says when it breached")
	assert.Equal(t, "red", c.Level)
	assert.Empty(t, c.Next, "no level left")

	// Acknowledging late stops the clock; it stays breached.
	s.do(complaint.TriggerAcknowledge, at(sh, "2026-09-08 00:40"))
	c = s.clock("first_response", at(sh, "2026-09-08 09:00"))
	assert.Equal(t, StateBreached, c.State())
	assert.Equal(t, PhaseStopped, c.Phase)
	assert.Equal(t, 2*time.Hour+40*time.Minute, c.Elapsed)
	assert.True(t, c.StoppedAt.Equal(at(sh, "2026-09-08 00:40")))
}

func TestMedicalDeviceContactedInTime(t *testing.T) {
	set := seedSet(t)
	received := at(sh, "2026-09-07 22:00")
	s := newStory(t, policyOf(t, set, "safety"), &complaint.Complaint{Safety: true}, received)
	s.do(complaint.TriggerAcknowledge, at(sh, "2026-09-07 23:45"))
	c := s.clock("first_response", at(sh, "2026-09-08 09:00"))
	assert.Equal(t, StateMet, c.State())
	assert.Equal(t, 105*time.Minute, c.Elapsed)
	assert.Equal(t, "yellow", c.Level, "it passed 75 % before it stopped")
	assert.True(t, c.DueAt.IsZero())
	for _, tm := range s.timers(at(sh, "2026-09-08 09:00")) {
		assert.NotContains(t, tm.Kind, "first_response", "a stopped clock has no timer")
	}
	_, ok := s.fire("sla/first_response/red", at(sh, "2026-09-08 00:00"))
	assert.False(t, ok, "the red timer set before the acknowledgement is stale")
}

// Seed 000: ordinary after-sales complaints are answered within 24 hours. The standard policy keeps
// reminders inside office hours, but never holds back the breach.
func TestOrdinaryAfterSalesWithinADay(t *testing.T) {
	set := seedSet(t)
	friday := at(sh, "2026-09-04 17:00")
	s := newStory(t, policyOf(t, set, "standard"), &complaint.Complaint{}, friday)

	c := s.clock("first_response", friday)
	assert.Equal(t, 24*time.Hour, c.Target)
	assert.True(t, c.DueAt.Equal(at(sh, "2026-09-05 17:00")), "24x7: due Saturday 17:00, got %s", c.DueAt)
	// Blue (Saturday 05:00) and yellow (Saturday 11:00) are held until Monday 09:00, so red fires first.
	assert.Equal(t, "red", c.Next)
	assert.True(t, c.NextAt.Equal(at(sh, "2026-09-05 17:00")))

	step, ok := s.fire("sla/first_response/red", at(sh, "2026-09-05 17:00"))
	require.True(t, ok)
	assert.True(t, step.Breach)
	c = s.clock("first_response", at(sh, "2026-09-07 09:00"))
	assert.Equal(t, StateBreached, c.State())
	assert.Empty(t, c.Next, "the breach superseded the reminders held back")

	// The resolution clock runs on office hours: 40 business hours from Friday 17:00.
	r := s.clock("resolution", friday)
	assert.Equal(t, 40*time.Hour, r.Target)
	// 1 h Friday, 8 h Monday to Thursday, then 09:00-12:00 and 13:00-17:00 on Friday.
	assert.True(t, r.DueAt.Equal(at(sh, "2026-09-11 17:00")), "due %s", r.DueAt)
	// Its blue level (20 h) is reached Wednesday 12:00, as the office closes for lunch: the reminder
	// waits until 13:00.
	assert.Equal(t, "blue", r.Next)
	assert.True(t, r.NextAt.Equal(at(sh, "2026-09-09 13:00")), "blue at %s", r.NextAt)
}

func TestReminderHeldUntilServiceHours(t *testing.T) {
	set := seedSet(t)
	// Received Monday 20:00: blue at 50 % of 24 h is Tuesday 08:00, before the office opens.
	s := newStory(t, policyOf(t, set, "standard"), &complaint.Complaint{}, at(sh, "2026-09-07 20:00"))
	c := s.clock("first_response", at(sh, "2026-09-07 20:00"))
	assert.Equal(t, "blue", c.Next)
	assert.True(t, c.NextAt.Equal(at(sh, "2026-09-08 09:00")), "blue held until 09:00, got %s", c.NextAt)
	_, ok := s.fire("sla/first_response/blue", at(sh, "2026-09-08 08:30"))
	assert.False(t, ok, "not before service hours")
	_, ok = s.fire("sla/first_response/blue", at(sh, "2026-09-08 09:00"))
	assert.True(t, ok)
}

// Seed 000: the satisfaction follow-up is due 48 hours after resolution.
func TestFollowUpWithin48HoursOfResolution(t *testing.T) {
	set := seedSet(t)
	start := at(sh, "2026-09-07 09:00")
	s := newStory(t, policyOf(t, set, "standard"), &complaint.Complaint{}, start)
	assert.Equal(t, StateNotStarted, s.clock("follow_up", start).State())
	s.do(complaint.TriggerAcknowledge, at(sh, "2026-09-07 09:10"))
	s.do(complaint.TriggerResolve, at(sh, "2026-09-08 10:00"))

	f := s.clock("follow_up", at(sh, "2026-09-08 10:00"))
	assert.Equal(t, StateRunning, f.State())
	assert.True(t, f.DueAt.Equal(at(sh, "2026-09-10 10:00")), "due %s", f.DueAt)
	assert.Equal(t, StateMet, s.clock("resolution", at(sh, "2026-09-08 10:00")).State())

	t.Run("feedback in time", func(t *testing.T) {
		s2 := *s
		s2.t = t
		s2.events = append([]complaint.Event(nil), s.events...)
		s2.add(complaint.Event{Type: complaint.EventFeedback, Actor: "customer", At: at(sh, "2026-09-09 15:00")})
		f := s2.clock("follow_up", at(sh, "2026-09-11 00:00"))
		assert.Equal(t, StateMet, f.State())
		assert.Equal(t, 29*time.Hour, f.Elapsed)
	})
	t.Run("no follow-up", func(t *testing.T) {
		f := s.clock("follow_up", at(sh, "2026-09-10 10:00"))
		assert.Equal(t, StateBreached, f.State())
	})
	t.Run("reopen cancels it until the next resolution", func(t *testing.T) {
		s2 := *s
		s2.t = t
		s2.events = append([]complaint.Event(nil), s.events...)
		s2.do(complaint.TriggerReopen, at(sh, "2026-09-09 09:00"))
		assert.Equal(t, StateNotStarted, s2.clock("follow_up", at(sh, "2026-09-10 12:00")).State())
		s2.do(complaint.TriggerResolve, at(sh, "2026-09-09 11:00"))
		f := s2.clock("follow_up", at(sh, "2026-09-09 11:00"))
		assert.True(t, f.DueAt.Equal(at(sh, "2026-09-11 11:00")), "a fresh 48 h: due %s", f.DueAt)
	})
}

// Clocks pause while the complaint waits for the customer, and resume when the customer replies.
func TestResolutionPausesWhileAwaitingCustomer(t *testing.T) {
	set := seedSet(t)
	s := newStory(t, policyOf(t, set, "standard"), &complaint.Complaint{}, at(sh, "2026-09-07 09:00"))
	s.do(complaint.TriggerAcknowledge, at(sh, "2026-09-07 09:30"))
	s.do(complaint.TriggerInvestigate, at(sh, "2026-09-07 10:00"))
	s.do(complaint.TriggerRequestInfo, at(sh, "2026-09-07 11:00"))

	c := s.clock("resolution", at(sh, "2026-09-09 10:00"))
	assert.Equal(t, StatePaused, c.State())
	assert.Equal(t, 2*time.Hour, c.Elapsed, "two business hours before the pause; two days of waiting do not count")
	assert.True(t, c.DueAt.IsZero(), "no due instant while paused")
	assert.Empty(t, c.Next)
	for _, tm := range s.timers(at(sh, "2026-09-09 10:00")) {
		assert.NotContains(t, tm.Kind, "resolution", "a paused clock has no timer")
	}
	_, ok := s.fire("sla/resolution/blue", at(sh, "2026-09-09 10:00"))
	assert.False(t, ok, "a timer set before the pause is stale")

	s.do(complaint.TriggerCustomerReplied, at(sh, "2026-09-09 10:00"))
	c = s.clock("resolution", at(sh, "2026-09-09 11:00"))
	assert.Equal(t, StateRunning, c.State())
	assert.Equal(t, 3*time.Hour, c.Elapsed)
	assert.Equal(t, 37*time.Hour, c.Remaining)
	// 38 business hours from Wednesday 10:00: 7 h Wed, 8 h Thu, 8 h Fri, 8 h Mon, 7 h Tue.
	assert.True(t, c.DueAt.Equal(at(sh, "2026-09-15 17:00")), "due %s", c.DueAt)
	assert.Equal(t, "blue", c.Next)
	// Blue (20 h) needs 18 more: 7 h Wed, 8 h Thu, 09:00-12:00 Fri; reminders wait for 13:00.
	assert.True(t, c.NextAt.Equal(at(sh, "2026-09-11 13:00")), "blue (20 h) at %s", c.NextAt)
}

// Reopen is a policy choice: resume continues the stopped clock, reset starts it over.
func TestReopenResumeOrReset(t *testing.T) {
	cfg := func(mode ReopenMode) *Policy {
		set, err := Compile(Config{Policies: []PolicySpec{{
			Name: "p", ReopenMode: mode,
			Targets: []TargetSpec{{Name: "resolution", Within: 10 * time.Hour}},
		}}})
		require.NoError(t, err)
		return set.Default()
	}
	t0 := at("UTC", "2026-09-07 00:00")
	play := func(p *Policy) *story {
		s := newStory(t, p, &complaint.Complaint{}, t0)
		s.do(complaint.TriggerAcknowledge, t0.Add(time.Hour))
		_, ok := s.fire("sla/resolution/blue", t0.Add(5*time.Hour))
		require.True(t, ok)
		s.do(complaint.TriggerResolve, t0.Add(6*time.Hour))
		s.do(complaint.TriggerConfirm, t0.Add(7*time.Hour))
		s.do(complaint.TriggerReopen, t0.Add(24*time.Hour))
		return s
	}
	now := t0.Add(25 * time.Hour)

	s := play(cfg(ReopenResume))
	c := s.clock("resolution", now)
	assert.Equal(t, StateRunning, c.State())
	assert.Equal(t, 7*time.Hour, c.Elapsed, "6 h before resolving plus 1 h since the reopen")
	assert.True(t, c.StartedAt.Equal(t0))
	assert.Equal(t, "blue", c.Level)
	assert.Equal(t, "yellow", c.Next, "blue already fired in this run")
	assert.True(t, c.NextAt.Equal(t0.Add(24*time.Hour+90*time.Minute)))

	s = play(cfg(ReopenReset))
	c = s.clock("resolution", now)
	assert.Equal(t, StateRunning, c.State())
	assert.Equal(t, time.Hour, c.Elapsed)
	assert.True(t, c.StartedAt.Equal(t0.Add(24*time.Hour)))
	assert.Equal(t, "", c.Level)
	assert.Equal(t, "blue", c.Next, "a reset re-arms every level")
	assert.True(t, c.NextAt.Equal(t0.Add(29*time.Hour)))
	_, ok := s.fire("sla/resolution/blue", t0.Add(29*time.Hour))
	assert.True(t, ok, "blue fires again in the new run")

	// The seed's safety policy resets: a reopened safety complaint gets its full 24 h again.
	set := seedSet(t)
	s = newStory(t, policyOf(t, set, "safety"), &complaint.Complaint{Safety: true}, t0)
	s.do(complaint.TriggerAcknowledge, t0.Add(time.Hour))
	s.do(complaint.TriggerResolve, t0.Add(20*time.Hour))
	s.do(complaint.TriggerReopen, t0.Add(30*time.Hour))
	c = s.clock("resolution", t0.Add(30*time.Hour))
	assert.True(t, c.DueAt.Equal(t0.Add(54*time.Hour)), "due %s", c.DueAt)
}

// Seed 003, the golden hour: acknowledge within 1 h, first check within 2 h of acknowledging.
func TestGoldenHour(t *testing.T) {
	set := seedSet(t)
	t0 := at(sh, "2026-09-07 10:00")
	s := newStory(t, policyOf(t, set, "quality"), &complaint.Complaint{}, t0)
	assert.Equal(t, StateNotStarted, s.clock("first_check", t0).State())
	s.do(complaint.TriggerAcknowledge, at(sh, "2026-09-07 10:20"))
	assert.Equal(t, StateMet, s.clock("first_response", at(sh, "2026-09-07 10:20")).State())
	fc := s.clock("first_check", at(sh, "2026-09-07 10:20"))
	assert.Equal(t, StateRunning, fc.State())
	assert.True(t, fc.DueAt.Equal(at(sh, "2026-09-07 12:20")))
	s.do(complaint.TriggerInvestigate, at(sh, "2026-09-07 11:00"))
	assert.Equal(t, StateMet, s.clock("first_check", at(sh, "2026-09-07 12:00")).State())
	ff := s.clock("first_findings", at(sh, "2026-09-07 12:00"))
	assert.Equal(t, StateRunning, ff.State())
	assert.True(t, ff.DueAt.Equal(at(sh, "2026-09-08 10:00")))
	s.do(complaint.TriggerRequestInfo, at(sh, "2026-09-08 09:00"))
	assert.Equal(t, StateMet, s.clock("first_findings", at(sh, "2026-09-08 12:00")).State())
}

// Warning levels are reached at 50, 75 and 100 % of the target, and fire in that order.
func TestWarningLevels(t *testing.T) {
	set, err := Compile(Config{Policies: []PolicySpec{{Name: "p",
		Targets: []TargetSpec{{Name: "resolution", Within: 8 * time.Hour}}}}})
	require.NoError(t, err)
	t0 := at("UTC", "2026-09-07 00:00")
	s := newStory(t, set.Default(), &complaint.Complaint{}, t0)
	tests := []struct {
		after time.Duration
		level string
		state State
		next  string
	}{
		{3*time.Hour + 59*time.Minute, "", StateRunning, "blue"},
		{4 * time.Hour, "blue", StateRunning, "yellow"},
		{6 * time.Hour, "yellow", StateRunning, "red"},
		{8*time.Hour - time.Nanosecond, "yellow", StateRunning, "red"},
		{8 * time.Hour, "red", StateBreached, ""},
	}
	for _, tt := range tests {
		now := t0.Add(tt.after)
		// Fire whatever is due, like the scanner, before looking.
		for _, tm := range s.timers(now) {
			if !tm.At.After(now) {
				_, ok := s.fire(tm.Kind, now)
				require.True(t, ok, "%s at %s", tm.Kind, tt.after)
			}
		}
		c := s.clock("resolution", now)
		assert.Equal(t, tt.level, c.Level, "level at %s", tt.after)
		assert.Equal(t, tt.state, c.State(), "state at %s", tt.after)
		assert.Equal(t, tt.next, c.Next, "next at %s", tt.after)
	}
	var fired []string
	for _, e := range s.events {
		if e.Type == complaint.EventSLA {
			fired = append(fired, e.Attrs[AttrLevel])
		}
	}
	assert.Equal(t, []string{"blue", "yellow", "red"}, fired)
}

// A step limit measures each stay in one status.
func TestStepLimit(t *testing.T) {
	set, err := Compile(Config{Policies: []PolicySpec{{Name: "p",
		Targets: []TargetSpec{{Name: "step:investigating", Within: 4 * time.Hour}}}}})
	require.NoError(t, err)
	t0 := at("UTC", "2026-09-07 00:00")
	s := newStory(t, set.Default(), &complaint.Complaint{}, t0)
	s.do(complaint.TriggerAcknowledge, t0.Add(time.Hour))
	assert.Equal(t, StateNotStarted, s.clock("step:investigating", t0.Add(time.Hour)).State())
	s.do(complaint.TriggerInvestigate, t0.Add(2*time.Hour))
	s.do(complaint.TriggerEscalate, t0.Add(3*time.Hour)) // stays investigating: no restart
	s.do(complaint.TriggerRequestInfo, t0.Add(5*time.Hour))
	c := s.clock("step:investigating", t0.Add(6*time.Hour))
	assert.Equal(t, StateMet, c.State())
	assert.Equal(t, 3*time.Hour, c.Elapsed)
	s.do(complaint.TriggerCustomerReplied, t0.Add(30*time.Hour))
	c = s.clock("step:investigating", t0.Add(31*time.Hour))
	assert.Equal(t, StateRunning, c.State())
	assert.Equal(t, time.Hour, c.Elapsed, "a new stay starts from zero")
	assert.True(t, c.DueAt.Equal(t0.Add(34*time.Hour)))
}

// Targets vary with priority, safety, VIP and customer tier; the first matching rule wins.
func TestTargetRules(t *testing.T) {
	set, err := Compile(Config{Policies: []PolicySpec{{Name: "p", Targets: []TargetSpec{{
		Name: "first_response", Within: 24 * time.Hour,
		Rules: []Rule{
			{When: Match{Safety: true}, Within: 2 * time.Hour},
			{When: Match{Priorities: []int{1}}, Within: 4 * time.Hour},
			{When: Match{VIP: true}, Within: 8 * time.Hour},
			{When: Match{CustomerTiers: []string{"gold"}}, Within: 12 * time.Hour},
		},
	}}}}})
	require.NoError(t, err)
	t0 := at("UTC", "2026-09-07 00:00")
	events := []complaint.Event{{Type: complaint.EventReceived, At: t0}}
	tests := []struct {
		name string
		c    complaint.Complaint
		want time.Duration
	}{
		{"ordinary", complaint.Complaint{Priority: 3}, 24 * time.Hour},
		{"safety wins over everything", complaint.Complaint{Safety: true, Priority: 1, Customer: complaint.Customer{VIP: true}}, 2 * time.Hour},
		{"priority 1", complaint.Complaint{Priority: 1, Customer: complaint.Customer{VIP: true}}, 4 * time.Hour},
		{"VIP", complaint.Complaint{Priority: 2, Customer: complaint.Customer{VIP: true}}, 8 * time.Hour},
		{"gold tier", complaint.Complaint{Customer: complaint.Customer{Tier: "gold"}}, 12 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := set.Default().Clocks(&tt.c, events, t0)[0]
			assert.Equal(t, tt.want, c.Target)
			assert.True(t, c.DueAt.Equal(t0.Add(tt.want)))
		})
	}
}

func TestClocksEdgeCases(t *testing.T) {
	set := seedSet(t)
	p := policyOf(t, set, "safety")
	t0 := at("UTC", "2026-09-07 00:00")

	// A received event without a To status still enters "received".
	bare := []complaint.Event{{Type: complaint.EventReceived, At: t0}}
	assert.Equal(t, StateRunning, p.Clocks(nil, bare, t0.Add(time.Minute))[0].State())

	// Events after now are not seen yet.
	events := []complaint.Event{
		{Type: complaint.EventReceived, At: t0},
		{Type: complaint.EventTransition, Trigger: complaint.TriggerAcknowledge, From: complaint.StatusReceived, To: complaint.StatusAcknowledged, At: t0.Add(time.Hour)},
	}
	c := p.Clocks(nil, events, t0.Add(30*time.Minute))[0]
	assert.Equal(t, StateRunning, c.State())
	assert.Equal(t, 30*time.Minute, c.Elapsed)

	// No events: nothing started.
	for _, c := range p.Clocks(nil, nil, t0) {
		assert.Equal(t, StateNotStarted, c.State())
		assert.Equal(t, c.Target, c.Remaining)
	}

	// SLA events of another clock, or of an unknown level, change nothing.
	other := append(append([]complaint.Event(nil), bare...),
		complaint.Event{Type: complaint.EventSLA, At: t0.Add(time.Hour), Attrs: map[string]string{AttrClock: "resolution", AttrLevel: "blue"}},
		complaint.Event{Type: complaint.EventSLA, At: t0.Add(time.Hour), Attrs: map[string]string{AttrClock: "first_response", AttrLevel: "purple"}},
	)
	assert.Equal(t, "blue", p.Clocks(nil, other, t0.Add(time.Hour))[0].Next)

	// Fire rejects kinds that are not SLA timers, and calls unknown clocks or levels stale.
	_, _, err := p.Fire("close/auto", nil, bare, t0)
	assert.ErrorIs(t, err, ErrNotSLATimer)
	_, ok, err := p.Fire("sla/nope/red", nil, bare, t0.Add(5*time.Hour))
	assert.NoError(t, err)
	assert.False(t, ok)
	_, ok, err = p.Fire("sla/first_response/purple", nil, bare, t0.Add(5*time.Hour))
	assert.NoError(t, err)
	assert.False(t, ok)
}

// Timer instants are rounded up to the microsecond stores keep, so a stored timer never fires early.
func TestTimersRoundUpToMicroseconds(t *testing.T) {
	set, err := Compile(Config{Policies: []PolicySpec{{Name: "p",
		Levels:  []Level{{Name: "third", At: 1.0 / 3}, {Name: "red", At: 1}},
		Targets: []TargetSpec{{Name: "resolution", Within: time.Hour + time.Microsecond}}}}})
	require.NoError(t, err)
	t0 := at("UTC", "2026-09-07 00:00")
	events := []complaint.Event{{Type: complaint.EventReceived, At: t0}}
	tm := Timers(set.Default().Clocks(nil, events, t0))
	require.Len(t, tm, 1)
	assert.Equal(t, tm[0].At, tm[0].At.Truncate(time.Microsecond))
	// A third of 1h0m0.000001s is 20m0.000000333s: the timer is at 20m0.000001s.
	assert.True(t, tm[0].At.Equal(t0.Add(20*time.Minute+time.Microsecond)), "timer at %s", tm[0].At)
	_, ok, err := set.Default().Fire(tm[0].Kind, nil, events, tm[0].At)
	require.NoError(t, err)
	assert.True(t, ok)
	_, ok, err = set.Default().Fire(tm[0].Kind, nil, events, tm[0].At.Add(-time.Microsecond))
	require.NoError(t, err)
	assert.False(t, ok)
}
