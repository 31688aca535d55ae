package sla

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // calendars name IANA zones; embedding the database makes them work on any machine
)

const dayNanos = int64(24 * time.Hour)

// Interval is a span of working time within a day, as wall-clock offsets from local midnight: Start is
// inclusive, End exclusive, 0 ≤ Start < End ≤ 24h, both whole seconds. Its text form is "09:00-12:00"
// (seconds optional: "09:00:30-12:00"); "24:00" ends a day. A span that crosses midnight is written as
// two intervals on two days.
type Interval struct {
	Start time.Duration
	End   time.Duration
}

// ParseInterval reads the text form "HH:MM-HH:MM" (or with seconds). It returns an error matching
// [ErrBadInterval] for anything else, including reversed and empty intervals.
func ParseInterval(s string) (Interval, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Interval{}, fmt.Errorf("%w: %q is not of the form HH:MM-HH:MM", ErrBadInterval, s)
	}
	start, err := parseClock(a)
	if err != nil {
		return Interval{}, fmt.Errorf("%w: %q: %v", ErrBadInterval, s, err)
	}
	end, err := parseClock(b)
	if err != nil {
		return Interval{}, fmt.Errorf("%w: %q: %v", ErrBadInterval, s, err)
	}
	iv := Interval{Start: start, End: end}
	if err := iv.check(); err != nil {
		return Interval{}, err
	}
	return iv, nil
}

func parseClock(s string) (time.Duration, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	var v [3]int
	for i, p := range parts {
		if len(p) != 2 {
			return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
		}
		v[i] = n
	}
	if v[1] > 59 || v[2] > 59 || v[0] > 24 || (v[0] == 24 && (v[1] != 0 || v[2] != 0)) {
		return 0, fmt.Errorf("%q is not a time of day between 00:00 and 24:00", s)
	}
	return time.Duration(v[0])*time.Hour + time.Duration(v[1])*time.Minute + time.Duration(v[2])*time.Second, nil
}

func (iv Interval) check() error {
	switch {
	case iv.Start < 0 || iv.End > 24*time.Hour:
		return fmt.Errorf("%w: %s is outside 00:00-24:00", ErrBadInterval, iv)
	case iv.Start%time.Second != 0 || iv.End%time.Second != 0:
		return fmt.Errorf("%w: %s: bounds must be whole seconds", ErrBadInterval, iv)
	case iv.Start >= iv.End:
		return fmt.Errorf("%w: %s ends before it starts (split a span across midnight into two days)", ErrBadInterval, iv)
	}
	return nil
}

func formatClock(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	h, m, s := int(d/time.Hour), int(d/time.Minute%60), int(d/time.Second%60)
	if s != 0 {
		return fmt.Sprintf("%s%02d:%02d:%02d", neg, h, m, s)
	}
	return fmt.Sprintf("%s%02d:%02d", neg, h, m)
}

// String returns the text form, such as "09:00-12:00".
func (iv Interval) String() string { return formatClock(iv.Start) + "-" + formatClock(iv.End) }

// MarshalText returns the text form.
func (iv Interval) MarshalText() ([]byte, error) { return []byte(iv.String()), nil }

// UnmarshalText parses the text form; errors match [ErrBadInterval].
func (iv *Interval) UnmarshalText(b []byte) error {
	v, err := ParseInterval(string(b))
	if err != nil {
		return err
	}
	*iv = v
	return nil
}

// Date is a calendar date without a time zone: a holiday or a make-up working day is a local date of
// the calendar it belongs to. Its text form is "2006-01-02".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads "YYYY-MM-DD"; errors match [ErrBadDate].
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, fmt.Errorf("%w: %q is not a date YYYY-MM-DD", ErrBadDate, s)
	}
	return DateOf(t), nil
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// Valid reports whether d names a real day (no 30 February) between the years 1700 and 2200, the
// range calendars support.
func (d Date) Valid() bool {
	y, m, dd := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Date()
	return y == d.Year && m == d.Month && dd == d.Day && d.Year >= 1700 && d.Year <= 2200
}

