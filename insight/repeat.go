package insight

import (
	"strings"
	"time"

	"github.com/redresshq/redress/complaint"
)

// DefaultRepeatWindow is how far back a complaint counts as repeated when the caller names no window.
const DefaultRepeatWindow = 30 * 24 * time.Hour

// FindRepeat returns the earlier complaint that c repeats, or nil: the most recent complaint among
// earlier that
//
//   - belongs to the same tenant and is not c itself,
//   - comes from the same customer: the same Customer.ID when c has one, otherwise the same contact
//     (compared without case and surrounding space),
//   - has the same, non-empty category,
//   - was created no later than c and at most within before it (zero or negative means
//     DefaultRepeatWindow),
//   - is not itself marked duplicate (a duplicate only mirrors its original, which is in earlier too
//     if it is recent).
//
// Withdrawn, rejected and closed complaints still count: the customer came back about the same thing.
// Ties on creation time go to the larger ID. c.CreatedAt must be set. The Desk sets c.RepeatOf to the
// result's ID at intake; the store hands it the customer's recent complaints in that category.
func FindRepeat(c *complaint.Complaint, earlier []*complaint.Complaint, within time.Duration) *complaint.Complaint {
	if within <= 0 {
		within = DefaultRepeatWindow
	}
	if c == nil || c.Category == "" || c.CreatedAt.IsZero() {
		return nil
	}
	id := c.Customer.ID
	contact := normContact(c.Customer.Contact)
	if id == "" && contact == "" {
		return nil
	}
	from := c.CreatedAt.Add(-within)
	var best *complaint.Complaint
	for _, e := range earlier {
		switch {
		case e == nil, e.ID == c.ID, e.Tenant != c.Tenant, e.Category != c.Category,
			e.Status == complaint.StatusDuplicate,
			e.CreatedAt.After(c.CreatedAt), e.CreatedAt.Before(from):
			continue
		}
		if id != "" {
			if e.Customer.ID != id {
				continue
			}
		} else if normContact(e.Customer.Contact) != contact {
			continue
		}
		if best == nil || e.CreatedAt.After(best.CreatedAt) || e.CreatedAt.Equal(best.CreatedAt) && e.ID > best.ID {
			best = e
		}
	}
	return best
}

func normContact(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
