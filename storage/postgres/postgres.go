package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/redresshq/redress/storage"
)

// Errors of this package. Contract errors are the storage sentinels ([storage.ErrNotFound], ...); these
// say what is wrong with the database or the handle itself.
var (
	// ErrClosed is returned by Update and View after Close.
	ErrClosed = errors.New("postgres: store is closed")
	// ErrTxDone is returned by an operation on a transaction whose Update or View has returned: a Tx
	// must not escape its closure.
	ErrTxDone = errors.New("postgres: transaction already finished")
	// ErrTxAborted is returned by Update when fn returned nil although one of its statements had failed
	// (fn swallowed the error): PostgreSQL had already aborted the transaction, so nothing was committed.
	ErrTxAborted = errors.New("postgres: transaction was aborted by an earlier error and rolled back")
	// ErrConnect is matched by the error of Open when the database cannot be reached or refuses the
	// login. The message names the host and port, never the password.
	ErrConnect = errors.New("postgres: cannot connect")
	// ErrBadDSN is matched by the error of Open when the connection string cannot be parsed.
	ErrBadDSN = errors.New("postgres: malformed connection string")
)

// Store is the PostgreSQL implementation of [storage.Store]. It is safe for concurrent use; every
// transaction holds one pooled connection for its duration.
type Store struct {
	pool   *pgxpool.Pool
	owned  bool // Open created the pool, so Close closes it
	closed atomic.Bool
}

var _ storage.Store = (*Store)(nil)

// Open connects to the database dsn names (a postgres:// URL or key=value string, as pgx accepts), checks
// that it answers, and migrates it to the schema this code knows. The schema the tables live in is the
// first one of the connection's search_path, which the DSN can set (…?search_path=redress). Unless the
// DSN says otherwise, the sessions run with jit=off (see the package documentation). Close closes the
// pool Open created.
//
// Errors: [ErrBadDSN] when dsn cannot be parsed, [ErrConnect] when the server cannot be reached or
// refuses the login (the message names host and port but not the password), and the errors of
// [Migrate] ([ErrSchemaTooNew], [ErrForeignSchema], [ErrNoSchema]). On error nothing is left open.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn redacts the password in its parse errors.
		return nil, fmt.Errorf("%w: %w", ErrBadDSN, err)
	}
	// JIT compilation costs milliseconds per query and pays off only for long analytical queries;
	// redress runs short ones. A DSN that sets jit keeps its choice.
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("%w to %s: %w", ErrConnect, endpoint(cfg.ConnConfig), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("%w to %s: %w", ErrConnect, endpoint(cfg.ConnConfig), err)
	}
	s, err := New(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// endpoint names where a configuration points, for error messages: host:port and database, no secrets.
func endpoint(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s:%d (database %q, user %q)", c.Host, c.Port, c.Database, c.User)
}

// New returns a store on a pool the caller owns (Close leaves it open), after migrating the schema
// the pool's search_path selects. It returns the errors of [Migrate].
func New(ctx context.Context, pool *pgxpool.Pool) (*Store, error) {
	if pool == nil {
		return nil, fmt.Errorf("%w: nil pool", storage.ErrInvalid)
	}
	if err := Migrate(ctx, pool); err != nil {
		return nil, err
	}
	return &Store{pool: pool}, nil
}

// Close marks the store closed and, when Open created the pool, closes it (waiting for connections in
// use to be released). A second Close does nothing.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	if s.owned {
		s.pool.Close()
	}
	return nil
}

// Pool returns the pool the store runs on, for callers that need to run their own queries next to
// redress's (in the same database, not in its transactions).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Update runs fn in a READ COMMITTED read-write transaction and commits when fn returns nil. It rolls
// back when fn returns an error (returned unchanged) or panics (re-raised after the rollback).
//
// The transaction opens lazily: BEGIN travels in the same round trip as fn's first statement, and a
// closure that runs no statement costs no round trip. Writes that cannot fail in a way the contract
// names (TimerDelete, and TimerSet on a complaint the transaction has already seen) travel with the
// next statement or with COMMIT; should one fail anyway (a lost connection), the call that sent it
// returns the error, naming the write. Optimistic concurrency (ExpectedVersion) and
// row locks give the contract's guarantees without SERIALIZABLE; a serialization failure or deadlock
// PostgreSQL reports anyway is [storage.ErrConflict].
//
// Errors besides fn's: [ErrClosed]; a pool that cannot hand out a connection (wrapped); a failed
// COMMIT (wrapped, [storage.ErrConflict] for serialization failures); [ErrTxAborted] when fn returned
// nil after a statement had failed.
func (s *Store) Update(ctx context.Context, fn func(storage.Tx) error) error {
	return s.run(ctx, "BEGIN", func(t *tx) error { return fn(t) })
}

