package insight

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"
)

// Errors of insight. Match them with errors.Is.
var (
	// ErrInput is matched by every [*InputError]: the numbers handed in are inconsistent or out of
	// range (a negative count or duration, more breached complaints than complaints, ...).
	ErrInput = errors.New("insight: invalid input")
	// ErrNoData: a figure was asked of an empty set, for example a percentile of no durations.
	ErrNoData = errors.New("insight: no data")
)

// InputError names the input that is wrong and why.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return "insight: invalid " + e.Field + ": " + e.Reason }

// Is makes errors.Is(err, ErrInput) true.
func (e *InputError) Is(target error) bool { return target == ErrInput }

func inputErr(field, format string, args ...any) error {
	return &InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of ds by linear interpolation between the
// closest ranks: with the values sorted as x[0..n-1], h = (n-1)·p/100 and the result is
// x[⌊h⌋] + (h-⌊h⌋)·(x[⌊h⌋+1]-x[⌊h⌋]), rounded to the nanosecond. This is PostgreSQL's
// percentile_cont and spreadsheets' PERCENTILE.INC, so figures pushed down to PostgreSQL agree with
// figures computed here. The median of an even count is the mean of the middle two.
//
// ds is not modified. It returns [ErrNoData] for an empty ds and an [*InputError] for p outside
// [0, 100] or a negative duration.
func Percentile(ds []time.Duration, p float64) (time.Duration, error) {
	if !(p >= 0 && p <= 100) {
		return 0, inputErr("percentile", "%v is outside 0–100", p)
	}
	if len(ds) == 0 {
		return 0, ErrNoData
	}
	s, _, err := checkedCopy("durations", ds)
	if err != nil {
		return 0, err
	}
	return percentiles(s, p)[0], nil
}

// checkedCopy copies ds, refusing negative durations, and returns the copy and the sum in float64 (a
// mean over arbitrary input must not wrap).
func checkedCopy(field string, ds []time.Duration) ([]time.Duration, float64, error) {
	s := make([]time.Duration, len(ds))
	var sum float64
	for i, d := range ds {
		if d < 0 {
			return nil, 0, inputErr(field, "negative duration %v", d)
		}
		s[i] = d
		sum += float64(d)
	}
	return s, sum, nil
}

// percentiles returns the percentiles ps (ascending) of the non-empty s, reordering s. It finds only
// the order statistics it needs (quickselect), which is several times faster than sorting.
func percentiles(s []time.Duration, ps ...float64) []time.Duration {
	out := make([]time.Duration, len(ps))
	// Every rank selected so far sits at its sorted position below from, and s[from:] holds exactly
	// the values of ranks from and up: later selections only reorder s[from:].
	from := 0
	at := func(r int) time.Duration {
		if r >= from {
			selectRank(s[from:], r-from)
			from = r + 1
		}
		return s[r]
	}
	for i, p := range ps {
		h := float64(len(s)-1) * p / 100
		lo := int(math.Floor(h))
		if lo >= len(s)-1 {
			out[i] = at(len(s) - 1)
			continue
		}
		x0 := at(lo)
		frac := h - float64(lo)
		if frac == 0 {
			out[i] = x0
			continue
		}
		x1 := at(lo + 1)
		out[i] = x0 + time.Duration(math.Round(frac*float64(x1-x0)))
	}
	return out
}

// selectRank reorders s so that s[k] holds the value of rank k (0-based), with no larger value before
// it and no smaller after. Quickselect with a median-of-three pivot and a three-way partition (many
// equal durations are common); after 2·log2(n) rounds it sorts what is left, bounding the worst case
// at O(n log n).
func selectRank(s []time.Duration, k int) {
	if k == 0 {
		m := 0
		for i, v := range s {
			if v < s[m] {
				m = i
			}
		}
		s[0], s[m] = s[m], s[0]
		return
	}
	lo, hi := 0, len(s)
	for budget := 2 * bits.Len(uint(len(s))); hi-lo > 24; budget-- {
		if budget == 0 {
			break
		}
		a, b, c := s[lo], s[lo+(hi-lo)/2], s[hi-1]
		p := max(min(a, b), min(max(a, b), c))
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := s[i]; {
			case v < p:
				s[lt], s[i] = v, s[lt]
				lt++
				i++
			case v > p:
				gt--
				s[i], s[gt] = s[gt], v
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return
		}
	}
	slices.Sort(s[lo:hi])
}

// DurationStats describes a set of durations such as first-response or resolution times.
type DurationStats struct {
	N      int
	Mean   time.Duration
	Median time.Duration
	P90    time.Duration
	Max    time.Duration
}

// Describe returns the count, mean, median, 90th percentile (see [Percentile]) and maximum of ds; all
// zero for an empty ds. Durations are what the caller measured: wall-clock or business time where an
// SLA calendar applies. ds is not modified. It returns an [*InputError] for a negative duration.
func Describe(ds []time.Duration) (DurationStats, error) {
	return describe("durations", ds)
}

func describe(field string, ds []time.Duration) (DurationStats, error) {
	if len(ds) == 0 {
		return DurationStats{}, nil
	}
	s, sum, err := checkedCopy(field, ds)
	if err != nil {
		return DurationStats{}, err
	}
	q := percentiles(s, 50, 90, 100)
	return DurationStats{
		N:      len(s),
		Mean:   time.Duration(math.Round(sum / float64(len(s)))),
		Median: q[0],
		P90:    q[1],
		Max:    q[2],
	}, nil
}
