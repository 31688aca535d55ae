package sla

import (
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// propZones mixes zones without daylight saving, with the usual 1-hour change at night (New York,
// Berlin), with a 30-minute change (Lord Howe) and with a change at midnight (Santiago).
var propZones = []string{"UTC", "Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago"}

var weekdayKeys = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// genIntervals draws up to max non-overlapping intervals on a half-hour grid.
func genIntervals(t *rapid.T, label string, max int) []Interval {
	n := rapid.IntRange(0, max).Draw(t, label+".n")
	if n == 0 {
		return nil
	}
	marks := rapid.SliceOfNDistinct(rapid.IntRange(0, 48), 2*n, 2*n, rapid.ID[int]).Draw(t, label+".marks")
	slices.Sort(marks)
	out := make([]Interval, n)
	for i := range n {
		out[i] = Interval{Start: time.Duration(marks[2*i]) * 30 * time.Minute, End: time.Duration(marks[2*i+1]) * 30 * time.Minute}
	}
	return out
}

type propCal struct {
	spec CalendarSpec
	cal  *Calendar
	base time.Time // midnight UTC of the first day of the generated exception window
}

// genCalendar draws a random valid calendar with holidays and working days inside a 60-day window
// somewhere in 2024-2027, so the property tests often cross exceptions and daylight-saving changes.
func genCalendar(t *rapid.T) propCal {
	spec := CalendarSpec{Zone: rapid.SampledFrom(propZones).Draw(t, "zone"), Hours: map[string][]Interval{}}
	for d, key := range weekdayKeys {
		if ivs := genIntervals(t, key, 3); len(ivs) > 0 {
			spec.Hours[weekdayKeys[d]] = ivs
		}
	}
	if len(spec.Hours) == 0 {
		spec.Hours["mon"] = []Interval{{9 * time.Hour, 17 * time.Hour}}
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rapid.IntRange(0, 4*365).Draw(t, "base"))
	if loc, _ := time.LoadLocation(spec.Zone); rapid.Bool().Draw(t, "nearDST") {
		// Most of the time, put the window around a daylight-saving change of the zone (if it has any).
		from := time.Date(rapid.IntRange(2024, 2027).Draw(t, "year"), time.Month(rapid.IntRange(1, 12).Draw(t, "month")), 1, 0, 0, 0, 0, loc)
		if _, end := from.ZoneBounds(); !end.IsZero() {
			y, m, d := end.UTC().Date()
			base = time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -rapid.IntRange(0, 5).Draw(t, "before"))
		}
	}
	offsets := rapid.SliceOfDistinct(rapid.IntRange(0, 59), rapid.ID[int]).Draw(t, "exceptions")
	for i, off := range offsets {
		d := DateOf(base.AddDate(0, 0, off))
		if i%3 == 2 {
			ivs := genIntervals(t, "workday", 2)
			if len(ivs) == 0 {
				ivs = []Interval{{10 * time.Hour, 11 * time.Hour}}
			}
			spec.WorkingDays = append(spec.WorkingDays, WorkingDay{Date: d, Hours: ivs})
		} else {
			spec.Holidays = append(spec.Holidays, d)
		}
	}
	cal, err := NewCalendar("prop", spec)
	if err != nil {
		t.Fatalf("generated calendar rejected: %v", err)
	}
	return propCal{spec: spec, cal: cal, base: base}
}

// refOpen is the definition of working time, computed the slow obvious way: look at the wall clock
// and the local date.
func (p propCal) refOpen(t time.Time) bool {
	lt := t.In(p.cal.loc)
	d := DateOf(lt)
	tod := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second
	in := func(ivs []Interval) bool {
		for _, iv := range ivs {
			if tod >= iv.Start && tod < iv.End {
				return true
			}
		}
		return false
	}
	if slices.Contains(p.spec.Holidays, d) {
		return false
	}
	for _, w := range p.spec.WorkingDays {
		if w.Date == d {
			return in(w.Hours)
		}
	}
	return in(p.spec.Hours[weekdayKeys[lt.Weekday()]])
}

// refBetween counts working minutes one by one. Calendars and instants of the property tests sit on
// whole minutes, and every zone changes offset on a whole minute, so this is exact.
func (p propCal) refBetween(a, b time.Time) time.Duration {
	var n time.Duration
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		if p.refOpen(t) {
			n += time.Minute
		}
	}
	return n
}

// instant draws a whole minute in or around the calendar's exception window.
func (p propCal) instant(t *rapid.T, label string) time.Time {
	return p.base.Add(time.Duration(rapid.IntRange(-2*24*60, 30*24*60).Draw(t, label)) * time.Minute)
}

