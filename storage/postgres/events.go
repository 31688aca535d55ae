package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// All events of one EventAppend go in as one statement over parallel arrays, whatever their number.
// Events of a complaint the tenant does not have are filtered out, and ON CONFLICT DO NOTHING drops a
// taken sequence number, so both show up as missing rows instead of errors that would abort the
// caller's transaction. The variants differ only in how they check that the complaint exists.
const (
	insertEventsHead = `INSERT INTO events (tenant, complaint_id, seq, id, type, at, public, record)
SELECT $1, u.complaint_id, u.seq, u.id, u.type, u.at, u.public, u.record::json
FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::boolean[], $8::text[])
	AS u(complaint_id, seq, id, type, at, public, record)
`
	insertEventsTail = `ON CONFLICT DO NOTHING
RETURNING complaint_id, seq`

	// appendEventsSQL checks each event's complaint.
	appendEventsSQL = insertEventsHead +
		"WHERE EXISTS (SELECT FROM complaints c WHERE c.tenant = $1 AND c.id = u.complaint_id)\n" + insertEventsTail
	// appendOneComplaintEventsSQL is for events of one complaint ($9), the Desk's case: the existence
	// check does not depend on the row, so it runs once (an InitPlan on the primary key). The correlated
	// check of appendEventsSQL lets the planner choose a hash semi-join that reads the tenant's whole
	// complaints table for every append once the generic plan is in use.
	appendOneComplaintEventsSQL = insertEventsHead +
		"WHERE EXISTS (SELECT FROM complaints c WHERE c.tenant = $1 AND c.id = $9::text)\n" + insertEventsTail
	// appendKnownEventsSQL is for a complaint the transaction has seen: no existence check.
	appendKnownEventsSQL = insertEventsHead + insertEventsTail
)

// appendEventSQL is appendEventsSQL for the common single event: plain parameters instead of seven
// arrays to encode, bind and unnest.
const appendEventSQL = `INSERT INTO events (tenant, complaint_id, seq, id, type, at, public, record)
SELECT $1, $2, $3, $4, $5, $6, $7, $8::json
WHERE EXISTS (SELECT FROM complaints c WHERE c.tenant = $1 AND c.id = $2)
ON CONFLICT DO NOTHING
RETURNING complaint_id, seq`

// appendKnownEventSQL is appendEventSQL for a complaint the transaction has seen: no existence check.
const appendKnownEventSQL = `INSERT INTO events (tenant, complaint_id, seq, id, type, at, public, record)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json)
ON CONFLICT DO NOTHING
RETURNING complaint_id, seq`

