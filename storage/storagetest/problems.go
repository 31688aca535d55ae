package storagetest

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

func problemCases() []testCase {
	return []testCase{
		{"InsertGetRoundTripEveryField", testProblemRoundTrip},
		{"ZeroAndEmptyFieldsRoundTrip", testProblemZeroFields},
		{"NotFoundAndDuplicate", testProblemNotFoundDuplicate},
		{"UpdateAndConflicts", testProblemUpdate},
		{"RacingUpdatesOneWinsPerVersion", testProblemRacingUpdates},
		{"TenantIsolation", testProblemTenantIsolation},
		{"RollbackLeavesNothing", testProblemRollback},
		{"NoAliasing", testProblemNoAliasing},
		{"ListFiltersAndOrder", testProblemListFilters},
		{"ListCursorStable", testProblemListCursor},
		{"ListDueOrderLimitTenants", testProblemListDue},
		{"ListDueReportMovesOn", testProblemListDueReport},
		{"InvalidParams", testProblemInvalid},
	}
}

// fullProblem is NewProblem with every field set, the closing and reporting times included.
func fullProblem(tenant string, i int) *rca.Problem {
	p := NewProblem(tenant, i, NewComplaint(tenant, i).ID, NewComplaint(tenant, i+1).ID)
	p.Status = rca.StatusClosed
	p.ClosedAt = p.CreatedAt.Add(40 * 24 * time.Hour)
	p.OverdueReportedAt = p.CreatedAt.Add(8 * 24 * time.Hour)
	p.UpdatedAt = p.ClosedAt
	return p
}

// denormaliseProblem returns p with every time moved to UTC+8 and given sub-microsecond digits.
func denormaliseProblem(p *rca.Problem) *rca.Problem {
	zone := time.FixedZone("CST", 8*3600)
	shift := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.In(zone).Add(789 * time.Nanosecond)
		}
	}
	d := p.Clone()
	for _, t := range []*time.Time{&d.CreatedAt, &d.UpdatedAt, &d.ClosedAt, &d.OverdueReportedAt} {
		shift(t)
	}
	for i := range d.Actions {
		a := &d.Actions[i]
		for _, t := range []*time.Time{&a.Due, &a.CreatedAt, &a.StartedAt, &a.DoneAt, &a.Check.VerifiedAt} {
			shift(t)
		}
	}
	return d
}

// bumpProblem returns the next version of p: a copy with Version and UpdatedAt advanced.
func bumpProblem(p *rca.Problem) *rca.Problem {
	d := p.Clone()
	d.Version++
	d.UpdatedAt = d.UpdatedAt.Add(time.Millisecond)
	return d
}

// insertProblems stores the problems in one transaction.
func insertProblems(t *testing.T, s storage.Store, ps ...*rca.Problem) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		for _, p := range ps {
			if err := tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: p.Tenant, Problem: p}); err != nil {
				return err
			}
		}
		return nil
	})
}

// updateProblemErr replaces a problem in its own transaction and returns the error.
func updateProblemErr(t *testing.T, s storage.Store, p *rca.Problem, expected int64) error {
	t.Helper()
	return updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.ProblemUpdate(ctx, &storage.ProblemUpdateParams{Tenant: p.Tenant, Problem: p, ExpectedVersion: expected})
	})
}

// getProblem reads a problem by ID in a View.
func getProblem(t *testing.T, s storage.Store, tenant, id string) (*rca.Problem, error) {
	t.Helper()
	var p *rca.Problem
	err := s.View(t.Context(), func(tx storage.ReadTx) error {
		var err error
		p, err = tx.ProblemGet(t.Context(), &storage.ProblemGetParams{Tenant: tenant, ID: id})
		return err
	})
	return p, err
}

// mustGetProblem reads a problem by ID and requires it to exist.
func mustGetProblem(t *testing.T, s storage.Store, tenant, id string) *rca.Problem {
	t.Helper()
	p, err := getProblem(t, s, tenant, id)
	require.NoError(t, err)
	require.NotNil(t, p)
	return p
}

// problemPage reads one page of ProblemList.
func problemPage(t *testing.T, s storage.Store, p storage.ProblemListParams) *storage.ProblemPage {
	t.Helper()
	var out *storage.ProblemPage
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		out, err = tx.ProblemList(ctx, &p)
		return err
	})
	require.NotNil(t, out)
	return out
}

