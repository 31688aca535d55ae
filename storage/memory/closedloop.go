package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// cloneSurvey returns a deep copy of s.
func cloneSurvey(s *feedback.Survey) *feedback.Survey {
	d := *s
	d.Kinds = slices.Clone(s.Kinds)
	d.Response.Scores = slices.Clone(s.Response.Scores)
	return &d
}

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}

// problem returns the stored problem id of tenant, or nil.
func (tx *tx) problem(tenant, id string) *rca.Problem {
	p := tx.s.problems[id]
	if p == nil || p.Tenant != tenant {
		return nil
	}
	return p
}

// survey returns the stored survey id of tenant, or nil.
func (tx *tx) survey(tenant, id string) *feedback.Survey {
	s := tx.s.surveys[id]
	if s == nil || s.Tenant != tenant {
		return nil
	}
	return s
}

func (tx *tx) ProblemGet(ctx context.Context, p *storage.ProblemGetParams) (*rca.Problem, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	pr := tx.problem(p.Tenant, p.ID)
	if pr == nil {
		return nil, fmt.Errorf("%w: problem %q", storage.ErrNotFound, p.ID)
	}
	return pr.Clone(), nil
}

// problemNewestFirst orders problems by creation time, then ID, both descending.
func problemNewestFirst(a, b *rca.Problem) int {
	return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
}

func (tx *tx) ProblemList(ctx context.Context, p *storage.ProblemListParams) (*storage.ProblemPage, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var after *rca.Problem // the last row of the previous page, as far as ordering goes
	if p.Cursor != "" {
		at, id, err := storage.DecodeCursor(p.Cursor)
		if err != nil {
			return nil, err
		}
		after = &rca.Problem{CreatedAt: at, ID: id}
	}
	var rows []*rca.Problem
	for _, pr := range tx.s.problems {
		switch {
		case pr.Tenant != p.Tenant,
			p.Status != "" && pr.Status != p.Status,
			p.ComplaintID != "" && !slices.Contains(pr.Complaints, p.ComplaintID),
			after != nil && problemNewestFirst(after, pr) >= 0:
			continue
		}
		rows = append(rows, pr)
	}
	slices.SortFunc(rows, problemNewestFirst)
	limit := storage.EffectiveLimit(p.Limit)
	page := &storage.ProblemPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.Next = storage.EncodeCursor(last.CreatedAt, last.ID)
	}
	page.Problems = make([]*rca.Problem, len(rows))
	for i, pr := range rows {
		page.Problems[i] = pr.Clone()
	}
	return page, nil
}

func (tx *tx) ProblemListDue(ctx context.Context, p *storage.ProblemListDueParams) ([]*rca.Problem, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	type due struct {
		at time.Time
		p  *rca.Problem
	}
	now := storage.Time(p.Now)
	var rows []due
	for _, pr := range tx.s.problems {
		if p.Tenant != "" && pr.Tenant != p.Tenant {
			continue
		}
		if at, ok := pr.NextReport(); ok && !at.After(now) {
			rows = append(rows, due{at, pr})
		}
	}
	slices.SortFunc(rows, func(a, b due) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.p.ID, b.p.ID)) })
	if limit := storage.EffectiveLimit(p.Limit); len(rows) > limit {
		rows = rows[:limit]
	}
	out := make([]*rca.Problem, len(rows))
	for i, r := range rows {
		out[i] = r.p.Clone()
	}
	return out, nil
}

func (tx *tx) ProblemInsert(ctx context.Context, p *storage.ProblemInsertParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if _, taken := tx.s.problems[p.Problem.ID]; taken {
		return fmt.Errorf("%w: problem ID %q", storage.ErrDuplicate, p.Problem.ID)
	}
	put(tx, tx.s.problems, p.Problem.ID, storage.NormalizeProblem(p.Problem))
	return nil
}

func (tx *tx) ProblemUpdate(ctx context.Context, p *storage.ProblemUpdateParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	old := tx.problem(p.Tenant, p.Problem.ID)
	if old == nil {
		return fmt.Errorf("%w: problem %q", storage.ErrNotFound, p.Problem.ID)
	}
	if old.Version != p.ExpectedVersion {
		return fmt.Errorf("%w: problem %q is at version %d, not %d", storage.ErrConflict, old.ID, old.Version, p.ExpectedVersion)
	}
	pr := storage.NormalizeProblem(p.Problem)
	pr.CreatedAt = old.CreatedAt
	put(tx, tx.s.problems, pr.ID, pr)
	return nil
}

func (tx *tx) SurveyGet(ctx context.Context, p *storage.SurveyGetParams) (*feedback.Survey, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	s := tx.survey(p.Tenant, p.ID)
	if s == nil {
		return nil, fmt.Errorf("%w: survey %q", storage.ErrNotFound, p.ID)
	}
	return cloneSurvey(s), nil
}

