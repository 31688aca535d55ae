package server

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/insight"
	"github.com/redresshq/redress/storage"
)

// DefaultInsightWindow is the window of an insight query that names no from: the 30 days before to.
const DefaultInsightWindow = 30 * 24 * time.Hour

// Durations is a set of measured durations (first response, resolution), in seconds: wall-clock time,
// or business time when the report says business_time.
type Durations struct {
	N             int     `json:"n"`
	MeanSeconds   float64 `json:"mean_seconds"`
	MedianSeconds float64 `json:"median_seconds"`
	P90Seconds    float64 `json:"p90_seconds"`
	MaxSeconds    float64 `json:"max_seconds"`
}

func durations(d insight.DurationStats) Durations {
	return Durations{N: d.N, MeanSeconds: d.Mean.Seconds(), MedianSeconds: d.Median.Seconds(),
		P90Seconds: d.P90.Seconds(), MaxSeconds: d.Max.Seconds()}
}

// Rate is a share with its parts, so that a dashboard can show "37 of 40". Value is Num/Den from 0 to
// 1, and null when Den is 0 (no complaints: no rate).
type Rate struct {
	Num   int64    `json:"num"`
	Den   int64    `json:"den"`
	Value *float64 `json:"value"`
}

func rate(r insight.Rate) Rate {
	out := Rate{Num: r.Num, Den: r.Den}
	if v, ok := r.Value(); ok {
		out.Value = &v
	}
	return out
}

// Satisfaction holds the survey figures: CSAT as the percentage of 4 and 5 answers, NPS as promoters
// minus detractors in percentage points, CES as the mean effort (1 very easy to 7 very hard). A figure
// means something only when its count is above zero.
type Satisfaction struct {
	CSATCount  int64   `json:"csat_count"`
	CSAT       float64 `json:"csat"`
	NPSCount   int64   `json:"nps_count"`
	Promoters  int64   `json:"promoters"`
	Passives   int64   `json:"passives"`
	Detractors int64   `json:"detractors"`
	NPS        float64 `json:"nps"`
	CESCount   int64   `json:"ces_count"`
	CES        float64 `json:"ces"`
}

func satisfaction(s feedback.Summary) Satisfaction {
	return Satisfaction{CSATCount: s.CSATCount, CSAT: finite(s.CSAT), NPSCount: s.NPSCount, Promoters: s.Promoters,
		Passives: s.Passives, Detractors: s.Detractors, NPS: finite(s.NPS), CESCount: s.CESCount, CES: finite(s.CES)}
}

// Load is the open workload of one queue or agent.
type Load struct {
	Key     string  `json:"key"`
	Open    int64   `json:"open"`
	Overdue int64   `json:"overdue"`
	Share   float64 `json:"share"`
}

func loads(ls []insight.Load) []Load {
	out := make([]Load, len(ls))
	for i, l := range ls {
		out[i] = Load{Key: l.Key, Open: l.Open, Overdue: l.Overdue, Share: finite(l.Share)}
	}
	return out
}

// KPIReport is the answer of GET /v1/insights/kpis: the KPIs of the complaints created in [from, to)
// that match the filters, and the backlog now per queue and per agent.
type KPIReport struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Category string    `json:"category,omitempty"`
	Queue    string    `json:"queue,omitempty"`
	Assignee string    `json:"assignee,omitempty"`
	// BusinessTime is set when durations are measured on the business calendar.
	BusinessTime  bool         `json:"business_time"`
	FirstResponse Durations    `json:"first_response"`
	Resolution    Durations    `json:"resolution"`
	SLAAttainment Rate         `json:"sla_attainment"`
	ReopenRate    Rate         `json:"reopen_rate"`
	RepeatRate    Rate         `json:"repeat_rate"`
	Satisfaction  Satisfaction `json:"satisfaction"`
	Queues        []Load       `json:"queues"`
	Agents        []Load       `json:"agents"`
}