// days counts days since 1970-01-01.
func (d Date) days() int64 {
	return floorDiv(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

// String returns "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalText returns the text form.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses "YYYY-MM-DD"; errors match [ErrBadDate].
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// WorkingDay is a date with its own working hours: a make-up working day (a Saturday worked to bridge a
// holiday, common in China), or a weekday with shorter hours. Hours replace the weekday's usual hours.
type WorkingDay struct {
	Date  Date       `yaml:"date"`
	Hours []Interval `yaml:"hours,omitempty"`
}

// CalendarSpec describes a business calendar. The zero value is not valid: it has no working time. Use
// AlwaysOpen for a 24×7 calendar.
type CalendarSpec struct {
	// Zone is an IANA time zone name such as "Asia/Shanghai"; empty means UTC. Working hours, holidays
	// and working days are wall-clock times and dates in this zone.
	Zone string `yaml:"zone,omitempty"`
	// AlwaysOpen makes a 24×7 calendar: every instant is working time, business time is elapsed time.
	// It takes no hours, holidays or working days.
	AlwaysOpen bool `yaml:"always_open,omitempty"`
	// Hours gives the working intervals per weekday. Keys are weekday names ("mon" or "monday"), ranges
	// ("mon-fri", "fri-mon" wraps) or lists ("sat,sun"); each weekday may be named by one key only.
	// Several intervals make lunch breaks: {"mon-fri": {09:00-12:00, 13:00-18:00}}.
	Hours map[string][]Interval `yaml:"hours,omitempty"`
	// Holidays are dates with no working time.
	Holidays []Date `yaml:"holidays,omitempty"`
	// WorkingDays are dates worked with their own hours, whatever their weekday.
	WorkingDays []WorkingDay `yaml:"working_days,omitempty"`
}

type span struct{ lo, hi int64 } // nanoseconds since local midnight, lo < hi

// plan is the working time of one day.
type plan struct {
	spans []span
	total int64
}

// cum returns the working time in [00:00, tod).
func (p *plan) cum(tod int64) int64 {
	var s int64
	for _, sp := range p.spans {
		if tod <= sp.lo {
			break
		}
		if tod < sp.hi {
			return s + tod - sp.lo
		}
		s += sp.hi - sp.lo
	}
	return s
}

// pos returns the time of day at which r of working time has passed, for 0 < r ≤ total: the smallest
// such offset, so a deadline that ends exactly with an interval lands at the interval's end.
func (p *plan) pos(r int64) int64 {
	for _, sp := range p.spans {
		l := sp.hi - sp.lo
		if r <= l {
			return sp.lo + r
		}
		r -= l
	}
	return dayNanos
}

func (p *plan) open(tod int64) bool {
	for _, sp := range p.spans {
		if tod < sp.lo {
			return false
		}
		if tod < sp.hi {
			return true
		}
	}
	return false
}

// exception is a holiday or working day. before sums the changes to working time (exception total
// minus the weekday's usual total) of all earlier exceptions; s and e are the values of the business
// time function at the start and end of the exception's day.
type exception struct {
	day    int64
	plan   plan
	before int64
	s, e   int64
}

// Calendar is a compiled business calendar: a time zone, working intervals per weekday, holidays and
// working days, or 24×7. It is immutable and safe for concurrent use.
//
// Business time is measured in real elapsed time: an instant is working time when its wall-clock time
// in the calendar's zone falls in a working interval of its local date. On a daylight-saving change
// that means an interval spanning the change lasts an hour more or less, and wall-clock hours that do
// not exist that day are not worked.
//
// Instants must lie between the years 1700 and 2200 (beyond, arithmetic overflows).
type Calendar struct {
	name      string
	loc       *time.Location
	always    bool
	week      [7]plan  // by time.Weekday
	cyc       [7]int64 // working time from the start of a 7-day cycle to the start of its day j; cycles start on Thursdays, like 1970-01-01
	weekTotal int64
	exc       []exception // by day
	adjTotal  int64
}

var alwaysUTC = &Calendar{name: "24x7", loc: time.UTC, always: true}

// AlwaysOpen returns the 24×7 calendar in UTC, named "24x7": business time is elapsed time.
func AlwaysOpen() *Calendar { return alwaysUTC }

var weekdayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// parseDays reads a Hours key: "mon", "mon-fri", "sat,sun".
func parseDays(key string) ([]time.Weekday, error) {
	var out []time.Weekday
	for part := range strings.SplitSeq(strings.ToLower(key), ",") {
		part = strings.TrimSpace(part)
		a, b, isRange := strings.Cut(part, "-")
		from, ok1 := weekdayNames[strings.TrimSpace(a)]
		to := from
		ok2 := true
		if isRange {
			to, ok2 = weekdayNames[strings.TrimSpace(b)]
		}
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%q is not a weekday, range (mon-fri) or list (sat,sun)", key)
		}
		for d := from; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == to {
				break
			}
		}
	}
	return out, nil
}

