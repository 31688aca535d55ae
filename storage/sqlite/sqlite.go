package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/redresshq/redress/storage"
)

// Synchronous is SQLite's synchronous setting: how hard a commit pushes the write-ahead log to stable
// storage before it returns. See the package documentation, "Durability".
type Synchronous string

// Synchronous levels. The zero value of [Config] means [SyncFull].
const (
	// SyncFull syncs the log at every commit: a commit that returned survives a process crash and a
	// power cut. The default.
	SyncFull Synchronous = "FULL"
	// SyncNormal syncs the log only at checkpoints: a commit that returned survives a process crash
	// (kill -9), but a power cut or kernel panic can lose the last commits (never corrupt the file).
	// About 2.7 times the commit rate of SyncFull on a disk whose fdatasync takes 200 µs.
	SyncNormal Synchronous = "NORMAL"
	// SyncExtra is SyncFull plus a sync of the directory after the log is reset; for file systems that
	// need it to keep a deleted-and-recreated log.
	SyncExtra Synchronous = "EXTRA"
)

// Defaults applied by [Config] for zero fields.
const (
	DefaultBusyTimeout  = 5 * time.Second
	DefaultCacheSizeKiB = 8 << 10 // 8 MiB per connection
	DefaultMaxGroup     = 64
)

// Config holds the knobs of [OpenWith]. The zero value is the configuration [Open] uses.
type Config struct {
	// Synchronous is the durability of a commit; empty means SyncFull.
	Synchronous Synchronous
	// BusyTimeout is how long a statement waits for a lock held by another process (or by a
	// connection this store does not own) before it fails; 0 means DefaultBusyTimeout. Writers of one
	// Store never wait on each other through it: they queue for the store's single write connection.
	BusyTimeout time.Duration
	// MaxReaders bounds the connections that serve View transactions; 0 means max(4, GOMAXPROCS).
	MaxReaders int
	// CacheSizeKiB is SQLite's page cache per connection in KiB; 0 means DefaultCacheSizeKiB.
	CacheSizeKiB int
	// MaxGroup is how many concurrent Updates may share one transaction and its commit (group
	// commit, see [Store.Update]); 0 means DefaultMaxGroup, 1 gives every Update its own transaction.
	MaxGroup int
}

// ErrConfig is returned (wrapped) by [OpenWith] for a Config it cannot use.
var ErrConfig = errors.New("sqlite: invalid config")

// withDefaults returns c with zero fields filled in, or an error matching ErrConfig.
func (c Config) withDefaults() (Config, error) {
	switch c.Synchronous {
	case "":
		c.Synchronous = SyncFull
	case SyncFull, SyncNormal, SyncExtra:
	default:
		return c, fmt.Errorf("%w: synchronous %q (want FULL, NORMAL or EXTRA)", ErrConfig, c.Synchronous)
	}
	switch {
	case c.BusyTimeout < 0:
		return c, fmt.Errorf("%w: negative busy timeout %v", ErrConfig, c.BusyTimeout)
	case c.BusyTimeout == 0:
		c.BusyTimeout = DefaultBusyTimeout
	}
	switch {
	case c.MaxReaders < 0:
		return c, fmt.Errorf("%w: negative MaxReaders %d", ErrConfig, c.MaxReaders)
	case c.MaxReaders == 0:
		c.MaxReaders = max(4, runtime.GOMAXPROCS(0))
	}
	switch {
	case c.CacheSizeKiB < 0:
		return c, fmt.Errorf("%w: negative CacheSizeKiB %d", ErrConfig, c.CacheSizeKiB)
	case c.CacheSizeKiB == 0:
		c.CacheSizeKiB = DefaultCacheSizeKiB
	}
	switch {
	case c.MaxGroup < 0:
		return c, fmt.Errorf("%w: negative MaxGroup %d", ErrConfig, c.MaxGroup)
	case c.MaxGroup == 0:
		c.MaxGroup = DefaultMaxGroup
	}
	return c, nil
}

