package sla

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func iv(s string) Interval {
	v, err := ParseInterval(s)
	if err != nil {
		panic(err)
	}
	return v
}

func ivs(ss ...string) []Interval {
	out := make([]Interval, len(ss))
	for i, s := range ss {
		out[i] = iv(s)
	}
	return out
}

func date(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// officeSpec is a Shanghai office: lunch break, the 2026 National Day week off, and Saturday
// 2026-10-10 worked to make up for it.
func officeSpec() CalendarSpec {
	var hol []Date
	for d := 1; d <= 7; d++ {
		hol = append(hol, Date{2026, time.October, d})
	}
	return CalendarSpec{
		Zone:        "Asia/Shanghai",
		Hours:       map[string][]Interval{"mon-fri": ivs("09:00-12:00", "13:00-18:00")},
		Holidays:    hol,
		WorkingDays: []WorkingDay{{Date: date("2026-10-10"), Hours: ivs("09:00-12:00", "13:00-18:00")}},
	}
}

func mustCal(t testing.TB, name string, spec CalendarSpec) *Calendar {
	t.Helper()
	c, err := NewCalendar(name, spec)
	require.NoError(t, err)
	return c
}

func at(loc string, s string) time.Time {
	l, err := time.LoadLocation(loc)
	if err != nil {
		panic(err)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, l)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCalendarAddAndBetween(t *testing.T) {
	office := mustCal(t, "office", officeSpec())
	night := mustCal(t, "night", CalendarSpec{Hours: map[string][]Interval{
		"mon":     ivs("22:00-24:00"),
		"tue-fri": ivs("00:00-02:00", "22:00-24:00"),
		"sat":     ivs("00:00-02:00"),
	}})
	ny := mustCal(t, "ny", CalendarSpec{Zone: "America/New_York", Hours: map[string][]Interval{"mon-fri": ivs("09:00-17:00")}})
	nyAllDay := mustCal(t, "ny-all-day", CalendarSpec{Zone: "America/New_York", Hours: map[string][]Interval{"mon-sun": ivs("00:00-24:00")}})
	berlinSunday := mustCal(t, "berlin", CalendarSpec{Zone: "Europe/Berlin", Hours: map[string][]Interval{"sun": ivs("01:00-04:00")}})
	always := AlwaysOpen()

	const sh = "Asia/Shanghai"
	tests := []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside the morning", office, at(sh, "2026-09-07 10:00"), time.Hour, at(sh, "2026-09-07 11:00")},
		{"across the lunch break", office, at(sh, "2026-09-07 11:00"), 2 * time.Hour, at(sh, "2026-09-07 14:00")},
		{"ends exactly at lunch", office, at(sh, "2026-09-07 11:00"), time.Hour, at(sh, "2026-09-07 12:00")},
		{"starts during lunch", office, at(sh, "2026-09-07 12:30"), 30 * time.Minute, at(sh, "2026-09-07 13:30")},
		{"starts before opening", office, at(sh, "2026-09-07 07:00"), time.Hour, at(sh, "2026-09-07 10:00")},
		{"across the night", office, at(sh, "2026-09-07 17:00"), 2 * time.Hour, at(sh, "2026-09-08 10:00")},
		{"across the weekend", office, at(sh, "2026-09-04 17:00"), 2 * time.Hour, at(sh, "2026-09-07 10:00")},
		{"a whole week ends at Friday close", office, at(sh, "2026-09-07 09:00"), 40 * time.Hour, at(sh, "2026-09-11 18:00")},
		{"skips the holiday week", office, at(sh, "2026-09-30 17:00"), 2 * time.Hour, at(sh, "2026-10-08 10:00")},
		{"works the make-up Saturday", office, at(sh, "2026-10-09 17:00"), 2 * time.Hour, at(sh, "2026-10-10 10:00")},
		{"starts on a holiday", office, at(sh, "2026-10-03 10:00"), time.Hour, at(sh, "2026-10-08 10:00")},
		{"zero duration returns start", office, at(sh, "2026-09-05 03:00"), 0, at(sh, "2026-09-05 03:00")},
		{"runs through midnight", night, at("UTC", "2026-09-07 23:00"), 2 * time.Hour, at("UTC", "2026-09-08 01:00")},
		{"night shift skips Sunday", night, at("UTC", "2026-09-05 01:00"), 2 * time.Hour, at("UTC", "2026-09-07 23:00")},
		{"New York: weekend with spring forward", ny, at("America/New_York", "2026-03-06 16:00"), 2 * time.Hour, at("America/New_York", "2026-03-09 10:00")},
		{"New York: the spring-forward day is 23 hours", nyAllDay, at("America/New_York", "2026-03-08 00:00"), 23 * time.Hour, at("America/New_York", "2026-03-09 00:00")},
		{"New York: the fall-back day is 25 hours", nyAllDay, at("America/New_York", "2026-11-01 00:00"), 25 * time.Hour, at("America/New_York", "2026-11-02 00:00")},
		{"Berlin: 01:00-04:00 lasts 2h when clocks go forward", berlinSunday, at("Europe/Berlin", "2026-03-29 00:00"), 2 * time.Hour, at("Europe/Berlin", "2026-03-29 04:00")},
		{"Berlin: 01:00-04:00 lasts 4h when clocks go back", berlinSunday, at("Europe/Berlin", "2026-10-25 00:00"), 4 * time.Hour, at("Europe/Berlin", "2026-10-25 04:00")},
		{"24x7 is elapsed time", always, at("UTC", "2026-09-05 23:00"), 26 * time.Hour, at("UTC", "2026-09-07 01:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Add(tt.start, tt.d)
			assert.True(t, got.Equal(tt.want), "Add = %s, want %s", got, tt.want)
			assert.Equal(t, tt.d, tt.cal.Between(tt.start, tt.want), "Between")
			if tt.d > 0 {
				assert.True(t, tt.cal.IsOpen(got.Add(-time.Nanosecond)), "deadline must end working time")
			}
		})
	}
}

func TestCalendarBetween(t *testing.T) {
	office := mustCal(t, "office", officeSpec())
	const sh = "Asia/Shanghai"
	tests := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"lunch does not count", at(sh, "2026-09-07 11:30"), at(sh, "2026-09-07 13:30"), time.Hour},
		{"night and weekend do not count", at(sh, "2026-09-04 17:00"), at(sh, "2026-09-07 10:00"), 2 * time.Hour},
		{"holiday week is empty", at(sh, "2026-10-01 00:00"), at(sh, "2026-10-08 00:00"), 0},
		{"make-up Saturday counts", at(sh, "2026-10-10 00:00"), at(sh, "2026-10-11 00:00"), 8 * time.Hour},
		{"reversed is zero", at(sh, "2026-09-08 10:00"), at(sh, "2026-09-07 10:00"), 0},
		{"September has 22 working days", at(sh, "2026-09-01 00:00"), at(sh, "2026-10-01 00:00"), 22 * 8 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, office.Between(tt.a, tt.b))
		})
	}
}

