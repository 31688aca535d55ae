// Package sqlite is redress's embedded store: the whole contract of package storage in one SQLite file,
// with no server to run and no cgo (it uses modernc.org/sqlite, SQLite compiled to Go).
//
// It is the default because most deployments of redress are one process on one machine, and for them a
// file next to the binary is the store that "just works": [Open] creates it on first use, migrates it on
// every start, and refuses anything it should not touch. Deployments that outgrow one machine move to
// storage/postgres; both pass the same conformance suite (storagetest.Run).
//
//	s, err := sqlite.Open(ctx, "/var/lib/redress/redress.db")
//	if err != nil {
//		return err // a foreign or newer file, a read-only file, a missing directory ...
//	}
//	defer s.Close()
//	desk, err := redress.New(s, cfg)
//
// # Durability
//
// The file runs in write-ahead-log (WAL) mode. By default a commit runs with synchronous=FULL: the log
// is fsynced before Update returns, so a complaint whose intake returned survives a crash of the
// process (kill -9), of the kernel, and a power cut. That costs one fdatasync per commit (about 200 µs
// on the reference machine, see BASELINES.md).
//
// [Config.Synchronous] = [SyncNormal] skips that fsync and syncs only when the log is checkpointed into
// the database file. A commit then still survives a crash of the process (the log is in the operating
// system's cache, and SQLite recovers it on the next open), but a power cut or kernel panic can lose the
// commits made since the last checkpoint (the log is checkpointed every 1000 pages by default: a few
// dozen intakes, each of which writes some twenty pages). It never corrupts the file: what is lost is lost whole, transaction by
// transaction, and the file opens consistent. Choose it when losing the last second of intake on a power
// cut is acceptable and the throughput matters: BASELINES.md measured 2.7 times the commit rate for a
// bare complaint-and-event row pair; with this schema, whose intake commit writes some twenty pages
// (the record, its indexes, tags and event), BenchmarkInsert measured about 1.25 times. [SyncExtra] adds a directory sync for file systems that need one.
//
// # Group commit
//
// With one fsync per commit, concurrent writers would queue behind each other's fsyncs. Instead,
// Updates that arrive while a transaction is running share the next one (up to [Config.MaxGroup]):
// each fn runs in its caller's goroutine, in turn, under its own savepoint, and one commit makes them
// all durable before any of their Updates returns. A fn that fails or panics rolls back its savepoint
// only; a commit that fails fails every member. Durability is unchanged (nothing is acknowledged
// before its fsync); the effect is that of the Updates run one after the other, and the fsync cost is
// shared. MaxGroup 1 turns it off.
//
// # Concurrency
//
// A Store holds two database/sql pools on the file:
//
//   - one write connection (MaxOpenConns 1). Every [Store.Update] runs on it in a BEGIN IMMEDIATE
//     transaction, so writers of one Store never meet SQLite's lock at all: they wait for the
//     connection in database/sql (each bounded by its ctx) and run one at a time. There is no deadlock on
//     a read-to-write upgrade and no SQLITE_BUSY between them. Because claims run in these serialised
//     transactions, two transactions never claim the same timer or outbox message.
//   - up to [Config.MaxReaders] query-only connections for [Store.View]. In WAL mode readers never block
//     the writer nor each other; each View reads one snapshot, the state committed when its first query
//     ran.
//
// One writer at a time is what SQLite can do anyway (it has one write lock per file); waiting for the
// connection is cheap, where contending for the lock would mean SQLITE_BUSY and retry loops. Another process that opens the same file
// contends through SQLite's lock, and waits up to [Config.BusyTimeout] for it before failing with
// [ErrBusy].
//
// An Update must not call Update on the same Store (with one write connection it would wait for
// itself until its ctx ends). It may call View, which does not see its uncommitted writes.
//
// # File layout
//
// The store is the file at the path given to Open plus, while it is open, two files beside it:
// path-wal (the log) and path-shm (the log's index in shared memory). The directory must be writable.
// Close checkpoints the log into the file and removes both; after a crash they are recovered on the
// next open, so never delete them by hand. To back up a live store, run VACUUM INTO on [Store.DB]; a
// plain copy of the file alone may miss committed transactions still in the log.
//
// Inside, the file carries SQLite's application ID 0x72647273 ("rdrs", [ApplicationID]) and a
// schema_migrations table. Complaints are stored whole as encoding/json of complaint.Complaint in a body
// column, with copies of the fields that queries filter, order and aggregate on in columns of their
// own (tenant, id, tracking_code, channel, external_ref, status, queue, assignee, category, customer_id,
// severity, created_at, the acknowledgement and resolution times, reopened, repeat_of, breached,
// version); tags have a table of their own (complaint_tags), so that a tags filter is an index probe,
// filled by triggers from the body. Events, timers and outbox messages are plain tables. Problem
// records (problems) and satisfaction surveys (surveys) follow the complaints' pattern: the record as
// JSON in a doc column, the queried fields in columns of their own, and, for the complaints a problem
// groups, a problem_complaints table filled by triggers from the document. Times are INTEGER
// microseconds since the Unix epoch, UTC, which is the precision storage.Time promises.
//
// Each operation of a transaction is atomic on its own, as the storage contract asks: a complaint's
// or a problem's insert or update is one statement (tags and complaint links follow by trigger inside
// it), a batch of events or outbox messages one multi-row INSERT (batches over 200 rows run under a
// savepoint). An operation that fails leaves the transaction as it was, and usable.
//
// # Migrations
//
// The schema is built by numbered SQL files embedded in the binary (migrations/0001_init.sql, ...).
// [Migrate], which Open calls, applies the pending ones in order, each in its own transaction together
// with its row in schema_migrations; they are forward-only. Before it writes anything it checks the
// file: an empty file becomes a redress database; a file with another application's tables (or no
// SQLite header at all) is [ErrForeignDatabase]; a file that a newer redress migrated further than this
// one knows is [ErrSchemaTooNew] (a [*SchemaVersionError]); a file or directory without write permission
// is [ErrReadOnly]. In each of these cases the file is left exactly as it was.
//
// # Indexes and queries
//
// Every query the Desk makes on a hot path is answered along an index, and a test checks SQLite's
// EXPLAIN QUERY PLAN for each: claiming due timers (timers_due, and timers_tenant_due for one tenant);
// looking up by ID, tracking code or external reference (unique indexes); list pages, newest first with
// a keyset cursor on (created_at, id), one index per filter ending in (created_at, id) so that a page
// reads only its own rows, with the open statuses of a queue or an assignee as a merge of one ordered
// arm per status; counts and KPI sums over a creation window (the (tenant, created_at, id, category)
// index covers the Pareto of categories). Lists never use OFFSET.
//
// The closed loop is indexed the same way. problems.next_report holds rca.Problem.NextReport (NULL
// when no open action is left to report), recomputed on every write, so the overdue scan
// (ProblemListDue) reads the head of a partial index (problems_due, problems_tenant_due); problem lists
// page along (tenant, created_at, id) or (tenant, status, created_at, id), and "the problems of a
// complaint" starts from problem_complaints. A survey is found by its token hash through a unique
// index, a complaint's surveys through (tenant, complaint_id, scheduled_at, id). The scores of an
// answer are copied into csat, nps and ces columns, and FeedbackTally groups an answer window of the
// covering partial index surveys_answered in SQL; ComplaintTimes reads the creation window in order.
//
// # Errors
//
// Operations return the storage sentinels (storage.ErrNotFound, ErrConflict, ErrDuplicate,
// ErrBadCursor, ErrInvalid) wrapped with context: a reused complaint ID, tracking code or external
// reference is ErrDuplicate, and so are a reused problem or survey ID and a reused survey token hash;
// a reused event sequence number, or a stale version of a complaint, problem or survey, is
// ErrConflict; an event, timer or survey of a complaint that does not exist is ErrNotFound. Driver
// errors are wrapped with %w, and lock and permission failures also match [ErrBusy] and [ErrReadOnly].
package sqlite
