package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// The closed loop: problem records and satisfaction surveys, each kept whole as JSON in doc with its
// queried fields in columns (see migrations/0002_closed_loop.sql). As for complaints, an operation
// that fails in a way the contract names leaves the PostgreSQL transaction usable: inserts use
// ON CONFLICT DO NOTHING and existence checks inside the statement.

// problemRow returns the encoded document of a normalised problem, its next_report column (nil when
// no open action is left to report) and its complaint IDs as a non-nil array.
func problemRow(p *rca.Problem) (doc []byte, next any, complaints []string, err error) {
	doc, err = json.Marshal(p)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("postgres: encode problem %s: %w", p.ID, err)
	}
	if at, ok := p.NextReport(); ok {
		next = at
	}
	complaints = p.Complaints
	if complaints == nil {
		complaints = []string{}
	}
	return doc, next, complaints, nil
}

// problemColumns is what every problem read selects; scanProblem decodes it.
const problemColumns = `p.created_at, p.doc`

// scanProblem decodes a row of problemColumns. The creation time, which never changes, comes from its
// column.
func scanProblem(r pgx.Rows) (*rca.Problem, error) {
	var (
		createdAt time.Time
		doc       []byte
	)
	if err := r.Scan(&createdAt, &doc); err != nil {
		return nil, err
	}
	p := new(rca.Problem)
	if err := json.Unmarshal(doc, p); err != nil {
		return nil, fmt.Errorf("decode problem document: %w", err)
	}
	p.CreatedAt = createdAt.UTC()
	return p, nil
}

