package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redresshq/redress/storage"
)

const (
	// outboxInsert is the INSERT of messages without its VALUES rows; see insertRows.
	outboxInsert = `INSERT INTO outbox (tenant, id, topic, key, payload, created_at, attempts, next_attempt_at,
	last_error, dead) VALUES `
	qOutboxClaim = `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE rowid IN (
	SELECT rowid FROM outbox INDEXED BY outbox_pending WHERE dead = 0 AND next_attempt_at <= ?
	ORDER BY created_at, id, tenant LIMIT ?)
	RETURNING tenant, id, topic, key, payload, created_at, attempts, next_attempt_at, last_error, dead`
	qOutboxAck = `DELETE FROM outbox WHERE tenant = ? AND id = ?`
	// A NULL next attempt (a dead message without one) keeps the stored time.
	qOutboxNack = `UPDATE outbox SET next_attempt_at = coalesce(?, next_attempt_at), last_error = ?, dead = ?
	WHERE tenant = ? AND id = ?`
)

// OutboxEnqueue implements storage.Tx. A message ID the tenant already used is storage.ErrDuplicate;
// bad params are storage.ErrInvalid. When one message fails, none of p.Messages is enqueued.
func (t *tx) OutboxEnqueue(ctx context.Context, p *storage.OutboxEnqueueParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	args := make([]any, 0, len(p.Messages)*10)
	for i := range p.Messages {
		m := &p.Messages[i]
		args = append(args, m.Tenant, m.ID, m.Topic, m.Key, m.Payload, micros(m.CreatedAt), m.Attempts,
			micros(storage.EffectiveNextAttempt(m)), m.LastError, boolInt(m.Dead))
	}
	if err := t.insertRows(ctx, outboxInsert, 10, args); err != nil {
		return mapConstraint(err, storage.ErrDuplicate, fmt.Sprintf("enqueue %d messages from %s", len(p.Messages), p.Messages[0].ID))
	}
	return nil
}

// OutboxClaim implements storage.Tx. The returned messages carry their new Attempts and
// NextAttemptAt. Writes are serialised, so two transactions never lease the same message.
func (t *tx) OutboxClaim(ctx context.Context, p *storage.OutboxClaimParams) ([]storage.OutboxMessage, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, qOutboxClaim, micros(p.Now.Add(p.Lease)), micros(p.Now), p.Limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim outbox: %w", mapError(err))
	}
	defer func() { _ = rows.Close() }()
	var out []storage.OutboxMessage
	for rows.Next() {
		var m storage.OutboxMessage
		var created, next int64
		var dead int
		if err := rows.Scan(&m.Tenant, &m.ID, &m.Topic, &m.Key, &m.Payload, &created, &m.Attempts, &next,
			&m.LastError, &dead); err != nil {
			return nil, fmt.Errorf("sqlite: claim outbox: %w", err)
		}
		m.CreatedAt, m.NextAttemptAt, m.Dead = fromMicros(created), fromMicros(next), dead != 0
		if len(m.Payload) == 0 {
			m.Payload = nil // an empty payload comes back nil, whether stored as NULL or as ''
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim outbox: %w", mapError(err))
	}
	slices.SortFunc(out, func(a, b storage.OutboxMessage) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return strings.Compare(a.Tenant, b.Tenant)
	})
	return out, nil
}

// OutboxAck implements storage.Tx: storage.ErrNotFound when the message is not in the outbox.
func (t *tx) OutboxAck(ctx context.Context, p *storage.OutboxAckParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return t.affectOne(ctx, "ack message "+p.ID, qOutboxAck, p.Tenant, p.ID)
}

// OutboxNack implements storage.Tx: storage.ErrNotFound when the message is not in the outbox.
func (t *tx) OutboxNack(ctx context.Context, p *storage.OutboxNackParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return t.affectOne(ctx, "nack message "+p.ID, qOutboxNack, nullMicros(p.NextAttemptAt), p.Error,
		boolInt(p.Dead), p.Tenant, p.ID)
}

// affectOne runs a statement that must change one row; none is storage.ErrNotFound.
func (t *tx) affectOne(ctx context.Context, what, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", storage.ErrNotFound, what)
	}
	return nil
}
