package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/redresshq/redress/storage"
)

const enqueueSQL = `INSERT INTO outbox (tenant, id, topic, key, payload, created_at, attempts, next_attempt_at, last_error, dead)
SELECT $1, u.id, u.topic, u.key, u.payload, u.created_at, 0, u.next_attempt_at, '', false
FROM unnest($2::text[], $3::text[], $4::text[], $5::bytea[], $6::timestamptz[], $7::timestamptz[])
	AS u(id, topic, key, payload, created_at, next_attempt_at)
ON CONFLICT DO NOTHING
RETURNING id`

// enqueueOneSQL is enqueueSQL for the common single message (see appendEventSQL).
const enqueueOneSQL = `INSERT INTO outbox (tenant, id, topic, key, payload, created_at, attempts, next_attempt_at, last_error, dead)
VALUES ($1, $2, $3, $4, $5, $6, 0, $7, '', false)
ON CONFLICT DO NOTHING
RETURNING id`

// OutboxEnqueue implements [storage.Tx]: all messages in one statement. A message ID already in the
// outbox (of any tenant) or twice in Messages is [storage.ErrDuplicate], and then none is enqueued
// while the transaction stays usable. [storage.ErrInvalid] for bad params.
func (t *tx) OutboxEnqueue(ctx context.Context, p *storage.OutboxEnqueueParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	n := len(p.Messages)
	if n == 0 {
		return nil
	}
	var (
		ids      = make([]string, n)
		topics   = make([]string, n)
		keys     = make([]string, n)
		payloads = make([][]byte, n)
		created  = make([]time.Time, n)
		next     = make([]time.Time, n)
	)
	for i := range p.Messages {
		m := &p.Messages[i]
		ids[i], topics[i], keys[i] = m.ID, m.Topic, m.Key
		payloads[i] = m.Payload
		if payloads[i] == nil {
			payloads[i] = []byte{}
		}
		created[i], next[i] = storage.Time(m.CreatedAt), storage.EffectiveNextAttempt(m)
	}
	sql, args := enqueueSQL, []any{p.Tenant, ids, topics, keys, payloads, created, next}
	if n == 1 {
		sql, args = enqueueOneSQL, []any{p.Tenant, ids[0], topics[0], keys[0], payloads[0], created[0], next[0]}
	}
	var inserted []string
	err := t.query(ctx, func(r pgx.Rows) error {
		var id string
		if err := r.Scan(&id); err != nil {
			return err
		}
		inserted = append(inserted, id)
		return nil
	}, sql, args...)
	if err != nil {
		return mapErr("outbox enqueue", err)
	}
	if len(inserted) == n {
		return nil
	}
	if len(inserted) > 0 {
		// Undo the part that went in, so the enqueue is all or nothing.
		if _, err := t.exec(ctx, `DELETE FROM outbox WHERE id = ANY($1::text[])`, inserted); err != nil {
			return mapErr("outbox enqueue: undo partial enqueue", err)
		}
	}
	for _, id := range ids {
		if !slices.Contains(inserted, id) {
			return fmt.Errorf("postgres: outbox enqueue: %w: message %s is already in the outbox", storage.ErrDuplicate, id)
		}
	}
	return fmt.Errorf("postgres: outbox enqueue: %w: a message ID appears twice", storage.ErrDuplicate)
}

// claimOutboxSQL leases due messages, oldest first, from the partial index of undelivered messages;
// SKIP LOCKED lets concurrent relays take disjoint sets without waiting. The locked rows are updated by
// their physical addresses (a TID scan), as in claimTimersSQL.
// The limit is written into the statement (see listSQL for why).
const claimOutboxSQL = `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2
WHERE ctid = ANY(ARRAY(
	SELECT ctid FROM outbox
	WHERE NOT dead AND next_attempt_at <= $1
	ORDER BY created_at, id
	LIMIT %d
	FOR UPDATE SKIP LOCKED
))
RETURNING tenant, id, topic, key, payload, created_at, attempts, next_attempt_at, last_error, dead`

// OutboxClaim implements [storage.Tx]: messages of every tenant whose next attempt is due, oldest
// (created_at, then ID) first, each with Attempts incremented and NextAttemptAt moved to
// Now+Lease. [storage.ErrInvalid] for bad params.
func (t *tx) OutboxClaim(ctx context.Context, p *storage.OutboxClaimParams) ([]storage.OutboxMessage, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := storage.Time(p.Now)
	var out []storage.OutboxMessage
	err := t.query(ctx, func(r pgx.Rows) error {
		var m storage.OutboxMessage
		var attempts int32
		if err := r.Scan(&m.Tenant, &m.ID, &m.Topic, &m.Key, &m.Payload, &m.CreatedAt, &attempts,
			&m.NextAttemptAt, &m.LastError, &m.Dead); err != nil {
			return err
		}
		m.Attempts = int(attempts)
		m.CreatedAt, m.NextAttemptAt = m.CreatedAt.UTC(), m.NextAttemptAt.UTC()
		if len(m.Payload) == 0 {
			m.Payload = nil
		}
		out = append(out, m)
		return nil
	}, fmt.Sprintf(claimOutboxSQL, p.Limit), now, storage.Time(now.Add(p.Lease)))
	if err != nil {
		return nil, mapErr("outbox claim", err)
	}
	slices.SortFunc(out, func(a, b storage.OutboxMessage) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// OutboxAck implements [storage.Tx]: [storage.ErrNotFound] when the message is not in the outbox.
func (t *tx) OutboxAck(ctx context.Context, p *storage.OutboxAckParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `DELETE FROM outbox WHERE tenant = $1 AND id = $2`, p.Tenant, p.ID)
	if err != nil {
		return mapErr("outbox ack", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: outbox ack %s: %w", p.ID, storage.ErrNotFound)
	}
	return nil
}

// OutboxNack implements [storage.Tx]: it records the error, the dead flag and the next attempt.
// [storage.ErrNotFound] when the tenant has no such message in the outbox.
func (t *tx) OutboxNack(ctx context.Context, p *storage.OutboxNackParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	tag, err := t.exec(ctx, `UPDATE outbox SET next_attempt_at = $3, last_error = $4, dead = $5
		WHERE tenant = $1 AND id = $2`, p.Tenant, p.ID, storage.Time(p.NextAttemptAt), p.Error, p.Dead)
	if err != nil {
		return mapErr("outbox nack", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: outbox nack %s: %w", p.ID, storage.ErrNotFound)
	}
	return nil
}