// problemListAll follows the cursors of ProblemList to the end and returns every row and the number
// of pages. A page other than the last is full and never empty.
func problemListAll(t *testing.T, s storage.Store, p storage.ProblemListParams) []*rca.Problem {
	t.Helper()
	var out []*rca.Problem
	for page := 0; ; page++ {
		require.Less(t, page, 1000, "paging does not end")
		pg := problemPage(t, s, p)
		out = append(out, pg.Problems...)
		if pg.Next == "" {
			return out
		}
		require.Len(t, pg.Problems, storage.EffectiveLimit(p.Limit), "a page followed by another is full")
		p.Cursor = pg.Next
	}
}

// listDue calls ProblemListDue in a View.
func listDue(t *testing.T, s storage.Store, tenant string, now time.Time, limit int) []*rca.Problem {
	t.Helper()
	var out []*rca.Problem
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		out, err = tx.ProblemListDue(ctx, &storage.ProblemListDueParams{Tenant: tenant, Now: now, Limit: limit})
		return err
	})
	return out
}

// ProblemNewestFirst is the order of ProblemList: creation time, then ID, both descending.
func ProblemNewestFirst(a, b *rca.Problem) int {
	return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), cmp.Compare(b.ID, a.ID))
}

// opCase is a named operation run in an Update, for the tables of invalid parameters.
type opCase struct {
	name string
	op   func(ctx context.Context, tx storage.Tx) error
}

func problemIDs(ps []*rca.Problem) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func testProblemRoundTrip(t *testing.T, s storage.Store) {
	p := fullProblem("acme", 3)
	requireAllFieldsSet(t, reflect.ValueOf(p), "Problem")
	for i, a := range p.Actions {
		if a.Kind == rca.Containment {
			requireAllFieldsSet(t, reflect.ValueOf(a), fmt.Sprintf("Problem.Actions[%d]", i))
		}
	}
	require.NoError(t, p.Validate(), "the fixture is a valid problem")
	in := denormaliseProblem(p)
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		require.NoError(t, tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: "acme", Problem: in}))
		got, err := tx.ProblemGet(ctx, &storage.ProblemGetParams{Tenant: "acme", ID: p.ID})
		require.NoError(t, err)
		assert.Equal(t, p, got, "the transaction sees its own insert")
		return nil
	})
	got := mustGetProblem(t, s, "acme", p.ID)
	assert.Equal(t, CanonicalProblem(in), got)
	assert.Equal(t, p, got, "times come back in UTC, truncated to microseconds")
	times := []time.Time{got.CreatedAt, got.UpdatedAt, got.ClosedAt, got.OverdueReportedAt}
	for _, a := range got.Actions {
		times = append(times, a.Due, a.CreatedAt, a.StartedAt, a.DoneAt, a.Check.VerifiedAt)
	}
	for _, tm := range times {
		if !tm.IsZero() {
			assert.Equal(t, time.UTC, tm.Location())
			assert.Zero(t, tm.Nanosecond()%1000)
		}
	}
}

func testProblemZeroFields(t *testing.T, s storage.Store) {
	// Only what a store needs; every optional time zero and every collection empty but not nil.
	p := &rca.Problem{
		ID:         NewID(Epoch, "acme", "minimal problem"),
		Tenant:     "acme",
		Analysis:   rca.Analysis{Title: "t", Team: []string{}, Whys: []rca.Why{}, Causes: []rca.Cause{}},
		Complaints: []string{},
		Actions:    []rca.Action{},
		Status:     rca.StatusOpen,
		Version:    1,
		CreatedAt:  Epoch,
	}
	insertProblems(t, s, p)
	got := mustGetProblem(t, s, "acme", p.ID)
	assert.Equal(t, CanonicalProblem(p), got)
	assert.Nil(t, got.Team)
	assert.Nil(t, got.Whys)
	assert.Nil(t, got.Causes)
	assert.Nil(t, got.Complaints)
	assert.Nil(t, got.Actions)
	assert.True(t, got.UpdatedAt.IsZero() && got.ClosedAt.IsZero() && got.OverdueReportedAt.IsZero(), "zero times stay zero")
	assert.Empty(t, listDue(t, s, "", Epoch.Add(1000*24*time.Hour), 10), "a problem without actions is never due")
}

