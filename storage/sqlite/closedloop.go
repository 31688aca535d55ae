package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// The closed loop: problem records and satisfaction surveys. Both are stored whole as JSON in doc with
// their queried fields in columns (see migrations/0002_closed_loop.sql).

const (
	qProblemInsert = `INSERT INTO problems (tenant, id, status, created_at, version, next_report, doc)
	VALUES (?, ?, ?, ?, ?, ?, ?)`
	// The links to complaints follow by trigger, in the same statement.
	qProblemUpdate = `UPDATE problems SET status = ?, version = ?, next_report = ?, doc = ?
	WHERE tenant = ? AND id = ? AND version = ?`
	qProblemVersion = `SELECT version FROM problems WHERE tenant = ? AND id = ?`
	qProblemGet     = `SELECT created_at, id, doc FROM problems WHERE tenant = ? AND id = ?`
	// The overdue scans read the head of a partial index (next_report <= ? implies it is not NULL).
	qProblemDueAll = `SELECT created_at, id, doc FROM problems INDEXED BY problems_due
	WHERE next_report <= ? ORDER BY next_report, id, tenant LIMIT ?`
	qProblemDueTenant = `SELECT created_at, id, doc FROM problems INDEXED BY problems_tenant_due
	WHERE tenant = ? AND next_report <= ? ORDER BY next_report, id LIMIT ?`

	qSurveyInsert = `INSERT INTO surveys (tenant, id, complaint_id, token_hash, scheduled_at, answered_at, csat, nps,
	ces, version, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// An update reads the stored version and document first: they decide not-found and conflict, and
	// the complaint, token hash and kinds that never change come from the stored document.
	qSurveyCurrent = `SELECT version, doc FROM surveys WHERE tenant = ? AND id = ?`
	qSurveyUpdate  = `UPDATE surveys SET scheduled_at = ?, answered_at = ?, csat = ?, nps = ?, ces = ?, version = ?,
	doc = ? WHERE tenant = ? AND id = ? AND version = ?`
	qSurveyGet        = `SELECT doc FROM surveys WHERE tenant = ? AND id = ?`
	qSurveyGetByToken = `SELECT doc FROM surveys WHERE token_hash = ? AND tenant = ?`
	qSurveyList       = `SELECT doc FROM surveys WHERE tenant = ? AND complaint_id = ? ORDER BY scheduled_at, id`
)

// closedLoopQueries are the statements of this file prepared when a store opens.
var closedLoopQueries = []string{
	qProblemInsert, qProblemUpdate, qProblemVersion, qProblemGet, qProblemDueAll, qProblemDueTenant,
	qSurveyInsert, qSurveyCurrent, qSurveyUpdate, qSurveyGet, qSurveyGetByToken, qSurveyList,
}

// nextReport is the next_report column of p: NULL when no open action is left to report.
func nextReport(p *rca.Problem) any {
	if at, ok := p.NextReport(); ok {
		return micros(at)
	}
	return nil
}

func encodeProblem(p *rca.Problem) (string, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode problem %s: %w", p.ID, err)
	}
	return string(b), nil
}

// scanProblem reads a row of created_at, id, doc. The creation time, which never changes, comes from
// its column.
func scanProblem(row interface{ Scan(...any) error }) (*rca.Problem, error) {
	var (
		createdAt int64
		id        string
		doc       []byte
	)
	if err := row.Scan(&createdAt, &id, &doc); err != nil {
		return nil, err
	}
	p := new(rca.Problem)
	if err := json.Unmarshal(doc, p); err != nil {
		return nil, fmt.Errorf("sqlite: decode stored problem %s: %w", id, err)
	}
	p.CreatedAt = fromMicros(createdAt)
	return p, nil
}

// ProblemInsert implements storage.Tx: storage.ErrDuplicate when the tenant already has a problem
// with that ID, storage.ErrInvalid for bad params. The problem and its links to complaints are
// written by one statement.
func (t *tx) ProblemInsert(ctx context.Context, p *storage.ProblemInsertParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	pr := storage.NormalizeProblem(p.Problem)
	doc, err := encodeProblem(pr)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, qProblemInsert, pr.Tenant, pr.ID, string(pr.Status), micros(pr.CreatedAt), pr.Version,
		nextReport(pr), doc)
	if err != nil {
		return mapConstraint(err, storage.ErrDuplicate, "insert problem "+pr.ID)
	}
	return nil
}

// ProblemUpdate implements storage.Tx: storage.ErrNotFound when the tenant has no such problem,
// storage.ErrConflict when its stored version is not ExpectedVersion (or Problem.Version is not
// ExpectedVersion+1), storage.ErrInvalid for bad params. The stored creation time is kept whatever
// p.Problem says. The problem and its links to complaints are written by one statement.
func (t *tx) ProblemUpdate(ctx context.Context, p *storage.ProblemUpdateParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	pr := storage.NormalizeProblem(p.Problem)
	doc, err := encodeProblem(pr)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, qProblemUpdate, string(pr.Status), pr.Version, nextReport(pr), doc,
		pr.Tenant, pr.ID, p.ExpectedVersion)
	if err != nil {
		return fmt.Errorf("sqlite: update problem %s: %w", pr.ID, mapError(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlite: update problem %s: %w", pr.ID, mapError(err))
	} else if n == 1 {
		return nil
	}
	// Nothing matched: find out why.
	var version int64
	err = t.queryRow(ctx, qProblemVersion, pr.Tenant, pr.ID).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: problem %s in tenant %s", storage.ErrNotFound, pr.ID, pr.Tenant)
	case err != nil:
		return fmt.Errorf("sqlite: update problem %s: %w", pr.ID, mapError(err))
	}
	return fmt.Errorf("%w: problem %s is at version %d, not %d", storage.ErrConflict, pr.ID, version, p.ExpectedVersion)
}

// ProblemGet implements storage.ReadTx: storage.ErrNotFound when the tenant has no such problem.
func (t *readTx) ProblemGet(ctx context.Context, p *storage.ProblemGetParams) (*rca.Problem, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	pr, err := scanProblem(t.queryRow(ctx, qProblemGet, p.Tenant, p.ID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("%w: problem %s", storage.ErrNotFound, p.ID)
	case err != nil:
		return nil, fmt.Errorf("sqlite: get problem %s: %w", p.ID, mapError(err))
	}
	return pr, nil
}

// ProblemList implements storage.ReadTx: newest first along problems_created or problems_status,
// continuing strictly after the cursor's (created_at, id). With ComplaintID it starts from the
// complaint's links (a complaint belongs to few problems) and sorts them. A malformed cursor is
// storage.ErrBadCursor.
func (t *readTx) ProblemList(ctx context.Context, p *storage.ProblemListParams) (*storage.ProblemPage, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	limit := storage.EffectiveLimit(p.Limit)
	query, args, err := problemListQuery(p, limit)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list problems: %w", mapError(err))
	}
	defer func() { _ = rows.Close() }()
	page := &storage.ProblemPage{}
	for rows.Next() {
		if len(page.Problems) == limit {
			last := page.Problems[limit-1]
			page.Next = storage.EncodeCursor(last.CreatedAt, last.ID)
			break
		}
		pr, err := scanProblem(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list problems: %w", err)
		}
		page.Problems = append(page.Problems, pr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list problems: %w", mapError(err))
	}
	return page, nil
}

// problemListQuery builds ProblemList's query for a page of limit rows (it selects limit+1 to know
// whether another page follows): created_at, id and doc, newest first.
func problemListQuery(p *storage.ProblemListParams, limit int) (string, []any, error) {
	var b strings.Builder
	var args []any
	if p.ComplaintID != "" {
		// CROSS JOIN makes SQLite start from the links: left to itself it walks the tenant's problems
		// newest first and probes each for the link, which reads them all for a complaint in one.
		b.WriteString(`SELECT p.created_at, p.id, p.doc FROM problem_complaints l INDEXED BY problem_complaints_complaint
	CROSS JOIN problems p WHERE l.tenant = ? AND l.complaint_id = ? AND p.tenant = l.tenant AND p.id = l.problem_id`)
		args = append(args, p.Tenant, p.ComplaintID)
	} else {
		b.WriteString(`SELECT p.created_at, p.id, p.doc FROM problems p WHERE p.tenant = ?`)
		args = append(args, p.Tenant)
	}
	if p.Status != "" {
		b.WriteString(" AND p.status = ?")
		args = append(args, string(p.Status))
	}
	if p.Cursor != "" {
		at, id, err := storage.DecodeCursor(p.Cursor)
		if err != nil {
			return "", nil, err
		}
		b.WriteString(" AND (p.created_at, p.id) < (?, ?)")
		args = append(args, micros(at), id)
	}
	b.WriteString(" ORDER BY p.created_at DESC, p.id DESC LIMIT ?")
	args = append(args, limit+1)
	return b.String(), args, nil
}

// ProblemListDue implements storage.ReadTx from the head of problems_due (all tenants) or
// problems_tenant_due (one tenant): earliest next report first, then ID (then tenant).
func (t *readTx) ProblemListDue(ctx context.Context, p *storage.ProblemListDueParams) ([]*rca.Problem, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	limit := storage.EffectiveLimit(p.Limit)
	query, args := qProblemDueAll, []any{micros(p.Now), limit}
	if p.Tenant != "" {
		query, args = qProblemDueTenant, []any{p.Tenant, micros(p.Now), limit}
	}
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list problems due: %w", mapError(err))
	}
	defer func() { _ = rows.Close() }()
	var out []*rca.Problem
	for rows.Next() {
		pr, err := scanProblem(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list problems due: %w", err)
		}
		out = append(out, pr)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list problems due: %w", mapError(err))
	}
	return out, nil
}

// scoreColumns maps each survey measure to its column; FeedbackTally reads them.
var scoreColumns = []struct {
	kind feedback.Kind
	col  string
}{{feedback.CSAT, "csat"}, {feedback.NPS, "nps"}, {feedback.CES, "ces"}}

// surveyArgs returns the values of the answered_at, csat, nps and ces columns of s.
func surveyArgs(s *feedback.Survey) []any {
	args := []any{nullMicros(s.AnsweredAt)}
	for _, sc := range scoreColumns {
		if v, ok := s.Response.Score(sc.kind); ok {
			args = append(args, v)
		} else {
			args = append(args, nil)
		}
	}
	return args
}

func encodeSurvey(s *feedback.Survey) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode survey %s: %w", s.ID, err)
	}
	return string(b), nil
}

func decodeSurvey(doc []byte) (*feedback.Survey, error) {
	s := new(feedback.Survey)
	if err := json.Unmarshal(doc, s); err != nil {
		return nil, fmt.Errorf("sqlite: decode stored survey: %w", err)
	}
	return s, nil
}

// SurveyInsert implements storage.Tx: storage.ErrNotFound when the tenant has no such complaint,
// storage.ErrDuplicate when the tenant already has a survey with that ID or any survey has that
// token hash, storage.ErrInvalid for bad params.
func (t *tx) SurveyInsert(ctx context.Context, p *storage.SurveyInsertParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s := storage.NormalizeSurvey(p.Survey)
	doc, err := encodeSurvey(s)
	if err != nil {
		return err
	}
	args := append([]any{s.Tenant, s.ID, s.ComplaintID, s.TokenHash, micros(s.ScheduledAt)}, surveyArgs(s)...)
	if _, err := t.exec(ctx, qSurveyInsert, append(args, s.Version, doc)...); err != nil {
		return mapConstraint(err, storage.ErrDuplicate, "insert survey "+s.ID+" of complaint "+s.ComplaintID)
	}
	return nil
}

// SurveyUpdate implements storage.Tx: storage.ErrNotFound when the tenant has no such survey,
// storage.ErrConflict when its stored version is not ExpectedVersion (or Survey.Version is not
// ExpectedVersion+1), storage.ErrInvalid for bad params. The stored complaint, token hash and kinds
// are kept whatever p.Survey says.
func (t *tx) SurveyUpdate(ctx context.Context, p *storage.SurveyUpdateParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s := storage.NormalizeSurvey(p.Survey)
	var (
		version int64
		stored  []byte
	)
	err := t.queryRow(ctx, qSurveyCurrent, s.Tenant, s.ID).Scan(&version, &stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: survey %s in tenant %s", storage.ErrNotFound, s.ID, s.Tenant)
	case err != nil:
		return fmt.Errorf("sqlite: update survey %s: %w", s.ID, mapError(err))
	case version != p.ExpectedVersion:
		return fmt.Errorf("%w: survey %s is at version %d, not %d", storage.ErrConflict, s.ID, version, p.ExpectedVersion)
	}
	old, err := decodeSurvey(stored)
	if err != nil {
		return err
	}
	s.ComplaintID, s.TokenHash, s.Kinds = old.ComplaintID, old.TokenHash, old.Kinds
	doc, err := encodeSurvey(s)
	if err != nil {
		return err
	}
	// The write connection is this transaction's alone, so the version read above still holds; the
	// version in the WHERE clause says so again.
	args := append([]any{micros(s.ScheduledAt)}, surveyArgs(s)...)
	res, err := t.exec(ctx, qSurveyUpdate, append(args, s.Version, doc, s.Tenant, s.ID, p.ExpectedVersion)...)
	if err != nil {
		return fmt.Errorf("sqlite: update survey %s: %w", s.ID, mapError(err))
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: survey %s changed while being updated (%d rows, %v)", storage.ErrConflict, s.ID, n, err)
	}
	return nil
}

// getSurvey runs a query that selects one survey document.
func (t *readTx) getSurvey(ctx context.Context, what, query string, args ...any) (*feedback.Survey, error) {
	return getDoc(ctx, t, "survey", what, decodeSurvey, query, args...)
}

// SurveyGet implements storage.ReadTx: storage.ErrNotFound when the tenant has no such survey.
func (t *readTx) SurveyGet(ctx context.Context, p *storage.SurveyGetParams) (*feedback.Survey, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getSurvey(ctx, p.ID, qSurveyGet, p.Tenant, p.ID)
}

// SurveyGetByTokenHash implements storage.ReadTx with the unique token index: storage.ErrNotFound
// when no survey of the tenant has that token hash (a survey of another tenant is not found either).
func (t *readTx) SurveyGetByTokenHash(ctx context.Context, p *storage.SurveyGetByTokenHashParams) (*feedback.Survey, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getSurvey(ctx, "with that token", qSurveyGetByToken, p.TokenHash, p.Tenant)
}

// SurveyList implements storage.ReadTx: a complaint's surveys, oldest first, from surveys_complaint.
func (t *readTx) SurveyList(ctx context.Context, p *storage.SurveyListParams) ([]*feedback.Survey, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, qSurveyList, p.Tenant, p.ComplaintID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list surveys of %s: %w", p.ComplaintID, mapError(err))
	}
	defer func() { _ = rows.Close() }()
	var out []*feedback.Survey
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("sqlite: list surveys of %s: %w", p.ComplaintID, err)
		}
		s, err := decodeSurvey(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list surveys of %s: %w", p.ComplaintID, mapError(err))
	}
	return out, nil
}

// dayOf is the SQL expression of the UTC date (2006-01-02) of a microsecond column, flooring also
// before 1970.
func dayOf(col string) string {
	return "date(CASE WHEN " + col + " >= 0 THEN " + col + " / 1000000 ELSE (" + col + " - 999999) / 1000000 END, 'unixepoch')"
}

// tallyQuery builds FeedbackTally's query: one pass over the answer window of surveys_answered,
// each survey crossed with the measures, grouped in SQL. Complaint dimensions join the complaint by
// its key.
func tallyQuery(p *storage.FeedbackTallyParams) (string, []any) {
	var key, join string
	switch p.GroupBy {
	case "":
		key = "''"
	case storage.ByDay:
		key = dayOf("s.answered_at")
	default:
		key = "c." + dimensionExpr[p.GroupBy]
		join = " JOIN complaints c ON c.tenant = s.tenant AND c.id = s.complaint_id"
	}
	var kinds, value strings.Builder
	value.WriteString("CASE m.kind")
	for i, sc := range scoreColumns {
		if i > 0 {
			kinds.WriteString(" UNION ALL ")
		}
		kinds.WriteString("SELECT '" + string(sc.kind) + "' AS kind")
		value.WriteString(" WHEN '" + string(sc.kind) + "' THEN s." + sc.col)
	}
	value.WriteString(" END")
	var b strings.Builder
	args := []any{p.Tenant}
	b.WriteString("SELECT k, kind, v, count(*) FROM (SELECT " + key + " AS k, m.kind AS kind, " + value.String() +
		" AS v FROM surveys s INDEXED BY surveys_answered" + join + " CROSS JOIN (" + kinds.String() + ") m" +
		" WHERE s.tenant = ? AND s.answered_at IS NOT NULL")
	if !p.AnsweredFrom.IsZero() {
		b.WriteString(" AND s.answered_at >= ?")
		args = append(args, micros(p.AnsweredFrom))
	}
	if !p.AnsweredTo.IsZero() {
		b.WriteString(" AND s.answered_at < ?")
		args = append(args, micros(p.AnsweredTo))
	}
	b.WriteString(") WHERE v IS NOT NULL GROUP BY k, kind, v")
	return b.String(), args
}

// FeedbackTally implements storage.ReadTx: the counting is one GROUP BY in SQL; the few resulting rows
// are put in order (key, kind, value, by bytes) in Go.
func (t *readTx) FeedbackTally(ctx context.Context, p *storage.FeedbackTallyParams) ([]storage.ScoreCount, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	query, args := tallyQuery(p)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tally feedback: %w", mapError(err))
	}
	defer func() { _ = rows.Close() }()
	var out []storage.ScoreCount
	for rows.Next() {
		var c storage.ScoreCount
		if err := rows.Scan(&c.Key, &c.Kind, &c.Value, &c.N); err != nil {
			return nil, fmt.Errorf("sqlite: tally feedback: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: tally feedback: %w", mapError(err))
	}
	slices.SortFunc(out, func(a, b storage.ScoreCount) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(string(a.Kind), string(b.Kind)), cmp.Compare(a.Value, b.Value))
	})
	return out, nil
}

// timesQuery builds ComplaintTimes's query: the creation window read in order along
// complaints_category (with a category) or complaints_created, queue and assignee checked on the rows.
func timesQuery(p *storage.ComplaintTimesParams) (string, []any) {
	from, args := window(aggregate{
		tenant: p.Tenant, category: p.Category, queue: p.Queue, assignee: p.Assignee,
		from: p.CreatedFrom, to: p.CreatedTo,
	})
	return "SELECT id, created_at, acknowledged_at, resolved_at " + from + " ORDER BY created_at, id", args
}

// ComplaintTimes implements storage.ReadTx.
func (t *readTx) ComplaintTimes(ctx context.Context, p *storage.ComplaintTimesParams) ([]storage.Times, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	query, args := timesQuery(p)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: complaint times: %w", mapError(err))
	}
	defer func() { _ = rows.Close() }()
	var out []storage.Times
	for rows.Next() {
		var (
			tm           storage.Times
			created      int64
			ack, resolve sql.NullInt64
		)
		if err := rows.Scan(&tm.ID, &created, &ack, &resolve); err != nil {
			return nil, fmt.Errorf("sqlite: complaint times: %w", err)
		}
		tm.Created = fromMicros(created)
		if ack.Valid {
			tm.Acknowledged = fromMicros(ack.Int64)
		}
		if resolve.Valid {
			tm.Resolved = fromMicros(resolve.Int64)
		}
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: complaint times: %w", mapError(err))
	}
	return out, nil
}