// View runs fn in a REPEATABLE READ READ ONLY transaction: every read in fn sees one snapshot, taken
// at fn's first statement. Its errors are those of Update; a write attempted through a type assertion
// fails in PostgreSQL.
func (s *Store) View(ctx context.Context, fn func(storage.ReadTx) error) error {
	return s.run(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", func(t *tx) error { return fn(t) })
}

func (s *Store) run(ctx context.Context, begin string, fn func(*tx) error) (err error) {
	if s.closed.Load() {
		return ErrClosed
	}
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquire connection: %w", err)
	}
	// Release destroys the connection instead of pooling it if it is still inside a transaction
	// (a rollback that failed), so no pooled connection carries a transaction over.
	defer c.Release()
	t := &tx{conn: c.Conn(), begin: begin}
	defer func() {
		if p := recover(); p != nil {
			t.rollback()
			panic(p)
		}
	}()
	if err := fn(t); err != nil {
		t.rollback()
		return err
	}
	return t.commit(ctx)
}

// tx is one transaction on one connection. It implements storage.Tx. A mutex serialises its
// operations because a pgx connection is not safe for concurrent use.
//
// Round trips are what an intake pays for, so tx sends as few as it can:
//   - BEGIN is queued and travels with the first statement;
//   - writes that cannot fail in a way the contract names (moving or deleting the timers of a complaint
//     known to exist) are queued too, and travel with the next statement or with COMMIT. They run in
//     order, before that statement, so every read still sees them. A driver error of a queued write is
//     returned by the call that sends it, naming the queued operation.
type tx struct {
	mu      sync.Mutex
	conn    *pgx.Conn
	begin   string // the statement that opens the transaction, sent with the first statement
	begun   bool
	done    bool
	pending []queued
	// known holds the complaints (tenant, ID) this transaction has seen exist: inserted, read, updated
	// or given events. The contract has no way to delete a complaint, so they still exist.
	known map[complaintKey]struct{}
	// customPlans is set once the transaction has asked for plans made for each query's arguments.
	customPlans bool
}

type complaintKey struct{ tenant, id string }

// queued is a statement waiting for the next round trip.
type queued struct {
	op   string // for error messages
	sql  string
	args []any
}

var _ storage.Tx = (*tx)(nil)

// see records that the complaint exists.
func (t *tx) see(tenant, id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.known == nil {
		t.known = make(map[complaintKey]struct{})
	}
	t.known[complaintKey{tenant, id}] = struct{}{}
}

// exists reports whether the transaction has seen the complaint exist.
func (t *tx) exists(tenant, id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.known[complaintKey{tenant, id}]
	return ok
}

// queue holds a write back for the next round trip.
func (t *tx) queue(op, sql string, args ...any) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return ErrTxDone
	}
	t.pending = append(t.pending, queued{op: op, sql: sql, args: args})
	return nil
}

// useCustomPlans makes the rest of the transaction plan every statement for its actual arguments,
// without JIT compilation (SET LOCAL plan_cache_mode and jit, sent with the next statement). Lists and
// aggregates need it: their filters' selectivity varies by orders of magnitude with the values (a rare
// tag, a big category), and the generic plan PostgreSQL would otherwise settle on after five runs of a
// prepared statement can be a hundred times slower than the custom one. Planning such a query takes
// about 0.1 ms; compiling it with JIT, which a custom plan over a month of complaints would ask for,
// takes longer than running it.
func (t *tx) useCustomPlans() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return ErrTxDone
	}
	if !t.customPlans {
		t.customPlans = true
		t.pending = append(t.pending,
			queued{op: "set plan_cache_mode", sql: "SET LOCAL plan_cache_mode = force_custom_plan"},
			queued{op: "set jit", sql: "SET LOCAL jit = off"})
	}
	return nil
}