func testProblemNotFoundDuplicate(t *testing.T, s storage.Store) {
	p := NewProblem("acme", 0)
	insertProblems(t, s, p)
	_, err := getProblem(t, s, "acme", NewProblem("acme", 1).ID)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	_, err = getProblem(t, s, "acme", "")
	assert.ErrorIs(t, err, storage.ErrNotFound, "an empty ID finds nothing")

	again := NewProblem("acme", 0)
	again.Title = "second insert"
	err = updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: "acme", Problem: again})
	})
	require.ErrorIs(t, err, storage.ErrDuplicate)
	assert.Equal(t, p, mustGetProblem(t, s, "acme", p.ID), "the duplicate changed nothing")

	missing := bumpProblem(NewProblem("acme", 1))
	require.ErrorIs(t, updateProblemErr(t, s, missing, 1), storage.ErrNotFound)
	_, err = getProblem(t, s, "acme", missing.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound, "updating a missing problem does not create it")
}

func testProblemUpdate(t *testing.T, s storage.Store) {
	p := NewProblem("acme", 0, "C1")
	insertProblems(t, s, p)

	// A realistic change: link a complaint, finish and verify the corrective action, report overdue.
	next := bumpProblem(p)
	at := p.CreatedAt.Add(10 * 24 * time.Hour)
	require.NoError(t, next.Link(at, "C2"))
	_, err := next.CompleteAction(at, "A2")
	require.NoError(t, err)
	_, err = next.VerifyAction(at.Add(time.Hour), "A2", rca.Verification{Result: "0 in 4 weeks", Effective: true, By: "qa-liu"})
	require.NoError(t, err)
	next.CreatedAt = next.CreatedAt.Add(time.Hour) // ignored: creation time never changes
	require.NoError(t, updateProblemErr(t, s, next, 1))
	want := next.Clone()
	want.CreatedAt = p.CreatedAt
	got := mustGetProblem(t, s, "acme", p.ID)
	assert.Equal(t, want, got, "the update is stored, its creation time is not")

	stale := bumpProblem(p)
	stale.Title = "stale"
	require.ErrorIs(t, updateProblemErr(t, s, stale, 1), storage.ErrConflict, "expected version 1, stored 2")
	skip := bumpProblem(bumpProblem(got))
	require.ErrorIs(t, updateProblemErr(t, s, skip, 2), storage.ErrConflict, "new version 4 does not follow 2")
	ahead := bumpProblem(bumpProblem(got))
	require.ErrorIs(t, updateProblemErr(t, s, ahead, 3), storage.ErrConflict, "expected version 3, stored 2")
	assert.Equal(t, want, mustGetProblem(t, s, "acme", p.ID), "failed updates changed nothing")

	closing := bumpProblem(got)
	_, err = closing.Close(at.Add(2 * time.Hour))
	require.NoError(t, err)
	require.NoError(t, updateProblemErr(t, s, closing, 2))
	assert.Equal(t, closing, mustGetProblem(t, s, "acme", p.ID))
}

func testProblemRacingUpdates(t *testing.T, s storage.Store) {
	p := NewProblem("acme", 0)
	insertProblems(t, s, p)
	for round := range raceRounds {
		cur := mustGetProblem(t, s, "acme", p.ID)
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := range racers {
			wg.Go(func() {
				next := bumpProblem(cur)
				next.RootCause = fmt.Sprintf("racer-%02d", g)
				<-start
				errs[g] = s.Update(t.Context(), func(tx storage.Tx) error {
					return tx.ProblemUpdate(t.Context(), &storage.ProblemUpdateParams{Tenant: "acme", Problem: next, ExpectedVersion: cur.Version})
				})
			})
		}
		close(start)
		wg.Wait()

		winner := -1
		for g, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "round %d: racers %d and %d both won version %d", round, winner, g, cur.Version+1)
				winner = g
				continue
			}
			require.ErrorIs(t, err, storage.ErrConflict, "round %d racer %d", round, g)
		}
		require.NotEqual(t, -1, winner, "round %d: nobody won", round)
		got := mustGetProblem(t, s, "acme", p.ID)
		assert.Equal(t, cur.Version+1, got.Version)
		assert.Equal(t, fmt.Sprintf("racer-%02d", winner), got.RootCause)
	}
}

