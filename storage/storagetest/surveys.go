package storagetest

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/storage"
)

func surveyCases() []testCase {
	return []testCase{
		{"InsertGetRoundTripEveryField", testSurveyRoundTrip},
		{"ZeroAndEmptyFieldsRoundTrip", testSurveyZeroFields},
		{"MissingComplaintNotFound", testSurveyMissingComplaint},
		{"DuplicateIDAndTokenHash", testSurveyDuplicates},
		{"UpdateAndConflicts", testSurveyUpdate},
		{"RacingAnswersOneWins", testSurveyRacingAnswers},
		{"TenantIsolation", testSurveyTenantIsolation},
		{"ListOldestFirst", testSurveyList},
		{"RollbackLeavesNothing", testSurveyRollback},
		{"NoAliasing", testSurveyNoAliasing},
		{"InvalidParams", testSurveyInvalid},
	}
}

// fullSurvey is NewSurvey sent and answered, so that every field is set.
func fullSurvey(c *complaint.Complaint, i int) *feedback.Survey {
	s := NewSurvey(c, i)
	s.SentAt = s.ScheduledAt.Add(5 * time.Minute)
	s.AnsweredAt = s.SentAt.Add(26 * time.Hour)
	s.Response = feedback.Response{
		Scores:  []feedback.Score{{Kind: feedback.NPS, Value: 0}, {Kind: feedback.CSAT, Value: 4}, {Kind: feedback.CES, Value: 6}},
		Comment: "维修后还是有点响 / still a little noisy after the repair",
	}
	s.Version = 3
	return s
}

// denormaliseSurvey returns s with every time moved to UTC+8 and given sub-microsecond digits.
func denormaliseSurvey(s *feedback.Survey) *feedback.Survey {
	zone := time.FixedZone("CST", 8*3600)
	d := CanonicalSurvey(s)
	for _, t := range []*time.Time{&d.ScheduledAt, &d.DueBy, &d.ExpiresAt, &d.SentAt, &d.AnsweredAt} {
		if !t.IsZero() {
			*t = t.In(zone).Add(789 * time.Nanosecond)
		}
	}
	return d
}

// bumpSurvey returns the next version of s.
func bumpSurvey(s *feedback.Survey) *feedback.Survey {
	d := CanonicalSurvey(s)
	d.Version++
	return d
}

// insertSurveys stores the surveys in one transaction.
func insertSurveys(t *testing.T, s storage.Store, ss ...*feedback.Survey) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		for _, sv := range ss {
			if err := tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: sv.Tenant, Survey: sv}); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertSurveyErr(t *testing.T, s storage.Store, sv *feedback.Survey) error {
	t.Helper()
	return updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: sv.Tenant, Survey: sv})
	})
}

func updateSurveyErr(t *testing.T, s storage.Store, sv *feedback.Survey, expected int64) error {
	t.Helper()
	return updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.SurveyUpdate(ctx, &storage.SurveyUpdateParams{Tenant: sv.Tenant, Survey: sv, ExpectedVersion: expected})
	})
}

// getSurvey reads a survey by ID in a View.
func getSurvey(t *testing.T, s storage.Store, tenant, id string) (*feedback.Survey, error) {
	t.Helper()
	var out *feedback.Survey
	err := s.View(t.Context(), func(tx storage.ReadTx) error {
		var err error
		out, err = tx.SurveyGet(t.Context(), &storage.SurveyGetParams{Tenant: tenant, ID: id})
		return err
	})
	return out, err
}

func mustGetSurvey(t *testing.T, s storage.Store, tenant, id string) *feedback.Survey {
	t.Helper()
	out, err := getSurvey(t, s, tenant, id)
	require.NoError(t, err)
	require.NotNil(t, out)
	return out
}