// Store is a redress database in one SQLite file. It is safe for concurrent use; see the package
// documentation for how it schedules readers and writers.
type Store struct {
	path   string
	cfg    Config
	w      *sql.DB   // one connection: every Update runs on it, BEGIN IMMEDIATE
	r      *sql.DB   // up to cfg.MaxReaders query-only connections for View
	wStmts stmtCache // statements prepared on w
	rStmts stmtCache // statements prepared on r
	closed atomic.Bool

	gmu    sync.Mutex   // guards open and openN
	open   *group       // the group new Updates join, until its leader seals it
	openN  int          // members of open, leader included
	groups atomic.Int64 // transactions ended by group commit (for tests)
	onJoin func()       // called under gmu when an Update joins a group (for tests)
}

var _ storage.Store = (*Store)(nil)

// Open opens the redress database at path, creating the file when it does not exist, with the zero
// [Config]: synchronous=FULL, WAL journal, foreign keys on, a 5 s busy timeout. It applies pending
// migrations before it returns.
//
// Open refuses, without changing the file: a file that is not a SQLite database or is a SQLite
// database of another application ([ErrForeignDatabase]); a redress database written by a newer
// version of this package ([ErrSchemaTooNew], with a [*SchemaVersionError]); a file, or a directory,
// that cannot be written ([ErrReadOnly]). A path whose directory does not exist is an error matching
// fs.ErrNotExist. ctx bounds the opening and the migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWith(ctx, path, Config{})
}

