package storagetest

import (
	"cmp"
	"context"
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

func listCases() []testCase {
	return []testCase{
		{"Filters", testListFilters},
		{"FiltersWithPaging", testListFiltersPaged},
		{"NewestFirstTiesByID", testListOrder},
		{"Limits", testListLimits},
		{"CursorStableAcrossInserts", testListCursorStable},
		{"BadCursor", testListBadCursor},
		{"TenantIsolation", testListTenantIsolation},
	}
}

// NewestFirst orders complaints as ComplaintList does: creation time, then ID, both descending.
func NewestFirst(a, b *complaint.Complaint) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// wantList is the naive reference for ComplaintList without paging: every complaint of all that
// matches p, newest first.
func wantList(all []*complaint.Complaint, p *storage.ComplaintListParams) []*complaint.Complaint {
	var out []*complaint.Complaint
	for _, c := range all {
		if c.Tenant != p.Tenant ||
			len(p.Statuses) > 0 && !slices.Contains(p.Statuses, c.Status) ||
			p.Queue != "" && c.Queue != p.Queue ||
			p.Assignee != "" && c.Assignee != p.Assignee ||
			p.Category != "" && c.Category != p.Category ||
			p.Channel != "" && c.Channel != p.Channel ||
			p.CustomerID != "" && c.Customer.ID != p.CustomerID ||
			!p.CreatedFrom.IsZero() && c.CreatedAt.Before(p.CreatedFrom) ||
			!p.CreatedTo.IsZero() && !c.CreatedAt.Before(p.CreatedTo) {
			continue
		}
		ok := true
		for _, tag := range p.Tags {
			ok = ok && c.HasTag(tag)
		}
		if ok {
			out = append(out, c)
		}
	}
	slices.SortStableFunc(out, NewestFirst)
	return out
}

// listAll pages through p with its Limit and returns every row and the number of pages.
func listAll(t *testing.T, s storage.Store, p storage.ComplaintListParams) ([]*complaint.Complaint, int) {
	t.Helper()
	var out []*complaint.Complaint
	pages := 0
	for {
		page := listPage(t, s, p)
		pages++
		out = append(out, page.Complaints...)
		if page.Next == "" {
			return out, pages
		}
		require.NotEmpty(t, page.Complaints, "a page with a next cursor has rows")
		require.Less(t, pages, 10000, "paging does not end")
		p.Cursor = page.Next
	}
}

func listPage(t *testing.T, s storage.Store, p storage.ComplaintListParams) *storage.ComplaintPage {
	t.Helper()
	var page *storage.ComplaintPage
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		page, err = tx.ComplaintList(ctx, &p)
		return err
	})
	require.NotNil(t, page)
	return page
}

// listDataset stores 48 complaints of acme with varied statuses and fields (some sharing a creation
// time) and 12 of globex that would match every filter, and returns them all.
func listDataset(t *testing.T, s storage.Store) []*complaint.Complaint {
	t.Helper()
	var all []*complaint.Complaint
	for i := range 48 {
		c := NewComplaint("acme", i)
		c.Status = complaint.Statuses[i%len(complaint.Statuses)]
		if i >= 20 && i < 26 {
			c.CreatedAt = NewComplaint("acme", 20).CreatedAt // six complaints created at one instant
		}
		all = append(all, c)
	}
	for i := range 12 {
		c := NewComplaint("globex", i)
		c.Status = complaint.Statuses[i%len(complaint.Statuses)]
		all = append(all, c)
	}
	insert(t, s, all...)
	return all
}

