package insight

import (
	"math"
	"time"
)

// Level is an early-warning level. The seeds use three colours (红黄蓝): blue for normal fluctuation,
// yellow for something that needs attention, red for starting a special rectification at once.
type Level int

// Warning levels, in increasing order of alarm.
const (
	LevelNone   Level = iota // within the category's usual range
	LevelBlue                // high, but within normal fluctuation: note it
	LevelYellow              // unusually high: needs attention
	LevelRed                 // far above the baseline: act now
)

// String returns none, blue, yellow or red.
func (l Level) String() string {
	switch l {
	case LevelNone:
		return "none"
	case LevelBlue:
		return "blue"
	case LevelYellow:
		return "yellow"
	case LevelRed:
		return "red"
	}
	return "unknown"
}

// MarshalText writes the level as its name, so events and JSON carry "red" rather than 3 (the same
// names the SLA warning levels use).
func (l Level) MarshalText() ([]byte, error) {
	if l < LevelNone || l > LevelRed {
		return nil, inputErr("level", "%d is not a warning level", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads a level name: none, blue, yellow or red. Anything else is an [*InputError].
func (l *Level) UnmarshalText(b []byte) error {
	for v := LevelNone; v <= LevelRed; v++ {
		if string(b) == v.String() {
			*l = v
			return nil
		}
	}
	return inputErr("level", "%q is not none, blue, yellow or red", b)
}

// Defaults of [WarningPolicy]; a zero field takes its default.
const (
	DefaultBaselineWindows    = 14
	DefaultMinBaselineWindows = 7
	DefaultMinCount           = 5
	DefaultBlueSigma          = 1.0
	DefaultYellowSigma        = 2.0
	DefaultRedSigma           = 3.0
)

// WarningPolicy says when a category's complaint count is a spike. The zero value is the default.
//
// A category is compared with its own history, never with other categories: 30 complaints a day is
// normal for deliveries and alarming for food safety. The current window's count is compared with the
// mean of the previous Baseline windows, in units of their spread σ:
//
//	blue   count ≥ mean + 1σ   (Blue)     upper band of normal fluctuation; about 1 window in 6 gets
//	                                      here by chance
//	yellow count ≥ mean + 2σ   (Yellow)   about 1 in 40 by chance: needs attention
//	red    count ≥ mean + 3σ   (Red)      about 1 in 700 by chance: start a special rectification
//
// (the chances are those of a normal distribution). σ is the sample standard deviation of the baseline
// windows, but never less than √mean and never less than 1: complaint counts are roughly Poisson, whose
// spread is √mean, so a baseline that happens to look flat (4, 4, 4, 4) does not turn every small rise
// into a red alarm. A category whose current count is below MinCount never alarms, so tiny categories
// (one complaint after weeks of none) stay quiet; a new category that jumps from nothing to many does
// alarm, because its baseline is zeros.
type WarningPolicy struct {
	// Baseline is how many windows before the current one form the baseline; zero means 14.
	Baseline int
	// MinBaseline is the least history Check accepts; zero means 7 (or Baseline if smaller).
	MinBaseline int
	// MinCount is the least current count that can raise any level; zero means 5.
	MinCount int64
	// Blue, Yellow and Red are the thresholds in σ above the mean; zero means 1, 2 and 3.
	Blue, Yellow, Red float64
}

func (p WarningPolicy) withDefaults() WarningPolicy {
	if p.Baseline == 0 {
		p.Baseline = DefaultBaselineWindows
	}
	if p.MinBaseline == 0 {
		p.MinBaseline = min(DefaultMinBaselineWindows, p.Baseline)
	}
	if p.MinCount == 0 {
		p.MinCount = DefaultMinCount
	}
	if p.Blue == 0 {
		p.Blue = DefaultBlueSigma
	}
	if p.Yellow == 0 {
		p.Yellow = DefaultYellowSigma
	}
	if p.Red == 0 {
		p.Red = DefaultRedSigma
	}
	return p
}

// Validate returns an [*InputError] when, after defaults, a window count or MinCount is negative,
// MinBaseline exceeds Baseline, or the thresholds are not 0 < Blue ≤ Yellow ≤ Red.
func (p WarningPolicy) Validate() error {
	q := p.withDefaults()
	switch {
	case q.Baseline < 1 || q.MinBaseline < 1:
		return inputErr("policy", "baseline windows must be at least 1")
	case q.MinBaseline > q.Baseline:
		return inputErr("policy", "minimum baseline %d exceeds baseline %d", q.MinBaseline, q.Baseline)
	case q.MinCount < 1:
		return inputErr("policy", "minimum count must be at least 1")
	case !(q.Blue > 0 && q.Blue <= q.Yellow && q.Yellow <= q.Red) || math.IsInf(q.Red, 0):
		return inputErr("policy", "thresholds must satisfy 0 < blue ≤ yellow ≤ red, got %v, %v, %v", q.Blue, q.Yellow, q.Red)
	}
	return nil
}

// Warning is the result of one check: the level and the numbers behind it, for the event and the
// dashboard.
type Warning struct {
	Level   Level
	Current int64
	// Windows is how many baseline windows were used; Mean and StdDev describe them.
	Windows int
	Mean    float64
	StdDev  float64
	// Sigma is the spread used: max(StdDev, √Mean, 1).
	Sigma float64
	// Z is how many Sigma the current count lies above the mean (negative when below).
	Z float64
	// Blue, Yellow and Red are the counts at which each level starts for this baseline.
	Blue, Yellow, Red float64
}

// Raised reports whether w is above prev: the Desk emits a warning event when a category's level
// rises, not again while it stays.
func (w Warning) Raised(prev Level) bool { return w.Level > prev }

// Check compares the last element of series (the current window's count) with the windows before it
// (the most recent Baseline of them) and returns the level. series is oldest first, one count per
// window, every window present (zero-filled: see [DailySeries] and [Windows]).
//
// It returns an [*InputError] for an invalid policy, a negative count, or fewer than MinBaseline
// windows before the current one.
func (p WarningPolicy) Check(series []int64) (Warning, error) {
	if err := p.Validate(); err != nil {
		return Warning{}, err
	}
	q := p.withDefaults()
	for _, n := range series {
		if n < 0 {
			return Warning{}, inputErr("series", "negative count %d", n)
		}
	}
	if len(series) < q.MinBaseline+1 {
		return Warning{}, inputErr("series", "%d windows, need the current one and at least %d before it", len(series), q.MinBaseline)
	}
	cur := series[len(series)-1]
	base := series[max(0, len(series)-1-q.Baseline) : len(series)-1]

	var sum float64
	for _, n := range base {
		sum += float64(n)
	}
	mean := sum / float64(len(base))
	var ss float64
	for _, n := range base {
		d := float64(n) - mean
		ss += d * d
	}
	sd := 0.0
	if len(base) > 1 {
		sd = math.Sqrt(ss / float64(len(base)-1))
	}
	sigma := max(sd, math.Sqrt(mean), 1)
	w := Warning{
		Current: cur,
		Windows: len(base),
		Mean:    mean,
		StdDev:  sd,
		Sigma:   sigma,
		Z:       (float64(cur) - mean) / sigma,
		Blue:    mean + q.Blue*sigma,
		Yellow:  mean + q.Yellow*sigma,
		Red:     mean + q.Red*sigma,
	}
	if cur < q.MinCount {
		return w, nil
	}
	c := float64(cur)
	switch {
	case c >= w.Red:
		w.Level = LevelRed
	case c >= w.Yellow:
		w.Level = LevelYellow
	case c >= w.Blue:
		w.Level = LevelBlue
	}
	return w, nil
}

// DailySeries turns per-day counts (keys formatted 2006-01-02, UTC, as a store's count by day returns
// them) into one count per day from the day of from to the day before to's day, zero-filled. Keys
// outside the range are ignored. It returns an [*InputError] for a key that is not a date, a negative
// count, or to not after from.
func DailySeries(counts []Count, from, to time.Time) ([]int64, error) {
	start := dayOf(from)
	end := dayOf(to)
	if !end.After(start) {
		return nil, inputErr("range", "%s is not after %s", end.Format(time.DateOnly), start.Format(time.DateOnly))
	}
	n := int(end.Sub(start) / (24 * time.Hour))
	out := make([]int64, n)
	for _, c := range counts {
		d, err := time.Parse(time.DateOnly, c.Key)
		if err != nil {
			return nil, inputErr("counts", "key %q is not a date like 2006-01-02", c.Key)
		}
		if c.N < 0 {
			return nil, inputErr("counts", "negative count %d for %s", c.N, c.Key)
		}
		if i := int(d.Sub(start) / (24 * time.Hour)); !d.Before(start) && i < n {
			out[i] += c.N
		}
	}
	return out, nil
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Windows sums daily counts into consecutive windows of size days, aligned so that the last window
// ends with the last day (the current window is the most recent size days); leading days that do not
// fill a window are dropped. A size below 1 is taken as 1.
func Windows(daily []int64, size int) []int64 {
	size = max(size, 1)
	n := len(daily) / size
	out := make([]int64, n)
	off := len(daily) - n*size
	for i := range out {
		for _, v := range daily[off+i*size : off+(i+1)*size] {
			out[i] += v
		}
	}
	return out
}
