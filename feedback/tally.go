package feedback

import (
	"cmp"
	"slices"
)

// Tally counts answers per score value for each measure. It is the additive form of survey results:
// tallies of parts merge into the tally of the whole, and a store can compute one with a GROUP BY over
// (kind, value) instead of handing over every response. Every figure of [Summary] derives from it.
type Tally struct {
	CSAT [6]int64  // CSAT[v] answers with score v (index 0 unused)
	NPS  [11]int64 // NPS[v] answers with score v
	CES  [8]int64  // CES[v] answers with score v (index 0 unused)
}

// Add counts the scores of r. It returns a [*ScoreError] for a score out of range or of an unknown
// kind, and then counts nothing of r.
func (t *Tally) Add(r Response) error {
	for _, s := range r.Scores {
		if err := s.Kind.Check(s.Value); err != nil {
			return err
		}
	}
	for _, s := range r.Scores {
		t.bucket(s.Kind)[s.Value]++
	}
	return nil
}

func (t *Tally) bucket(k Kind) []int64 {
	switch k {
	case CSAT:
		return t.CSAT[:]
	case NPS:
		return t.NPS[:]
	case CES:
		return t.CES[:]
	}
	return nil
}

// Merge adds the counts of o to t.
func (t *Tally) Merge(o Tally) {
	for i := range t.CSAT {
		t.CSAT[i] += o.CSAT[i]
	}
	for i := range t.NPS {
		t.NPS[i] += o.NPS[i]
	}
	for i := range t.CES {
		t.CES[i] += o.CES[i]
	}
}

func sum(b []int64) int64 {
	var n int64
	for _, c := range b {
		n += c
	}
	return n
}

// Summary holds the satisfaction figures of a set of responses. A figure is meaningful only when its
// count is above zero; with no answers it is 0.
type Summary struct {
	// CSATCount answers gave a CSAT score; CSAT is the percentage of them that were 4 or 5.
	CSATCount int64
	CSAT      float64
	// NPSCount answers gave an NPS score: Promoters (9–10), Passives (7–8) and Detractors (0–6).
	// NPS is the percentage of promoters minus the percentage of detractors, from -100 to 100.
	NPSCount   int64
	Promoters  int64
	Passives   int64
	Detractors int64
	NPS        float64
	// CESCount answers gave a CES score; CES is their mean (1 very easy to 7 very hard).
	CESCount int64
	CES      float64
}

// Summary computes the satisfaction figures from the counts.
func (t Tally) Summary() Summary {
	var s Summary
	s.CSATCount = sum(t.CSAT[:])
	if s.CSATCount > 0 {
		s.CSAT = 100 * float64(t.CSAT[4]+t.CSAT[5]) / float64(s.CSATCount)
	}
	s.NPSCount = sum(t.NPS[:])
	s.Promoters = t.NPS[9] + t.NPS[10]
	s.Passives = t.NPS[7] + t.NPS[8]
	s.Detractors = s.NPSCount - s.Promoters - s.Passives
	if s.NPSCount > 0 {
		s.NPS = 100 * float64(s.Promoters-s.Detractors) / float64(s.NPSCount)
	}
	s.CESCount = sum(t.CES[:])
	if s.CESCount > 0 {
		var total int64
		for v, c := range t.CES {
			total += int64(v) * c
		}
		s.CES = float64(total) / float64(s.CESCount)
	}
	return s
}

// Summarize tallies responses and returns their figures: CSAT % (share of 4–5), NPS (promoters minus
// detractors, in percentage points) and mean CES. It returns a [*ScoreError] for a score out of range.
func Summarize(rs []Response) (Summary, error) {
	var t Tally
	for _, r := range rs {
		if err := t.Add(r); err != nil {
			return Summary{}, err
		}
	}
	return t.Summary(), nil
}

// Group is the summary of the items that share a key.
type Group struct {
	Key string
	Summary
}

// SummarizeBy groups items by key (a queue, category, agent, or a period such as
// AnsweredAt.Format("2006-01")) and summarises each group's responses. Groups come sorted by key. It
// returns a [*ScoreError] for a score out of range.
func SummarizeBy[T any](items []T, key func(T) string, response func(T) Response) ([]Group, error) {
	tallies := map[string]*Tally{}
	for _, it := range items {
		k := key(it)
		t := tallies[k]
		if t == nil {
			t = &Tally{}
			tallies[k] = t
		}
		if err := t.Add(response(it)); err != nil {
			return nil, err
		}
	}
	out := make([]Group, 0, len(tallies))
	for k, t := range tallies {
		out = append(out, Group{Key: k, Summary: t.Summary()})
	}
	slices.SortFunc(out, func(a, b Group) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}