func TestCalendarOpen(t *testing.T) {
	office := mustCal(t, "office", officeSpec())
	const sh = "Asia/Shanghai"
	tests := []struct {
		at   time.Time
		open bool
		next time.Time
	}{
		{at(sh, "2026-09-07 09:00"), true, at(sh, "2026-09-07 09:00")},
		{at(sh, "2026-09-07 12:00"), false, at(sh, "2026-09-07 13:00")},
		{at(sh, "2026-09-07 18:00"), false, at(sh, "2026-09-08 09:00")},
		{at(sh, "2026-09-30 20:00"), false, at(sh, "2026-10-08 09:00")},
		{at(sh, "2026-10-09 19:00"), false, at(sh, "2026-10-10 09:00")},
		{at(sh, "2026-10-10 10:00"), true, at(sh, "2026-10-10 10:00")},
	}
	for _, tt := range tests {
		t.Run(tt.at.String(), func(t *testing.T) {
			assert.Equal(t, tt.open, office.IsOpen(tt.at))
			assert.True(t, office.NextOpen(tt.at).Equal(tt.next), "NextOpen = %s, want %s", office.NextOpen(tt.at), tt.next)
		})
	}
}

func TestNewCalendarErrors(t *testing.T) {
	week := map[string][]Interval{"mon-fri": ivs("09:00-17:00")}
	tests := []struct {
		name string
		spec CalendarSpec
		kind error
		path string
	}{
		{"unknown zone", CalendarSpec{Zone: "Mars/Olympus_Mons", Hours: week}, ErrUnknownZone, "zone"},
		{"machine-local zone", CalendarSpec{Zone: "Local", Hours: week}, ErrUnknownZone, "zone"},
		{"overlapping intervals", CalendarSpec{Hours: map[string][]Interval{"mon": ivs("09:00-12:30", "12:00-18:00")}}, ErrOverlap, "hours.mon"},
		{"weekday given twice", CalendarSpec{Hours: map[string][]Interval{"mon-fri": ivs("09:00-17:00"), "fri": ivs("09:00-12:00")}}, ErrOverlap, "hours.mon-fri"},
		{"reversed interval", CalendarSpec{Hours: map[string][]Interval{"mon": {{Start: 18 * time.Hour, End: 9 * time.Hour}}}}, ErrBadInterval, "hours.mon"},
		{"interval beyond midnight", CalendarSpec{Hours: map[string][]Interval{"mon": {{Start: 22 * time.Hour, End: 26 * time.Hour}}}}, ErrBadInterval, "hours.mon"},
		{"negative interval", CalendarSpec{Hours: map[string][]Interval{"mon": {{Start: -time.Hour, End: time.Hour}}}}, ErrBadInterval, "hours.mon"},
		{"unknown weekday", CalendarSpec{Hours: map[string][]Interval{"mon-fry": ivs("09:00-17:00")}}, ErrBadInterval, "hours.mon-fry"},
		{"no working time", CalendarSpec{Zone: "Asia/Shanghai"}, ErrNoWorkingTime, "hours"},
		{"impossible date", CalendarSpec{Hours: week, Holidays: []Date{{2026, time.February, 30}}}, ErrBadDate, "holidays[0]"},
		{"holiday twice", CalendarSpec{Hours: week, Holidays: []Date{date("2026-10-01"), date("2026-10-01")}}, ErrBadDate, "holidays[1]"},
		{"holiday and working day", CalendarSpec{Hours: week, Holidays: []Date{date("2026-10-10")}, WorkingDays: []WorkingDay{{date("2026-10-10"), ivs("09:00-17:00")}}}, ErrBadDate, "working_days[0].date"},
		{"working day without hours", CalendarSpec{Hours: week, WorkingDays: []WorkingDay{{Date: date("2026-10-10")}}}, ErrBadInterval, "working_days[0].hours"},
		{"working day overlapping", CalendarSpec{Hours: week, WorkingDays: []WorkingDay{{date("2026-10-10"), ivs("09:00-17:00", "16:00-18:00")}}}, ErrOverlap, "working_days[0].hours"},
		{"24x7 with hours", CalendarSpec{AlwaysOpen: true, Hours: week}, ErrBadInterval, "always_open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewCalendar("cal", tt.spec)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.ErrorIs(t, err, tt.kind)
			var ce *ConfigError
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, "cal", ce.Calendar)
			assert.Equal(t, tt.path, ce.Path)
			assert.Contains(t, err.Error(), `calendar "cal"`)
		})
	}
}