func testProblemTenantIsolation(t *testing.T, s storage.Store) {
	a := NewProblem("acme", 0, "C1")
	a.OverdueReportedAt = time.Time{}
	insertProblems(t, s, a)
	_, err := getProblem(t, s, "globex", a.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound, "by ID")
	assert.Empty(t, problemPage(t, s, storage.ProblemListParams{Tenant: "globex"}).Problems)
	assert.Empty(t, problemPage(t, s, storage.ProblemListParams{Tenant: "globex", ComplaintID: "C1"}).Problems)
	farFuture := Epoch.Add(1000 * 24 * time.Hour)
	assert.Empty(t, listDue(t, s, "globex", farFuture, 10), "due list of another tenant")
	assert.Equal(t, []string{a.ID}, problemIDs(listDue(t, s, "acme", farFuture, 10)))

	// Updating through the wrong tenant finds nothing and changes nothing.
	hijack := bumpProblem(a)
	hijack.Tenant = "globex"
	hijack.Title = "intruder"
	require.ErrorIs(t, updateProblemErr(t, s, hijack, 1), storage.ErrNotFound)
	assert.Equal(t, a, mustGetProblem(t, s, "acme", a.ID))

	// A cursor of one tenant's list does not reveal another tenant's rows.
	for i := 1; i < 4; i++ {
		insertProblems(t, s, NewProblem("acme", i))
	}
	pg := problemPage(t, s, storage.ProblemListParams{Tenant: "acme", Limit: 2})
	require.NotEmpty(t, pg.Next)
	assert.Empty(t, problemPage(t, s, storage.ProblemListParams{Tenant: "globex", Cursor: pg.Next}).Problems)
}

func testProblemRollback(t *testing.T, s storage.Store) {
	kept := NewProblem("acme", 0)
	insertProblems(t, s, kept)
	fresh := NewProblem("acme", 1)
	reported := bumpProblem(kept)
	require.NotEmpty(t, reported.ReportOverdue(kept.CreatedAt.Add(8*24*time.Hour)))
	for _, viaPanic := range []bool{false, true} {
		func() {
			defer func() {
				if viaPanic {
					require.Equal(t, errBoom, recover())
				}
			}()
			err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
				require.NoError(t, tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: "acme", Problem: fresh}))
				require.NoError(t, tx.ProblemUpdate(ctx, &storage.ProblemUpdateParams{Tenant: "acme", Problem: reported, ExpectedVersion: 1}))
				if viaPanic {
					panic(errBoom)
				}
				return errBoom
			})
			require.ErrorIs(t, err, errBoom)
		}()
		_, err := getProblem(t, s, "acme", fresh.ID)
		assert.ErrorIs(t, err, storage.ErrNotFound, "the rolled-back insert is gone (panic %v)", viaPanic)
		assert.Equal(t, kept, mustGetProblem(t, s, "acme", kept.ID), "the rolled-back update is undone (panic %v)", viaPanic)
		assert.Equal(t, []string{kept.ID}, problemIDs(problemListAll(t, s, storage.ProblemListParams{Tenant: "acme"})))
		assert.Equal(t, []string{kept.ID}, problemIDs(listDue(t, s, "acme", kept.CreatedAt.Add(8*24*time.Hour), 10)),
			"the rolled-back report leaves the problem due")
	}
}

func testProblemNoAliasing(t *testing.T, s storage.Store) {
	p := NewProblem("acme", 0, "C1")
	want := p.Clone()
	insertProblems(t, s, p)
	p.Team[0] = "mutated"
	p.Whys[0].Answer = "mutated"
	p.Causes[0].Description = "mutated"
	p.Complaints[0] = "mutated"
	p.Actions[0].Owner = "mutated"
	got := mustGetProblem(t, s, "acme", p.ID)
	assert.Equal(t, want, got, "changing the inserted record afterwards does not change the store")

	got.Team[0] = "mutated"
	got.Whys[0].Answer = "mutated"
	got.Causes[0].Description = "mutated"
	got.Complaints[0] = "mutated"
	got.Actions[0].Owner = "mutated"
	assert.Equal(t, want, mustGetProblem(t, s, "acme", p.ID), "changing a returned record does not change the store")
}