// getSurveyByToken reads a survey by token hash in a View.
func getSurveyByToken(t *testing.T, s storage.Store, tenant, hash string) (*feedback.Survey, error) {
	t.Helper()
	var out *feedback.Survey
	err := s.View(t.Context(), func(tx storage.ReadTx) error {
		var err error
		out, err = tx.SurveyGetByTokenHash(t.Context(), &storage.SurveyGetByTokenHashParams{Tenant: tenant, TokenHash: hash})
		return err
	})
	return out, err
}

func listSurveys(t *testing.T, s storage.Store, tenant, complaintID string) []*feedback.Survey {
	t.Helper()
	var out []*feedback.Survey
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		out, err = tx.SurveyList(ctx, &storage.SurveyListParams{Tenant: tenant, ComplaintID: complaintID})
		return err
	})
	return out
}

func surveyIDs(ss []*feedback.Survey) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func testSurveyRoundTrip(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	sv := fullSurvey(c, 0)
	sv.Version = 1
	requireAllFieldsSet(t, reflect.ValueOf(sv), "Survey")
	in := denormaliseSurvey(sv)
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		require.NoError(t, tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: "acme", Survey: in}))
		got, err := tx.SurveyGetByTokenHash(ctx, &storage.SurveyGetByTokenHashParams{Tenant: "acme", TokenHash: sv.TokenHash})
		require.NoError(t, err)
		assert.Equal(t, sv, got, "the transaction sees its own insert")
		return nil
	})
	got := mustGetSurvey(t, s, "acme", sv.ID)
	assert.Equal(t, CanonicalSurvey(in), got)
	assert.Equal(t, sv, got, "times come back in UTC, truncated to microseconds")
	for _, tm := range []time.Time{got.ScheduledAt, got.DueBy, got.ExpiresAt, got.SentAt, got.AnsweredAt} {
		assert.Equal(t, time.UTC, tm.Location())
		assert.Zero(t, tm.Nanosecond()%1000)
	}

	// The customer's link finds it through the hash of its token.
	hash, err := feedback.HashToken(SurveyToken(c, 0))
	require.NoError(t, err)
	byToken, err := getSurveyByToken(t, s, "acme", hash)
	require.NoError(t, err)
	assert.Equal(t, sv, byToken)
	_, err = getSurveyByToken(t, s, "acme", NewSurvey(c, 1).TokenHash)
	assert.ErrorIs(t, err, storage.ErrNotFound, "an unknown token hash")
	_, err = getSurvey(t, s, "acme", NewSurvey(c, 1).ID)
	assert.ErrorIs(t, err, storage.ErrNotFound, "an unknown ID")
}

func testSurveyZeroFields(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	sv := NewSurvey(c, 0)
	sv.Kinds = []feedback.Kind{}
	sv.DueBy, sv.ExpiresAt = time.Time{}, time.Time{}
	sv.Response = feedback.Response{Scores: []feedback.Score{}}
	insertSurveys(t, s, sv)
	got := mustGetSurvey(t, s, "acme", sv.ID)
	assert.Equal(t, CanonicalSurvey(sv), got)
	assert.Nil(t, got.Kinds)
	assert.Nil(t, got.Response.Scores)
	assert.True(t, got.DueBy.IsZero() && got.ExpiresAt.IsZero() && got.SentAt.IsZero() && got.AnsweredAt.IsZero(), "zero times stay zero")
}

func testSurveyMissingComplaint(t *testing.T, s storage.Store) {
	theirs := NewComplaint("globex", 0)
	insert(t, s, theirs)
	for name, sv := range map[string]*feedback.Survey{
		"no such complaint": NewSurvey(NewComplaint("acme", 1), 0),
		"another tenant's complaint": func() *feedback.Survey {
			sv := NewSurvey(theirs, 0)
			sv.Tenant = "acme"
			return sv
		}(),
	} {
		require.ErrorIs(t, insertSurveyErr(t, s, sv), storage.ErrNotFound, name)
		_, err := getSurvey(t, s, "acme", sv.ID)
		assert.ErrorIs(t, err, storage.ErrNotFound, "%s: nothing stored by ID", name)
		_, err = getSurveyByToken(t, s, "acme", sv.TokenHash)
		assert.ErrorIs(t, err, storage.ErrNotFound, "%s: nothing stored by token", name)
		assert.Empty(t, listSurveys(t, s, "acme", sv.ComplaintID), name)
	}
	assert.Empty(t, listSurveys(t, s, "globex", theirs.ID))
	// The same survey for the right tenant succeeds, so nothing of the failures lingers (no token taken).
	insertSurveys(t, s, NewSurvey(theirs, 0))
}

