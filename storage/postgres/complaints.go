package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// encodeComplaint returns the JSON record stored for c: a shallow copy with every time normalised, so
// reads return exactly what storagetest.Canonical describes.
func encodeComplaint(c *complaint.Complaint) ([]byte, error) {
	d := *c
	d.Product.DeliveryDate = storage.Time(d.Product.DeliveryDate)
	d.OccurredAt = storage.Time(d.OccurredAt)
	d.CreatedAt = storage.Time(d.CreatedAt)
	d.UpdatedAt = storage.Time(d.UpdatedAt)
	d.AcknowledgedAt = storage.Time(d.AcknowledgedAt)
	d.ResolvedAt = storage.Time(d.ResolvedAt)
	d.ClosedAt = storage.Time(d.ClosedAt)
	b, err := json.Marshal(&d)
	if err != nil {
		return nil, fmt.Errorf("postgres: encode complaint %s: %w", c.ID, err)
	}
	return b, nil
}

func decodeComplaint(b []byte) (*complaint.Complaint, error) {
	c := new(complaint.Complaint)
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("postgres: decode complaint record: %w", err)
	}
	return c, nil
}

// tagsOf returns c's tags as a non-nil slice (the column is NOT NULL).
func tagsOf(c *complaint.Complaint) []string {
	if c.Tags == nil {
		return []string{}
	}
	return c.Tags
}

// complaintColumns is what every complaint read selects; scanComplaint decodes it.
const complaintColumns = `record, tracking_code, channel, external_ref, created_at`

// scanComplaint decodes a row of complaintColumns (plus any columns after them, ignored). The fields
// that never change come from their columns: an update leaves those alone but stores the caller's
// record as given.
func scanComplaint(r pgx.Rows) (*complaint.Complaint, error) {
	var (
		rec       []byte
		code, ch  string
		ref       string
		createdAt time.Time
	)
	dst := make([]any, len(r.FieldDescriptions()))
	dst[0], dst[1], dst[2], dst[3], dst[4] = &rec, &code, &ch, &ref, &createdAt
	if err := r.Scan(dst...); err != nil {
		return nil, err
	}
	c, err := decodeComplaint(rec)
	if err != nil {
		return nil, err
	}
	c.TrackingCode, c.Channel, c.ExternalRef, c.CreatedAt = code, ch, ref, createdAt.UTC()
	return c, nil
}