// problemDataset stores 30 problems of acme (groups of three share a creation time, every other one
// closed, each linked to two of five complaint IDs) and 6 of globex linked to the same IDs.
func problemDataset(t *testing.T, s storage.Store) []*rca.Problem {
	t.Helper()
	var all []*rca.Problem
	for _, tenant := range []string{"acme", "globex"} {
		n := map[string]int{"acme": 30, "globex": 6}[tenant]
		for i := range n {
			p := NewProblem(tenant, i, fmt.Sprintf("C%d", i%5), fmt.Sprintf("C%d", (i+2)%5))
			p.CreatedAt = Epoch.Add(time.Duration(i/3) * time.Hour)
			if i%2 == 1 {
				p.Status = rca.StatusClosed
				p.ClosedAt = p.CreatedAt.Add(time.Hour)
			}
			all = append(all, p)
		}
	}
	insertProblems(t, s, all...)
	return all
}

// wantProblems is the naive reference for ProblemList without paging.
func wantProblems(all []*rca.Problem, p storage.ProblemListParams) []*rca.Problem {
	var out []*rca.Problem
	for _, pr := range all {
		if pr.Tenant == p.Tenant && (p.Status == "" || pr.Status == p.Status) &&
			(p.ComplaintID == "" || slices.Contains(pr.Complaints, p.ComplaintID)) {
			out = append(out, pr)
		}
	}
	slices.SortFunc(out, ProblemNewestFirst)
	return out
}

func testProblemListFilters(t *testing.T, s storage.Store) {
	all := problemDataset(t, s)
	filters := []storage.ProblemListParams{
		{Tenant: "acme"},
		{Tenant: "acme", Status: rca.StatusOpen},
		{Tenant: "acme", Status: rca.StatusClosed},
		{Tenant: "acme", ComplaintID: "C1"},
		{Tenant: "acme", ComplaintID: "C3", Status: rca.StatusClosed},
		{Tenant: "acme", ComplaintID: "C9"},
		{Tenant: "globex"},
		{Tenant: "globex", ComplaintID: "C2"},
		{Tenant: "initech"},
	}
	for _, f := range filters {
		want := wantProblems(all, f)
		whole := problemPage(t, s, f)
		assert.Equal(t, problemIDs(want), problemIDs(whole.Problems), "%+v", f)
		assert.Empty(t, whole.Next, "%+v: everything fits in one default page", f)
		for _, limit := range []int{1, 4} {
			f.Limit = limit
			assert.Equal(t, problemIDs(want), problemIDs(problemListAll(t, s, f)), "%+v", f)
		}
	}
	got := problemPage(t, s, storage.ProblemListParams{Tenant: "acme", Limit: 3})
	require.Len(t, got.Problems, 3)
	for i, p := range got.Problems {
		assert.Equal(t, wantProblems(all, storage.ProblemListParams{Tenant: "acme"})[i], p, "rows are whole records")
	}
	assert.Len(t, wantProblems(all, storage.ProblemListParams{Tenant: "acme", ComplaintID: "C1"}), 12, "the dataset links C1 often")
}

