package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// normalise returns the copy of c the store keeps: times in UTC at microsecond precision, empty
// collections nil.
func normalise(c *complaint.Complaint) *complaint.Complaint {
	d := c.Clone()
	for _, t := range []*time.Time{&d.Product.DeliveryDate, &d.OccurredAt, &d.CreatedAt, &d.UpdatedAt,
		&d.AcknowledgedAt, &d.ResolvedAt, &d.ClosedAt} {
		*t = storage.Time(*t)
	}
	if len(d.Attachments) == 0 {
		d.Attachments = nil
	}
	if len(d.Tags) == 0 {
		d.Tags = nil
	}
	if len(d.Custom) == 0 {
		d.Custom = nil
	}
	return d
}

// complaint returns the stored complaint id of tenant, or nil.
func (tx *tx) complaint(tenant, id string) *complaint.Complaint {
	c := tx.s.complaints[id]
	if c == nil || c.Tenant != tenant {
		return nil
	}
	return c
}

func (tx *tx) ComplaintGet(ctx context.Context, p *storage.ComplaintGetParams) (*complaint.Complaint, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := tx.complaint(p.Tenant, p.ID)
	if c == nil {
		return nil, fmt.Errorf("%w: complaint %q", storage.ErrNotFound, p.ID)
	}
	return c.Clone(), nil
}

func (tx *tx) ComplaintGetByTrackingCode(ctx context.Context, p *storage.ComplaintGetByTrackingCodeParams) (*complaint.Complaint, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	id, ok := tx.s.byCode[codeKey{p.Tenant, p.TrackingCode}]
	if !ok {
		return nil, fmt.Errorf("%w: tracking code %q", storage.ErrNotFound, p.TrackingCode)
	}
	return tx.s.complaints[id].Clone(), nil
}

func (tx *tx) ComplaintGetByExternalRef(ctx context.Context, p *storage.ComplaintGetByExternalRefParams) (*complaint.Complaint, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	id, ok := tx.s.byRef[refKey{p.Tenant, p.Channel, p.ExternalRef}]
	if !ok {
		return nil, fmt.Errorf("%w: %s reference %q", storage.ErrNotFound, p.Channel, p.ExternalRef)
	}
	return tx.s.complaints[id].Clone(), nil
}

func (tx *tx) ComplaintInsert(ctx context.Context, p *storage.ComplaintInsertParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	c := normalise(p.Complaint)
	code := codeKey{c.Tenant, c.TrackingCode}
	ref := refKey{c.Tenant, c.Channel, c.ExternalRef}
	if _, taken := tx.s.complaints[c.ID]; taken {
		return fmt.Errorf("%w: complaint ID %q", storage.ErrDuplicate, c.ID)
	}
	if _, taken := tx.s.byCode[code]; taken {
		return fmt.Errorf("%w: tracking code %q", storage.ErrDuplicate, c.TrackingCode)
	}
	if _, taken := tx.s.byRef[ref]; taken && c.ExternalRef != "" {
		return fmt.Errorf("%w: %s reference %q", storage.ErrDuplicate, c.Channel, c.ExternalRef)
	}
	put(tx, tx.s.complaints, c.ID, c)
	tx.indexInsert(c)
	put(tx, tx.s.byCode, code, c.ID)
	if c.ExternalRef != "" {
		put(tx, tx.s.byRef, ref, c.ID)
	}
	return nil
}

func (tx *tx) ComplaintUpdate(ctx context.Context, p *storage.ComplaintUpdateParams) error {
	if err := tx.write(ctx); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	old := tx.complaint(p.Tenant, p.Complaint.ID)
	if old == nil {
		return fmt.Errorf("%w: complaint %q", storage.ErrNotFound, p.Complaint.ID)
	}
	if old.Version != p.ExpectedVersion {
		return fmt.Errorf("%w: complaint %q is at version %d, not %d", storage.ErrConflict, old.ID, old.Version, p.ExpectedVersion)
	}
	c := normalise(p.Complaint)
	c.Channel, c.ExternalRef, c.TrackingCode, c.CreatedAt = old.Channel, old.ExternalRef, old.TrackingCode, old.CreatedAt
	put(tx, tx.s.complaints, c.ID, c)
	tx.indexUpdate(c)
	return nil
}