// NewCalendar compiles spec into a calendar called name. It returns [ConfigErrors] listing every
// problem: [ErrUnknownZone], [ErrBadInterval], [ErrOverlap], [ErrBadDate], [ErrNoWorkingTime].
func NewCalendar(name string, spec CalendarSpec) (*Calendar, error) {
	return newCalendar(name, spec, "")
}

func newCalendar(name string, spec CalendarSpec, path string) (*Calendar, error) {
	var ps problems
	fail := func(sub string, kind error, format string, args ...any) {
		p := path
		if sub != "" {
			if p != "" {
				p += "."
			}
			p += sub
		}
		ps.add(ConfigError{Calendar: name, Path: p, Err: kind, Msg: fmt.Sprintf(format, args...)})
	}
	c := &Calendar{name: name, loc: time.UTC, always: spec.AlwaysOpen}
	switch spec.Zone {
	case "", "UTC":
	case "Local":
		fail("zone", ErrUnknownZone, "\"Local\" depends on the machine; name an IANA zone such as Asia/Shanghai")
	default:
		loc, err := time.LoadLocation(spec.Zone)
		if err != nil {
			fail("zone", ErrUnknownZone, "%q is not an IANA time zone", spec.Zone)
		} else {
			c.loc = loc
		}
	}
	if spec.AlwaysOpen {
		if len(spec.Hours) > 0 || len(spec.Holidays) > 0 || len(spec.WorkingDays) > 0 {
			fail("always_open", ErrBadInterval, "a 24x7 calendar takes no hours, holidays or working days (give hours mon-sun 00:00-24:00 to add holidays)")
		}
		if err := ps.err(); err != nil {
			return nil, err
		}
		return c, nil
	}

	var seen [7]string
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range spec.Hours {
			if !yield(k) {
				return
			}
		}
	})
	for _, key := range keys {
		sub := "hours." + pathKey(key)
		days, err := parseDays(key)
		if err != nil {
			fail(sub, ErrBadInterval, "%v", err)
			continue
		}
		pl, msgs := buildPlan(spec.Hours[key])
		for _, m := range msgs {
			fail(sub, m.kind, "%s", m.msg)
		}
		for _, d := range days {
			if seen[d] != "" {
				fail(sub, ErrOverlap, "%s already has hours from %q", d, seen[d])
				continue
			}
			seen[d] = key
			c.week[d] = pl
		}
	}
	for j := range 7 {
		if j > 0 {
			c.cyc[j] = c.cyc[j-1] + c.week[(j+3)%7].total
		}
		c.weekTotal += c.week[j].total
	}
	if c.weekTotal == 0 && len(ps.errs) == 0 {
		fail("hours", ErrNoWorkingTime, "no weekday has working hours, so no deadline could ever be reached")
	}

	byDay := map[int64]string{}
	for i, h := range spec.Holidays {
		sub := fmt.Sprintf("holidays[%d]", i)
		if !h.Valid() {
			fail(sub, ErrBadDate, "%s is not a date between 1700 and 2200", h)
			continue
		}
		if prev, dup := byDay[h.days()]; dup {
			fail(sub, ErrBadDate, "%s is already listed as %s", h, prev)
			continue
		}
		byDay[h.days()] = "a holiday"
		c.exc = append(c.exc, exception{day: h.days()})
	}
	for i, w := range spec.WorkingDays {
		sub := fmt.Sprintf("working_days[%d]", i)
		if !w.Date.Valid() {
			fail(sub+".date", ErrBadDate, "%s is not a date between 1700 and 2200", w.Date)
			continue
		}
		if prev, dup := byDay[w.Date.days()]; dup {
			fail(sub+".date", ErrBadDate, "%s is already listed as %s", w.Date, prev)
			continue
		}
		byDay[w.Date.days()] = "a working day"
		if len(w.Hours) == 0 {
			fail(sub+".hours", ErrBadInterval, "working day %s needs its hours", w.Date)
			continue
		}
		pl, msgs := buildPlan(w.Hours)
		for _, m := range msgs {
			fail(sub+".hours", m.kind, "%s", m.msg)
		}
		c.exc = append(c.exc, exception{day: w.Date.days(), plan: pl})
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	slices.SortFunc(c.exc, func(a, b exception) int { return int(a.day - b.day) })
	var before int64
	for i := range c.exc {
		x := &c.exc[i]
		x.before = before
		f0, _, _ := c.f0(x.day * dayNanos)
		x.s = f0 + before
		x.e = x.s + x.plan.total
		before += x.plan.total - c.normal(x.day).total
	}
	c.adjTotal = before
	return c, nil
}