func TestNewCalendarReportsEveryProblem(t *testing.T) {
	_, err := NewCalendar("cal", CalendarSpec{
		Zone:  "Nowhere/Special",
		Hours: map[string][]Interval{"mon": ivs("09:00-12:30", "12:00-18:00")},
	})
	var es ConfigErrors
	require.True(t, errors.As(err, &es))
	require.Len(t, es, 2)
	assert.ErrorIs(t, es[0], ErrUnknownZone)
	assert.ErrorIs(t, es[1], ErrOverlap)
}

func TestParseInterval(t *testing.T) {
	tests := []struct {
		in   string
		want Interval
		ok   bool
	}{
		{"09:00-12:00", Interval{9 * time.Hour, 12 * time.Hour}, true},
		{" 13:00 - 18:30 ", Interval{13 * time.Hour, 18*time.Hour + 30*time.Minute}, true},
		{"00:00-24:00", Interval{0, 24 * time.Hour}, true},
		{"08:59:30-09:00", Interval{8*time.Hour + 59*time.Minute + 30*time.Second, 9 * time.Hour}, true},
		{"9:00-12:00", Interval{}, false},
		{"09:00", Interval{}, false},
		{"12:00-09:00", Interval{}, false},
		{"09:00-09:00", Interval{}, false},
		{"09:60-10:00", Interval{}, false},
		{"24:30-25:00", Interval{}, false},
		{"aa:bb-cc:dd", Interval{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseInterval(tt.in)
			if !tt.ok {
				assert.ErrorIs(t, err, ErrBadInterval)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			back, err := ParseInterval(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, back, "text form round-trips")
		})
	}
}

func TestParseDate(t *testing.T) {
	d, err := ParseDate("2026-10-01")
	require.NoError(t, err)
	assert.Equal(t, Date{2026, time.October, 1}, d)
	assert.Equal(t, "2026-10-01", d.String())
	for _, bad := range []string{"2026-13-01", "2026-02-30", "01/10/2026", ""} {
		_, err := ParseDate(bad)
		assert.ErrorIs(t, err, ErrBadDate, bad)
	}
}