// matches reports whether c passes every filter of p except the tenant and the cursor.
func matches(c *complaint.Complaint, p *storage.ComplaintListParams) bool {
	switch {
	case len(p.Statuses) > 0 && !slices.Contains(p.Statuses, c.Status),
		p.Queue != "" && c.Queue != p.Queue,
		p.Assignee != "" && c.Assignee != p.Assignee,
		p.Category != "" && c.Category != p.Category,
		p.Channel != "" && c.Channel != p.Channel,
		p.CustomerID != "" && c.Customer.ID != p.CustomerID,
		!inWindow(c.CreatedAt, p.CreatedFrom, p.CreatedTo):
		return false
	}
	for _, t := range p.Tags {
		if !c.HasTag(t) {
			return false
		}
	}
	return true
}

// inWindow reports whether t lies in [from, to); a zero bound is open.
func inWindow(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(storage.Time(from))) && (to.IsZero() || t.Before(storage.Time(to)))
}

// newestFirst orders complaints by creation time, then ID, both descending.
func newestFirst(a, b *complaint.Complaint) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

func (tx *tx) ComplaintList(ctx context.Context, p *storage.ComplaintListParams) (*storage.ComplaintPage, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var after *complaint.Complaint // the last row of the previous page, as far as ordering goes
	if p.Cursor != "" {
		at, id, err := storage.DecodeCursor(p.Cursor)
		if err != nil {
			return nil, err
		}
		after = &complaint.Complaint{CreatedAt: at, ID: id}
	}
	var rows []*complaint.Complaint
	for _, c := range tx.s.complaints {
		if c.Tenant == p.Tenant && matches(c, p) && (after == nil || newestFirst(after, c) < 0) {
			rows = append(rows, c)
		}
	}
	slices.SortFunc(rows, newestFirst)
	limit := storage.EffectiveLimit(p.Limit)
	page := &storage.ComplaintPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.Next = storage.EncodeCursor(last.CreatedAt, last.ID)
	}
	page.Complaints = make([]*complaint.Complaint, len(rows))
	for i, c := range rows {
		page.Complaints[i] = c.Clone()
	}
	return page, nil
}

func (tx *tx) ComplaintCount(ctx context.Context, p *storage.ComplaintCountParams) ([]storage.Count, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n := map[string]int64{}
	days := map[int64]string{}
	for r := range tx.counted(p.Tenant, p.Category, p.CreatedFrom, p.CreatedTo) {
		if p.OpenOnly && !slices.Contains(complaint.OpenStatuses, complaint.Status(r.status)) || p.BreachedOnly && !r.breached ||
			p.CustomerID != "" && r.customer != p.CustomerID {
			continue
		}
		n[dimension(r, p.GroupBy, days)]++
	}
	var out []storage.Count
	for k, v := range n {
		out = append(out, storage.Count{Key: k, N: v})
	}
	slices.SortFunc(out, func(a, b storage.Count) int {
		if c := cmp.Compare(b.N, a.N); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	return out, nil
}

func (tx *tx) ComplaintStats(ctx context.Context, p *storage.ComplaintStatsParams) (*storage.Stats, error) {
	if err := tx.readable(ctx); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	st := &storage.Stats{}
	for r := range tx.counted(p.Tenant, p.Category, p.CreatedFrom, p.CreatedTo) {
		if p.Queue != "" && r.queue != p.Queue || p.Assignee != "" && r.assignee != p.Assignee {
			continue
		}
		st.Total++
		if r.ack != 0 {
			st.Acknowledged++
			st.AckSeconds += float64(r.ack-r.created) / 1e6
		}
		if r.resolved != 0 {
			st.Resolved++
			st.ResolveSeconds += float64(r.resolved-r.created) / 1e6
		}
		if r.reopened {
			st.Reopened++
		}
		if r.resolved != 0 || r.reopened {
			st.ResolvedEver++
		}
		if r.repeat != "" {
			st.Repeats++
		}
		if r.breached {
			st.Breached++
		}
		if r.status == string(complaint.StatusClosed) {
			st.Closed++
		}
	}
	return st, nil
}