// OpenWith is [Open] with a [Config]. A Config it cannot use is an error matching [ErrConfig].
func OpenWith(ctx context.Context, path string, cfg Config) (*Store, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("%w: path %q: a Store needs a file (its readers and writer share it)", ErrConfig, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := checkFile(abs); err != nil {
		return nil, err
	}

	s := &Store{path: abs, cfg: cfg}
	s.w, err = sql.Open("sqlite", dsn(abs, cfg, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxIdleTime(0)
	s.w.SetConnMaxLifetime(0)

	if err := s.prepare(ctx); err != nil {
		_ = s.w.Close()
		return nil, err
	}

	s.r, err = sql.Open("sqlite", dsn(abs, cfg, true))
	if err != nil {
		_ = s.w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	s.r.SetMaxOpenConns(cfg.MaxReaders)
	s.r.SetMaxIdleConns(cfg.MaxReaders)
	s.r.SetConnMaxIdleTime(0)
	s.r.SetConnMaxLifetime(0)
	if err := s.r.PingContext(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlite: open %s for reading: %w", abs, mapOpenError(err))
	}
	if s.wStmts, err = prepareAll(ctx, s.w); err != nil {
		_ = s.Close()
		return nil, err
	}
	if s.rStmts, err = prepareAll(ctx, s.r); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// prepare checks that the file is ours (or empty) and writable, switches it to WAL and migrates it.
// Nothing is written before the checks pass.
func (s *Store) prepare(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, mapOpenError(err))
	}
	st, err := inspect(ctx, conn)
	if err != nil {
		_ = conn.Close()
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	if err := st.check(); err != nil {
		_ = conn.Close()
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	// A write lock taken and released changes nothing but proves the file and its directory writable.
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		_ = conn.Close()
		return fmt.Errorf("sqlite: open %s: %w", s.path, mapOpenError(err))
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		_ = conn.Close()
		return fmt.Errorf("sqlite: open %s: %w", s.path, mapOpenError(err))
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		_ = conn.Close()
		return fmt.Errorf("sqlite: open %s: set WAL: %w", s.path, mapOpenError(err))
	}
	if mode != "wal" {
		_ = conn.Close()
		return fmt.Errorf("sqlite: open %s: journal mode is %q after asking for WAL", s.path, mode)
	}
	if err := conn.Close(); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	if err := Migrate(ctx, s.w); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.path, err)
	}
	return nil
}

// dsn builds the connection string. Every connection gets the busy timeout, foreign keys and the
// synchronous level; the writer begins its transactions IMMEDIATE, readers are query-only.
func dsn(path string, cfg Config, reader bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(cfg.BusyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous("+string(cfg.Synchronous)+")")
	q.Add("_pragma", "cache_size(-"+strconv.Itoa(cfg.CacheSizeKiB)+")")
	q.Add("_pragma", "temp_store(MEMORY)")
	if reader {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	if u.Path != "" && u.Path[0] != '/' { // a Windows drive letter: file:///C:/...
		u.Path = "/" + u.Path
	}
	return u.String()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// DB returns the store's write connection pool (one connection), for tools that need SQL the Store
// does not offer, such as backups (VACUUM INTO) or ad hoc reports. A transaction held on it blocks
// every Update.
func (s *Store) DB() *sql.DB { return s.w }

// ErrClosed is returned by Update and View after Close.
var ErrClosed = errors.New("sqlite: store is closed")

// Update runs fn in a write transaction on the store's single write connection (BEGIN IMMEDIATE), so
// concurrent Updates run one at a time. It returns nil only once fn's writes are committed; when fn
// returns an error, which Update returns unchanged, or panics, which it re-raises, fn's writes are
// rolled back. A failed begin or commit is returned wrapped (a context that ended matches its
// ctx.Err()), with busy and read-only conditions also matching [ErrBusy] and [ErrReadOnly]. After
// Close it returns [ErrClosed].
//
// Updates that arrive while another commits share the next transaction (group commit, up to
// Config.MaxGroup): each fn runs in its caller's goroutine, one after the other, under its own
// savepoint, and one commit — one fsync — makes them all durable. A failing fn undoes only its own
// writes; a failed commit fails every member. The effect is that of running them one by one.
//
// fn must not call Update on the same Store: with one write connection that waits forever (until ctx
// ends). It may call View, which sees the last committed state, not fn's uncommitted writes.
func (s *Store) Update(ctx context.Context, fn func(storage.Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if s.cfg.MaxGroup > 1 {
		return s.updateGrouped(ctx, fn)
	}
	stx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin write transaction: %w", mapError(err))
	}
	done := false
	defer func() {
		if !done { // fn panicked: roll back and let the panic continue
			_ = stx.Rollback()
		}
	}()
	t := &tx{readTx{q: stx, stmts: s.wStmts}}
	if err := fn(t); err != nil {
		done = true
		_ = stx.Rollback()
		return err
	}
	done = true
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", mapError(err))
	}
	return nil
}

// View runs fn in a read transaction on one of the reader connections. The transaction sees one
// snapshot: the state committed when its first query ran, whatever commits after. Views run in
// parallel with each other and with an Update. The error from fn is returned unchanged; after Close
// View returns [ErrClosed].
func (s *Store) View(ctx context.Context, fn func(storage.ReadTx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	stx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read transaction: %w", mapError(err))
	}
	defer func() { _ = stx.Rollback() }() // a read transaction has nothing to commit
	return fn(&readTx{q: stx, stmts: s.rStmts})
}

// Close releases the file: later Updates and Views return [ErrClosed], and both connection pools are
// closed (a transaction still running finishes, or fails, on its connection first). The last
// connection to close checkpoints the log into the database file and removes the -wal and -shm files.
// Calling Close again returns nil.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.wStmts.close()
	s.rStmts.close()
	var errs []error
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, err)
	}
	return nil
}

// stmtCache holds the statements of [staticQueries], prepared once per pool when the store opens
// (preparing later could wait for a connection that the caller's own transaction holds).
// database/sql prepares a statement lazily on each further connection of the pool that runs it and
// reuses it in transactions on that connection. The map is read-only after Open.
type stmtCache map[string]*sql.Stmt

func prepareAll(ctx context.Context, db *sql.DB) (stmtCache, error) {
	c := make(stmtCache, len(staticQueries))
	for _, q := range staticQueries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			c.close()
			return nil, fmt.Errorf("sqlite: prepare %q: %w", q, err)
		}
		c[q] = st
	}
	return c, nil
}

func (c stmtCache) close() {
	for _, st := range c {
		_ = st.Close()
	}
}
