package sla

import (
	"context"
	"testing"
	"time"

	"github.com/redresshq/redress/complaint"
)

// benchCalendar is the calendar of the performance target: Shanghai office hours with a lunch break,
// 30 holidays and the make-up working days that go with them.
func benchCalendar(b *testing.B) (*Calendar, CalendarSpec) {
	spec := CalendarSpec{
		Zone:  "Asia/Shanghai",
		Hours: map[string][]Interval{"mon-fri": ivs("09:00-12:00", "13:00-18:00")},
	}
	for _, d := range []string{
		"2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20",
		"2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05", "2026-06-19", "2026-09-25",
		"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08", "2026-12-25",
		"2026-03-16", "2026-03-17", "2026-07-01", "2026-08-03", "2026-08-04", "2026-11-11", "2026-11-12",
		"2026-12-31", "2026-06-01",
	} {
		spec.Holidays = append(spec.Holidays, date(d))
	}
	for _, d := range []string{"2026-02-14", "2026-02-28", "2026-05-09", "2026-09-27", "2026-10-10"} {
		spec.WorkingDays = append(spec.WorkingDays, WorkingDay{Date: date(d), Hours: ivs("09:00-12:00", "13:00-18:00")})
	}
	c, err := NewCalendar("bench", spec)
	if err != nil {
		b.Fatal(err)
	}
	return c, spec
}

// naiveAdd is the obvious implementation, for comparison: walk day by day, build each working
// interval with time.Date, look holidays up in a map.
func naiveAdd(week *[7][]Interval, loc *time.Location, holidays map[Date]bool, workdays map[Date][]Interval, start time.Time, d time.Duration) time.Time {
	t := start.In(loc)
	for day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc); ; day = day.AddDate(0, 0, 1) {
		dd := DateOf(day)
		ivs := week[day.Weekday()]
		if w, ok := workdays[dd]; ok {
			ivs = w
		} else if holidays[dd] {
			continue
		}
		for _, iv := range ivs {
			lo := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).Add(iv.Start)
			hi := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).Add(iv.End)
			if hi.Before(t) || hi.Equal(t) {
				continue
			}
			if lo.Before(t) {
				lo = t
			}
			if span := hi.Sub(lo); span >= d {
				return lo.Add(d)
			} else {
				d -= span
			}
		}
	}
}

// BenchmarkDeadline30BusinessDays: the deadline of a 30-business-day target (30 × 8 h) on a calendar
// with a lunch break and 30 holidays, from start instants spread over the year. Target: ≤ 2 µs.
// The naive sub-benchmark is a day-by-day walk, the baseline measured in the same run.
func BenchmarkDeadline30BusinessDays(b *testing.B) {
	c, spec := benchCalendar(b)
	loc := c.Location()
	starts := make([]time.Time, 64)
	for i := range starts {
		starts[i] = time.Date(2026, 1, 1, 8, 0, 0, 0, loc).Add(time.Duration(i) * 131 * time.Hour)
	}
	const d = 30 * 8 * time.Hour
	var week [7][]Interval
	for k, v := range spec.Hours {
		days, _ := parseDays(k)
		for _, wd := range days {
			week[wd] = v
		}
	}
	holidays := map[Date]bool{}
	for _, h := range spec.Holidays {
		holidays[h] = true
	}
	workdays := map[Date][]Interval{}
	for _, w := range spec.WorkingDays {
		workdays[w.Date] = w.Hours
	}
	for _, s := range starts {
		if got, want := c.Add(s, d), naiveAdd(&week, loc, holidays, workdays, s, d); !got.Equal(want) {
			b.Fatalf("Add(%s) = %s, naive walk %s", s, got, want)
		}
	}
	var sink time.Time
	b.Run("calendar", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sink = c.Add(starts[i%len(starts)], d)
		}
	})
	nySpec := spec
	nySpec.Zone = "America/New_York" // same hours and dates, with daylight-saving changes to cross
	ny, err := NewCalendar("ny", nySpec)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("calendar-new-york", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sink = ny.Add(starts[i%len(starts)], d)
		}
	})
	b.Run("baseline=naive-day-walk", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			sink = naiveAdd(&week, loc, holidays, workdays, starts[i%len(starts)], d)
		}
	})
	_ = sink
}