func testSurveyDuplicates(t *testing.T, s storage.Store) {
	a, b, g := NewComplaint("acme", 0), NewComplaint("acme", 1), NewComplaint("globex", 0)
	insert(t, s, a, b, g)
	first := NewSurvey(a, 0)
	insertSurveys(t, s, first)

	sameID := NewSurvey(a, 1)
	sameID.ID = first.ID
	require.ErrorIs(t, insertSurveyErr(t, s, sameID), storage.ErrDuplicate, "same ID")
	sameToken := NewSurvey(b, 0)
	sameToken.TokenHash = first.TokenHash
	require.ErrorIs(t, insertSurveyErr(t, s, sameToken), storage.ErrDuplicate, "same token hash, same tenant")
	otherTenant := NewSurvey(g, 0)
	otherTenant.TokenHash = first.TokenHash
	require.ErrorIs(t, insertSurveyErr(t, s, otherTenant), storage.ErrDuplicate, "token hashes are unique across tenants")

	assert.Equal(t, []*feedback.Survey{first}, listSurveys(t, s, "acme", a.ID))
	assert.Empty(t, listSurveys(t, s, "acme", b.ID))
	assert.Empty(t, listSurveys(t, s, "globex", g.ID))
	_, err := getSurvey(t, s, "acme", sameToken.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	got, err := getSurveyByToken(t, s, "acme", first.TokenHash)
	require.NoError(t, err)
	assert.Equal(t, first, got, "the token still finds the first survey")

	// Two surveys for one complaint with their own tokens are fine.
	insertSurveys(t, s, NewSurvey(a, 1))
	assert.Len(t, listSurveys(t, s, "acme", a.ID), 2)
}

func testSurveyUpdate(t *testing.T, s storage.Store) {
	c, other := NewComplaint("acme", 0), NewComplaint("acme", 1)
	insert(t, s, c, other)
	sv := NewSurvey(c, 0)
	insertSurveys(t, s, sv)

	sent := bumpSurvey(sv)
	require.NoError(t, sent.MarkSent(sv.ScheduledAt.Add(time.Minute)))
	require.NoError(t, updateSurveyErr(t, s, sent, 1))
	assert.Equal(t, sent, mustGetSurvey(t, s, "acme", sv.ID))

	answered := bumpSurvey(sent)
	require.NoError(t, answered.Answer(sv.ScheduledAt.Add(time.Hour), feedback.Response{
		Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 2}}, Comment: "还是漏水 still leaking"}))
	// Fields that never change: an update that tries is stored without them.
	tampered := CanonicalSurvey(answered)
	tampered.ComplaintID = other.ID
	tampered.TokenHash = NewSurvey(other, 9).TokenHash
	tampered.Kinds = []feedback.Kind{feedback.NPS}
	require.NoError(t, updateSurveyErr(t, s, tampered, 2))
	got := mustGetSurvey(t, s, "acme", sv.ID)
	assert.Equal(t, answered, got, "complaint, token hash and kinds never change")
	byToken, err := getSurveyByToken(t, s, "acme", sv.TokenHash)
	require.NoError(t, err)
	assert.Equal(t, answered, byToken, "the original token still finds it")
	_, err = getSurveyByToken(t, s, "acme", tampered.TokenHash)
	assert.ErrorIs(t, err, storage.ErrNotFound, "the tampered token finds nothing")
	assert.Empty(t, listSurveys(t, s, "acme", other.ID))

	stale := bumpSurvey(sent)
	require.ErrorIs(t, updateSurveyErr(t, s, stale, 2), storage.ErrConflict, "expected 2, stored 3")
	skip := bumpSurvey(bumpSurvey(got))
	require.ErrorIs(t, updateSurveyErr(t, s, skip, 3), storage.ErrConflict, "new version 5 does not follow 3")
	missing := bumpSurvey(NewSurvey(c, 1))
	require.ErrorIs(t, updateSurveyErr(t, s, missing, 1), storage.ErrNotFound)
	assert.Equal(t, answered, mustGetSurvey(t, s, "acme", sv.ID), "failed updates changed nothing")
	_, err = getSurvey(t, s, "acme", missing.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound, "updating a missing survey does not create it")
}

