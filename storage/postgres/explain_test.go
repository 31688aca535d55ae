package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// explainRows is how many complaints of the main tenant the EXPLAIN test loads: enough that the
// planner prefers an index whenever one fits, few enough to load in about a second.
const explainRows = 3000

// loadExplainData fills s with explainRows complaints of "acme" created six hours apart (two years),
// 500 of each of two other tenants, two timers per complaint spread over a year, an outbox of mostly
// delivered or leased messages, a survey per complaint (nine in ten answered a day after), and a
// problem per complaint (one in four open, with an action due within a year), then vacuums and
// analyzes the tables.
func loadExplainData(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	load := func(tenant string, n int) {
		require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
			for i := range n {
				c := fixture(tenant, i, 6*time.Hour)
				if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: tenant, Complaint: c}); err != nil {
					return err
				}
				for k, kind := range []string{"warn", "breach"} {
					due := epoch.Add(time.Duration(i*17%8760+k*24) * time.Hour)
					if err := tx.TimerSet(ctx, &storage.TimerSetParams{Tenant: tenant, Timer: storage.Timer{
						Tenant: tenant, ComplaintID: c.ID, Kind: kind, DueAt: due}}); err != nil {
						return err
					}
				}
				m := storage.OutboxMessage{ID: c.ID + "-msg", Tenant: tenant, Topic: "complaint.received", Key: c.ID,
					Payload: []byte(`{}`), CreatedAt: c.CreatedAt, NextAttemptAt: c.CreatedAt.AddDate(3, 0, 0)}
				if err := tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: tenant, Messages: []storage.OutboxMessage{m}}); err != nil {
					return err
				}
				if i%3 == 0 {
					if err := tx.OutboxNack(ctx, &storage.OutboxNackParams{Tenant: tenant, ID: m.ID, Error: "410 Gone", Dead: true}); err != nil {
						return err
					}
				}
				if err := tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: tenant, Survey: fixtureSurvey(c, i)}); err != nil {
					return err
				}
				// Each problem groups its complaint and the one before.
				linked := []string{c.ID}
				if i > 0 {
					linked = append(linked, fixture(tenant, i-1, 6*time.Hour).ID)
				}
				pr := fixtureProblem(tenant, i, c.CreatedAt, linked)
				if err := tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: tenant, Problem: pr}); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	load("acme", explainRows)
	load("globex", 500)
	load("initech", 500)
	// VACUUM sets the visibility map as autovacuum would on a live database, so index-only scans count.
	_, err := s.pool.Exec(ctx, `VACUUM ANALYZE complaints, events, timers, outbox, problems, problem_complaints, surveys`)
	require.NoError(t, err)
}

// planNode is the part of EXPLAIN (FORMAT JSON) output the test reads.
type planNode struct {
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	IndexName    string     `json:"Index Name"`
	Plans        []planNode `json:"Plans"`
}

// explain returns the plan PostgreSQL chooses for sql with args, on a connection whose plan_cache_mode
// is mode: force_custom_plan plans for the actual arguments, force_generic_plan for any arguments,
// as a prepared statement may be planned once it has run a few times.
func explain(t *testing.T, pool *pgxpool.Pool, mode, sql string, args ...any) planNode {
	t.Helper()
	ctx := t.Context()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "SET plan_cache_mode = "+mode)
	require.NoError(t, err)
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "RESET plan_cache_mode") }()
	var out []byte
	require.NoError(t, conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, args...).Scan(&out))
	var plans []struct {
		Plan planNode `json:"Plan"`
	}
	require.NoError(t, json.Unmarshal(out, &plans), "%s", out)
	require.Len(t, plans, 1)
	return plans[0].Plan
}

// seqScans returns the tables in tables that plan reads with a sequential scan.
func seqScans(n planNode, tables map[string]bool) []string {
	var out []string
	if n.NodeType == "Seq Scan" && tables[n.RelationName] {
		out = append(out, n.RelationName)
	}
	for _, c := range n.Plans {
		out = append(out, seqScans(c, tables)...)
	}
	return out
}

// indexes returns the names of the indexes plan reads.
func indexes(n planNode) []string {
	var out []string
	if n.IndexName != "" {
		out = append(out, n.IndexName)
	}
	for _, c := range n.Plans {
		out = append(out, indexes(c)...)
	}
	return out
}