type planProblem struct {
	kind error
	msg  string
}

// buildPlan validates, sorts and merges a day's intervals.
func buildPlan(ivs []Interval) (plan, []planProblem) {
	var msgs []planProblem
	sorted := make([]Interval, 0, len(ivs))
	for _, iv := range ivs {
		if err := iv.check(); err != nil {
			msgs = append(msgs, planProblem{ErrBadInterval, strings.TrimPrefix(err.Error(), ErrBadInterval.Error()+": ")})
			continue
		}
		sorted = append(sorted, iv)
	}
	slices.SortFunc(sorted, func(a, b Interval) int { return int(a.Start - b.Start) })
	var p plan
	for i, iv := range sorted {
		if i > 0 && iv.Start < sorted[i-1].End {
			msgs = append(msgs, planProblem{ErrOverlap, fmt.Sprintf("%s overlaps %s", iv, sorted[i-1])})
			continue
		}
		lo, hi := int64(iv.Start), int64(iv.End)
		if n := len(p.spans); n > 0 && p.spans[n-1].hi == lo {
			p.spans[n-1].hi = hi // touching intervals merge
		} else {
			p.spans = append(p.spans, span{lo, hi})
		}
		p.total += hi - lo
	}
	return p, msgs
}

// Name returns the calendar's name.
func (c *Calendar) Name() string { return c.name }

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Always reports whether the calendar is 24×7.
func (c *Calendar) Always() bool { return c.always }

// String returns the name.
func (c *Calendar) String() string { return c.name }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (c *Calendar) normal(day int64) *plan {
	return &c.week[(day%7+7+4)%7]
}

// f0 is the business time function without exceptions, over wall-clock nanoseconds (Unix nanoseconds
// plus the zone offset): working time from the start of the cycle containing 1970-01-01 up to w.
func (c *Calendar) f0(w int64) (v, day, tod int64) {
	day = floorDiv(w, dayNanos)
	tod = w - day*dayNanos
	k := floorDiv(day, 7)
	j := day - 7*k
	return k*c.weekTotal + c.cyc[j] + c.week[(j+4)%7].cum(tod), day, tod
}

