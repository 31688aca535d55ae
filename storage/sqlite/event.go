package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// eventInsert is the INSERT of events without its VALUES rows; see insertRows.
const eventInsert = `INSERT INTO events (tenant, complaint_id, seq, id, type, actor, at, trigger, from_status,
	to_status, note, public, attrs) VALUES `

// LIMIT -1 is no limit; the fourth parameter is 1 for public events only.
const qEventList = `SELECT seq, id, type, actor, at, trigger, from_status, to_status, note, public, attrs
	FROM events WHERE tenant = ? AND complaint_id = ? AND seq > ? AND (? = 0 OR public = 1) ORDER BY seq LIMIT ?`

// EventAppend implements storage.Tx. A sequence number the complaint already used is
// storage.ErrConflict; an event of a complaint that does not exist is storage.ErrNotFound; bad params
// are storage.ErrInvalid. When one event fails, none of p.Events is appended.
func (t *tx) EventAppend(ctx context.Context, p *storage.EventAppendParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	args := make([]any, 0, len(p.Events)*13)
	for i := range p.Events {
		e := &p.Events[i]
		var attrs any
		if len(e.Attrs) > 0 {
			b, err := json.Marshal(e.Attrs)
			if err != nil {
				return fmt.Errorf("sqlite: encode attrs of event %s: %w", e.ID, err)
			}
			attrs = string(b)
		}
		args = append(args, e.Tenant, e.ComplaintID, e.Seq, e.ID, string(e.Type), e.Actor, micros(e.At),
			string(e.Trigger), string(e.From), string(e.To), e.Note, boolInt(e.Public), attrs)
	}
	if err := t.insertRows(ctx, eventInsert, 13, args); err != nil {
		e := p.Events[0]
		return mapConstraint(err, storage.ErrConflict, fmt.Sprintf("append %d events from seq %d of complaint %s",
			len(p.Events), e.Seq, e.ComplaintID))
	}
	return nil
}

// EventList implements storage.ReadTx. A complaint without events, or that does not exist, has an
// empty list.
func (t *readTx) EventList(ctx context.Context, p *storage.EventListParams) ([]complaint.Event, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	limit := int64(-1)
	if p.Limit > 0 {
		limit = int64(p.Limit)
	}
	rows, err := t.query(ctx, qEventList, p.Tenant, p.ComplaintID, p.AfterSeq, boolInt(p.PublicOnly), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list events of %s: %w", p.ComplaintID, mapError(err))
	}
	defer func() { _ = rows.Close() }()
	var out []complaint.Event
	for rows.Next() {
		e := complaint.Event{Tenant: p.Tenant, ComplaintID: p.ComplaintID}
		var (
			typ, trigger, from, to string
			at                     int64
			public                 int
			attrs                  []byte
		)
		if err := rows.Scan(&e.Seq, &e.ID, &typ, &e.Actor, &at, &trigger, &from, &to, &e.Note, &public, &attrs); err != nil {
			return nil, fmt.Errorf("sqlite: list events of %s: %w", p.ComplaintID, err)
		}
		e.Type, e.Trigger, e.From, e.To = complaint.EventType(typ), complaint.Trigger(trigger), complaint.Status(from), complaint.Status(to)
		e.At, e.Public = fromMicros(at), public != 0
		if attrs != nil {
			if err := json.Unmarshal(attrs, &e.Attrs); err != nil {
				return nil, fmt.Errorf("sqlite: decode attrs of event %s: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list events of %s: %w", p.ComplaintID, mapError(err))
	}
	return out, nil
}