// testSurveyRacingAnswers: several customers' browsers submit the same survey link at once. Each read
// the unanswered survey and answers it; the store lets exactly one answer commit, which is what makes
// the link single-use.
func testSurveyRacingAnswers(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	for round := range raceRounds {
		sv := NewSurvey(c, round)
		insertSurveys(t, s, sv)
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := range racers {
			wg.Go(func() {
				next := bumpSurvey(sv)
				err := next.Answer(sv.ScheduledAt.Add(time.Hour), feedback.Response{
					Scores:  []feedback.Score{{Kind: feedback.NPS, Value: g % 11}},
					Comment: fmt.Sprintf("racer-%02d", g),
				})
				<-start
				if err != nil {
					errs[g] = err
					return
				}
				errs[g] = s.Update(t.Context(), func(tx storage.Tx) error {
					return tx.SurveyUpdate(t.Context(), &storage.SurveyUpdateParams{Tenant: "acme", Survey: next, ExpectedVersion: sv.Version})
				})
			})
		}
		close(start)
		wg.Wait()

		winner := -1
		for g, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "survey %d: racers %d and %d both answered", round, winner, g)
				winner = g
				continue
			}
			require.ErrorIs(t, err, storage.ErrConflict, "survey %d racer %d", round, g)
		}
		require.NotEqual(t, -1, winner, "survey %d: nobody answered", round)
		got := mustGetSurvey(t, s, "acme", sv.ID)
		assert.EqualValues(t, 2, got.Version)
		assert.Equal(t, fmt.Sprintf("racer-%02d", winner), got.Response.Comment)
		assert.Equal(t, []feedback.Score{{Kind: feedback.NPS, Value: winner % 11}}, got.Response.Scores)
		assert.ErrorIs(t, got.Answer(sv.ScheduledAt.Add(2*time.Hour), feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 1}}}),
			feedback.ErrAlreadyAnswered, "the stored survey refuses a later answer")
	}
}

func testSurveyTenantIsolation(t *testing.T, s storage.Store) {
	a := NewComplaint("acme", 0)
	insert(t, s, a)
	sv := fullSurvey(a, 0)
	sv.Version = 1
	insertSurveys(t, s, sv)

	_, err := getSurvey(t, s, "globex", sv.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound, "by ID")
	_, err = getSurveyByToken(t, s, "globex", sv.TokenHash)
	assert.ErrorIs(t, err, storage.ErrNotFound, "by token hash")
	assert.Empty(t, listSurveys(t, s, "globex", a.ID), "list")
	assert.Empty(t, tally(t, s, storage.FeedbackTallyParams{Tenant: "globex"}), "tally")

	hijack := bumpSurvey(sv)
	hijack.Tenant = "globex"
	hijack.Response.Comment = "intruder"
	require.ErrorIs(t, updateSurveyErr(t, s, hijack, 1), storage.ErrNotFound)
	assert.Equal(t, sv, mustGetSurvey(t, s, "acme", sv.ID))
}