// queryProblems runs a query selecting problemColumns and decodes every row.
func (t *tx) queryProblems(ctx context.Context, op, sql string, args ...any) ([]*rca.Problem, error) {
	var out []*rca.Problem
	err := t.query(ctx, func(r pgx.Rows) error {
		p, err := scanProblem(r)
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	}, sql, args...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// insertProblemSQL writes the problem and its links to complaints in one statement; a taken ID
// inserts nothing and returns 0.
const insertProblemSQL = `WITH p AS (
	INSERT INTO problems (tenant, id, status, created_at, version, next_report, doc)
	VALUES ($1, $2, $3, $4, $5, $6, $7)
	ON CONFLICT DO NOTHING
	RETURNING tenant, id
), l AS (
	INSERT INTO problem_complaints (tenant, problem_id, complaint_id)
	SELECT p.tenant, p.id, c FROM p, unnest($8::text[]) AS c
	ON CONFLICT DO NOTHING
)
SELECT count(*) FROM p`

// ProblemInsert implements [storage.Tx]: [storage.ErrDuplicate] when the tenant already has a problem
// with that ID (the transaction stays usable), [storage.ErrInvalid] for bad params.
func (t *tx) ProblemInsert(ctx context.Context, p *storage.ProblemInsertParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	pr := storage.NormalizeProblem(p.Problem)
	doc, next, complaints, err := problemRow(pr)
	if err != nil {
		return err
	}
	var n int64
	err = t.query(ctx, func(r pgx.Rows) error { return r.Scan(&n) }, insertProblemSQL,
		pr.Tenant, pr.ID, string(pr.Status), pr.CreatedAt, pr.Version, next, doc, complaints)
	if err != nil {
		return mapErr("problem insert", err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: problem insert %s: %w: tenant %s has a problem with that ID", pr.ID, storage.ErrDuplicate, pr.Tenant)
	}
	return nil
}

// updateProblemSQL replaces the problem under its version and brings its links to complaints in line
// with the new list, in one statement; it returns 0 when the version did not match (or there is no
// such problem). The two link statements touch disjoint rows: links no longer listed, and listed links
// not yet stored.
const updateProblemSQL = `WITH p AS (
	UPDATE problems SET status = $4, version = $5, next_report = $6, doc = $7
	WHERE tenant = $1 AND id = $2 AND version = $3
	RETURNING tenant, id
), d AS (
	DELETE FROM problem_complaints l USING p
	WHERE l.tenant = p.tenant AND l.problem_id = p.id AND l.complaint_id <> ALL($8::text[])
), i AS (
	INSERT INTO problem_complaints (tenant, problem_id, complaint_id)
	SELECT p.tenant, p.id, c FROM p, unnest($8::text[]) AS c
	ON CONFLICT DO NOTHING
)
SELECT count(*) FROM p`

// ProblemUpdate implements [storage.Tx]: [storage.ErrNotFound] when the tenant has no such problem,
// [storage.ErrConflict] when the stored version is not ExpectedVersion (or the new version is not
// ExpectedVersion+1), [storage.ErrInvalid] for bad params. The stored creation time is kept whatever
// p.Problem says. Of two concurrent updates from one version, the second waits for the first and then
// conflicts.
func (t *tx) ProblemUpdate(ctx context.Context, p *storage.ProblemUpdateParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	pr := storage.NormalizeProblem(p.Problem)
	doc, next, complaints, err := problemRow(pr)
	if err != nil {
		return err
	}
	var n int64
	err = t.query(ctx, func(r pgx.Rows) error { return r.Scan(&n) }, updateProblemSQL,
		pr.Tenant, pr.ID, p.ExpectedVersion, string(pr.Status), pr.Version, next, doc, complaints)
	if err != nil {
		return mapErr("problem update", err)
	}
	if n == 1 {
		return nil
	}
	return t.whyNotUpdated(ctx, "problem update", "problems", pr.Tenant, pr.ID, p.ExpectedVersion)
}

// whyNotUpdated is the failure path of an update under a version that matched no row: it reads the
// stored version to say whether the row is missing (storage.ErrNotFound) or changed
// (storage.ErrConflict).
func (t *tx) whyNotUpdated(ctx context.Context, op, table, tenant, id string, expected int64) error {
	var version int64
	found := false
	err := t.query(ctx, func(r pgx.Rows) error {
		found = true
		return r.Scan(&version)
	}, `SELECT version FROM `+table+` WHERE tenant = $1 AND id = $2`, tenant, id)
	switch {
	case err != nil:
		return mapErr(op, err)
	case !found:
		return fmt.Errorf("postgres: %s %s: %w", op, id, storage.ErrNotFound)
	}
	return fmt.Errorf("postgres: %s %s: %w: stored version is %d, expected %d", op, id, storage.ErrConflict, version, expected)
}

const getProblemSQL = `SELECT ` + problemColumns + ` FROM problems p WHERE p.tenant = $1 AND p.id = $2`

// ProblemGet implements [storage.ReadTx]: the problem or [storage.ErrNotFound].
func (t *tx) ProblemGet(ctx context.Context, p *storage.ProblemGetParams) (*rca.Problem, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	out, err := t.queryProblems(ctx, "problem get", getProblemSQL, p.Tenant, p.ID)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("postgres: problem get %s: %w", p.ID, storage.ErrNotFound)
	}
	return out[0], nil
}

// ProblemList implements [storage.ReadTx] with keyset paging on (created_at, id), newest first, along
// problems_created or problems_status; with ComplaintID it starts from the complaint's links (a
// complaint belongs to few problems). [storage.ErrBadCursor] for a cursor this store did not produce;
// [storage.ErrInvalid] for bad params.
func (t *tx) ProblemList(ctx context.Context, p *storage.ProblemListParams) (*storage.ProblemPage, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	limit := storage.EffectiveLimit(p.Limit)
	sql, args, err := problemListSQL(p, limit)
	if err != nil {
		return nil, err
	}
	if err := t.useCustomPlans(); err != nil {
		return nil, err
	}
	rows, err := t.queryProblems(ctx, "problem list", sql, args...)
	if err != nil {
		return nil, err
	}
	page := &storage.ProblemPage{Problems: rows}
	if len(rows) > limit {
		page.Problems = rows[:limit]
		last := rows[limit-1]
		page.Next = storage.EncodeCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// problemListSQL builds the query of ProblemList for limit+1 rows.
func problemListSQL(p *storage.ProblemListParams, limit int) (string, []any, error) {
	args := []any{p.Tenant}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var b strings.Builder
	if p.ComplaintID != "" {
		b.WriteString("SELECT " + problemColumns + " FROM problem_complaints l JOIN problems p ON p.tenant = l.tenant AND p.id = l.problem_id" +
			" WHERE l.tenant = $1 AND l.complaint_id = " + arg(p.ComplaintID))
	} else {
		b.WriteString("SELECT " + problemColumns + " FROM problems p WHERE p.tenant = $1")
	}
	if p.Status != "" {
		b.WriteString(" AND p.status = " + arg(string(p.Status)))
	}
	if p.Cursor != "" {
		at, id, err := storage.DecodeCursor(p.Cursor)
		if err != nil {
			return "", nil, err
		}
		b.WriteString(" AND (p.created_at, p.id) < (" + arg(at) + "::timestamptz, " + arg(id) + "::text)")
	}
	// The limit is written in, not bound: see listSQL.
	b.WriteString(" ORDER BY p.created_at DESC, p.id DESC LIMIT " + strconv.Itoa(limit+1))
	return b.String(), args, nil
}

// problemsDueSQL reads the head of problems_due (all tenants) or problems_tenant_due (one tenant,
// when %s adds it); next_report <= $1 implies the partial indexes' condition.
const problemsDueSQL = `SELECT ` + problemColumns + ` FROM problems p WHERE p.next_report <= $1%s
ORDER BY p.next_report, p.id, p.tenant LIMIT %d`

// problemsDueQuery returns the statement of ProblemListDue; the limit is written in (see listSQL).
func problemsDueQuery(now time.Time, limit int, tenant string) (string, []any) {
	if tenant == "" {
		return fmt.Sprintf(problemsDueSQL, "", limit), []any{storage.Time(now)}
	}
	return fmt.Sprintf(problemsDueSQL, " AND p.tenant = $2", limit), []any{storage.Time(now), tenant}
}

// ProblemListDue implements [storage.ReadTx]: earliest next report first, then ID (then tenant). It
// locks nothing; the caller's ProblemUpdate under the version decides which scanner reports.
// [storage.ErrInvalid] for bad params.
func (t *tx) ProblemListDue(ctx context.Context, p *storage.ProblemListDueParams) ([]*rca.Problem, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	sql, args := problemsDueQuery(p.Now, storage.EffectiveLimit(p.Limit), p.Tenant)
	return t.queryProblems(ctx, "problem list due", sql, args...)
}

// scoreColumns maps each survey measure to its column; FeedbackTally reads them.
var scoreColumns = []struct {
	kind feedback.Kind
	col  string
}{{feedback.CSAT, "csat"}, {feedback.NPS, "nps"}, {feedback.CES, "ces"}}

// surveyRow returns the encoded document of s, with every time normalised and empty kinds and scores
// nil (as every adapter returns them), and the values of its scheduled_at, answered_at, csat, nps and
// ces columns.
func surveyRow(s *feedback.Survey) ([]byte, []any, error) {
	d := storage.NormalizeSurvey(s)
	doc, err := json.Marshal(d)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: encode survey %s: %w", s.ID, err)
	}
	cols := []any{d.ScheduledAt, nullTime(d.AnsweredAt)}
	for _, sc := range scoreColumns {
		if v, ok := d.Response.Score(sc.kind); ok {
			cols = append(cols, v)
		} else {
			cols = append(cols, nil)
		}
	}
	return doc, cols, nil
}

// insertSurveySQL inserts a survey of an existing complaint of the tenant; it inserts nothing when the
// complaint is missing or the ID or token hash is taken.
const insertSurveySQL = `INSERT INTO surveys (tenant, id, complaint_id, token_hash, version, doc, scheduled_at,
	answered_at, csat, nps, ces)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
WHERE EXISTS (SELECT FROM complaints WHERE tenant = $1 AND id = $3)
ON CONFLICT DO NOTHING`

// SurveyInsert implements [storage.Tx]: [storage.ErrNotFound] when the tenant has no such complaint,
// [storage.ErrDuplicate] when the tenant has a survey with that ID or any survey has that token hash;
// either way the transaction stays usable. [storage.ErrInvalid] for bad params.
func (t *tx) SurveyInsert(ctx context.Context, p *storage.SurveyInsertParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s := p.Survey
	doc, cols, err := surveyRow(s)
	if err != nil {
		return err
	}
	args := append([]any{s.Tenant, s.ID, s.ComplaintID, s.TokenHash, s.Version, doc}, cols...)
	tag, err := t.exec(ctx, insertSurveySQL, args...)
	if err != nil {
		return mapErr("survey insert", err)
	}
	if tag.RowsAffected() == 1 {
		t.see(s.Tenant, s.ComplaintID)
		return nil
	}
	// Nothing inserted: find out why. This costs a round trip only on the failure path.
	var exists bool
	err = t.query(ctx, func(r pgx.Rows) error { return r.Scan(&exists) },
		`SELECT EXISTS (SELECT FROM complaints WHERE tenant = $1 AND id = $2)`, s.Tenant, s.ComplaintID)
	switch {
	case err != nil:
		return mapErr("survey insert", err)
	case !exists:
		return fmt.Errorf("postgres: survey insert %s: %w: tenant %s has no complaint %s", s.ID, storage.ErrNotFound, s.Tenant, s.ComplaintID)
	}
	return fmt.Errorf("postgres: survey insert %s: %w: its ID or token hash is taken", s.ID, storage.ErrDuplicate)
}

// updateSurveySQL replaces a survey under its version. The complaint, token hash and kinds never
// change: the stored ones are written back into the new document.
const updateSurveySQL = `UPDATE surveys SET version = $4, doc = jsonb_set(jsonb_set(jsonb_set($5::jsonb,
		'{kinds}', coalesce(doc::jsonb -> 'kinds', 'null'::jsonb)),
		'{complaint_id}', to_jsonb(complaint_id)),
		'{token_hash}', to_jsonb(token_hash))::json,
	scheduled_at = $6, answered_at = $7, csat = $8, nps = $9, ces = $10
WHERE tenant = $1 AND id = $2 AND version = $3`

// SurveyUpdate implements [storage.Tx]: [storage.ErrNotFound] when the tenant has no such survey,
// [storage.ErrConflict] when the stored version is not ExpectedVersion (or the new version is not
// ExpectedVersion+1), [storage.ErrInvalid] for bad params. The stored complaint, token hash and kinds
// are kept whatever p.Survey says. Of two answers racing from one version, the second waits for the
// first and then conflicts: a survey link works once.
func (t *tx) SurveyUpdate(ctx context.Context, p *storage.SurveyUpdateParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	s := p.Survey
	doc, cols, err := surveyRow(s)
	if err != nil {
		return err
	}
	args := append([]any{s.Tenant, s.ID, p.ExpectedVersion, s.Version, doc}, cols...)
	tag, err := t.exec(ctx, updateSurveySQL, args...)
	if err != nil {
		return mapErr("survey update", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	return t.whyNotUpdated(ctx, "survey update", "surveys", s.Tenant, s.ID, p.ExpectedVersion)
}

// querySurveys runs a query selecting survey documents and decodes every row.
func (t *tx) querySurveys(ctx context.Context, op, sql string, args ...any) ([]*feedback.Survey, error) {
	var out []*feedback.Survey
	err := t.query(ctx, func(r pgx.Rows) error {
		var doc []byte
		if err := r.Scan(&doc); err != nil {
			return err
		}
		s := new(feedback.Survey)
		if err := json.Unmarshal(doc, s); err != nil {
			return fmt.Errorf("decode survey document: %w", err)
		}
		out = append(out, s)
		return nil
	}, sql, args...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// getSurvey runs a query selecting at most one survey document; no row is storage.ErrNotFound.
func (t *tx) getSurvey(ctx context.Context, op, what, sql string, args ...any) (*feedback.Survey, error) {
	out, err := t.querySurveys(ctx, op, sql, args...)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("postgres: %s %s: %w", op, what, storage.ErrNotFound)
	}
	return out[0], nil
}

// The survey reads.
const (
	getSurveySQL        = `SELECT doc FROM surveys WHERE tenant = $1 AND id = $2`
	getSurveyByTokenSQL = `SELECT doc FROM surveys WHERE token_hash = $2 AND tenant = $1`
	listSurveysSQL      = `SELECT doc FROM surveys WHERE tenant = $1 AND complaint_id = $2 ORDER BY scheduled_at, id`
)

// SurveyGet implements [storage.ReadTx]: the survey or [storage.ErrNotFound].
func (t *tx) SurveyGet(ctx context.Context, p *storage.SurveyGetParams) (*feedback.Survey, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getSurvey(ctx, "survey get", p.ID, getSurveySQL, p.Tenant, p.ID)
}

// SurveyGetByTokenHash implements [storage.ReadTx] with the unique token index: [storage.ErrNotFound]
// when no survey of the tenant has that token hash (a survey of another tenant is not found either).
func (t *tx) SurveyGetByTokenHash(ctx context.Context, p *storage.SurveyGetByTokenHashParams) (*feedback.Survey, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getSurvey(ctx, "survey get by token hash", "(a survey with that token)", getSurveyByTokenSQL, p.Tenant, p.TokenHash)
}

// SurveyList implements [storage.ReadTx]: a complaint's surveys, oldest first, from surveys_complaint.
func (t *tx) SurveyList(ctx context.Context, p *storage.SurveyListParams) ([]*feedback.Survey, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.querySurveys(ctx, "survey list", listSurveysSQL, p.Tenant, p.ComplaintID)
}

// tallySQL builds the query of FeedbackTally: the answer window of surveys_answered (an index-only
// scan when no complaint dimension is needed), each survey crossed with its measures, grouped and
// ordered in SQL.
func tallySQL(p *storage.FeedbackTallyParams) (string, []any) {
	args := []any{p.Tenant}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var key, join string
	switch p.GroupBy {
	case "":
		key = "''"
	case storage.ByDay:
		key = `to_char(s.answered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
	default:
		key = "c." + groupKeys[p.GroupBy]
		join = " JOIN complaints c ON c.id = s.complaint_id AND c.tenant = s.tenant"
	}
	values := make([]string, len(scoreColumns))
	for i, sc := range scoreColumns {
		values[i] = "('" + string(sc.kind) + "', s." + sc.col + ")"
	}
	where := []string{"s.tenant = $1", "s.answered_at IS NOT NULL", "m.v IS NOT NULL"}
	if !p.AnsweredFrom.IsZero() {
		where = append(where, "s.answered_at >= "+arg(storage.Time(p.AnsweredFrom)))
	}
	if !p.AnsweredTo.IsZero() {
		where = append(where, "s.answered_at < "+arg(storage.Time(p.AnsweredTo)))
	}
	return "SELECT " + key + ` COLLATE "C" AS k, m.kind COLLATE "C" AS kind, m.v, count(*) FROM surveys s` + join +
		" CROSS JOIN LATERAL (VALUES " + strings.Join(values, ", ") + ") AS m(kind, v) WHERE " +
		strings.Join(where, " AND ") + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", args
}

// FeedbackTally implements [storage.ReadTx]: one GROUP BY over the answer window, rows ordered by key,
// kind and value in byte order. [storage.ErrInvalid] for bad params.
func (t *tx) FeedbackTally(ctx context.Context, p *storage.FeedbackTallyParams) ([]storage.ScoreCount, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	sql, args := tallySQL(p)
	if err := t.useCustomPlans(); err != nil {
		return nil, err
	}
	var out []storage.ScoreCount
	err := t.query(ctx, func(r pgx.Rows) error {
		var (
			c    storage.ScoreCount
			kind string
			v    int16
		)
		if err := r.Scan(&c.Key, &kind, &v, &c.N); err != nil {
			return err
		}
		c.Kind, c.Value = feedback.Kind(kind), int(v)
		out = append(out, c)
		return nil
	}, sql, args...)
	if err != nil {
		return nil, mapErr("feedback tally", err)
	}
	return out, nil
}

// timesSQL builds the query of ComplaintTimes: the creation window in order, from complaints_created
// or the index of the one equality filter given.
func timesSQL(p *storage.ComplaintTimesParams) (string, []any) {
	where, args := aggregateWhere(aggregate{
		tenant: p.Tenant, category: p.Category, queue: p.Queue, assignee: p.Assignee,
		from: p.CreatedFrom, to: p.CreatedTo,
	})
	return "SELECT id, created_at, acknowledged_at, resolved_at FROM complaints WHERE " +
		strings.Join(where, " AND ") + " ORDER BY created_at, id", args
}

// ComplaintTimes implements [storage.ReadTx]. [storage.ErrInvalid] for bad params.
func (t *tx) ComplaintTimes(ctx context.Context, p *storage.ComplaintTimesParams) ([]storage.Times, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	sql, args := timesSQL(p)
	if err := t.useCustomPlans(); err != nil {
		return nil, err
	}
	var out []storage.Times
	err := t.query(ctx, func(r pgx.Rows) error {
		var (
			tm           storage.Times
			ack, resolve *time.Time
		)
		if err := r.Scan(&tm.ID, &tm.Created, &ack, &resolve); err != nil {
			return err
		}
		tm.Created = tm.Created.UTC()
		if ack != nil {
			tm.Acknowledged = ack.UTC()
		}
		if resolve != nil {
			tm.Resolved = resolve.UTC()
		}
		out = append(out, tm)
		return nil
	}, sql, args...)
	if err != nil {
		return nil, mapErr("complaint times", err)
	}
	return out, nil
}