func (tx *tx) SurveyGetByTokenHash(ctx context.Context, p *storage.SurveyGetByTokenHashParams) (*feedback.Survey, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	s := tx.survey(p.Tenant, tx.s.byToken[p.TokenHash])
	if s == nil {
		return nil, fmt.Errorf("%w: survey with that token", storage.ErrNotFound)
	}
	return cloneSurvey(s), nil
}

func (tx *tx) SurveyList(ctx context.Context, p *storage.SurveyListParams) ([]*feedback.Survey, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out []*feedback.Survey
	for _, s := range tx.s.surveys {
		if s.Tenant == p.Tenant && s.ComplaintID == p.ComplaintID {
			out = append(out, cloneSurvey(s))
		}
	}
	slices.SortFunc(out, func(a, b *feedback.Survey) int {
		return cmp.Or(a.ScheduledAt.Compare(b.ScheduledAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (tx *tx) SurveyInsert(ctx context.Context, p *storage.SurveyInsertParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	s := storage.NormalizeSurvey(p.Survey)
	if tx.complaint(p.Tenant, s.ComplaintID) == nil {
		return fmt.Errorf("%w: complaint %q of survey %q", storage.ErrNotFound, s.ComplaintID, s.ID)
	}
	if _, taken := tx.s.surveys[s.ID]; taken {
		return fmt.Errorf("%w: survey ID %q", storage.ErrDuplicate, s.ID)
	}
	if _, taken := tx.s.byToken[s.TokenHash]; taken {
		return fmt.Errorf("%w: survey token hash", storage.ErrDuplicate)
	}
	put(tx, tx.s.surveys, s.ID, s)
	put(tx, tx.s.byToken, s.TokenHash, s.ID)
	return nil
}

func (tx *tx) SurveyUpdate(ctx context.Context, p *storage.SurveyUpdateParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	old := tx.survey(p.Tenant, p.Survey.ID)
	if old == nil {
		return fmt.Errorf("%w: survey %q", storage.ErrNotFound, p.Survey.ID)
	}
	if old.Version != p.ExpectedVersion {
		return fmt.Errorf("%w: survey %q is at version %d, not %d", storage.ErrConflict, old.ID, old.Version, p.ExpectedVersion)
	}
	s := storage.NormalizeSurvey(p.Survey)
	s.ComplaintID, s.TokenHash, s.Kinds = old.ComplaintID, old.TokenHash, slices.Clone(old.Kinds)
	put(tx, tx.s.surveys, s.ID, s)
	return nil
}

// tallyKey identifies one row of FeedbackTally.
type tallyKey struct {
	key   string
	kind  feedback.Kind
	value int
}

func (tx *tx) FeedbackTally(ctx context.Context, p *storage.FeedbackTallyParams) ([]storage.ScoreCount, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := map[tallyKey]int64{}
	rows := tx.s.rows[p.Tenant] // a survey's complaint exists, so the tenant has rows when it has surveys
	for _, s := range tx.s.surveys {
		if s.Tenant != p.Tenant || s.AnsweredAt.IsZero() || !inWindow(s.AnsweredAt, p.AnsweredFrom, p.AnsweredTo) {
			continue
		}
		var key string
		switch p.GroupBy {
		case "":
		case storage.ByDay:
			key = s.AnsweredAt.UTC().Format(time.DateOnly)
		default: // a dimension of the surveyed complaint, from its aggregate row
			if i, ok := rows.pos[s.ComplaintID]; ok {
				key = dimension(&rows.rows[i], p.GroupBy, nil)
			}
		}
		for _, sc := range s.Response.Scores {
			n[tallyKey{key, sc.Kind, sc.Value}]++
		}
	}
	out := make([]storage.ScoreCount, 0, len(n))
	for k, v := range n {
		out = append(out, storage.ScoreCount{Key: k.key, Kind: k.kind, Value: k.value, N: v})
	}
	slices.SortFunc(out, func(a, b storage.ScoreCount) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
	return nilIfEmpty(out), nil
}

func (tx *tx) ComplaintTimes(ctx context.Context, p *storage.ComplaintTimesParams) ([]storage.Times, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var rows []*aggRow
	for r := range tx.counted(p.Tenant, p.Category, p.CreatedFrom, p.CreatedTo) {
		if (p.Queue == "" || r.queue == p.Queue) && (p.Assignee == "" || r.assignee == p.Assignee) {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b *aggRow) int { return cmp.Or(cmp.Compare(a.created, b.created), cmp.Compare(a.id, b.id)) })
	out := make([]storage.Times, 0, len(rows))
	for _, r := range rows {
		out = append(out, storage.Times{ID: r.id, Created: fromMicro(r.created), Acknowledged: fromMicro(r.ack), Resolved: fromMicro(r.resolved)})
	}
	return out, nil
}
