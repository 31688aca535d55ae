package memory

import (
	"iter"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// The aggregates (counts, stats, times) read every complaint of a tenant in a window. Walking the map
// of complaint records costs several cache misses per complaint (the map, the record, its strings), so
// each tenant also keeps a compact row per complaint, in insertion order, with the columns the
// aggregates read and its strings interned: a scan then reads memory in sequence and compares strings
// that are few and hot.

// aggRow is one complaint's aggregate columns. Times are Unix microseconds, 0 for a zero time.
type aggRow struct {
	id                                 string
	created, ack, resolved             int64
	category, queue, assignee, channel string
	customer, status, severity, repeat string
	breached                           bool
	reopened                           bool
}

// tenantRows holds a tenant's rows and where each complaint's row is.
type tenantRows struct {
	rows []aggRow
	pos  map[string]int // complaint ID → index in rows
}

func micro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// intern returns the store's copy of s, so equal column values share their bytes.
func (s *Store) intern(v string) string {
	if v == "" {
		return ""
	}
	if got, ok := s.interned[v]; ok {
		return got
	}
	s.interned[v] = v
	return v
}

func (s *Store) rowOf(c *complaint.Complaint) aggRow {
	return aggRow{
		id: c.ID, created: micro(c.CreatedAt), ack: micro(c.AcknowledgedAt), resolved: micro(c.ResolvedAt),
		category: s.intern(c.Category), queue: s.intern(c.Queue), assignee: s.intern(c.Assignee),
		channel: s.intern(c.Channel), customer: c.Customer.ID, status: s.intern(string(c.Status)),
		severity: s.intern(string(c.Severity)), repeat: c.RepeatOf, breached: c.Breached, reopened: c.Reopened > 0,
	}
}

// indexInsert adds c's row and logs how to take it out again (undo runs last-in first-out, so the row
// is still the last of its tenant then).
func (tx *tx) indexInsert(c *complaint.Complaint) {
	s := tx.s
	tr := s.rows[c.Tenant]
	if tr == nil {
		tr = &tenantRows{pos: map[string]int{}}
		s.rows[c.Tenant] = tr
	}
	tr.pos[c.ID] = len(tr.rows)
	tr.rows = append(tr.rows, s.rowOf(c))
	tx.undo = append(tx.undo, func() {
		tr.rows = tr.rows[:len(tr.rows)-1]
		delete(tr.pos, c.ID)
	})
}

// indexUpdate replaces c's row and logs how to put the old one back.
func (tx *tx) indexUpdate(c *complaint.Complaint) {
	tr := tx.s.rows[c.Tenant]
	i := tr.pos[c.ID]
	old := tr.rows[i]
	tr.rows[i] = tx.s.rowOf(c)
	tx.undo = append(tx.undo, func() { tr.rows[i] = old })
}

// counted yields the rows of tenant's complaints created in [from, to), of category when it is set.
func (tx *tx) counted(tenant, category string, from, to time.Time) iter.Seq[*aggRow] {
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if !from.IsZero() {
		lo = storage.Time(from).UnixMicro()
	}
	if !to.IsZero() {
		hi = storage.Time(to).UnixMicro()
	}
	return func(yield func(*aggRow) bool) {
		tr := tx.s.rows[tenant]
		if tr == nil {
			return
		}
		for i := range tr.rows {
			r := &tr.rows[i]
			if r.created < lo || r.created >= hi || category != "" && r.category != category {
				continue
			}
			if !yield(r) {
				return
			}
		}
	}
}

// dimension returns r's key for d; days are formatted once each through days.
func dimension(r *aggRow, d storage.Dimension, days map[int64]string) string {
	switch d {
	case "":
		return ""
	case storage.ByCategory:
		return r.category
	case storage.ByQueue:
		return r.queue
	case storage.ByAssignee:
		return r.assignee
	case storage.ByChannel:
		return r.channel
	case storage.ByStatus:
		return r.status
	case storage.BySeverity:
		return r.severity
	default: // storage.ByDay; Validate has rejected the rest
		day := r.created / 86_400_000_000
		if r.created < 0 && r.created%86_400_000_000 != 0 {
			day--
		}
		key, ok := days[day]
		if !ok {
			key = fromMicro(r.created).Format(time.DateOnly)
			days[day] = key
		}
		return key
	}
}