// listFilterCases are the filters the list cases run: each filter alone and in combination.
func listFilterCases(all []*complaint.Complaint) []struct {
	name string
	p    storage.ComplaintListParams
} {
	at := func(i int) time.Time { return all[i].CreatedAt }
	both := all[7].Tags // two tags that occur together on complaint 7
	return []struct {
		name string
		p    storage.ComplaintListParams
	}{
		{"no filter", storage.ComplaintListParams{}},
		{"one status", storage.ComplaintListParams{Statuses: []complaint.Status{complaint.StatusReceived}}},
		{"status set", storage.ComplaintListParams{Statuses: complaint.OpenStatuses}},
		{"queue", storage.ComplaintListParams{Queue: Queues[1]}},
		{"assignee", storage.ComplaintListParams{Assignee: Assignees[2]}},
		{"category", storage.ComplaintListParams{Category: Categories[3]}},
		{"channel", storage.ComplaintListParams{Channel: Channels[4]}},
		{"customer", storage.ComplaintListParams{CustomerID: all[5].Customer.ID}},
		{"one tag", storage.ComplaintListParams{Tags: both[:1]}},
		{"every tag listed", storage.ComplaintListParams{Tags: both}},
		{"unknown tag", storage.ComplaintListParams{Tags: []string{both[0], "no-such-tag"}}},
		{"created from (inclusive)", storage.ComplaintListParams{CreatedFrom: at(20)}},
		{"created to (exclusive)", storage.ComplaintListParams{CreatedTo: at(20)}},
		{"created range", storage.ComplaintListParams{CreatedFrom: at(9), CreatedTo: at(33)}},
		{"empty range", storage.ComplaintListParams{CreatedFrom: at(9), CreatedTo: at(9)}},
		{"status set, queue, category and range", storage.ComplaintListParams{
			Statuses: []complaint.Status{complaint.StatusReceived, complaint.StatusResolved, complaint.StatusClosed, complaint.StatusWithdrawn},
			Queue:    Queues[0], Category: Categories[0], CreatedFrom: at(2), CreatedTo: at(47),
		}},
		{"assignee, channel and tag", storage.ComplaintListParams{Assignee: all[9].Assignee, Channel: all[9].Channel, Tags: all[9].Tags[:1]}},
		{"everything at once", storage.ComplaintListParams{
			Statuses: []complaint.Status{all[11].Status}, Queue: all[11].Queue, Assignee: all[11].Assignee,
			Category: all[11].Category, Channel: all[11].Channel, CustomerID: all[11].Customer.ID,
			Tags: all[11].Tags, CreatedFrom: at(11), CreatedTo: at(12),
		}},
		{"contradictory", storage.ComplaintListParams{Queue: Queues[0], Assignee: "nobody"}},
	}
}

func testListFilters(t *testing.T, s storage.Store) {
	all := listDataset(t, s)
	nonEmpty := 0
	for _, tt := range listFilterCases(all) {
		p := tt.p
		p.Tenant = "acme"
		p.Limit = storage.MaxListLimit
		want := wantList(all, &p)
		page := listPage(t, s, p)
		assert.Equal(t, ids(want), ids(page.Complaints), tt.name)
		assert.Equal(t, want, nilIfEmpty(page.Complaints), tt.name)
		assert.Empty(t, page.Next, "%s: everything fits on one page", tt.name)
		if len(want) > 0 {
			nonEmpty++
		}
	}
	assert.GreaterOrEqual(t, nonEmpty, 15, "the dataset exercises the filters")
}

func nilIfEmpty(cs []*complaint.Complaint) []*complaint.Complaint {
	if len(cs) == 0 {
		return nil
	}
	return cs
}

func testListFiltersPaged(t *testing.T, s storage.Store) {
	all := listDataset(t, s)
	for _, tt := range listFilterCases(all) {
		p := tt.p
		p.Tenant = "acme"
		p.Limit = 4
		want := wantList(all, &p)
		got, pages := listAll(t, s, p)
		assert.Equal(t, ids(want), ids(got), tt.name)
		assert.Equal(t, max(1, (len(want)+3)/4), pages, "%s: no empty page at the end", tt.name)
	}
}

func testListOrder(t *testing.T, s storage.Store) {
	var cs []*complaint.Complaint
	for i := range 12 {
		c := NewComplaint("acme", i)
		if i%3 != 0 {
			c.CreatedAt = Epoch.Add(time.Hour) // eight complaints share one creation time
		}
		cs = append(cs, c)
	}
	insert(t, s, cs...)
	got, _ := listAll(t, s, storage.ComplaintListParams{Tenant: "acme", Limit: 3})
	require.Len(t, got, 12)
	assert.True(t, slices.IsSortedFunc(got, NewestFirst), "newest first, then ID descending")
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.CreatedAt.Equal(b.CreatedAt) {
			assert.Greater(t, a.ID, b.ID, "equal creation times list by ID descending")
		} else {
			assert.True(t, a.CreatedAt.After(b.CreatedAt))
		}
	}
	want := slices.Clone(cs)
	slices.SortFunc(want, NewestFirst)
	assert.Equal(t, ids(want), ids(got))
}

func testListLimits(t *testing.T, s storage.Store) {
	const n = storage.MaxListLimit + 20
	cs := make([]*complaint.Complaint, n)
	for i := range cs {
		cs[i] = NewComplaint("acme", i)
	}
	insert(t, s, cs...)
	want := slices.Clone(cs)
	slices.SortFunc(want, NewestFirst)

	tests := []struct {
		name  string
		limit int
		want  int
	}{
		{"zero means the default", 0, storage.DefaultListLimit},
		{"small", 7, 7},
		{"max", storage.MaxListLimit, storage.MaxListLimit},
		{"above max is cut to max", storage.MaxListLimit + 100, storage.MaxListLimit},
	}
	for _, tt := range tests {
		page := listPage(t, s, storage.ComplaintListParams{Tenant: "acme", Limit: tt.limit})
		require.Len(t, page.Complaints, tt.want, tt.name)
		assert.Equal(t, ids(want[:tt.want]), ids(page.Complaints), tt.name)
		assert.NotEmpty(t, page.Next, tt.name)
	}

	// The rest after a full page, then a page that ends exactly at the last row.
	first := listPage(t, s, storage.ComplaintListParams{Tenant: "acme", Limit: storage.MaxListLimit})
	rest := listPage(t, s, storage.ComplaintListParams{Tenant: "acme", Limit: 100, Cursor: first.Next})
	assert.Equal(t, ids(want[storage.MaxListLimit:]), ids(rest.Complaints))
	assert.Empty(t, rest.Next, "the last page has no cursor")
	exact := listPage(t, s, storage.ComplaintListParams{Tenant: "acme", Limit: 20, Cursor: first.Next})
	assert.Equal(t, ids(want[storage.MaxListLimit:]), ids(exact.Complaints))
	assert.Empty(t, exact.Next, "a page that ends exactly at the last row has no cursor")
}

