package storage

import (
	"slices"
	"time"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
)

// NormalizeProblem returns the copy of p that stores keep and give back: a deep copy with every time
// (the problem's and its actions') passed through [Time], and an empty team, why chain, cause list,
// complaint list or action list as nil — the form a JSON round trip gives. Adapters store it;
// storagetest compares with it.
func NormalizeProblem(p *rca.Problem) *rca.Problem {
	d := p.Clone()
	for _, t := range []*time.Time{&d.CreatedAt, &d.UpdatedAt, &d.ClosedAt, &d.OverdueReportedAt} {
		*t = Time(*t)
	}
	for i := range d.Actions {
		a := &d.Actions[i]
		for _, t := range []*time.Time{&a.Due, &a.CreatedAt, &a.StartedAt, &a.DoneAt, &a.Check.VerifiedAt} {
			*t = Time(*t)
		}
	}
	d.Team = nilIfEmpty(d.Team)
	d.Whys = nilIfEmpty(d.Whys)
	d.Causes = nilIfEmpty(d.Causes)
	d.Complaints = nilIfEmpty(d.Complaints)
	d.Actions = nilIfEmpty(d.Actions)
	return d
}

// NormalizeSurvey returns the copy of s that stores keep and give back: a deep copy with its times
// passed through [Time] and empty kinds and scores as nil.
func NormalizeSurvey(s *feedback.Survey) *feedback.Survey {
	d := *s
	for _, t := range []*time.Time{&d.ScheduledAt, &d.DueBy, &d.ExpiresAt, &d.SentAt, &d.AnsweredAt} {
		*t = Time(*t)
	}
	d.Kinds = nilIfEmpty(slices.Clone(s.Kinds))
	d.Response.Scores = nilIfEmpty(slices.Clone(s.Response.Scores))
	return &d
}

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}
