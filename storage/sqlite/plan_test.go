package sqlite

import (
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// explain returns the EXPLAIN QUERY PLAN lines of query, one per plan node.
func explain(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	require.NoError(t, err, query)
	defer func() { _ = rows.Close() }()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &notUsed, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, plan, query)
	return plan
}

// TestQueryPlans checks that every hot query of the Desk is answered along an index: no full scan of
// complaints, timers or outbox, and for the list pages no sort of the matching rows (the page is read
// in index order and stops after limit+1 rows). The plans do not depend on the data: the store never
// runs ANALYZE, so SQLite plans from the schema alone.
func TestQueryPlans(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })

	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	cursor := storage.EncodeCursor(now, "01KJP2N7E091NZVXSVTVK7C6Y3")
	list := func(p storage.ComplaintListParams) (string, []any) {
		p.Tenant = "acme"
		q, args, err := listQuery(&p, 50)
		require.NoError(t, err)
		return q, args
	}
	count := func(dim storage.Dimension, category string) (string, []any) {
		return countQuery(&storage.ComplaintCountParams{Tenant: "acme", GroupBy: dim, Category: category,
			CreatedFrom: now.AddDate(0, 0, -30), CreatedTo: now})
	}
	type query struct {
		name  string
		sql   string
		args  []any
		index string // the index the plan must use
		list  bool   // a list page: must not sort
	}
	var tests []query
	add := func(name, index string, list bool, sql string, args ...any) {
		tests = append(tests, query{name, sql, args, index, list})
	}
	add("claim due timers, all tenants", "timers_due", false, qTimerClaimAll, 1, 100)
	add("claim due timers, one tenant", "timers_tenant_due", false, qTimerClaimTenant, "acme", 1, 100)
	add("get by ID", "complaints_id", false, qComplaintGet, "acme", "x")
	add("get by tracking code", "complaints_tracking", false, qComplaintGetByTracking, "acme", "ABCD-EFGH-JKMN")
	add("get by external reference", "complaints_external", false, qComplaintGetByExternal, "acme", "web", "r-1")
	add("update reads current", "complaints_id", false, qComplaintCurrent, "acme", "x")
	add("timer list", "PRIMARY KEY", false, qTimerList, "acme", "x")
	add("event list", "PRIMARY KEY", false, qEventList, "acme", "x", 0, 0, -1)
	add("outbox claim", "outbox_pending", false, qOutboxClaim, 2, 1, 10)
	for _, tc := range []struct {
		name  string
		index string
		p     storage.ComplaintListParams
	}{
		{"list, no filter", "complaints_created", storage.ComplaintListParams{}},
		{"list, no filter, next page", "complaints_created", storage.ComplaintListParams{Cursor: cursor}},
		{"list by status", "complaints_status", storage.ComplaintListParams{Statuses: []complaint.Status{complaint.StatusReceived}}},
		{"list by open statuses", "complaints_status", storage.ComplaintListParams{Statuses: complaint.OpenStatuses, Cursor: cursor}},
		{"list by queue", "complaints_queue_status", storage.ComplaintListParams{Queue: "frontline", Cursor: cursor}},
		{"list by queue and open statuses", "complaints_queue_status", storage.ComplaintListParams{Queue: "frontline", Statuses: complaint.OpenStatuses, Cursor: cursor}},
		{"list by assignee and one status", "complaints_assignee_status", storage.ComplaintListParams{Assignee: "agent-li", Statuses: []complaint.Status{complaint.StatusInvestigating}}},
		{"list by assignee", "complaints_assignee_status", storage.ComplaintListParams{Assignee: "agent-li"}},
		{"list by category", "complaints_category", storage.ComplaintListParams{Category: "quality"}},
		{"list by channel", "complaints_channel", storage.ComplaintListParams{Channel: "web"}},
		{"list by customer", "complaints_customer", storage.ComplaintListParams{CustomerID: "c-1"}},
		{"list by tag", "EXISTS USING PRIMARY KEY", storage.ComplaintListParams{Tags: []string{"vip"}}},
		{"list by creation window", "complaints_created", storage.ComplaintListParams{CreatedFrom: now.AddDate(0, 0, -7), CreatedTo: now}},
	} {
		q, args := list(tc.p)
		add(tc.name, tc.index, true, q, args...)
	}
	for _, dim := range []storage.Dimension{storage.ByCategory, storage.ByQueue, storage.ByStatus, storage.ByDay} {
		q, args := count(dim, "")
		add("count by "+string(dim)+" over 30 days", "complaints_created", false, q, args...)
	}
	q, args := count(storage.ByDay, "quality")
	add("daily count of one category", "complaints_category", false, q, args...)
	from, args := window(aggregate{tenant: "acme", from: now.AddDate(0, 0, -30), to: now})
	add("stats over 30 days", "complaints_created", false, "SELECT count(*) "+from, args...)
	from, args = window(aggregate{tenant: "acme", queue: "frontline", assignee: "agent-li", from: now.AddDate(0, 0, -30), to: now})
	add("stats of one agent over 30 days", "complaints_created", false, "SELECT count(*) "+from, args...)
	q, args = countQuery(&storage.ComplaintCountParams{Tenant: "acme", GroupBy: storage.ByQueue, OpenOnly: true,
		BreachedOnly: true, CreatedFrom: now.AddDate(0, 0, -30), CreatedTo: now})
	add("overdue backlog by queue over 30 days", "complaints_created", false, q, args...)

	// The closed loop.
	add("problem get", "(tenant=? AND id=?)", false, qProblemGet, "acme", "P1")
	add("problem version", "(tenant=? AND id=?)", false, qProblemVersion, "acme", "P1")
	add("problems due, all tenants", "problems_due", false, qProblemDueAll, 1, 100)
	add("problems due, one tenant", "problems_tenant_due", false, qProblemDueTenant, "acme", 1, 100)
	problems := func(p storage.ProblemListParams) (string, []any) {
		p.Tenant = "acme"
		q, args, err := problemListQuery(&p, 50)
		require.NoError(t, err)
		return q, args
	}
	pcursor := storage.EncodeCursor(now, "P1")
	q, args = problems(storage.ProblemListParams{Cursor: pcursor})
	add("problem list", "problems_created", true, q, args...)
	q, args = problems(storage.ProblemListParams{Status: "open", Cursor: pcursor})
	add("problem list by status", "problems_status", true, q, args...)
	q, args = problems(storage.ProblemListParams{ComplaintID: "C1", Cursor: pcursor})
	add("problem list by complaint", "problem_complaints_complaint", false, q, args...)
	add("survey get", "(tenant=? AND id=?)", false, qSurveyGet, "acme", "S1")
	add("survey update reads current", "(tenant=? AND id=?)", false, qSurveyCurrent, "acme", "S1")
	add("survey by token hash", "surveys_token", false, qSurveyGetByToken, strings.Repeat("ab", 32), "acme")
	add("survey list", "surveys_complaint", true, qSurveyList, "acme", "C1")
	for _, dim := range []storage.Dimension{"", storage.ByDay, storage.ByQueue} {
		q, args = tallyQuery(&storage.FeedbackTallyParams{Tenant: "acme", GroupBy: dim, AnsweredFrom: now.AddDate(0, 0, -30), AnsweredTo: now})
		add("feedback tally by "+string(dim)+" over 30 days", "surveys_answered", false, q, args...)
	}
	for _, tc := range []struct {
		name  string
		index string
		p     storage.ComplaintTimesParams
	}{
		{"complaint times over 30 days", "complaints_created", storage.ComplaintTimesParams{}},
		{"complaint times of one category", "complaints_category", storage.ComplaintTimesParams{Category: "quality"}},
		{"complaint times of one agent", "complaints_created", storage.ComplaintTimesParams{Queue: "frontline", Assignee: "agent-li"}},
	} {
		tc.p.Tenant, tc.p.CreatedFrom, tc.p.CreatedTo = "acme", now.AddDate(0, 0, -30), now
		q, args = timesQuery(&tc.p)
		add(tc.name, tc.index, true, q, args...)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := explain(t, s.w, tt.sql, tt.args...)
			text := strings.Join(plan, "\n")
			for _, line := range plan {
				for _, table := range []string{"complaints", "timers", "outbox", "events", "complaint_tags",
					"problems", "problem_complaints", "surveys"} {
					assert.NotRegexp(t, `^SCAN `+table+`\b`, line, "full scan of %s:\n%s", table, text)
				}
			}
			assert.Contains(t, text, tt.index, "plan:\n%s", text)
			if tt.list {
				assert.NotContains(t, text, "TEMP B-TREE", "a list page must not sort:\n%s", text)
			}
			if tt.name == "count by category over 30 days" {
				assert.Contains(t, text, "COVERING INDEX complaints_created", "the Pareto window reads only the index:\n%s", text)
			}
		})
	}
}

