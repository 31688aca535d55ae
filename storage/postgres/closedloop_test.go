package postgres

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// TestScoreColumnsCoverEveryKind: FeedbackTally reads one column per measure; a measure without one
// would be stored in the document but never counted.
func TestScoreColumnsCoverEveryKind(t *testing.T) {
	var kinds []feedback.Kind
	for _, sc := range scoreColumns {
		kinds = append(kinds, sc.kind)
	}
	assert.ElementsMatch(t, feedback.Kinds, kinds)
}

// TestProblemColumnsFollowTheDocument checks the columns that the queries read against the problem
// they copy: next_report is NextReport (NULL once nothing is left to report) and problem_complaints
// holds exactly the linked complaints after each write.
func TestProblemColumnsFollowTheDocument(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	created := epoch
	pr := fixtureProblem("acme", 0, created, []string{"C1", "C2"}) // open, A1 due at epoch
	require.Equal(t, rca.StatusOpen, pr.Status)

	columns := func() (next *time.Time, links []string) {
		t.Helper()
		require.NoError(t, s.pool.QueryRow(ctx, `SELECT next_report FROM problems WHERE tenant = 'acme' AND id = $1`, pr.ID).Scan(&next))
		rows, err := s.pool.Query(ctx, `SELECT complaint_id FROM problem_complaints WHERE tenant = 'acme' AND problem_id = $1 ORDER BY 1`, pr.ID)
		require.NoError(t, err)
		links, err = pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return next, links
	}

	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: "acme", Problem: pr})
	}))
	next, links := columns()
	require.NotNil(t, next)
	assert.Equal(t, pr.Actions[0].Due, next.UTC())
	assert.Equal(t, []string{"C1", "C2"}, links)

	// Report the action: nothing is left to report, and the links change.
	upd := pr.Clone()
	require.Len(t, upd.ReportOverdue(epoch.Add(time.Hour)), 1)
	upd.Complaints = []string{"C2", "C3"}
	upd.Version = 2
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.ProblemUpdate(ctx, &storage.ProblemUpdateParams{Tenant: "acme", Problem: upd, ExpectedVersion: 1})
	}))
	next, links = columns()
	assert.Nil(t, next)
	assert.Equal(t, []string{"C2", "C3"}, links)

	// No complaints at all.
	upd = upd.Clone()
	upd.Complaints, upd.Version = nil, 3
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.ProblemUpdate(ctx, &storage.ProblemUpdateParams{Tenant: "acme", Problem: upd, ExpectedVersion: 2})
	}))
	_, links = columns()
	assert.Empty(t, links)
}

// TestSurveyUpdateKeepsWhatNeverChanges: the complaint, token hash and kinds of a survey stay as
// stored whatever an update says, and the scores columns follow the answer.
func TestSurveyUpdateKeepsWhatNeverChanges(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	c := fixture("acme", 1, time.Hour)
	sv := fixtureSurvey(c, 10) // unanswered
	require.True(t, sv.AnsweredAt.IsZero())
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}); err != nil {
			return err
		}
		return tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: "acme", Survey: sv})
	}))

	upd := *sv
	upd.ComplaintID, upd.TokenHash, upd.Kinds = "other", fixtureTokenHash("acme", 99), []feedback.Kind{feedback.NPS}
	upd.AnsweredAt = sv.ScheduledAt.Add(time.Hour)
	upd.Response = feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 2}, {Kind: feedback.CES, Value: 6}}, Comment: "慢 <slow>"}
	upd.Version = 2
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error {
		return tx.SurveyUpdate(ctx, &storage.SurveyUpdateParams{Tenant: "acme", Survey: &upd, ExpectedVersion: 1})
	}))

	want := upd
	want.ComplaintID, want.TokenHash, want.Kinds = sv.ComplaintID, sv.TokenHash, sv.Kinds
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		got, err := tx.SurveyGet(ctx, &storage.SurveyGetParams{Tenant: "acme", ID: sv.ID})
		require.NoError(t, err)
		assert.Equal(t, &want, got)
		got, err = tx.SurveyGetByTokenHash(ctx, &storage.SurveyGetByTokenHashParams{Tenant: "acme", TokenHash: sv.TokenHash})
		require.NoError(t, err)
		assert.Equal(t, &want, got)
		return nil
	}))
	var csat, nps, ces *int16
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT csat, nps, ces FROM surveys WHERE id = $1`, sv.ID).Scan(&csat, &nps, &ces))
	require.NotNil(t, csat)
	require.NotNil(t, ces)
	assert.EqualValues(t, 2, *csat)
	assert.Nil(t, nps)
	assert.EqualValues(t, 6, *ces)
}