func testListCursorStable(t *testing.T, s storage.Store) {
	var originals []*complaint.Complaint
	for i := range 60 {
		c := NewComplaint("acme", 1000+i)
		c.CreatedAt = Epoch.Add(time.Duration(i/3) * time.Hour) // groups of three share a creation time
		originals = append(originals, c)
	}
	insert(t, s, originals...)

	type added struct {
		c       *complaint.Complaint
		visible bool // whether it sorts after the cursor at the moment it was inserted
	}
	var inserted []added
	seen := map[string]int{}
	var order []*complaint.Complaint
	p := storage.ComplaintListParams{Tenant: "acme", Limit: 7}
	for page := 0; ; page++ {
		require.Less(t, page, 100)
		pg := listPage(t, s, p)
		for _, c := range pg.Complaints {
			seen[c.ID]++
			order = append(order, c)
		}
		if pg.Next == "" {
			break
		}
		p.Cursor = pg.Next
		last := pg.Complaints[len(pg.Complaints)-1]
		// Between pages: a newer complaint, one created at the same instant as the cursor row, and one
		// older than everything.
		newer := NewComplaint("acme", 2000+page)
		newer.CreatedAt = Epoch.Add(1000 * time.Hour).Add(time.Duration(page) * time.Second)
		tie := NewComplaint("acme", 3000+page)
		tie.CreatedAt = last.CreatedAt
		older := NewComplaint("acme", 4000+page)
		older.CreatedAt = Epoch.Add(-time.Duration(page+1) * time.Hour)
		insert(t, s, newer, tie, older)
		for _, c := range []*complaint.Complaint{newer, tie, older} {
			inserted = append(inserted, added{c, NewestFirst(last, c) < 0})
		}
	}

	for _, c := range originals {
		assert.Equal(t, 1, seen[c.ID], "original %s listed exactly once", c.ID)
	}
	for _, a := range inserted {
		want := 0
		if a.visible {
			want = 1
		}
		assert.Equal(t, want, seen[a.c.ID], "row %s inserted while paging (visible=%v)", a.c.ID, a.visible)
	}
	assert.True(t, slices.IsSortedFunc(order, NewestFirst), "pages continue where the previous one ended")
}

func testListBadCursor(t *testing.T, s storage.Store) {
	insert(t, s, NewComplaint("acme", 0), NewComplaint("acme", 1))
	enc := base64.RawURLEncoding.EncodeToString
	for _, cursor := range []string{
		"not a cursor!",
		enc([]byte("no-separator")),
		enc([]byte("yesterday|01J0000000000000000000000")),
		enc([]byte("1740000000000000|")),
		"%%%",
	} {
		err := s.View(t.Context(), func(tx storage.ReadTx) error {
			_, err := tx.ComplaintList(t.Context(), &storage.ComplaintListParams{Tenant: "acme", Cursor: cursor})
			return err
		})
		assert.ErrorIs(t, err, storage.ErrBadCursor, "cursor %q", cursor)
	}
}

func testListTenantIsolation(t *testing.T, s storage.Store) {
	all := listDataset(t, s)
	got, _ := listAll(t, s, storage.ComplaintListParams{Tenant: "globex", Limit: 5})
	want := wantList(all, &storage.ComplaintListParams{Tenant: "globex"})
	require.Len(t, want, 12)
	assert.Equal(t, ids(want), ids(got))
	for _, c := range got {
		assert.Equal(t, "globex", c.Tenant)
	}

	page := listPage(t, s, storage.ComplaintListParams{Tenant: "initech"})
	assert.Empty(t, page.Complaints, "a tenant with no complaints lists none")
	assert.Empty(t, page.Next)

	// A cursor from one tenant's list does not reveal another tenant's rows.
	acme := listPage(t, s, storage.ComplaintListParams{Tenant: "acme", Limit: 3})
	require.NotEmpty(t, acme.Next)
	leaked, _ := listAll(t, s, storage.ComplaintListParams{Tenant: "globex", Cursor: acme.Next})
	for _, c := range leaked {
		assert.Equal(t, "globex", c.Tenant)
	}
}
