package insight_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/insight"
)

func TestFindRepeat(t *testing.T) {
	now := time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC)
	daysAgo := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	mk := func(id, cust, contact, cat string, at time.Time) *complaint.Complaint {
		return &complaint.Complaint{ID: id, Tenant: "acme", Category: cat, CreatedAt: at,
			Customer: complaint.Customer{ID: cust, Contact: contact}, Status: complaint.StatusClosed}
	}
	newC := mk("NEW", "cust1", "a@example.com", "delivery", now)

	tests := []struct {
		name    string
		c       *complaint.Complaint
		earlier []*complaint.Complaint
		within  time.Duration
		want    string
	}{
		{"same customer and category", newC, []*complaint.Complaint{mk("E1", "cust1", "", "delivery", daysAgo(10))}, 0, "E1"},
		{"most recent of several", newC, []*complaint.Complaint{
			mk("E1", "cust1", "", "delivery", daysAgo(20)),
			mk("E2", "cust1", "", "delivery", daysAgo(3)),
			mk("E3", "cust1", "", "delivery", daysAgo(9)),
		}, 0, "E2"},
		{"tie on time goes to the larger ID", newC, []*complaint.Complaint{
			mk("E1", "cust1", "", "delivery", daysAgo(3)), mk("E2", "cust1", "", "delivery", daysAgo(3)),
		}, 0, "E2"},
		{"other category", newC, []*complaint.Complaint{mk("E1", "cust1", "", "billing", daysAgo(1))}, 0, ""},
		{"other customer", newC, []*complaint.Complaint{mk("E1", "cust2", "a@example.com", "delivery", daysAgo(1))}, 0, ""},
		{"outside the default 30 days", newC, []*complaint.Complaint{mk("E1", "cust1", "", "delivery", daysAgo(31))}, 0, ""},
		{"exactly at the window edge", newC, []*complaint.Complaint{mk("E1", "cust1", "", "delivery", daysAgo(30))}, 0, "E1"},
		{"custom 7-day window", newC, []*complaint.Complaint{mk("E1", "cust1", "", "delivery", daysAgo(8))}, 7 * 24 * time.Hour, ""},
		{"later complaint is not repeated", newC, []*complaint.Complaint{mk("E1", "cust1", "", "delivery", now.Add(time.Minute))}, 0, ""},
		{"itself", newC, []*complaint.Complaint{newC}, 0, ""},
		{"other tenant", newC, []*complaint.Complaint{func() *complaint.Complaint {
			c := mk("E1", "cust1", "", "delivery", daysAgo(1))
			c.Tenant = "other"
			return c
		}()}, 0, ""},
		{"duplicates are skipped", newC, []*complaint.Complaint{func() *complaint.Complaint {
			c := mk("E1", "cust1", "", "delivery", daysAgo(1))
			c.Status = complaint.StatusDuplicate
			return c
		}(), mk("E0", "cust1", "", "delivery", daysAgo(2))}, 0, "E0"},
		{"withdrawn still counts", newC, []*complaint.Complaint{func() *complaint.Complaint {
			c := mk("E1", "cust1", "", "delivery", daysAgo(1))
			c.Status = complaint.StatusWithdrawn
			return c
		}()}, 0, "E1"},
		{"by contact when there is no customer ID", mk("NEW", "", " A@Example.com", "delivery", now),
			[]*complaint.Complaint{mk("E1", "", "a@example.com ", "delivery", daysAgo(2))}, 0, "E1"},
		{"no customer identity", mk("NEW", "", "", "delivery", now),
			[]*complaint.Complaint{mk("E1", "", "", "delivery", daysAgo(2))}, 0, ""},
		{"no category", mk("NEW", "cust1", "", "", now),
			[]*complaint.Complaint{mk("E1", "cust1", "", "", daysAgo(2))}, 0, ""},
		{"nil entries are skipped", newC, []*complaint.Complaint{nil, mk("E1", "cust1", "", "delivery", daysAgo(2))}, 0, "E1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := insight.FindRepeat(tt.c, tt.earlier, tt.within)
			if tt.want == "" {
				assert.Nil(t, got)
				return
			}
			if assert.NotNil(t, got) {
				assert.Equal(t, tt.want, got.ID)
			}
		})
	}
	assert.Nil(t, insight.FindRepeat(nil, nil, 0))
}