// getOne runs a query selecting complaintColumns and decodes the complaint; no row is ErrNotFound.
func (t *tx) getOne(ctx context.Context, op, sql string, args ...any) (*complaint.Complaint, error) {
	var c *complaint.Complaint
	err := t.query(ctx, func(r pgx.Rows) error {
		var err error
		c, err = scanComplaint(r)
		return err
	}, sql, args...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	if c == nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	t.see(c.Tenant, c.ID)
	return c, nil
}

// The single-complaint lookups, each served by a unique index.
const (
	getByIDSQL           = `SELECT ` + complaintColumns + ` FROM complaints WHERE tenant = $1 AND id = $2`
	getByTrackingCodeSQL = `SELECT ` + complaintColumns + ` FROM complaints WHERE tenant = $1 AND tracking_code = $2`
	// external_ref <> '' lets the planner use the partial unique index.
	getByExternalRefSQL = `SELECT ` + complaintColumns + ` FROM complaints
		WHERE tenant = $1 AND channel = $2 AND external_ref = $3 AND external_ref <> ''`
)

// ComplaintGet implements [storage.ReadTx]: the complaint or [storage.ErrNotFound]; [storage.ErrInvalid]
// for an empty tenant.
func (t *tx) ComplaintGet(ctx context.Context, p *storage.ComplaintGetParams) (*complaint.Complaint, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getOne(ctx, "complaint get", getByIDSQL, p.Tenant, p.ID)
}

// ComplaintGetByTrackingCode implements [storage.ReadTx] with the unique (tenant, tracking_code) index.
func (t *tx) ComplaintGetByTrackingCode(ctx context.Context, p *storage.ComplaintGetByTrackingCodeParams) (*complaint.Complaint, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getOne(ctx, "complaint get by tracking code", getByTrackingCodeSQL, p.Tenant, p.TrackingCode)
}

// ComplaintGetByExternalRef implements [storage.ReadTx] with the partial unique (tenant, channel,
// external_ref) index.
func (t *tx) ComplaintGetByExternalRef(ctx context.Context, p *storage.ComplaintGetByExternalRefParams) (*complaint.Complaint, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return t.getOne(ctx, "complaint get by external reference", getByExternalRefSQL, p.Tenant, p.Channel, p.ExternalRef)
}

const insertComplaintSQL = `INSERT INTO complaints (tenant, id, tracking_code, channel, external_ref, status, queue,
	assignee, category, customer_id, severity, tags, version, created_at, updated_at, acknowledged_at,
	resolved_at, reopened, repeat_of, breached, record)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
ON CONFLICT DO NOTHING`

// ComplaintInsert implements [storage.Tx]. A taken ID, tracking code or external reference is
// [storage.ErrDuplicate]; the insert uses ON CONFLICT DO NOTHING, so the transaction stays usable after
// a duplicate (an idempotent intake can go on to read the existing complaint). Invalid params are
// [storage.ErrInvalid].
func (t *tx) ComplaintInsert(ctx context.Context, p *storage.ComplaintInsertParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	c := p.Complaint
	rec, err := encodeComplaint(c)
	if err != nil {
		return err
	}
	tag, err := t.exec(ctx, insertComplaintSQL,
		c.Tenant, c.ID, c.TrackingCode, c.Channel, c.ExternalRef, string(c.Status), c.Queue,
		c.Assignee, c.Category, c.Customer.ID, string(c.Severity), tagsOf(c), c.Version,
		storage.Time(c.CreatedAt), storage.Time(c.UpdatedAt), nullTime(c.AcknowledgedAt),
		nullTime(c.ResolvedAt), c.Reopened, c.RepeatOf, c.Breached, rec)
	if err != nil {
		return mapErr("complaint insert", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: complaint insert %s: %w: its ID, tracking code or (channel, external reference) is taken",
			c.ID, storage.ErrDuplicate)
	}
	t.see(c.Tenant, c.ID)
	return nil
}

// The fields that never change (tracking_code, channel, external_ref, created_at) are not set: reads
// take them from their columns.
const updateComplaintSQL = `UPDATE complaints SET status = $4, queue = $5, assignee = $6, category = $7,
	customer_id = $8, severity = $9, tags = $10, version = $11, updated_at = $12, acknowledged_at = $13,
	resolved_at = $14, reopened = $15, repeat_of = $16, breached = $17, record = $18
WHERE tenant = $1 AND id = $2 AND version = $3`

// ComplaintUpdate implements [storage.Tx]: [storage.ErrNotFound] when there is no such complaint in the
// tenant, [storage.ErrConflict] when the stored version is not ExpectedVersion (or the new version is
// not ExpectedVersion+1). The channel, external reference, tracking code and creation time keep their
// stored values whatever p.Complaint says. A concurrent update of the same complaint waits for the
// other transaction and then conflicts, so exactly one of them wins.
func (t *tx) ComplaintUpdate(ctx context.Context, p *storage.ComplaintUpdateParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	c := p.Complaint
	rec, err := encodeComplaint(c)
	if err != nil {
		return err
	}
	tag, err := t.exec(ctx, updateComplaintSQL,
		c.Tenant, c.ID, p.ExpectedVersion, string(c.Status), c.Queue, c.Assignee, c.Category,
		c.Customer.ID, string(c.Severity), tagsOf(c), c.Version, storage.Time(c.UpdatedAt),
		nullTime(c.AcknowledgedAt), nullTime(c.ResolvedAt), c.Reopened, c.RepeatOf, c.Breached, rec)
	if err != nil {
		return mapErr("complaint update", err)
	}
	if tag.RowsAffected() == 1 {
		t.see(c.Tenant, c.ID)
		return nil
	}
	// Nothing matched: find out why. This costs a round trip only on the failure path.
	var version int64
	found := false
	err = t.query(ctx, func(r pgx.Rows) error {
		found = true
		return r.Scan(&version)
	}, `SELECT version FROM complaints WHERE tenant = $1 AND id = $2`, c.Tenant, c.ID)
	switch {
	case err != nil:
		return mapErr("complaint update", err)
	case !found:
		return fmt.Errorf("postgres: complaint update %s: %w", c.ID, storage.ErrNotFound)
	}
	return fmt.Errorf("postgres: complaint update %s: %w: stored version is %d, expected %d",
		c.ID, storage.ErrConflict, version, p.ExpectedVersion)
}

// listColumns is what a list query returns per row: complaintColumns and the keyset columns (created_at
// is among them; id is added for the ORDER BY of the outer query of a LATERAL join).
const listColumns = complaintColumns + `, id`

// ComplaintList implements [storage.ReadTx] with keyset paging on (created_at, id), newest first. Each
// equality filter has an index ending in (created_at, id); several statuses are read with one
// index range per status (a LATERAL join) and merged, so a page never sorts a whole status. The query
// is planned for its arguments (see useCustomPlans).
// [storage.ErrBadCursor] for a cursor this store did not produce; [storage.ErrInvalid] for bad params.
func (t *tx) ComplaintList(ctx context.Context, p *storage.ComplaintListParams) (*storage.ComplaintPage, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	limit := storage.EffectiveLimit(p.Limit)
	sql, args, err := listSQL(p, limit)
	if err != nil {
		return nil, err
	}
	if err := t.useCustomPlans(); err != nil {
		return nil, err
	}
	page := &storage.ComplaintPage{Complaints: make([]*complaint.Complaint, 0, limit)}
	more := false
	err = t.query(ctx, func(r pgx.Rows) error {
		if len(page.Complaints) == limit {
			more = true
			return nil
		}
		c, err := scanComplaint(r)
		if err != nil {
			return err
		}
		page.Complaints = append(page.Complaints, c)
		return nil
	}, sql, args...)
	if err != nil {
		return nil, mapErr("complaint list", err)
	}
	if more {
		last := page.Complaints[len(page.Complaints)-1]
		page.Next = storage.EncodeCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// listSQL builds the list query for p: limit+1 rows, so the caller knows whether a next page exists.
func listSQL(p *storage.ComplaintListParams, limit int) (string, []any, error) {
	args := []any{p.Tenant}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var where []string
	where = append(where, "c.tenant = $1")
	eq := func(col, v string) {
		if v != "" {
			where = append(where, "c."+col+" = "+arg(v))
		}
	}
	eq("queue", p.Queue)
	eq("assignee", p.Assignee)
	eq("category", p.Category)
	eq("channel", p.Channel)
	eq("customer_id", p.CustomerID)
	if len(p.Tags) > 0 {
		where = append(where, "c.tags @> "+arg(p.Tags)+"::text[]")
	}
	if !p.CreatedFrom.IsZero() {
		where = append(where, "c.created_at >= "+arg(storage.Time(p.CreatedFrom)))
	}
	if !p.CreatedTo.IsZero() {
		where = append(where, "c.created_at < "+arg(storage.Time(p.CreatedTo)))
	}
	if p.Cursor != "" {
		at, id, err := storage.DecodeCursor(p.Cursor)
		if err != nil {
			return "", nil, err
		}
		where = append(where, "(c.created_at, c.id) < ("+arg(at)+"::timestamptz, "+arg(id)+"::text)")
	}
	statuses := make([]string, 0, len(p.Statuses))
	for _, s := range p.Statuses {
		if !slices.Contains(statuses, string(s)) {
			statuses = append(statuses, string(s))
		}
	}
	// The limit is written into the statement rather than bound: with a bound limit the generic plan
	// of a prepared statement assumes a tenth of the table, and the estimate alone can make
	// PostgreSQL spend milliseconds compiling the query with JIT.
	lim := strconv.Itoa(limit + 1)
	var b strings.Builder
	switch len(statuses) {
	case 0:
		b.WriteString("SELECT " + listColumns + " FROM complaints c WHERE ")
		b.WriteString(strings.Join(where, " AND "))
	case 1:
		b.WriteString("SELECT " + listColumns + " FROM complaints c WHERE ")
		b.WriteString(strings.Join(append(where, "c.status = "+arg(statuses[0])), " AND "))
	default:
		b.WriteString("SELECT " + listColumns + " FROM unnest(" + arg(statuses) + "::text[]) AS s(status) CROSS JOIN LATERAL (")
		b.WriteString("SELECT " + listColumns + " FROM complaints c WHERE ")
		b.WriteString(strings.Join(append(where, "c.status = s.status"), " AND "))
		b.WriteString(" ORDER BY c.created_at DESC, c.id DESC LIMIT " + lim + ") AS c")
	}
	b.WriteString(" ORDER BY c.created_at DESC, c.id DESC LIMIT " + lim)
	return b.String(), args, nil
}

// groupKeys maps each dimension to the SQL expression it groups by.
var groupKeys = map[storage.Dimension]string{
	"":                 "''",
	storage.ByCategory: "category",
	storage.ByQueue:    "queue",
	storage.ByAssignee: "assignee",
	storage.ByChannel:  "channel",
	storage.ByStatus:   "status",
	storage.BySeverity: "severity",
	storage.ByDay:      `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
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

// aggregateWhere returns the conditions and arguments of a.
func aggregateWhere(a aggregate) ([]string, []any) {
	where := []string{"tenant = $1"}
	args := []any{a.tenant}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for _, f := range []struct{ col, v string }{{"customer_id", a.customer}, {"category", a.category}, {"queue", a.queue}, {"assignee", a.assignee}} {
		if f.v != "" {
			where = append(where, f.col+" = "+arg(f.v))
		}
	}
	if !a.from.IsZero() {
		where = append(where, "created_at >= "+arg(storage.Time(a.from)))
	}
	if !a.to.IsZero() {
		where = append(where, "created_at < "+arg(storage.Time(a.to)))
	}
	if a.openOnly {
		where = append(where, "status IN "+openStatuses)
	}
	if a.breachedOnly {
		where = append(where, "breached")
	}
	return where, args
}

// ComplaintCount implements [storage.ReadTx]: one GROUP BY over the creation window, largest count
// first, ties by key in byte order. Without a category filter it is an index-only scan of
// complaints_created (its INCLUDE columns hold every dimension and the status, so OpenOnly keeps it
// index-only); with one it reads complaints_category. BreachedOnly reads the rows of the window.
// [storage.ErrInvalid] for bad params.
func (t *tx) ComplaintCount(ctx context.Context, p *storage.ComplaintCountParams) ([]storage.Count, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	sql, args := countSQL(p)
	// A window's count needs a plan made for its bounds (a generic plan cannot tell a day from a
	// year). One customer's count has one good plan, the customer index, whatever the arguments:
	// intake asks it for every complaint, so it skips the two SET LOCALs.
	if p.CustomerID == "" {
		if err := t.useCustomPlans(); err != nil {
			return nil, err
		}
	}
	var out []storage.Count
	err := t.query(ctx, func(r pgx.Rows) error {
		var c storage.Count
		if err := r.Scan(&c.Key, &c.N); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	}, sql, args...)
	if err != nil {
		return nil, mapErr("complaint count", err)
	}
	return out, nil
}

// countSQL builds the query of ComplaintCount.
func countSQL(p *storage.ComplaintCountParams) (string, []any) {
	where, args := aggregateWhere(aggregate{
		tenant: p.Tenant, category: p.Category, customer: p.CustomerID, openOnly: p.OpenOnly,
		breachedOnly: p.BreachedOnly, from: p.CreatedFrom, to: p.CreatedTo,
	})
	return "SELECT " + groupKeys[p.GroupBy] + " COLLATE \"C\" AS k, count(*) FROM complaints WHERE " +
		strings.Join(where, " AND ") + " GROUP BY k ORDER BY count(*) DESC, k", args
}

// statsSQL builds the query of ComplaintStats over the conditions where.
func statsSQL(where []string) string {
	return `SELECT count(*),
		count(acknowledged_at),
		coalesce(sum((extract(epoch FROM acknowledged_at - created_at) * 1000000)::bigint), 0),
		count(resolved_at),
		coalesce(sum((extract(epoch FROM resolved_at - created_at) * 1000000)::bigint), 0),
		count(*) FILTER (WHERE reopened > 0),
		count(*) FILTER (WHERE repeat_of <> ''),
		count(*) FILTER (WHERE breached),
		count(*) FILTER (WHERE status = 'closed'),
		count(*) FILTER (WHERE resolved_at IS NOT NULL OR reopened > 0)
	FROM complaints WHERE ` + strings.Join(where, " AND ")
}

// ComplaintStats implements [storage.ReadTx]: one aggregate over the creation window, Queue and
// Assignee checked on its rows. Durations are summed in whole microseconds, so the result does not
// depend on the order rows are read in.
// [storage.ErrInvalid] for bad params.
func (t *tx) ComplaintStats(ctx context.Context, p *storage.ComplaintStatsParams) (*storage.Stats, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	where, args := aggregateWhere(aggregate{
		tenant: p.Tenant, category: p.Category, queue: p.Queue, assignee: p.Assignee,
		from: p.CreatedFrom, to: p.CreatedTo,
	})
	sql := statsSQL(where)
	if err := t.useCustomPlans(); err != nil {
		return nil, err
	}
	var s storage.Stats
	var ackMicros, resolveMicros int64
	err := t.query(ctx, func(r pgx.Rows) error {
		return r.Scan(&s.Total, &s.Acknowledged, &ackMicros, &s.Resolved, &resolveMicros,
			&s.Reopened, &s.Repeats, &s.Breached, &s.Closed, &s.ResolvedEver)
	}, sql, args...)
	if err != nil {
		return nil, mapErr("complaint stats", err)
	}
	s.AckSeconds = float64(ackMicros) / 1e6
	s.ResolveSeconds = float64(resolveMicros) / 1e6
	return &s, nil
}