// history50 builds a 50-event history through the lifecycle: intake, acknowledgement, ten rounds of
// questions to the customer with comments, SLA events, resolution, reopen, resolution, feedback.
func history50(b *testing.B) (*complaint.Complaint, []complaint.Event, []complaint.Request) {
	loc, _ := time.LoadLocation(sh)
	t := time.Date(2026, 9, 7, 9, 0, 0, 0, loc)
	c := &complaint.Complaint{Status: complaint.StatusReceived, Priority: 2, Customer: complaint.Customer{VIP: true}}
	events := []complaint.Event{{Type: complaint.EventReceived, At: t, To: complaint.StatusReceived}}
	var reqs []complaint.Request
	do := func(tr complaint.Trigger) {
		t = t.Add(47 * time.Minute)
		req := complaint.Request{Trigger: tr, Actor: "agent", At: t}
		next, ev, err := lifecycle.Apply(context.Background(), c, req)
		if err != nil {
			b.Fatal(err)
		}
		c = next
		reqs = append(reqs, req)
		events = append(events, ev)
	}
	note := func(typ complaint.EventType, attrs map[string]string) {
		t = t.Add(13 * time.Minute)
		events = append(events, complaint.Event{Type: typ, At: t, Attrs: attrs})
	}
	do(complaint.TriggerAcknowledge)
	do(complaint.TriggerInvestigate)
	note(complaint.EventSLA, map[string]string{AttrClock: "resolution", AttrLevel: "blue"})
	for range 10 {
		note(complaint.EventComment, nil)
		do(complaint.TriggerRequestInfo)
		do(complaint.TriggerCustomerReplied)
		note(complaint.EventComment, nil)
	}
	do(complaint.TriggerResolve)
	do(complaint.TriggerReopen)
	do(complaint.TriggerResolve)
	note(complaint.EventFeedback, nil)
	for len(events) < 50 {
		note(complaint.EventComment, nil)
	}
	if len(events) != 50 {
		b.Fatalf("%d events", len(events))
	}
	return c, events, reqs
}

// BenchmarkClocks50Events: all clocks of a complaint recomputed from 50 events, for each seed
// policy (3 to 5 clocks; standard holds reminders to office hours). Target: ≤ 20 µs. The baseline
// replays the same lifecycle moves through complaint.Lifecycle.Apply, in the same run.
func BenchmarkClocks50Events(b *testing.B) {
	set, err := Parse(SeedYAML())
	if err != nil {
		b.Fatal(err)
	}
	c, events, reqs := history50(b)
	now := events[len(events)-1].At.Add(time.Hour)
	var sink []Clock
	for _, p := range set.Policies() {
		b.Run("policy="+p.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = p.Clocks(c, events, now)
			}
		})
	}
	b.Run("baseline=lifecycle-replay", func(b *testing.B) {
		b.ReportAllocs()
		start := &complaint.Complaint{Status: complaint.StatusReceived}
		for b.Loop() {
			x := start
			for _, r := range reqs {
				x, _, _ = lifecycle.Apply(context.Background(), x, r)
			}
		}
	})
	_ = sink
}

// BenchmarkTimers: the Desk's per-change work on the SLA side: clocks, then timers.
func BenchmarkTimers(b *testing.B) {
	set, err := Parse(SeedYAML())
	if err != nil {
		b.Fatal(err)
	}
	c, events, _ := history50(b)
	now := events[len(events)-1].At.Add(time.Hour)
	p := set.Default()
	b.ReportAllocs()
	var sink []Timer
	for b.Loop() {
		sink = Timers(p.Clocks(c, events, now))
	}
	_ = sink
}