func TestPropBetweenMatchesDefinition(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genCalendar(t)
		a := p.instant(t, "a")
		b := a.Add(time.Duration(rapid.IntRange(0, 4*24*60).Draw(t, "minutes")) * time.Minute)
		if got, want := p.cal.Between(a, b), p.refBetween(a, b); got != want {
			t.Fatalf("Between(%s, %s) = %s, reference %s", a, b, got, want)
		}
		for _, x := range []time.Time{a, b} {
			if p.cal.IsOpen(x) != p.refOpen(x) {
				t.Fatalf("IsOpen(%s) = %v, reference %v", x, p.cal.IsOpen(x), p.refOpen(x))
			}
		}
	})
}

func TestPropAddMatchesDefinition(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genCalendar(t)
		s := p.instant(t, "start")
		// Draw d so the deadline falls within 8 days: the reference walks minute by minute.
		room := int(p.refBetween(s, s.Add(8*24*time.Hour)) / time.Minute)
		if room == 0 {
			room = 1 // Add must then look beyond the 8 days; checked below all the same
		}
		d := time.Duration(rapid.IntRange(1, room).Draw(t, "minutes")) * time.Minute
		due := p.cal.Add(s, d)
		if got := p.refBetween(s, due); got != d {
			t.Fatalf("reference Between(start, Add(start, %s)) = %s", d, got)
		}
		if !p.refOpen(due.Add(-time.Minute)) {
			t.Fatalf("the minute before the deadline %s is not working time", due)
		}
	})
}

func TestPropAddRoundTrips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genCalendar(t)
		s := p.instant(t, "start").Add(time.Duration(rapid.Int64Range(0, int64(time.Minute)).Draw(t, "ns")))
		d := time.Duration(rapid.Int64Range(1, int64(400*time.Hour)).Draw(t, "d"))
		due := p.cal.Add(s, d)
		if got := p.cal.Between(s, due); got != d {
			t.Fatalf("Between(start, Add(start, %s)) = %s", d, got)
		}
		if got := p.cal.Between(s, due.Add(-time.Nanosecond)); got != d-time.Nanosecond {
			t.Fatalf("deadline is not the earliest instant: a nanosecond earlier %s has passed", got)
		}
		if !p.cal.IsOpen(due.Add(-time.Nanosecond)) {
			t.Fatalf("deadline %s does not end working time", due)
		}
	})
}

func TestPropMonotonic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genCalendar(t)
		s1 := p.instant(t, "s1")
		s2 := s1.Add(time.Duration(rapid.Int64Range(0, int64(10*24*time.Hour)).Draw(t, "gap")))
		d1 := time.Duration(rapid.Int64Range(0, int64(200*time.Hour)).Draw(t, "d1"))
		d2 := d1 + time.Duration(rapid.Int64Range(0, int64(200*time.Hour)).Draw(t, "more"))
		if p.cal.Add(s1, d2).Before(p.cal.Add(s1, d1)) {
			t.Fatalf("a longer duration gave an earlier deadline")
		}
		if p.cal.Add(s2, d1).Before(p.cal.Add(s1, d1)) {
			t.Fatalf("a later start gave an earlier deadline")
		}
		if p.cal.Between(s1, s2) < 0 {
			t.Fatalf("negative business time")
		}
		// Composition: two deadlines in a row are one deadline of the sum.
		if a, b := p.cal.Add(p.cal.Add(s1, d1), d2), p.cal.Add(s1, d1+d2); !a.Equal(b) {
			t.Fatalf("Add(Add(s, d1), d2) = %s, Add(s, d1+d2) = %s", a, b)
		}
		// Additivity: elapsed time splits at any point.
		s3 := s2.Add(time.Duration(rapid.Int64Range(0, int64(30*24*time.Hour)).Draw(t, "gap2")))
		if p.cal.Between(s1, s2)+p.cal.Between(s2, s3) != p.cal.Between(s1, s3) {
			t.Fatalf("Between does not add up over %s, %s, %s", s1, s2, s3)
		}
	})
}

func TestPropNextOpen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genCalendar(t)
		s := p.instant(t, "at")
		n := p.cal.NextOpen(s)
		if n.Before(s) || !p.cal.IsOpen(n) || p.cal.Between(s, n) != 0 {
			t.Fatalf("NextOpen(%s) = %s is not the next opening", s, n)
		}
		if n.Sub(s) < 8*24*time.Hour && !p.refOpen(n) {
			t.Fatalf("NextOpen(%s) = %s is not open by definition", s, n)
		}
	})
}