// search returns the index of the first exception on or after day.
func (c *Calendar) search(day int64) int {
	lo, hi := 0, len(c.exc)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.exc[m].day < day {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// f is the business time function with holidays and working days.
func (c *Calendar) f(w int64) int64 {
	v, day, tod := c.f0(w)
	i := c.search(day)
	if i == len(c.exc) {
		return v + c.adjTotal
	}
	x := &c.exc[i]
	v += x.before
	if x.day == day {
		v += x.plan.cum(tod) - c.normal(day).cum(tod)
	}
	return v
}

// finv returns the smallest wall-clock instant w with f(w) = t.
func (c *Calendar) finv(t int64) int64 {
	lo, hi := 0, len(c.exc)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.exc[m].e < t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	pre := c.adjTotal
	if lo < len(c.exc) {
		x := &c.exc[lo]
		if x.s < t {
			return x.day*dayNanos + x.plan.pos(t-x.s)
		}
		pre = x.before
	}
	// Between two exceptions, f is f0 shifted by pre.
	t -= pre
	k := floorDiv(t-1, c.weekTotal)
	r := t - k*c.weekTotal
	for j := range int64(7) {
		p := &c.week[(j+4)%7]
		if r <= p.total {
			return (7*k+j)*dayNanos + p.pos(r)
		}
		r -= p.total
	}
	panic("sla: calendar arithmetic out of range") // unreachable: r ≤ weekTotal
}

// zone returns the offset in force at t and the end of the period in which it stays in force (zero
// when it never changes).
func (c *Calendar) zone(t time.Time) (off int64, end time.Time) {
	lt := t.In(c.loc)
	_, o := lt.Zone()
	_, end = lt.ZoneBounds()
	return int64(o) * int64(time.Second), end
}

// Add returns the deadline d of business time after start: the earliest instant at which d of working
// time has passed since start. When the deadline falls exactly at the end of a working interval, Add
// returns that end, not the next opening. For d ≤ 0 it returns start. The result is in the calendar's
// location.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start.In(c.loc)
	}
	if c.always {
		return start.Add(d).In(c.loc)
	}
	t, rem := start, int64(d)
	for {
		off, end := c.zone(t)
		fw := c.f(t.UnixNano() + off)
		if !end.IsZero() {
			// The offset changes at end: count what this period holds and continue after it.
			fl := c.f(end.UnixNano() + off)
			if fl-fw < rem {
				rem -= fl - fw
				t = end
				continue
			}
		}
		return time.Unix(0, c.finv(fw+rem)-off).In(c.loc)
	}
}

// Between returns the business time elapsed from a to b: the working time in [a, b). It is zero when
// b is not after a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.always {
		return b.Sub(a)
	}
	var total int64
	t := a
	for {
		off, end := c.zone(t)
		fw := c.f(t.UnixNano() + off)
		if end.IsZero() || !end.Before(b) {
			return time.Duration(total + c.f(b.UnixNano()+off) - fw)
		}
		total += c.f(end.UnixNano()+off) - fw
		t = end
	}
}

// IsOpen reports whether t is working time.
func (c *Calendar) IsOpen(t time.Time) bool {
	if c.always {
		return true
	}
	off, _ := c.zone(t)
	w := t.UnixNano() + off
	day := floorDiv(w, dayNanos)
	tod := w - day*dayNanos
	if i := c.search(day); i < len(c.exc) && c.exc[i].day == day {
		return c.exc[i].plan.open(tod)
	}
	return c.normal(day).open(tod)
}

// NextOpen returns t when t is working time, otherwise the start of the next working interval. It is
// how reminders are kept inside service hours.
func (c *Calendar) NextOpen(t time.Time) time.Time {
	if c.IsOpen(t) {
		return t.In(c.loc)
	}
	return c.Add(t, 1).Add(-1)
}