func testProblemListCursor(t *testing.T, s storage.Store) {
	originals := problemDataset(t, s)
	type added struct {
		p       *rca.Problem
		visible bool // whether it sorts after the cursor at the moment it was inserted
	}
	var inserted []added
	seen := map[string]int{}
	var order []*rca.Problem
	p := storage.ProblemListParams{Tenant: "acme", Limit: 4}
	for page := 0; ; page++ {
		require.Less(t, page, 100)
		pg := problemPage(t, s, p)
		for _, pr := range pg.Problems {
			seen[pr.ID]++
			order = append(order, pr)
		}
		if pg.Next == "" {
			break
		}
		p.Cursor = pg.Next
		last := pg.Problems[len(pg.Problems)-1]
		// Between pages: a newer problem, one created at the same instant as the cursor row, and one
		// older than everything.
		newer := NewProblem("acme", 2000+page)
		newer.CreatedAt = Epoch.Add(1000 * time.Hour).Add(time.Duration(page) * time.Second)
		tie := NewProblem("acme", 3000+page)
		tie.CreatedAt = last.CreatedAt
		older := NewProblem("acme", 4000+page)
		older.CreatedAt = Epoch.Add(-time.Duration(page+1) * time.Hour)
		insertProblems(t, s, newer, tie, older)
		for _, pr := range []*rca.Problem{newer, tie, older} {
			inserted = append(inserted, added{pr, ProblemNewestFirst(last, pr) < 0})
		}
	}
	for _, pr := range originals {
		if pr.Tenant == "acme" {
			assert.Equal(t, 1, seen[pr.ID], "original %s listed exactly once", pr.ID)
		}
	}
	for _, a := range inserted {
		want := 0
		if a.visible {
			want = 1
		}
		assert.Equal(t, want, seen[a.p.ID], "row %s inserted while paging (visible=%v)", a.p.ID, a.visible)
	}
	assert.True(t, slices.IsSortedFunc(order, ProblemNewestFirst), "pages continue where the previous one ended")

	enc := base64.RawURLEncoding.EncodeToString
	for _, cursor := range []string{"not a cursor!", enc([]byte("no-separator")), enc([]byte("yesterday|01J0000000000000000000000")), "%%%"} {
		err := s.View(t.Context(), func(tx storage.ReadTx) error {
			_, err := tx.ProblemList(t.Context(), &storage.ProblemListParams{Tenant: "acme", Cursor: cursor})
			return err
		})
		assert.ErrorIs(t, err, storage.ErrBadCursor, "cursor %q", cursor)
	}
}

// dueProblem is NewProblem(tenant, i) whose actions are replaced by one action per due offset from
// [Epoch], open (in progress) unless its offset is listed in closed.
func dueProblem(tenant string, i int, dues []time.Duration, closed ...time.Duration) *rca.Problem {
	p := NewProblem(tenant, i)
	p.Actions = nil
	for k, d := range dues {
		a := rca.Action{
			ID: fmt.Sprintf("A%d", k+1), Kind: rca.Corrective, Description: "fix", Owner: "eng-sun",
			Due: Epoch.Add(d), Status: rca.ActionInProgress, CreatedAt: p.CreatedAt, StartedAt: p.CreatedAt,
		}
		if slices.Contains(closed, d) {
			a.Status, a.DoneAt = rca.ActionDone, p.CreatedAt
		}
		p.Actions = append(p.Actions, a)
	}
	return p
}

func testProblemListDue(t *testing.T, s storage.Store) {
	h := time.Hour
	now := Epoch.Add(6 * h)
	p0 := dueProblem("acme", 0, []time.Duration{3 * h})           // due at 3h
	p1 := dueProblem("acme", 1, []time.Duration{h, 5 * h}, h)     // 1h is done: due at 5h
	p2 := dueProblem("acme", 2, []time.Duration{h, 4 * h, 7 * h}) // 1h already reported: due at 4h
	p2.OverdueReportedAt = Epoch.Add(2 * h)
	p3 := dueProblem("acme", 3, []time.Duration{10 * h})     // not yet due
	p4 := dueProblem("acme", 4, []time.Duration{2 * h}, 2*h) // nothing open
	p5 := dueProblem("acme", 5, []time.Duration{6 * h})      // due exactly now
	p6 := dueProblem("acme", 6, []time.Duration{2 * h})      // reported after its only due date
	p6.OverdueReportedAt = Epoch.Add(3 * h)
	g0 := dueProblem("globex", 0, []time.Duration{2 * h})         // due at 2h
	g1 := dueProblem("globex", 1, []time.Duration{3 * h, 20 * h}) // due at 3h, tie with p0
	insertProblems(t, s, p0, p1, p2, p3, p4, p5, p6, g0, g1)

	tie := []*rca.Problem{p0, g1}
	slices.SortFunc(tie, func(a, b *rca.Problem) int { return cmp.Compare(a.ID, b.ID) })
	all := []*rca.Problem{g0, tie[0], tie[1], p2, p1, p5}
	assert.Equal(t, all, listDue(t, s, "", now, 0), "all tenants, earliest report first, ties by ID")
	assert.Equal(t, all[:2], listDue(t, s, "", now, 2), "limit")
	assert.Equal(t, all, listDue(t, s, "", now, 100))
	assert.Equal(t, []*rca.Problem{p0, p2, p1, p5}, listDue(t, s, "acme", now, 0), "one tenant")
	assert.Equal(t, []*rca.Problem{g0, g1}, listDue(t, s, "globex", now, 10), "the other tenant")
	assert.Empty(t, listDue(t, s, "initech", now, 10), "a tenant without problems")
	assert.Empty(t, listDue(t, s, "", Epoch.Add(2*h-time.Microsecond), 10), "nothing is due before 2h")
	assert.Equal(t, []*rca.Problem{g0}, listDue(t, s, "", Epoch.Add(2*h), 10), "due at exactly Now")
	for _, p := range []*rca.Problem{p0, p1, p2, p3, p4, p5, p6, g0, g1} {
		next, ok := p.NextReport()
		listed := slices.ContainsFunc(listDue(t, s, p.Tenant, now, 0), func(q *rca.Problem) bool { return q.ID == p.ID })
		assert.Equal(t, ok && !next.After(now), listed, "%s/%s is listed exactly when NextReport <= Now", p.Tenant, p.ID)
	}

	// Limit 0 means storage.DefaultListLimit: a tenant with more problems due than that, all earliest.
	var many []*rca.Problem
	for i := range storage.DefaultListLimit + 5 {
		many = append(many, dueProblem("initech", i, []time.Duration{h / 2}))
	}
	insertProblems(t, s, many...)
	slices.SortFunc(many, func(a, b *rca.Problem) int { return cmp.Compare(a.ID, b.ID) })
	assert.Equal(t, problemIDs(many[:storage.DefaultListLimit]), problemIDs(listDue(t, s, "", now, 0)))
	assert.Equal(t, append(problemIDs(many), problemIDs(all)...), problemIDs(listDue(t, s, "", now, 100)))
}