func testSurveyList(t *testing.T, s storage.Store) {
	a, b := NewComplaint("acme", 0), NewComplaint("acme", 1)
	g := NewComplaint("globex", 0)
	insert(t, s, a, b, g)
	var want []*feedback.Survey
	for i := range 6 {
		sv := NewSurvey(a, i)
		sv.ScheduledAt = a.CreatedAt.Add(time.Duration(5-i/2) * time.Hour) // pairs share a time
		want = append(want, sv)
	}
	insertSurveys(t, s, want...)
	insertSurveys(t, s, NewSurvey(b, 0), NewSurvey(g, 0))
	slices.SortFunc(want, func(x, y *feedback.Survey) int {
		return cmp.Or(x.ScheduledAt.Compare(y.ScheduledAt), strings.Compare(x.ID, y.ID))
	})
	assert.Equal(t, want, listSurveys(t, s, "acme", a.ID), "oldest first, ties by ID")
	assert.Equal(t, []string{NewSurvey(b, 0).ID}, surveyIDs(listSurveys(t, s, "acme", b.ID)))
	assert.Empty(t, listSurveys(t, s, "acme", NewComplaint("acme", 2).ID), "a complaint without surveys")
	assert.Empty(t, listSurveys(t, s, "acme", ""), "an empty complaint ID finds nothing")
}

func testSurveyRollback(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	kept := NewSurvey(c, 0)
	insertSurveys(t, s, kept)
	fresh := NewSurvey(c, 1)
	answered := bumpSurvey(kept)
	require.NoError(t, answered.Answer(kept.ScheduledAt.Add(time.Hour), feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 5}}}))
	err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		require.NoError(t, tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: "acme", Survey: fresh}))
		require.NoError(t, tx.SurveyUpdate(ctx, &storage.SurveyUpdateParams{Tenant: "acme", Survey: answered, ExpectedVersion: 1}))
		return errBoom
	})
	require.ErrorIs(t, err, errBoom)
	assert.Equal(t, []*feedback.Survey{kept}, listSurveys(t, s, "acme", c.ID))
	_, err = getSurveyByToken(t, s, "acme", fresh.TokenHash)
	assert.ErrorIs(t, err, storage.ErrNotFound, "the rolled-back insert took no token")
	assert.Empty(t, tally(t, s, storage.FeedbackTallyParams{Tenant: "acme"}), "the rolled-back answer is not counted")
	insertSurveys(t, s, fresh) // its ID and token are free again
}

func testSurveyNoAliasing(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	sv := fullSurvey(c, 0)
	sv.Version = 1
	want := CanonicalSurvey(sv)
	insertSurveys(t, s, sv)
	sv.Kinds[0] = "mutated"
	sv.Response.Scores[0].Value = 99
	got := mustGetSurvey(t, s, "acme", sv.ID)
	assert.Equal(t, want, got, "changing the inserted record afterwards does not change the store")
	got.Kinds[0] = "mutated"
	got.Response.Scores[0].Value = 99
	assert.Equal(t, want, mustGetSurvey(t, s, "acme", sv.ID), "changing a returned record does not change the store")
}