// ParetoRow is one bar of a Pareto chart: a key's count, its share, the cumulative share, and whether
// it is among the vital few that reach the line.
type ParetoRow struct {
	Key        string  `json:"key"`
	N          int64   `json:"n"`
	Share      float64 `json:"share"`
	Cumulative float64 `json:"cumulative"`
	Vital      bool    `json:"vital"`
}

// ParetoReport is the answer of GET /v1/insights/pareto.
type ParetoReport struct {
	By    storage.Dimension `json:"by"`
	From  time.Time         `json:"from"`
	To    time.Time         `json:"to"`
	Total int64             `json:"total"`
	Line  float64           `json:"line"`
	Rows  []ParetoRow       `json:"rows"`
}

// FeedbackGroup is the satisfaction of the answers that share a key.
type FeedbackGroup struct {
	Key string `json:"key"`
	Satisfaction
}

// FeedbackReport is the answer of GET /v1/insights/feedback: the survey answers given in [from, to),
// per group (one group with key "" when by is not given).
type FeedbackReport struct {
	By     storage.Dimension `json:"by,omitempty"`
	From   time.Time         `json:"from"`
	To     time.Time         `json:"to"`
	Groups []FeedbackGroup   `json:"groups"`
}

// CategoryWarning is one category's early-warning check: the count of the day ending at the check
// time against the category's own baseline.
type CategoryWarning struct {
	Category string        `json:"category"`
	Level    insight.Level `json:"level"`
	Current  int64         `json:"current"`
	Windows  int           `json:"windows"`
	Mean     float64       `json:"mean"`
	StdDev   float64       `json:"std_dev"`
	Sigma    float64       `json:"sigma"`
	Z        float64       `json:"z"`
	// Blue, Yellow and Red are the counts at which each level starts for this baseline.
	Blue   float64 `json:"blue"`
	Yellow float64 `json:"yellow"`
	Red    float64 `json:"red"`
}

// WarningReport is the answer of GET /v1/insights/warnings, highest level first.
type WarningReport struct {
	At    time.Time         `json:"at"`
	Items []CategoryWarning `json:"items"`
}

// finite keeps NaN and infinities, which JSON cannot carry, out of answers.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// insightQuery reads the query of an insight route strictly: unknown or repeated parameters and
// malformed values are 400 naming the parameter.
type insightQuery struct {
	q   url.Values
	now time.Time
}

func newInsightQuery(r *http.Request, now time.Time, known ...string) (*insightQuery, error) {
	q := r.URL.Query()
	if err := strictQuery(q, known); err != nil {
		return nil, err
	}
	// Times are kept as the stores keep them: UTC, microsecond precision.
	return &insightQuery{q: q, now: now.UTC().Truncate(time.Microsecond)}, nil
}

