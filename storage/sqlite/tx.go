package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redresshq/redress/storage"
)

// readTx implements storage.ReadTx on a database/sql transaction of either pool. Like *sql.Tx, it
// may be used from several goroutines (their statements then run one after the other).
type readTx struct {
	q     *sql.Tx
	stmts stmtCache // the pool's prepared statements
	mu    sync.Mutex
	local map[string]*sql.Stmt // stmts bound to q, made on first use
}

// tx implements storage.Tx on the write connection.
type tx struct{ readTx }

var (
	_ storage.ReadTx = (*readTx)(nil)
	_ storage.Tx     = (*tx)(nil)
)

// stmt returns the transaction's handle on a prepared statement, or nil when query is not one of
// staticQueries.
func (t *readTx) stmt(ctx context.Context, query string) *sql.Stmt {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st, ok := t.local[query]; ok {
		return st
	}
	st, ok := t.stmts[query]
	if !ok {
		return nil
	}
	ts := t.q.StmtContext(ctx, st)
	if t.local == nil {
		t.local = make(map[string]*sql.Stmt, 8)
	}
	t.local[query] = ts
	return ts
}

func (t *readTx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.q.ExecContext(ctx, query, args...)
}

func (t *readTx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.q.QueryContext(ctx, query, args...)
}

func (t *readTx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.q.QueryRowContext(ctx, query, args...)
}

// Savepoint statements: an operation of more than one statement runs between them, so that a failed
// operation leaves the transaction as it was before the call (and usable, as the contract requires).
// Most operations are one statement, atomic by themselves; only very large batches need them.
const (
	qSavepoint  = `SAVEPOINT op`
	qRelease    = `RELEASE op`
	qRollbackTo = `ROLLBACK TO op`
)

// atomic runs fn, an operation of several statements, under a savepoint: when fn fails, whatever it
// wrote is undone and the transaction goes on as if the operation had not been called.
func (t *tx) atomic(ctx context.Context, fn func() error) error {
	if _, err := t.exec(ctx, qSavepoint); err != nil {
		return fmt.Errorf("sqlite: savepoint: %w", mapError(err))
	}
	if err := fn(); err != nil {
		// Undo even when ctx is what failed; if the transaction itself is gone, there is nothing to undo.
		bg := context.WithoutCancel(ctx)
		if _, rerr := t.exec(bg, qRollbackTo); rerr == nil {
			_, _ = t.exec(bg, qRelease)
		}
		return err
	}
	if _, err := t.exec(ctx, qRelease); err != nil {
		return fmt.Errorf("sqlite: release savepoint: %w", mapError(err))
	}
	return nil
}

// staticQueries are the statements prepared when a store opens: every query whose text does not
// depend on its parameters.
var staticQueries = append([]string{
	qSavepoint, qRelease, qRollbackTo,
	qComplaintInsert, qComplaintUpdate, qComplaintCurrent,
	qComplaintGet, qComplaintGetByTracking, qComplaintGetByExternal,
	qEventList,
	qTimerSet, qTimerDeleteAll, qTimerDeleteKind, qTimerList, qTimerClaimAll, qTimerClaimTenant,
	qOutboxClaim, qOutboxAck, qOutboxNack,
}, append(closedLoopQueries, rowsQueries()...)...)

// Multi-row inserts: up to preparedRows rows use a prepared statement; a batch is written as one
// statement of up to maxRows rows (one statement fails or succeeds whole), larger batches as several
// under a savepoint.
const (
	preparedRows = 4
	maxRows      = 200
)

// rowsQueries returns the multi-row inserts worth preparing: 1 to preparedRows rows.
func rowsQueries() []string {
	var out []string
	for _, head := range []struct {
		sql  string
		cols int
	}{{eventInsert, 13}, {outboxInsert, 10}} {
		for n := 1; n <= preparedRows; n++ {
			out = append(out, rowsQuery(head.sql, head.cols, n))
		}
	}
	return out
}

// rowsQuery returns head followed by n tuples of cols placeholders.
func rowsQuery(head string, cols, n int) string {
	tuple := "(" + strings.Repeat("?, ", cols-1) + "?)"
	var b strings.Builder
	b.WriteString(head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tuple)
	}
	return b.String()
}

// insertRows inserts the rows whose values args holds, cols per row, atomically.
func (t *tx) insertRows(ctx context.Context, head string, cols int, args []any) error {
	n := len(args) / cols
	if n == 0 {
		return nil
	}
	if n <= maxRows {
		_, err := t.exec(ctx, rowsQuery(head, cols, n), args...)
		return err
	}
	return t.atomic(ctx, func() error {
		for len(args) > 0 {
			k := min(len(args)/cols, maxRows)
			if _, err := t.exec(ctx, rowsQuery(head, cols, k), args[:k*cols]...); err != nil {
				return err
			}
			args = args[k*cols:]
		}
		return nil
	})
}

// micros converts a time to the stored integer: microseconds since the epoch, UTC.
func micros(t time.Time) int64 { return storage.Time(t).UnixMicro() }

// nullMicros is micros, or NULL for the zero time.
func nullMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return micros(t)
}

// fromMicros reverses micros.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
