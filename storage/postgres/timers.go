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

// upsertTimerSQL creates or moves a timer, in one statement that also checks the complaint.
const upsertTimerSQL = `INSERT INTO timers (tenant, complaint_id, kind, due_at)
SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT FROM complaints WHERE tenant = $1 AND id = $2)
ON CONFLICT (tenant, complaint_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at`

// upsertKnownTimerSQL is upsertTimerSQL for a complaint the transaction has seen: no existence check.
const upsertKnownTimerSQL = `INSERT INTO timers (tenant, complaint_id, kind, due_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant, complaint_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at`

// TimerSet implements [storage.Tx] as an upsert on the (tenant, complaint_id, kind) key:
// [storage.ErrNotFound] when the tenant has no such complaint, [storage.ErrInvalid] for bad params.
// When the transaction has already seen the complaint (it inserted, read or updated it, as intake and
// the Desk's changes do), the upsert cannot fail that way and is sent with the next statement or with
// COMMIT instead of taking a round trip of its own.
func (t *tx) TimerSet(ctx context.Context, p *storage.TimerSetParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	args := []any{p.Tenant, p.Timer.ComplaintID, p.Timer.Kind, storage.Time(p.Timer.DueAt)}
	if t.exists(p.Tenant, p.Timer.ComplaintID) {
		return t.queue("timer set", upsertKnownTimerSQL, args...)
	}
	tag, err := t.exec(ctx, upsertTimerSQL, args...)
	if err != nil {
		return mapErr("timer set", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: timer set: %w: tenant %s has no complaint %s", storage.ErrNotFound, p.Tenant, p.Timer.ComplaintID)
	}
	t.see(p.Tenant, p.Timer.ComplaintID)
	return nil
}

// TimerDelete implements [storage.Tx]. Deleting nothing is not an error, so the delete cannot fail
// in a way the contract names and is sent with the next statement or with COMMIT.
// [storage.ErrInvalid] for bad params.
func (t *tx) TimerDelete(ctx context.Context, p *storage.TimerDeleteParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Kind == "" {
		return t.queue("timer delete", `DELETE FROM timers WHERE tenant = $1 AND complaint_id = $2`, p.Tenant, p.ComplaintID)
	}
	return t.queue("timer delete", `DELETE FROM timers WHERE tenant = $1 AND complaint_id = $2 AND kind = $3`,
		p.Tenant, p.ComplaintID, p.Kind)
}

// TimerList implements [storage.ReadTx]: a complaint's timers by due time, then kind.
// [storage.ErrInvalid] for bad params.
func (t *tx) TimerList(ctx context.Context, p *storage.TimerListParams) ([]storage.Timer, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out []storage.Timer
	err := t.query(ctx, func(r pgx.Rows) error {
		var tm storage.Timer
		if err := r.Scan(&tm.Tenant, &tm.ComplaintID, &tm.Kind, &tm.DueAt); err != nil {
			return err
		}
		tm.DueAt = tm.DueAt.UTC()
		out = append(out, tm)
		return nil
	}, `SELECT tenant, complaint_id, kind, due_at FROM timers WHERE tenant = $1 AND complaint_id = $2 ORDER BY due_at, kind`,
		p.Tenant, p.ComplaintID)
	if err != nil {
		return nil, mapErr("timer list", err)
	}
	return out, nil
}

// claimTimersSQL picks the earliest due timers from the head of timers_due (or timers_tenant_due when
// %s adds a tenant), locking them with SKIP LOCKED so that concurrent scanners each take different rows
// and never wait for one another, and deletes them in the same statement by their physical row
// addresses (a TID scan: a join on the key would let the planner scan the whole table). The addresses
// cannot move in between: the rows are locked by this transaction.
const claimTimersSQL = `DELETE FROM timers WHERE ctid = ANY(ARRAY(
	SELECT ctid FROM timers
	WHERE due_at <= $1%s
	ORDER BY due_at, tenant, complaint_id, kind
	LIMIT %d
	FOR UPDATE SKIP LOCKED
))
RETURNING tenant, complaint_id, kind, due_at`

// claimTimersQuery returns the claim statement for a limit and, when tenant is set, one tenant. The
// limit is written into the statement (see listSQL for why).
func claimTimersQuery(now time.Time, limit int, tenant string) (string, []any) {
	if tenant == "" {
		return fmt.Sprintf(claimTimersSQL, "", limit), []any{storage.Time(now)}
	}
	return fmt.Sprintf(claimTimersSQL, " AND tenant = $2", limit), []any{storage.Time(now), tenant}
}

// TimerClaimDue implements [storage.Tx] with DELETE … FOR UPDATE SKIP LOCKED … RETURNING: a timer
// locked by another open transaction is skipped (it belongs to that scanner unless it rolls back), so
// several replicas scanning at once each get their own timers, exactly once. The result is ordered by
// due time, then tenant, complaint ID and kind. [storage.ErrInvalid] for bad params.
func (t *tx) TimerClaimDue(ctx context.Context, p *storage.TimerClaimDueParams) ([]storage.Timer, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	sql, args := claimTimersQuery(p.Now, p.Limit, p.Tenant)
	var out []storage.Timer
	err := t.query(ctx, func(r pgx.Rows) error {
		var tm storage.Timer
		if err := r.Scan(&tm.Tenant, &tm.ComplaintID, &tm.Kind, &tm.DueAt); err != nil {
			return err
		}
		tm.DueAt = tm.DueAt.UTC()
		out = append(out, tm)
		return nil
	}, sql, args...)
	if err != nil {
		return nil, mapErr("timer claim", err)
	}
	// RETURNING does not keep the CTE's order.
	slices.SortFunc(out, func(a, b storage.Timer) int {
		return cmp.Or(a.DueAt.Compare(b.DueAt), strings.Compare(a.Tenant, b.Tenant),
			strings.Compare(a.ComplaintID, b.ComplaintID), strings.Compare(a.Kind, b.Kind))
	})
	return out, nil
}
