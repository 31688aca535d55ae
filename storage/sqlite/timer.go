package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redresshq/redress/storage"
)

const (
	qTimerSet = `INSERT INTO timers (tenant, complaint_id, kind, due_at) VALUES (?, ?, ?, ?)
	ON CONFLICT (tenant, complaint_id, kind) DO UPDATE SET due_at = excluded.due_at`
	qTimerDeleteAll  = `DELETE FROM timers WHERE tenant = ? AND complaint_id = ?`
	qTimerDeleteKind = `DELETE FROM timers WHERE tenant = ? AND complaint_id = ? AND kind = ?`
	// The unary plus keeps SQLite from walking timers_tenant_due (the tenant's every timer) for the
	// order: it seeks the complaint's few rows by primary key and sorts them.
	qTimerList = `SELECT kind, due_at FROM timers WHERE tenant = ? AND complaint_id = ? ORDER BY +due_at, +kind`
	// Claims delete the earliest due rows found along the due-time index and return them; RETURNING
	// has no order, so Go sorts.
	qTimerClaimAll = `DELETE FROM timers WHERE (tenant, complaint_id, kind) IN (
	SELECT tenant, complaint_id, kind FROM timers INDEXED BY timers_due
	WHERE due_at <= ? ORDER BY due_at, tenant, complaint_id, kind LIMIT ?) RETURNING tenant, complaint_id, kind, due_at`
	qTimerClaimTenant = `DELETE FROM timers WHERE (tenant, complaint_id, kind) IN (
	SELECT tenant, complaint_id, kind FROM timers INDEXED BY timers_tenant_due
	WHERE tenant = ? AND due_at <= ? ORDER BY due_at, complaint_id, kind LIMIT ?) RETURNING tenant, complaint_id, kind, due_at`
)

// TimerSet implements storage.Tx: it creates the timer or moves its due time. A timer of a complaint
// that does not exist is storage.ErrNotFound; bad params are storage.ErrInvalid.
func (t *tx) TimerSet(ctx context.Context, p *storage.TimerSetParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	tm := p.Timer
	if _, err := t.exec(ctx, qTimerSet, tm.Tenant, tm.ComplaintID, tm.Kind, micros(tm.DueAt)); err != nil {
		return mapConstraint(err, storage.ErrConflict, "set timer "+tm.Kind+" of complaint "+tm.ComplaintID)
	}
	return nil
}

// TimerDelete implements storage.Tx. Deleting nothing is not an error.
func (t *tx) TimerDelete(ctx context.Context, p *storage.TimerDeleteParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	var err error
	if p.Kind == "" {
		_, err = t.exec(ctx, qTimerDeleteAll, p.Tenant, p.ComplaintID)
	} else {
		_, err = t.exec(ctx, qTimerDeleteKind, p.Tenant, p.ComplaintID, p.Kind)
	}
	if err != nil {
		return fmt.Errorf("sqlite: delete timers of %s: %w", p.ComplaintID, mapError(err))
	}
	return nil
}

// TimerList implements storage.ReadTx.
func (t *readTx) TimerList(ctx context.Context, p *storage.TimerListParams) ([]storage.Timer, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, qTimerList, p.Tenant, p.ComplaintID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list timers of %s: %w", p.ComplaintID, mapError(err))
	}
	defer func() { _ = rows.Close() }()
	var out []storage.Timer
	for rows.Next() {
		tm := storage.Timer{Tenant: p.Tenant, ComplaintID: p.ComplaintID}
		var due int64
		if err := rows.Scan(&tm.Kind, &due); err != nil {
			return nil, fmt.Errorf("sqlite: list timers of %s: %w", p.ComplaintID, err)
		}
		tm.DueAt = fromMicros(due)
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list timers of %s: %w", p.ComplaintID, mapError(err))
	}
	return out, nil
}

// TimerClaimDue implements storage.Tx. Writes on one Store are serialised on its write connection, and
// other processes wait for SQLite's write lock, so two transactions never claim the same timer.
func (t *tx) TimerClaimDue(ctx context.Context, p *storage.TimerClaimDueParams) ([]storage.Timer, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	query, args := qTimerClaimAll, []any{micros(p.Now), p.Limit}
	if p.Tenant != "" {
		query, args = qTimerClaimTenant, []any{p.Tenant, micros(p.Now), p.Limit}
	}
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim due timers: %w", mapError(err))
	}
	defer func() { _ = rows.Close() }()
	var out []storage.Timer
	for rows.Next() {
		var tm storage.Timer
		var due int64
		if err := rows.Scan(&tm.Tenant, &tm.ComplaintID, &tm.Kind, &due); err != nil {
			return nil, fmt.Errorf("sqlite: claim due timers: %w", err)
		}
		tm.DueAt = fromMicros(due)
		out = append(out, tm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim due timers: %w", mapError(err))
	}
	slices.SortFunc(out, func(a, b storage.Timer) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.Tenant, b.Tenant); c != 0 {
			return c
		}
		if c := strings.Compare(a.ComplaintID, b.ComplaintID); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return out, nil
}
