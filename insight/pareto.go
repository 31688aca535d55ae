package insight

import (
	"fmt"
	"strings"
)

// DefaultParetoLine is the classic 80 % line: the few categories that make up the first 80 % of
// complaints are where root-cause work pays most.
const DefaultParetoLine = 0.8

// ParetoRow is one bar of a Pareto chart.
type ParetoRow struct {
	Key string
	N   int64
	// Share is N over the total (0 to 1); Cumulative is the share of this row and every row before it.
	Share      float64
	Cumulative float64
	// Vital marks the "vital few": the rows needed to reach the line, the one that crosses it included.
	Vital bool
}

// Pareto is a Pareto table: counts sorted from largest to smallest with shares, cumulative shares and
// the line that separates the vital few from the rest.
type Pareto struct {
	Rows  []ParetoRow
	Total int64
	Line  float64
}

// NewPareto builds the Pareto table of counts (categories, or any other field). Rows with the same key
// are summed; rows are sorted by count, largest first, ties by key. A row is vital when the cumulative
// share of the rows before it is below line, so the vital rows are the fewest that reach the line. The
// last row's cumulative share is exactly 1. A zero line means [DefaultParetoLine].
//
// It returns an [*InputError] for a negative count or a line outside (0, 1].
func NewPareto(counts []Count, line float64) (Pareto, error) {
	if line == 0 {
		line = DefaultParetoLine
	}
	if !(line > 0 && line <= 1) {
		return Pareto{}, inputErr("line", "%v is outside (0, 1]", line)
	}
	m, err := merge("counts", counts)
	if err != nil {
		return Pareto{}, err
	}
	cs := make([]Count, 0, len(m))
	var total int64
	for k, n := range m {
		cs = append(cs, Count{Key: k, N: n})
		total += n
	}
	sortCounts(cs)
	p := Pareto{Rows: make([]ParetoRow, len(cs)), Total: total, Line: line}
	var run int64
	for i, c := range cs {
		before := run
		run += c.N
		r := ParetoRow{Key: c.Key, N: c.N}
		if total > 0 {
			r.Share = float64(c.N) / float64(total)
			// From integer running sums, so the cumulative share never decreases and ends at 1.
			r.Cumulative = float64(run) / float64(total)
			r.Vital = c.N > 0 && float64(before)/float64(total) < line
		}
		p.Rows[i] = r
	}
	return p, nil
}

// Vital returns the vital few rows.
func (p Pareto) Vital() []ParetoRow {
	n := 0
	for n < len(p.Rows) && p.Rows[n].Vital {
		n++
	}
	return p.Rows[:n]
}

// String renders the table as text: key, count, share, cumulative share, and a marker under the last
// vital row where the line is crossed.
func (p Pareto) String() string {
	w := len("key")
	for _, r := range p.Rows {
		w = max(w, len(r.Key))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-*s  %8s  %6s  %6s\n", w, "key", "count", "share", "cum")
	crossed := false
	for _, r := range p.Rows {
		if !r.Vital && !crossed {
			crossed = true
			label := fmt.Sprintf(" %.0f %% line", 100*p.Line)
			fmt.Fprintf(&b, "%s%s\n", strings.Repeat("-", max(3, w+26-len(label))), label)
		}
		fmt.Fprintf(&b, "%-*s  %8d  %5.1f%%  %5.1f%%\n", w, r.Key, r.N, 100*r.Share, 100*r.Cumulative)
	}
	return b.String()
}