// send runs one statement, preceded in the same round trip by BEGIN (when the transaction has not
// started) and by the queued writes. With scan it reads rows, calling scan for each; without, it
// returns the command tag. Errors are the driver's, unmapped, except that a failed queued write is
// mapped and named.
func (t *tx) send(ctx context.Context, scan func(pgx.Rows) error, sql string, args ...any) (pgconn.CommandTag, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return pgconn.CommandTag{}, ErrTxDone
	}
	if t.begun && len(t.pending) == 0 {
		if scan == nil {
			return t.conn.Exec(ctx, sql, args...)
		}
		rows, err := t.conn.Query(ctx, sql, args...)
		if err != nil {
			return pgconn.CommandTag{}, err
		}
		return readRows(rows, scan)
	}
	br, pendErr := t.sendPrefixed(ctx, sql, args)
	var (
		tag pgconn.CommandTag
		err = pendErr
	)
	if err == nil {
		if scan == nil {
			tag, err = br.Exec()
		} else {
			var rows pgx.Rows
			if rows, err = br.Query(); err == nil {
				tag, err = readRows(rows, scan)
			}
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// sendPrefixed sends BEGIN (if needed), the queued writes and then sql as one batch, and reads the
// results up to, not including, sql's. The caller reads sql's result and closes the batch.
func (t *tx) sendPrefixed(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	if !t.begun {
		b.Queue(t.begin)
	}
	for _, q := range t.pending {
		b.Queue(q.sql, q.args...)
	}
	b.Queue(sql, args...)
	br := t.conn.SendBatch(ctx, b)
	pending := t.pending
	t.pending = nil
	if !t.begun {
		t.begun = true
		if _, err := br.Exec(); err != nil {
			return br, err
		}
	}
	for _, q := range pending {
		if _, err := br.Exec(); err != nil {
			return br, mapErr(q.op, err)
		}
	}
	return br, nil
}

// readRows calls scan for each row and closes rows.
func readRows(rows pgx.Rows, scan func(pgx.Rows) error) (pgconn.CommandTag, error) {
	var err error
	for rows.Next() {
		if err = scan(rows); err != nil {
			break
		}
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	return rows.CommandTag(), err
}

// query runs a statement that returns rows; see send.
func (t *tx) query(ctx context.Context, scan func(pgx.Rows) error, sql string, args ...any) error {
	_, err := t.send(ctx, scan, sql, args...)
	return err
}

// exec runs a statement that returns no rows; see send.
func (t *tx) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.send(ctx, nil, sql, args...)
}

func (t *tx) commit(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return ErrTxDone
	}
	t.done = true
	if !t.begun && len(t.pending) == 0 {
		return nil
	}
	var (
		tag pgconn.CommandTag
		err error
	)
	if len(t.pending) == 0 {
		tag, err = t.conn.Exec(ctx, "COMMIT")
	} else {
		var br pgx.BatchResults
		br, err = t.sendPrefixed(ctx, "COMMIT", nil)
		if err == nil {
			tag, err = br.Exec()
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return mapErr("commit", err)
	}
	if tag.String() != "COMMIT" {
		return ErrTxAborted
	}
	return nil
}

// rollbackTimeout bounds a rollback, which runs even when the caller's context is already done.
const rollbackTimeout = 5 * time.Second

func (t *tx) rollback() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done = true
	t.pending = nil
	if !t.begun || t.conn.IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), rollbackTimeout)
	defer cancel()
	if _, err := t.conn.Exec(ctx, "ROLLBACK"); err != nil {
		// The connection is in an unknown state: close it so the pool never reuses it.
		_ = t.conn.Close(ctx)
	}
}

// PostgreSQL error codes the adapter maps to contract errors.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// mapErr turns a driver error into a contract error where one applies, keeping the driver error in the
// chain: no rows or a foreign-key violation (a row naming a complaint that does not exist) is
// storage.ErrNotFound, a unique violation storage.ErrDuplicate, a serialization failure or deadlock
// storage.ErrConflict. Our own sentinels pass through unchanged.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrTxDone) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, storage.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case codeUniqueViolation:
			return fmt.Errorf("postgres: %s: %w: %w", op, storage.ErrDuplicate, err)
		case codeForeignKeyViolation:
			return fmt.Errorf("postgres: %s: %w: %w", op, storage.ErrNotFound, err)
		case codeSerializationFailure, codeDeadlockDetected:
			return fmt.Errorf("postgres: %s: %w: %w", op, storage.ErrConflict, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// nullTime stores the zero time as NULL and any other time normalised.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return storage.Time(t)
}