// EventAppend implements [storage.Tx]. An event of a complaint the tenant does not have is
// [storage.ErrNotFound]; a sequence number already used for its complaint (in the store or twice in
// Events) is [storage.ErrConflict]. Either way none of the events is appended and the transaction stays
// usable. Invalid events are [storage.ErrInvalid].
func (t *tx) EventAppend(ctx context.Context, p *storage.EventAppendParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	n := len(p.Events)
	if n == 0 {
		return nil
	}
	var (
		complaintIDs = make([]string, n)
		seqs         = make([]int64, n)
		ids          = make([]string, n)
		types        = make([]string, n)
		ats          = make([]time.Time, n)
		public       = make([]bool, n)
		records      = make([]string, n)
	)
	for i := range p.Events {
		e := p.Events[i]
		e.At = storage.Time(e.At)
		rec, err := json.Marshal(&e)
		if err != nil {
			return fmt.Errorf("postgres: encode event %s: %w", e.ID, err)
		}
		complaintIDs[i], seqs[i], ids[i], types[i] = e.ComplaintID, e.Seq, e.ID, string(e.Type)
		ats[i], public[i], records[i] = e.At, e.Public, string(rec)
	}
	sql, args := appendEventsSQL, []any{p.Tenant, complaintIDs, seqs, ids, types, ats, public, records}
	if one := complaintIDs[0]; n > 1 && !slices.ContainsFunc(complaintIDs, func(id string) bool { return id != one }) {
		if t.exists(p.Tenant, one) {
			sql = appendKnownEventsSQL
		} else {
			sql, args = appendOneComplaintEventsSQL, append(args, one)
		}
	}
	if n == 1 {
		sql, args = appendEventSQL, []any{p.Tenant, complaintIDs[0], seqs[0], ids[0], types[0], ats[0], public[0], records[0]}
		if t.exists(p.Tenant, complaintIDs[0]) {
			sql = appendKnownEventSQL
		}
	}
	var inserted []int
	err := t.query(ctx, func(r pgx.Rows) error {
		var id string
		var seq int64
		if err := r.Scan(&id, &seq); err != nil {
			return err
		}
		for i := range p.Events {
			if complaintIDs[i] == id && seqs[i] == seq {
				inserted = append(inserted, i)
				break
			}
		}
		return nil
	}, sql, args...)
	if err != nil {
		return mapErr("event append", err)
	}
	if len(inserted) == n {
		for _, id := range complaintIDs {
			t.see(p.Tenant, id)
		}
		return nil
	}
	if len(inserted) > 0 {
		// Some went in before the clash: take them out again so the append is all or nothing.
		var delIDs []string
		var delSeqs []int64
		for _, i := range inserted {
			delIDs = append(delIDs, complaintIDs[i])
			delSeqs = append(delSeqs, seqs[i])
		}
		if _, err := t.exec(ctx, `DELETE FROM events e USING unnest($2::text[], $3::bigint[]) AS u(complaint_id, seq)
			WHERE e.tenant = $1 AND e.complaint_id = u.complaint_id AND e.seq = u.seq`,
			p.Tenant, delIDs, delSeqs); err != nil {
			return mapErr("event append: undo partial append", err)
		}
	}
	// Say why, for the first event that did not go in: its complaint is missing, or its number taken.
	var existing []string
	err = t.query(ctx, func(r pgx.Rows) error {
		var id string
		if err := r.Scan(&id); err != nil {
			return err
		}
		existing = append(existing, id)
		return nil
	}, `SELECT id FROM complaints WHERE tenant = $1 AND id = ANY($2::text[])`, p.Tenant, complaintIDs)
	if err != nil {
		return mapErr("event append", err)
	}
	for i := range p.Events {
		switch {
		case !slices.Contains(existing, complaintIDs[i]):
			return fmt.Errorf("postgres: event append: %w: tenant %s has no complaint %s",
				storage.ErrNotFound, p.Tenant, complaintIDs[i])
		case !slices.Contains(inserted, i):
			return fmt.Errorf("postgres: event append: %w: complaint %s already has an event with sequence number %d",
				storage.ErrConflict, complaintIDs[i], seqs[i])
		}
	}
	return fmt.Errorf("postgres: event append: %w", storage.ErrConflict)
}

// EventList implements [storage.ReadTx]: events in sequence order from the primary key.
// [storage.ErrInvalid] for bad params.
func (t *tx) EventList(ctx context.Context, p *storage.EventListParams) ([]complaint.Event, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	sql := `SELECT record FROM events WHERE tenant = $1 AND complaint_id = $2 AND seq > $3`
	args := []any{p.Tenant, p.ComplaintID, p.AfterSeq}
	if p.PublicOnly {
		sql += ` AND public`
	}
	sql += ` ORDER BY seq`
	if p.Limit > 0 {
		sql += ` LIMIT ` + strconv.Itoa(p.Limit) // written in, not bound: see listSQL
	}
	var out []complaint.Event
	err := t.query(ctx, func(r pgx.Rows) error {
		var rec []byte
		if err := r.Scan(&rec); err != nil {
			return err
		}
		var e complaint.Event
		if err := json.Unmarshal(rec, &e); err != nil {
			return fmt.Errorf("decode event record: %w", err)
		}
		out = append(out, e)
		return nil
	}, sql, args...)
	if err != nil {
		return nil, mapErr("event list", err)
	}
	return out, nil
}