// testSurveyInvalid: survey operations with an empty tenant, a record of another tenant than its
// Params, a missing record or field, a malformed token hash, an unknown kind or a bad version are
// ErrInvalid and store nothing.
func testSurveyInvalid(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	sv := NewSurvey(c, 0)
	insertSurveys(t, s, sv)
	fresh := NewSurvey(c, 1)
	with := func(base *feedback.Survey, f func(d *feedback.Survey)) *feedback.Survey {
		d := CanonicalSurvey(base)
		f(d)
		return d
	}
	ins := func(tenant string, d *feedback.Survey) func(ctx context.Context, tx storage.Tx) error {
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: tenant, Survey: d})
		}
	}
	upd := func(tenant string, d *feedback.Survey, expected int64) func(ctx context.Context, tx storage.Tx) error {
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.SurveyUpdate(ctx, &storage.SurveyUpdateParams{Tenant: tenant, Survey: d, ExpectedVersion: expected})
		}
	}
	byHash := func(tenant, hash string) func(ctx context.Context, tx storage.Tx) error {
		return func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.SurveyGetByTokenHash(ctx, &storage.SurveyGetByTokenHashParams{Tenant: tenant, TokenHash: hash})
			return err
		}
	}
	badHashes := map[string]string{
		"empty":      "",
		"upper case": strings.ToUpper(fresh.TokenHash),
		"short":      fresh.TokenHash[:63],
		"long":       fresh.TokenHash + "0",
		"the token":  SurveyToken(c, 1),
		"not hex":    strings.Repeat("g", 64),
	}
	tests := []opCase{
		{"insert: nil params", func(ctx context.Context, tx storage.Tx) error { return tx.SurveyInsert(ctx, nil) }},
		{"insert: empty tenant", ins("", with(fresh, func(d *feedback.Survey) { d.Tenant = "" }))},
		{"insert: tenants differ", ins("globex", fresh)},
		{"insert: nil survey", ins("acme", nil)},
		{"insert: empty ID", ins("acme", with(fresh, func(d *feedback.Survey) { d.ID = "" }))},
		{"insert: empty complaint ID", ins("acme", with(fresh, func(d *feedback.Survey) { d.ComplaintID = "" }))},
		{"insert: zero schedule time", ins("acme", with(fresh, func(d *feedback.Survey) { d.ScheduledAt = time.Time{} }))},
		{"insert: unknown kind", ins("acme", with(fresh, func(d *feedback.Survey) { d.Kinds = []feedback.Kind{feedback.CSAT, "stars"} }))},
		{"insert: version 0", ins("acme", with(fresh, func(d *feedback.Survey) { d.Version = 0 }))},
		{"insert: version 2", ins("acme", with(fresh, func(d *feedback.Survey) { d.Version = 2 }))},
		{"update: nil params", func(ctx context.Context, tx storage.Tx) error { return tx.SurveyUpdate(ctx, nil) }},
		{"update: empty tenant", upd("", with(bumpSurvey(sv), func(d *feedback.Survey) { d.Tenant = "" }), 1)},
		{"update: tenants differ", upd("globex", bumpSurvey(sv), 1)},
		{"update: nil survey", upd("acme", nil, 1)},
		{"update: empty ID", upd("acme", with(bumpSurvey(sv), func(d *feedback.Survey) { d.ID = "" }), 1)},
		{"update: bad token hash", upd("acme", with(bumpSurvey(sv), func(d *feedback.Survey) { d.TokenHash = "x" }), 1)},
		{"update: expected version 0", upd("acme", with(sv, func(d *feedback.Survey) { d.Version = 1 }), 0)},
		{"get: empty tenant", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.SurveyGet(ctx, &storage.SurveyGetParams{ID: sv.ID})
			return err
		}},
		{"get by token: empty tenant", byHash("", sv.TokenHash)},
		{"list: empty tenant", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.SurveyList(ctx, &storage.SurveyListParams{ComplaintID: c.ID})
			return err
		}},
	}
	for name, h := range badHashes {
		tests = append(tests,
			opCase{"insert: token hash " + name, ins("acme", with(fresh, func(d *feedback.Survey) { d.TokenHash = h }))},
			opCase{"get by token: hash " + name, byHash("acme", h)},
		)
	}
	for _, tt := range tests {
		assert.ErrorIs(t, updateErr(t, s, tt.op), storage.ErrInvalid, tt.name)
	}
	err := s.View(t.Context(), func(tx storage.ReadTx) error {
		_, err := tx.SurveyGetByTokenHash(t.Context(), &storage.SurveyGetByTokenHashParams{Tenant: "acme", TokenHash: SurveyToken(c, 0)})
		return err
	})
	assert.ErrorIs(t, err, storage.ErrInvalid, "a token passed where its hash belongs, in a View")

	assert.Equal(t, sv, mustGetSurvey(t, s, "acme", sv.ID), "nothing changed")
	assert.Equal(t, []*feedback.Survey{sv}, listSurveys(t, s, "acme", c.ID), "nothing inserted")
}