func testProblemListDueReport(t *testing.T, s storage.Store) {
	h := time.Hour
	p := dueProblem("acme", 0, []time.Duration{h, 2 * h, 5 * h})
	insertProblems(t, s, p)
	now := Epoch.Add(2*h + 30*time.Minute)
	due := listDue(t, s, "acme", now, 10)
	require.Equal(t, []*rca.Problem{p}, due)

	// The scanner reports the overdue actions and stores the problem under its version.
	next := bumpProblem(due[0])
	reported := next.ReportOverdue(now)
	require.Len(t, reported, 2)
	require.NoError(t, updateProblemErr(t, s, next, 1))
	assert.Empty(t, listDue(t, s, "acme", now, 10), "a reported problem leaves the due list")
	assert.Empty(t, listDue(t, s, "", Epoch.Add(5*h-time.Microsecond), 10), "until its next open action falls due")
	assert.Equal(t, []*rca.Problem{next}, listDue(t, s, "", Epoch.Add(5*h), 10))

	// A second scanner that read the problem before the report loses.
	late := bumpProblem(p)
	require.NotEmpty(t, late.ReportOverdue(now))
	require.ErrorIs(t, updateProblemErr(t, s, late, 1), storage.ErrConflict)

	// Completing the last open action takes the problem off the list for good.
	done := bumpProblem(next)
	_, err := done.CompleteAction(Epoch.Add(4*h), "A3")
	require.NoError(t, err)
	require.NoError(t, updateProblemErr(t, s, done, 2))
	assert.Empty(t, listDue(t, s, "", Epoch.Add(1000*h), 10))

	// Reworking an ineffective action with a new due date puts it back.
	rework := bumpProblem(done)
	_, err = rework.VerifyAction(Epoch.Add(5*h), "A3", rca.Verification{Metric: "m", Target: "t", Result: "r", By: "qa"})
	require.NoError(t, err)
	_, err = rework.ReworkAction(Epoch.Add(5*h), "A3", Epoch.Add(9*h))
	require.NoError(t, err)
	require.NoError(t, updateProblemErr(t, s, rework, 3))
	assert.Empty(t, listDue(t, s, "", Epoch.Add(9*h-time.Microsecond), 10))
	assert.Equal(t, []*rca.Problem{rework}, listDue(t, s, "", Epoch.Add(9*h), 10))
}