func TestExplainHotQueriesUseIndexes(t *testing.T) {
	s := newStore(t)
	loadExplainData(t, s)

	now := epoch.AddDate(0, 0, 20) // about 5 % of the timers are due
	cursor := storage.EncodeCursor(epoch.AddDate(1, 0, 0), "acme-00001460")
	monthFrom, monthTo := epoch.AddDate(1, 0, 0), epoch.AddDate(1, 1, 0)
	list := func(p storage.ComplaintListParams) func() (string, []any) {
		return func() (string, []any) {
			p.Tenant = "acme"
			sql, args, err := listSQL(&p, storage.EffectiveLimit(p.Limit))
			require.NoError(t, err)
			return sql, args
		}
	}
	fixed := func(sql string, args ...any) func() (string, []any) {
		return func() (string, []any) { return sql, args }
	}
	count := func(p storage.ComplaintCountParams) func() (string, []any) {
		return func() (string, []any) { p.Tenant = "acme"; return countSQL(&p) }
	}
	problems := func(p storage.ProblemListParams) func() (string, []any) {
		return func() (string, []any) {
			p.Tenant = "acme"
			sql, args, err := problemListSQL(&p, storage.EffectiveLimit(p.Limit))
			require.NoError(t, err)
			return sql, args
		}
	}
	tally := func(dim storage.Dimension) func() (string, []any) {
		return func() (string, []any) {
			return tallySQL(&storage.FeedbackTallyParams{Tenant: "acme", GroupBy: dim, AnsweredFrom: monthFrom, AnsweredTo: monthTo})
		}
	}
	times := func(p storage.ComplaintTimesParams) func() (string, []any) {
		return func() (string, []any) {
			p.Tenant, p.CreatedFrom, p.CreatedTo = "acme", monthFrom, monthTo
			return timesSQL(&p)
		}
	}
	open := []complaint.Status{complaint.StatusReceived, complaint.StatusInvestigating, complaint.StatusAwaitingCustomer}

	tests := []struct {
		name  string
		query func() (string, []any)
		// indexOnly: the query must be answered from the index alone (a covering index).
		indexOnly bool
	}{
		{"claim due timers, all tenants", func() (string, []any) { return claimTimersQuery(now, 100, "") }, false},
		{"claim due timers, one tenant", func() (string, []any) { return claimTimersQuery(now, 100, "acme") }, false},
		{"claim due outbox messages", fixed(fmt.Sprintf(claimOutboxSQL, 100), epoch.AddDate(2, 0, 0), epoch.AddDate(2, 0, 1)), false},
		{"get by ID", fixed(getByIDSQL, "acme", "acme-00000042"), false},
		{"get by tracking code", fixed(getByTrackingCodeSQL, "acme", "TC-acme-00000042"), false},
		{"get by external reference", fixed(getByExternalRefSQL, "acme", "web", "ref-44"), false},
		{"list newest", list(storage.ComplaintListParams{}), false},
		{"list newest after cursor", list(storage.ComplaintListParams{Cursor: cursor}), false},
		{"list one status", list(storage.ComplaintListParams{Statuses: open[:1]}), false},
		{"list open statuses after cursor", list(storage.ComplaintListParams{Statuses: open, Cursor: cursor}), false},
		{"list queue", list(storage.ComplaintListParams{Queue: "queue-3"}), false},
		{"list queue and open statuses", list(storage.ComplaintListParams{Queue: "queue-3", Statuses: open}), false},
		{"list assignee", list(storage.ComplaintListParams{Assignee: "agent-07", Cursor: cursor}), false},
		{"list category", list(storage.ComplaintListParams{Category: "cat-5"}), false},
		{"list channel", list(storage.ComplaintListParams{Channel: "wechat"}), false},
		{"list customer", list(storage.ComplaintListParams{CustomerID: "cust-042"}), false},
		{"list tag", list(storage.ComplaintListParams{Tags: []string{"tag-3"}}), false},
		{"list creation window", list(storage.ComplaintListParams{CreatedFrom: monthFrom, CreatedTo: monthTo}), false},
		{"a customer's lifetime count (intake)", count(storage.ComplaintCountParams{CustomerID: "cust-042"}), false},
		{"a customer's newest complaint in a category (repeat detection)", list(storage.ComplaintListParams{CustomerID: "cust-042", Category: "cat-5", CreatedFrom: monthFrom, Limit: 1}), false},
		{"count by category over 30 days", count(storage.ComplaintCountParams{GroupBy: storage.ByCategory, CreatedFrom: monthFrom, CreatedTo: monthTo}), true},
		{"count by status over 30 days", count(storage.ComplaintCountParams{GroupBy: storage.ByStatus, CreatedFrom: monthFrom, CreatedTo: monthTo}), true},
		{"count by day over 30 days", count(storage.ComplaintCountParams{GroupBy: storage.ByDay, CreatedFrom: monthFrom, CreatedTo: monthTo}), true},
		{"count by day of one category over 30 days", count(storage.ComplaintCountParams{GroupBy: storage.ByDay, Category: "cat-2", CreatedFrom: monthFrom, CreatedTo: monthTo}), true},
		{"stats over 30 days", func() (string, []any) {
			where, args := aggregateWhere(aggregate{tenant: "acme", from: monthFrom, to: monthTo})
			return statsSQL(where), args
		}, false},
		{"stats of one agent over 30 days", func() (string, []any) {
			where, args := aggregateWhere(aggregate{tenant: "acme", queue: "queue-3", assignee: "agent-03", from: monthFrom, to: monthTo})
			return statsSQL(where), args
		}, false},
		{"overdue backlog by queue over 30 days", count(storage.ComplaintCountParams{GroupBy: storage.ByQueue, OpenOnly: true, BreachedOnly: true, CreatedFrom: monthFrom, CreatedTo: monthTo}), false},

		// The closed loop.
		{"problems due, all tenants", func() (string, []any) { return problemsDueQuery(now, 100, "") }, false},
		{"problems due, one tenant", func() (string, []any) { return problemsDueQuery(now, 100, "acme") }, false},
		{"problem get", fixed(getProblemSQL, "acme", "acme-problem-000042"), false},
		{"problem list", problems(storage.ProblemListParams{}), false},
		{"problem list after cursor", problems(storage.ProblemListParams{Cursor: cursor}), false},
		{"problem list by status", problems(storage.ProblemListParams{Status: rca.StatusOpen}), false},
		{"problem list by complaint", problems(storage.ProblemListParams{ComplaintID: "acme-00000042"}), false},
		{"survey get", fixed(getSurveySQL, "acme", "acme-00000042-survey"), false},
		{"survey by token hash", fixed(getSurveyByTokenSQL, "acme", fixtureTokenHash("acme", 42)), false},
		{"survey list", fixed(listSurveysSQL, "acme", "acme-00000042"), false},
		{"feedback tally over 30 days", tally(""), true},
		{"feedback tally by day over 30 days", tally(storage.ByDay), true},
		{"feedback tally by queue over 30 days", tally(storage.ByQueue), false},
		{"complaint times over 30 days", times(storage.ComplaintTimesParams{}), false},
		{"complaint times of one category over 30 days", times(storage.ComplaintTimesParams{Category: "cat-2"}), false},
		{"complaint times of one agent over 30 days", times(storage.ComplaintTimesParams{Queue: "queue-3", Assignee: "agent-03"}), false},
	}
	tables := map[string]bool{"complaints": true, "timers": true, "outbox": true, "problems": true, "problem_complaints": true, "surveys": true}
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				sql, args := tt.query()
				plan := explain(t, s.pool, mode, sql, args...)
				assert.Empty(t, seqScans(plan, tables), "plan reads a table sequentially: %s", describe(plan))
				assert.NotEmpty(t, indexes(plan), "plan uses no index: %s", describe(plan))
				if tt.indexOnly {
					assert.Contains(t, nodeTypes(plan), "Index Only Scan", "the covering index is not enough: %s", describe(plan))
				}
			})
		}
	}
}

// nodeTypes returns the node types of plan.
func nodeTypes(n planNode) []string {
	out := []string{n.NodeType}
	for _, c := range n.Plans {
		out = append(out, nodeTypes(c)...)
	}
	return out
}

// describe renders a plan tree compactly for failure messages.
func describe(n planNode) string {
	s := n.NodeType
	if n.RelationName != "" {
		s += " on " + n.RelationName
	}
	if n.IndexName != "" {
		s += " using " + n.IndexName
	}
	if len(n.Plans) > 0 {
		s += " ("
		for i, c := range n.Plans {
			if i > 0 {
				s += ", "
			}
			s += describe(c)
		}
		s += ")"
	}
	return fmt.Sprint(s)
}
