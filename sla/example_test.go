package sla_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/sla"
)

// A Shanghai office calendar with a lunch break, the National Day holiday and a make-up Saturday.
func ExampleCalendar_Add() {
	office, err := sla.NewCalendar("office", sla.CalendarSpec{
		Zone: "Asia/Shanghai",
		Hours: map[string][]sla.Interval{
			"mon-fri": {{Start: 9 * time.Hour, End: 12 * time.Hour}, {Start: 13 * time.Hour, End: 18 * time.Hour}},
		},
		Holidays: []sla.Date{{Year: 2026, Month: time.October, Day: 1}, {Year: 2026, Month: time.October, Day: 2}},
		WorkingDays: []sla.WorkingDay{{
			Date:  sla.Date{Year: 2026, Month: time.October, Day: 10},
			Hours: []sla.Interval{{Start: 9 * time.Hour, End: 12 * time.Hour}},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	loc := office.Location()
	for _, c := range []struct {
		from string
		d    time.Duration
	}{
		{"2026-09-07 11:00", 2 * time.Hour},    // across lunch
		{"2026-09-30 17:00", 2 * time.Hour},    // across the holiday and the weekend
		{"2026-10-09 17:00", 90 * time.Minute}, // into the make-up Saturday
	} {
		start, _ := time.ParseInLocation("2006-01-02 15:04", c.from, loc)
		due := office.Add(start, c.d)
		fmt.Printf("%s + %s -> %s (%s of business time)\n", c.from, c.d, due.Format("Mon 2006-01-02 15:04"), office.Between(start, due))
	}
	// Output:
	// 2026-09-07 11:00 + 2h0m0s -> Mon 2026-09-07 14:00 (2h0m0s of business time)
	// 2026-09-30 17:00 + 2h0m0s -> Mon 2026-10-05 10:00 (2h0m0s of business time)
	// 2026-10-09 17:00 + 1h30m0s -> Sat 2026-10-10 09:30 (1h30m0s of business time)
}

// Problems in a policy file come back all at once, each with its policy, target, line and column.
func ExampleParse_errors() {
	_, err := sla.Parse([]byte(`
policies:
  - name: standard
    calendar: office
    targets:
      - name: resolution
        within: -4h
        pause: ["to:waiting"]
`))
	fmt.Println(err)
	// Output:
	// sla: policy "standard": policies[0].calendar: no calendar is called "office" (line 4, column 5)
	// sla: policy "standard", target "resolution": policies[0].targets[0].within: -4h0m0s is negative (line 7, column 9)
	// sla: policy "standard", target "resolution": policies[0].targets[0].pause[0]: unknown status "waiting" (line 8, column 17)
}

// Clocks are replayed from the complaint's events; waiting for the customer does not count.
func ExamplePolicy_Clocks() {
	set, err := sla.Parse([]byte(`
policies:
  - name: standard
    targets:
      - name: first_response
        within: 2h
      - name: resolution
        within: 8h
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p := set.Default()
	lc := complaint.NewLifecycle()
	t0 := time.Date(2026, 9, 7, 9, 0, 0, 0, time.UTC)
	c := &complaint.Complaint{Status: complaint.StatusReceived}
	events := []complaint.Event{{Type: complaint.EventReceived, At: t0}}
	for _, step := range []struct {
		trigger complaint.Trigger
		after   time.Duration
	}{
		{complaint.TriggerAcknowledge, 30 * time.Minute},
		{complaint.TriggerInvestigate, time.Hour},
		{complaint.TriggerRequestInfo, 2 * time.Hour},
		{complaint.TriggerCustomerReplied, 26 * time.Hour},
	} {
		next, ev, err := lc.Apply(context.Background(), c, complaint.Request{Trigger: step.trigger, Actor: "agent", At: t0.Add(step.after)})
		if err != nil {
			fmt.Println(err)
			return
		}
		c, events = next, append(events, ev)
	}
	for _, clk := range p.Clocks(c, events, t0.Add(27*time.Hour)) {
		fmt.Printf("%s: %s, %s elapsed, %s remaining", clk.Name, clk.State(), clk.Elapsed, clk.Remaining)
		if clk.Next != "" {
			fmt.Printf(", %s at %s", clk.Next, clk.NextAt.Format("Jan 2 15:04"))
		}
		fmt.Println()
	}
	// Output:
	// first_response: met, 30m0s elapsed, 1h30m0s remaining
	// resolution: running, 3h0m0s elapsed, 5h0m0s remaining, blue at Sep 8 13:00
}

// The Desk stores the timers, and when one comes due asks what to do.
func ExamplePolicy_Fire() {
	set, err := sla.Parse(sla.SeedYAML())
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := set.Policy("safety")
	t0 := time.Date(2026, 9, 7, 22, 0, 0, 0, time.UTC)
	c := &complaint.Complaint{Safety: true, Status: complaint.StatusReceived}
	events := []complaint.Event{{Type: complaint.EventReceived, At: t0}}

	now := t0.Add(90 * time.Minute)
	for _, tm := range sla.Timers(p.Clocks(c, events, now)) {
		fmt.Println("timer", tm.Kind, "at", tm.At.Format("15:04"))
	}
	// The scanner claimed the first response's blue timer late: only blue fires, then yellow is due.
	for _, kind := range []string{"sla/first_response/blue", "sla/first_response/blue", "sla/first_response/yellow"} {
		step, ok, err := p.Fire(kind, c, events, now)
		if err != nil || !ok {
			fmt.Println(kind, "is stale")
			continue
		}
		events = append(events, step.Event("system", now))
		fmt.Printf("%s fires: notify %v, reassign %q, breach %v\n", kind, step.Notify, step.Reassign, step.Breach)
	}
	// Output:
	// timer sla/first_response/blue at 23:00
	// timer sla/resolution/blue at 10:00
	// sla/first_response/blue fires: notify [role:supervisor], reassign "", breach false
	// sla/first_response/blue is stale
	// sla/first_response/yellow fires: notify [role:supervisor queue:quality], reassign "safety-team", breach false
}