func (iq *insightQuery) time(name string, def time.Time) (time.Time, error) {
	v := iq.q.Get(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, queryErr(name, "invalid", fmt.Sprintf("%s %q is not an RFC 3339 time such as 2026-11-24T09:00:00Z", name, v))
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

// window reads from and to: to defaults to now, from to DefaultInsightWindow before to, and from must
// come before to.
func (iq *insightQuery) window() (from, to time.Time, err error) {
	if to, err = iq.time("to", iq.now); err != nil {
		return
	}
	if from, err = iq.time("from", to.Add(-DefaultInsightWindow)); err != nil {
		return
	}
	if !from.Before(to) {
		err = queryErr("from", "invalid", fmt.Sprintf("from %s must be before to %s", from.Format(time.RFC3339), to.Format(time.RFC3339)))
	}
	return
}

// dimension reads by: one of the storage dimensions, def when absent.
func (iq *insightQuery) dimension(def storage.Dimension) (storage.Dimension, error) {
	v := iq.q.Get("by")
	if v == "" {
		return def, nil
	}
	d := storage.Dimension(v)
	if !d.Valid() {
		dims := []string{string(storage.ByCategory), string(storage.ByQueue), string(storage.ByAssignee),
			string(storage.ByChannel), string(storage.ByStatus), string(storage.BySeverity), string(storage.ByDay)}
		return "", queryErr("by", "invalid", fmt.Sprintf("by %q is not one of %s", v, strings.Join(dims, ", ")))
	}
	return d, nil
}

func (s *Server) kpis(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	iq, err := newInsightQuery(r, s.now(), "from", "to", "category", "queue", "assignee")
	if err != nil {
		return err
	}
	from, to, err := iq.window()
	if err != nil {
		return err
	}
	rep, err := s.desk.KPIs(r.Context(), redress.KPIQuery{Tenant: a.Tenant, From: from, To: to,
		Category: iq.q.Get("category"), Queue: iq.q.Get("queue"), Assignee: iq.q.Get("assignee")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, KPIReport{From: from, To: to, Category: rep.Query.Category, Queue: rep.Query.Queue,
		Assignee: rep.Query.Assignee, BusinessTime: rep.BusinessTime,
		FirstResponse: durations(rep.FirstResponse), Resolution: durations(rep.Resolution),
		SLAAttainment: rate(rep.SLAAttainment), ReopenRate: rate(rep.ReopenRate), RepeatRate: rate(rep.RepeatRate),
		Satisfaction: satisfaction(rep.Satisfaction), Queues: loads(rep.Queues), Agents: loads(rep.Agents)})
	return nil
}

func (s *Server) pareto(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	iq, err := newInsightQuery(r, s.now(), "by", "from", "to")
	if err != nil {
		return err
	}
	by, err := iq.dimension(storage.ByCategory)
	if err != nil {
		return err
	}
	from, to, err := iq.window()
	if err != nil {
		return err
	}
	p, err := s.desk.Pareto(r.Context(), a.Tenant, by, from, to)
	if err != nil {
		return err
	}
	out := ParetoReport{By: by, From: from, To: to, Total: p.Total, Line: finite(p.Line), Rows: make([]ParetoRow, len(p.Rows))}
	for i, row := range p.Rows {
		out.Rows[i] = ParetoRow{Key: row.Key, N: row.N, Share: finite(row.Share), Cumulative: finite(row.Cumulative), Vital: row.Vital}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) feedbackSummary(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	iq, err := newInsightQuery(r, s.now(), "by", "from", "to")
	if err != nil {
		return err
	}
	by, err := iq.dimension("")
	if err != nil {
		return err
	}
	from, to, err := iq.window()
	if err != nil {
		return err
	}
	groups, err := s.desk.FeedbackSummary(r.Context(), a.Tenant, by, from, to)
	if err != nil {
		return err
	}
	out := FeedbackReport{By: by, From: from, To: to, Groups: make([]FeedbackGroup, len(groups))}
	for i, g := range groups {
		out.Groups[i] = FeedbackGroup{Key: g.Key, Satisfaction: satisfaction(g.Summary)}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) warnings(w http.ResponseWriter, r *http.Request) error {
	a := mustActor(r)
	iq, err := newInsightQuery(r, s.now(), "at")
	if err != nil {
		return err
	}
	at, err := iq.time("at", iq.now)
	if err != nil {
		return err
	}
	ws, err := s.desk.Warnings(r.Context(), a.Tenant, at)
	if err != nil {
		return err
	}
	out := WarningReport{At: at, Items: make([]CategoryWarning, len(ws))}
	for i, cw := range ws {
		x := cw.Warning
		out.Items[i] = CategoryWarning{Category: cw.Category, Level: x.Level, Current: x.Current, Windows: x.Windows,
			Mean: finite(x.Mean), StdDev: finite(x.StdDev), Sigma: finite(x.Sigma), Z: finite(x.Z),
			Blue: finite(x.Blue), Yellow: finite(x.Yellow), Red: finite(x.Red)}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