// TestQueryPlansHoldWithData repeats the key checks after the tables hold rows and ANALYZE has given
// SQLite's planner statistics (the store never runs ANALYZE itself, but an operator may): the plans must
// not flip to a scan or a sort.
func TestQueryPlansHoldWithData(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	ctx := t.Context()
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		for i := range 300 {
			c := &complaint.Complaint{
				ID: "C" + strings.Repeat("0", 10) + itoa(100000+i), Tenant: "acme", TrackingCode: "T" + itoa(i),
				Channel: "web", Status: complaint.Statuses[i%len(complaint.Statuses)], Queue: "q" + itoa(i%3),
				Category: "cat" + itoa(i%5), Version: 1, CreatedAt: base.Add(time.Duration(i) * time.Minute),
				Tags: []string{"t" + itoa(i%4)},
			}
			if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}); err != nil {
				return err
			}
			if err := tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: "acme", Timer: storage.Timer{
				Tenant: "acme", ComplaintID: c.ID, Kind: "k", DueAt: c.CreatedAt.Add(time.Hour)}}); err != nil {
				return err
			}
		}
		return nil
	}))
	_, err = s.w.ExecContext(ctx, "ANALYZE")
	require.NoError(t, err)
	q, args, err := listQuery(&storage.ComplaintListParams{Tenant: "acme", Queue: "q1", Statuses: complaint.OpenStatuses}, 50)
	require.NoError(t, err)
	for _, plan := range [][]string{
		explain(t, s.w, q, args...),
		explain(t, s.w, qTimerClaimAll, 1, 100),
		explain(t, s.w, qComplaintGetByTracking, "acme", "T1"),
	} {
		text := strings.Join(plan, "\n")
		assert.NotRegexp(t, `(?m)^SCAN (complaints|timers)\b`, text)
		assert.NotContains(t, text, "TEMP B-TREE FOR ORDER BY", text)
	}
	// And the list answers what it should.
	var page *storage.ComplaintPage
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		page, err = tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: "acme", Queue: "q1", Statuses: complaint.OpenStatuses, Limit: 5})
		return err
	}))
	require.Len(t, page.Complaints, 5)
	for i, c := range page.Complaints {
		assert.Equal(t, "q1", c.Queue)
		assert.True(t, c.Open(), c.Status)
		if i > 0 {
			assert.True(t, c.CreatedAt.Before(page.Complaints[i-1].CreatedAt))
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
