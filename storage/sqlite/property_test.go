package sqlite_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/storagetest"
)

// TestListMatchesModel checks ComplaintList and ComplaintCount against a naive model over random data
// and random filters: paging with any limit yields exactly the matching complaints, newest first, each
// once. It exercises what the fixed cases of the conformance suite reach less often: many ties on the
// creation time, the per-status merge (several statuses, or a queue or assignee without a status
// filter), empty values, and cursors that land inside a run of ties.
func TestListMatchesModel(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	queues := []string{"", "frontline", "experts"}
	assignees := []string{"", "agent-li", "agent-wang"}
	categories := []string{"", "quality", "billing"}
	tags := []string{"vip", "refund", "安全"}
	check := 0
	rapid.Check(t, func(rt *rapid.T) {
		check++
		tenant := fmt.Sprintf("t%d", check) // a fresh tenant per check: the store is shared
		n := rapid.IntRange(0, 25).Draw(rt, "n")
		var all []*complaint.Complaint
		for i := range n {
			c := storagetest.NewComplaint(tenant, i)
			// A handful of instants, so that many complaints share a creation time.
			c.CreatedAt = storagetest.Epoch.Add(time.Duration(rapid.IntRange(0, 5).Draw(rt, "minute")) * time.Minute)
			c.ID = storagetest.NewID(c.CreatedAt, tenant, i)
			c.Status = rapid.SampledFrom(complaint.Statuses).Draw(rt, "status")
			c.Queue = rapid.SampledFrom(queues).Draw(rt, "queue")
			c.Assignee = rapid.SampledFrom(assignees).Draw(rt, "assignee")
			c.Category = rapid.SampledFrom(categories).Draw(rt, "category")
			c.Tags = rapid.SliceOfDistinct(rapid.SampledFrom(tags), rapid.ID).Draw(rt, "tags")
			all = append(all, c)
		}
		if n > 0 {
			require.NoError(rt, s.Update(ctx, func(tx storage.Tx) error {
				for _, c := range all {
					if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: tenant, Complaint: c}); err != nil {
						return err
					}
				}
				return nil
			}))
		}

		p := storage.ComplaintListParams{
			Tenant:   tenant,
			Statuses: rapid.SliceOfNDistinct(rapid.SampledFrom(complaint.Statuses), 0, 4, rapid.ID).Draw(rt, "statuses"),
			Queue:    rapid.SampledFrom(queues).Draw(rt, "filter queue"),
			Assignee: rapid.SampledFrom(assignees).Draw(rt, "filter assignee"),
			Category: rapid.SampledFrom(categories).Draw(rt, "filter category"),
			Tags:     rapid.SliceOfNDistinct(rapid.SampledFrom(tags), 0, 2, rapid.ID).Draw(rt, "filter tags"),
			Limit:    rapid.IntRange(1, 7).Draw(rt, "limit"),
		}
		if rapid.Bool().Draw(rt, "from") {
			p.CreatedFrom = storagetest.Epoch.Add(time.Duration(rapid.IntRange(0, 5).Draw(rt, "from minute")) * time.Minute)
		}
		if rapid.Bool().Draw(rt, "to") {
			p.CreatedTo = storagetest.Epoch.Add(time.Duration(rapid.IntRange(0, 6).Draw(rt, "to minute")) * time.Minute)
		}

		wantSorted := slices.Clone(all)
		slices.SortFunc(wantSorted, storagetest.NewestFirst)
		var want []string
		for _, c := range wantSorted {
			if matches(c, &p) {
				want = append(want, c.ID)
			}
		}

		var got []string
		for pages := 0; ; pages++ {
			require.Less(rt, pages, 100, "paging does not end")
			var page *storage.ComplaintPage
			require.NoError(rt, s.View(ctx, func(tx storage.ReadTx) error {
				var err error
				page, err = tx.ComplaintList(ctx, &p)
				return err
			}))
			require.LessOrEqual(rt, len(page.Complaints), p.Limit)
			for _, c := range page.Complaints {
				got = append(got, c.ID)
			}
			if page.Next == "" {
				break
			}
			p.Cursor = page.Next
		}
		require.Equal(rt, want, got)

		dim := rapid.SampledFrom([]storage.Dimension{storage.ByQueue, storage.ByAssignee, storage.ByCategory, storage.ByStatus}).Draw(rt, "dimension")
		wantCounts := map[string]int64{}
		for _, c := range all {
			key := map[storage.Dimension]string{storage.ByQueue: c.Queue, storage.ByAssignee: c.Assignee,
				storage.ByCategory: c.Category, storage.ByStatus: string(c.Status)}[dim]
			wantCounts[key]++
		}
		var counts []storage.Count
		require.NoError(rt, s.View(ctx, func(tx storage.ReadTx) error {
			var err error
			counts, err = tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: tenant, GroupBy: dim})
			return err
		}))
		gotCounts := map[string]int64{}
		for i, c := range counts {
			gotCounts[c.Key] = c.N
			if i > 0 {
				prev := counts[i-1]
				require.True(rt, cmp.Or(cmp.Compare(c.N, prev.N), cmp.Compare(prev.Key, c.Key)) < 0,
					"largest count first, ties by key: %v", counts)
			}
		}
		require.Equal(rt, wantCounts, gotCounts)
	})
}

func matches(c *complaint.Complaint, p *storage.ComplaintListParams) bool {
	switch {
	case len(p.Statuses) > 0 && !slices.Contains(p.Statuses, c.Status),
		p.Queue != "" && c.Queue != p.Queue,
		p.Assignee != "" && c.Assignee != p.Assignee,
		p.Category != "" && c.Category != p.Category,
		!p.CreatedFrom.IsZero() && c.CreatedAt.Before(p.CreatedFrom),
		!p.CreatedTo.IsZero() && !c.CreatedAt.Before(p.CreatedTo):
		return false
	}
	for _, tag := range p.Tags {
		if !c.HasTag(tag) {
			return false
		}
	}
	return true
}