// testProblemInvalid: problem operations with an empty tenant, a record of another tenant than its
// Params, a missing record or field, a bad version, an unknown status, a zero Now or a negative limit
// are ErrInvalid and store nothing.
func testProblemInvalid(t *testing.T, s storage.Store) {
	p := NewProblem("acme", 0)
	insertProblems(t, s, p)
	fresh := NewProblem("acme", 1)
	with := func(base *rca.Problem, f func(d *rca.Problem)) *rca.Problem {
		d := base.Clone()
		f(d)
		return d
	}
	ins := func(tenant string, d *rca.Problem) func(ctx context.Context, tx storage.Tx) error {
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: tenant, Problem: d})
		}
	}
	upd := func(tenant string, d *rca.Problem, expected int64) func(ctx context.Context, tx storage.Tx) error {
		return func(ctx context.Context, tx storage.Tx) error {
			return tx.ProblemUpdate(ctx, &storage.ProblemUpdateParams{Tenant: tenant, Problem: d, ExpectedVersion: expected})
		}
	}
	// Reads are checked inside Update too: a Tx is a ReadTx.
	tests := []opCase{
		{"insert: nil params", func(ctx context.Context, tx storage.Tx) error { return tx.ProblemInsert(ctx, nil) }},
		{"insert: empty tenant", ins("", with(fresh, func(d *rca.Problem) { d.Tenant = "" }))},
		{"insert: tenants differ", ins("globex", fresh)},
		{"insert: nil problem", ins("acme", nil)},
		{"insert: empty ID", ins("acme", with(fresh, func(d *rca.Problem) { d.ID = "" }))},
		{"insert: unknown status", ins("acme", with(fresh, func(d *rca.Problem) { d.Status = "pending" }))},
		{"insert: version 0", ins("acme", with(fresh, func(d *rca.Problem) { d.Version = 0 }))},
		{"insert: version 2", ins("acme", with(fresh, func(d *rca.Problem) { d.Version = 2 }))},
		{"insert: zero creation time", ins("acme", with(fresh, func(d *rca.Problem) { d.CreatedAt = time.Time{} }))},
		{"update: nil params", func(ctx context.Context, tx storage.Tx) error { return tx.ProblemUpdate(ctx, nil) }},
		{"update: empty tenant", upd("", with(bumpProblem(p), func(d *rca.Problem) { d.Tenant = "" }), 1)},
		{"update: tenants differ", upd("globex", bumpProblem(p), 1)},
		{"update: nil problem", upd("acme", nil, 1)},
		{"update: empty ID", upd("acme", with(bumpProblem(p), func(d *rca.Problem) { d.ID = "" }), 1)},
		{"update: unknown status", upd("acme", with(bumpProblem(p), func(d *rca.Problem) { d.Status = "pending" }), 1)},
		{"update: expected version 0", upd("acme", with(p, func(d *rca.Problem) { d.Version = 1 }), 0)},
		{"get: empty tenant", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.ProblemGet(ctx, &storage.ProblemGetParams{ID: p.ID})
			return err
		}},
		{"list: empty tenant", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.ProblemList(ctx, &storage.ProblemListParams{})
			return err
		}},
		{"list: negative limit", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.ProblemList(ctx, &storage.ProblemListParams{Tenant: "acme", Limit: -1})
			return err
		}},
		{"list: unknown status", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.ProblemList(ctx, &storage.ProblemListParams{Tenant: "acme", Status: "pending"})
			return err
		}},
		{"list due: zero now", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.ProblemListDue(ctx, &storage.ProblemListDueParams{Tenant: "acme", Limit: 1})
			return err
		}},
		{"list due: negative limit", func(ctx context.Context, tx storage.Tx) error {
			_, err := tx.ProblemListDue(ctx, &storage.ProblemListDueParams{Now: Epoch, Limit: -1})
			return err
		}},
	}
	for _, tt := range tests {
		assert.ErrorIs(t, updateErr(t, s, tt.op), storage.ErrInvalid, tt.name)
	}
	// Reads fail the same way in a View.
	err := s.View(t.Context(), func(tx storage.ReadTx) error {
		_, err := tx.ProblemGet(t.Context(), &storage.ProblemGetParams{ID: p.ID})
		return err
	})
	assert.ErrorIs(t, err, storage.ErrInvalid, "get in a View: empty tenant")

	assert.Equal(t, p, mustGetProblem(t, s, "acme", p.ID), "nothing changed")
	_, err = getProblem(t, s, "acme", fresh.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound, "nothing inserted")
	assert.Equal(t, []string{p.ID}, problemIDs(problemListAll(t, s, storage.ProblemListParams{Tenant: "acme"})))
}
