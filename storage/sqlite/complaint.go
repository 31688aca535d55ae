package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

const (
	qComplaintInsert = `INSERT INTO complaints (tenant, id, tracking_code, channel, external_ref, status, queue,
	assignee, category, customer_id, severity, created_at, acknowledged_at, resolved_at, reopened, repeat_of,
	breached, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// An update reads the stored version and immutable fields first: they decide not-found and
	// conflict, and they replace whatever the caller put in those fields.
	qComplaintCurrent = `SELECT version, tracking_code, channel, external_ref, created_at FROM complaints WHERE tenant = ? AND id = ?`
	qComplaintUpdate  = `UPDATE complaints SET status = ?, queue = ?, assignee = ?, category = ?, customer_id = ?,
	severity = ?, acknowledged_at = ?, resolved_at = ?, reopened = ?, repeat_of = ?, breached = ?, version = ?,
	body = ? WHERE tenant = ? AND id = ? AND version = ?`
	qComplaintGet           = `SELECT body FROM complaints WHERE tenant = ? AND id = ?`
	qComplaintGetByTracking = `SELECT body FROM complaints WHERE tenant = ? AND tracking_code = ?`
	qComplaintGetByExternal = `SELECT body FROM complaints WHERE tenant = ? AND channel = ? AND external_ref = ? AND external_ref <> ''`
)

// normalize returns a copy of c with every time in storage precision (UTC, microseconds), so what is
// stored is what every adapter would return.
func normalize(c *complaint.Complaint) *complaint.Complaint {
	d := c.Clone()
	d.OccurredAt = storage.Time(d.OccurredAt)
	d.Product.DeliveryDate = storage.Time(d.Product.DeliveryDate)
	d.CreatedAt = storage.Time(d.CreatedAt)
	d.UpdatedAt = storage.Time(d.UpdatedAt)
	d.AcknowledgedAt = storage.Time(d.AcknowledgedAt)
	d.ResolvedAt = storage.Time(d.ResolvedAt)
	d.ClosedAt = storage.Time(d.ClosedAt)
	return d
}

func encodeComplaint(c *complaint.Complaint) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("sqlite: encode complaint %s: %w", c.ID, err)
	}
	return string(b), nil
}

func decodeComplaint(body []byte) (*complaint.Complaint, error) {
	c := new(complaint.Complaint)
	if err := json.Unmarshal(body, c); err != nil {
		return nil, fmt.Errorf("sqlite: decode stored complaint: %w", err)
	}
	return c, nil
}

// ComplaintInsert implements storage.Tx. A reused ID, tracking code or (channel, external reference)
// in the tenant is storage.ErrDuplicate; bad params are storage.ErrInvalid.
func (t *tx) ComplaintInsert(ctx context.Context, p *storage.ComplaintInsertParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	c := normalize(p.Complaint)
	body, err := encodeComplaint(c)
	if err != nil {
		return err
	}
	// One statement (the tags follow by trigger): it succeeds or changes nothing.
	_, err = t.exec(ctx, qComplaintInsert, c.Tenant, c.ID, c.TrackingCode, c.Channel, c.ExternalRef,
		string(c.Status), c.Queue, c.Assignee, c.Category, c.Customer.ID, string(c.Severity),
		micros(c.CreatedAt), nullMicros(c.AcknowledgedAt), nullMicros(c.ResolvedAt), c.Reopened, c.RepeatOf,
		boolInt(c.Breached), c.Version, body)
	if err != nil {
		return mapConstraint(err, storage.ErrDuplicate, "insert complaint "+c.ID)
	}
	return nil
}

// ComplaintUpdate implements storage.Tx: storage.ErrNotFound when the complaint does not exist in the
// tenant, storage.ErrConflict when its stored version is not ExpectedVersion (or Complaint.Version is
// not ExpectedVersion+1), storage.ErrInvalid for bad params. The stored channel, external reference,
// tracking code and creation time are kept whatever p.Complaint says.
func (t *tx) ComplaintUpdate(ctx context.Context, p *storage.ComplaintUpdateParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	c := normalize(p.Complaint)
	var (
		version   int64
		createdAt int64
	)
	err := t.queryRow(ctx, qComplaintCurrent, c.Tenant, c.ID).Scan(&version, &c.TrackingCode, &c.Channel, &c.ExternalRef, &createdAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: complaint %s in tenant %s", storage.ErrNotFound, c.ID, c.Tenant)
	case err != nil:
		return fmt.Errorf("sqlite: update complaint %s: %w", c.ID, mapError(err))
	case version != p.ExpectedVersion:
		return fmt.Errorf("%w: complaint %s is at version %d, not %d", storage.ErrConflict, c.ID, version, p.ExpectedVersion)
	}
	c.CreatedAt = fromMicros(createdAt)
	body, err := encodeComplaint(c)
	if err != nil {
		return err
	}
	// One statement (the tags follow by trigger). The write connection is this transaction's alone,
	// so the version read above still holds; the version in the WHERE clause says so again.
	res, err := t.exec(ctx, qComplaintUpdate, string(c.Status), c.Queue, c.Assignee, c.Category, c.Customer.ID,
		string(c.Severity), nullMicros(c.AcknowledgedAt), nullMicros(c.ResolvedAt), c.Reopened, c.RepeatOf,
		boolInt(c.Breached), c.Version, body, c.Tenant, c.ID, p.ExpectedVersion)
	if err != nil {
		return fmt.Errorf("sqlite: update complaint %s: %w", c.ID, mapError(err))
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: complaint %s changed while being updated (%d rows, %v)", storage.ErrConflict, c.ID, n, err)
	}
	return nil
}

// getDoc runs a query that selects one JSON document of a noun (complaint, survey) and decodes it:
// storage.ErrNotFound when there is no row.
func getDoc[T any](ctx context.Context, t *readTx, noun, what string, decode func([]byte) (T, error), query string, args ...any) (T, error) {
	var doc []byte
	err := t.queryRow(ctx, query, args...).Scan(&doc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		var zero T
		return zero, fmt.Errorf("%w: %s %s", storage.ErrNotFound, noun, what)
	case err != nil:
		var zero T
		return zero, fmt.Errorf("sqlite: get %s %s: %w", noun, what, mapError(err))
	}
	return decode(doc)
}

// getOne runs a query that selects one complaint body.
func (t *readTx) getOne(ctx context.Context, what, query string, args ...any) (*complaint.Complaint, error) {
	return getDoc(ctx, t, "complaint", what, decodeComplaint, query, args...)
}

// ComplaintGet implements storage.ReadTx: storage.ErrNotFound when there is no such complaint in the
// tenant.
func (t *readTx) ComplaintGet(ctx context.Context, p *storage.ComplaintGetParams) (*complaint.Complaint, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getOne(ctx, p.ID, qComplaintGet, p.Tenant, p.ID)
}

// ComplaintGetByTrackingCode implements storage.ReadTx: storage.ErrNotFound when no complaint of the
// tenant has that canonical code.
func (t *readTx) ComplaintGetByTrackingCode(ctx context.Context, p *storage.ComplaintGetByTrackingCodeParams) (*complaint.Complaint, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getOne(ctx, "with tracking code "+p.TrackingCode, qComplaintGetByTracking, p.Tenant, p.TrackingCode)
}

// ComplaintGetByExternalRef implements storage.ReadTx: storage.ErrNotFound when no complaint of the
// tenant came from that channel with that reference; storage.ErrInvalid for an empty one.
func (t *readTx) ComplaintGetByExternalRef(ctx context.Context, p *storage.ComplaintGetByExternalRefParams) (*complaint.Complaint, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getOne(ctx, p.Channel+"/"+p.ExternalRef, qComplaintGetByExternal, p.Tenant, p.Channel, p.ExternalRef)
}

// ComplaintList implements storage.ReadTx. It reads newest first along one index (the narrowest
// filter's, chosen by SQLite), continuing strictly after the cursor's (created_at, id), so a page
// costs the same wherever it is. Several statuses become one ordered arm each, merged by SQLite, so
// that no page sorts the whole result. A malformed cursor is storage.ErrBadCursor.
func (t *readTx) ComplaintList(ctx context.Context, p *storage.ComplaintListParams) (*storage.ComplaintPage, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	limit := storage.EffectiveLimit(p.Limit)
	query, args, err := listQuery(p, limit)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list complaints: %w", mapError(err))
	}
	defer func() { _ = rows.Close() }()
	page := &storage.ComplaintPage{Complaints: make([]*complaint.Complaint, 0, min(limit, 64))}
	var lastAt int64
	var lastID string
	for rows.Next() {
		if len(page.Complaints) == limit {
			page.Next = storage.EncodeCursor(fromMicros(lastAt), lastID)
			break
		}
		var body []byte
		if err := rows.Scan(&lastAt, &lastID, &body); err != nil {
			return nil, fmt.Errorf("sqlite: list complaints: %w", err)
		}
		c, err := decodeComplaint(body)
		if err != nil {
			return nil, err
		}
		page.Complaints = append(page.Complaints, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list complaints: %w", mapError(err))
	}
	return page, nil
}

// listQuery builds ComplaintList's query for a page of limit rows (it selects limit+1 to know whether
// another page follows): created_at, id and body, newest first.
func listQuery(p *storage.ComplaintListParams, limit int) (string, []any, error) {
	var where strings.Builder
	var args []any
	where.WriteString("tenant = ?")
	args = append(args, p.Tenant)
	eq := func(col, v string) {
		if v != "" {
			where.WriteString(" AND " + col + " = ?")
			args = append(args, v)
		}
	}
	eq("queue", p.Queue)
	eq("assignee", p.Assignee)
	eq("category", p.Category)
	eq("channel", p.Channel)
	eq("customer_id", p.CustomerID)
	if !p.CreatedFrom.IsZero() {
		where.WriteString(" AND created_at >= ?")
		args = append(args, micros(p.CreatedFrom))
	}
	if !p.CreatedTo.IsZero() {
		where.WriteString(" AND created_at < ?")
		args = append(args, micros(p.CreatedTo))
	}
	if p.Cursor != "" {
		at, id, err := storage.DecodeCursor(p.Cursor)
		if err != nil {
			return "", nil, err
		}
		where.WriteString(" AND (created_at, id) < (?, ?)")
		args = append(args, micros(at), id)
	}
	tags := slices.Clone(p.Tags)
	slices.Sort(tags)
	for _, tag := range slices.Compact(tags) {
		where.WriteString(" AND EXISTS (SELECT 1 FROM complaint_tags g WHERE g.tenant = complaints.tenant" +
			" AND g.complaint_id = complaints.id AND g.tag = ?)")
		args = append(args, tag)
	}

	statuses := slices.Clone(p.Statuses)
	if len(statuses) == 0 && (p.Queue != "" || p.Assignee != "") {
		// Every stored status is one of complaint.Statuses (inserts and updates validate it): the
		// merge over all of them walks the (queue|assignee, status, created_at) indexes in order.
		statuses = slices.Clone(complaint.Statuses)
	}
	slices.Sort(statuses)
	statuses = slices.Compact(statuses)

	var q strings.Builder
	var qargs []any
	const sel = "SELECT created_at, id, body FROM complaints WHERE "
	switch len(statuses) {
	case 0:
		q.WriteString(sel + where.String() + " ORDER BY created_at DESC, id DESC LIMIT ?")
		qargs = append(args, limit+1)
	case 1:
		q.WriteString(sel + where.String() + " AND status = ? ORDER BY created_at DESC, id DESC LIMIT ?")
		qargs = append(append(args, string(statuses[0])), limit+1)
	default:
		for i, s := range statuses {
			if i > 0 {
				q.WriteString(" UNION ALL ")
			}
			q.WriteString(sel + where.String() + " AND status = ?")
			qargs = append(append(qargs, args...), string(s))
		}
		q.WriteString(" ORDER BY 1 DESC, 2 DESC LIMIT ?")
		qargs = append(qargs, limit+1)
	}

	return q.String(), qargs, nil
}

// dimensionExpr maps a count dimension to its SQL expression. ByDay floors created_at to whole UTC
// days (also before 1970); the day number becomes a date in Go.
var dimensionExpr = map[storage.Dimension]string{
	"":                 "''",
	storage.ByCategory: "category",
	storage.ByQueue:    "queue",
	storage.ByAssignee: "assignee",
	storage.ByChannel:  "channel",
	storage.ByStatus:   "status",
	storage.BySeverity: "severity",
	storage.ByDay: "CASE WHEN created_at >= 0 THEN created_at / 86400000000 " +
		"ELSE (created_at - 86399999999) / 86400000000 END",
}

// aggregate selects the complaints that ComplaintCount, ComplaintStats and ComplaintTimes read: a
// tenant, optional equality filters, optionally only open or only breached ones, and an optional
// creation window [from, to).
type aggregate struct {
	tenant, category, queue, assignee string
	customer                          string
	openOnly, breachedOnly            bool
	from, to                          time.Time
}

// openStatuses is the SQL list of complaint.OpenStatuses, for OpenOnly.
var openStatuses = func() string {
	q := make([]string, len(complaint.OpenStatuses))
	for i, s := range complaint.OpenStatuses {
		q[i] = "'" + string(s) + "'"
	}
	return "(" + strings.Join(q, ", ") + ")"
}()

// window builds the FROM and WHERE clauses shared by ComplaintCount, ComplaintStats and
// ComplaintTimes. The index is named: left to itself SQLite prefers an index that yields the GROUP BY
// order over the one that bounds the creation window, and reads the tenant's whole history. The
// other filters are checked on the rows of the window.
func window(a aggregate) (string, []any) {
	var b strings.Builder
	args := []any{a.tenant}
	switch {
	case a.customer != "":
		b.WriteString("FROM complaints INDEXED BY complaints_customer WHERE tenant = ? AND customer_id = ?")
		args = append(args, a.customer)
		if a.category != "" {
			b.WriteString(" AND category = ?")
			args = append(args, a.category)
		}
	case a.category != "":
		b.WriteString("FROM complaints INDEXED BY complaints_category WHERE tenant = ? AND category = ?")
		args = append(args, a.category)
	default:
		b.WriteString("FROM complaints INDEXED BY complaints_created WHERE tenant = ?")
	}
	if !a.from.IsZero() {
		b.WriteString(" AND created_at >= ?")
		args = append(args, micros(a.from))
	}
	if !a.to.IsZero() {
		b.WriteString(" AND created_at < ?")
		args = append(args, micros(a.to))
	}
	if a.queue != "" {
		b.WriteString(" AND queue = ?")
		args = append(args, a.queue)
	}
	if a.assignee != "" {
		b.WriteString(" AND assignee = ?")
		args = append(args, a.assignee)
	}
	if a.openOnly {
		b.WriteString(" AND status IN " + openStatuses)
	}
	if a.breachedOnly {
		b.WriteString(" AND breached = 1")
	}
	return b.String(), args
}

// ComplaintCount implements storage.ReadTx. A zero CreatedFrom or CreatedTo leaves that side of the
// window open; OpenOnly and BreachedOnly are checked on the rows of the window. An unknown dimension
// is storage.ErrInvalid.
func (t *readTx) ComplaintCount(ctx context.Context, p *storage.ComplaintCountParams) ([]storage.Count, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	query, args := countQuery(p)
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count complaints by %s: %w", p.GroupBy, mapError(err))
	}
	defer func() { _ = rows.Close() }()
	var out []storage.Count
	for rows.Next() {
		var c storage.Count
		if p.GroupBy == storage.ByDay {
			var day int64
			if err := rows.Scan(&day, &c.N); err != nil {
				return nil, fmt.Errorf("sqlite: count complaints by %s: %w", p.GroupBy, err)
			}
			c.Key = fromMicros(day * 86400000000).Format("2006-01-02")
		} else if err := rows.Scan(&c.Key, &c.N); err != nil {
			return nil, fmt.Errorf("sqlite: count complaints by %s: %w", p.GroupBy, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: count complaints by %s: %w", p.GroupBy, mapError(err))
	}
	slices.SortFunc(out, func(a, b storage.Count) int {
		if a.N != b.N {
			if a.N > b.N {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// countQuery builds ComplaintCount's query.
func countQuery(p *storage.ComplaintCountParams) (string, []any) {
	from, args := window(aggregate{
		tenant: p.Tenant, category: p.Category, customer: p.CustomerID, openOnly: p.OpenOnly,
		breachedOnly: p.BreachedOnly, from: p.CreatedFrom, to: p.CreatedTo,
	})
	return "SELECT " + dimensionExpr[p.GroupBy] + ", count(*) " + from + " GROUP BY 1", args
}

// ComplaintStats implements storage.ReadTx. A zero CreatedFrom or CreatedTo leaves that side of the
// window open; Queue and Assignee are checked on the rows of the window.
func (t *readTx) ComplaintStats(ctx context.Context, p *storage.ComplaintStatsParams) (*storage.Stats, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	from, args := window(aggregate{
		tenant: p.Tenant, category: p.Category, queue: p.Queue, assignee: p.Assignee,
		from: p.CreatedFrom, to: p.CreatedTo,
	})
	var s storage.Stats
	var ackMicros, resolveMicros int64
	err := t.queryRow(ctx, `SELECT count(*),
		count(acknowledged_at), coalesce(sum(acknowledged_at - created_at), 0),
		count(resolved_at), coalesce(sum(resolved_at - created_at), 0),
		coalesce(sum(reopened > 0), 0), coalesce(sum(repeat_of <> ''), 0), coalesce(sum(breached), 0),
		coalesce(sum(status = ?), 0), coalesce(sum(resolved_at IS NOT NULL OR reopened > 0), 0) `+from,
		append([]any{string(complaint.StatusClosed)}, args...)...).Scan(
		&s.Total, &s.Acknowledged, &ackMicros, &s.Resolved, &resolveMicros,
		&s.Reopened, &s.Repeats, &s.Breached, &s.Closed, &s.ResolvedEver)
	if err != nil {
		return nil, fmt.Errorf("sqlite: complaint stats: %w", mapError(err))
	}
	s.AckSeconds = float64(ackMicros) / 1e6
	s.ResolveSeconds = float64(resolveMicros) / 1e6
	return &s, nil
}
