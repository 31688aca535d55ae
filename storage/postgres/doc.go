// Package postgres stores redress complaints in PostgreSQL, for deployments that outgrow one machine:
// several redressd replicas (or several embedding services) share one database, and the due-timer
// scanner and the outbox relay of each replica take disjoint work from it.
//
// It implements [storage.Store] with github.com/jackc/pgx/v5 and pgxpool, and passes the whole
// storagetest conformance suite. It is tested on PostgreSQL 15 and uses no feature newer than
// PostgreSQL 12.
//
// # Opening
//
// [Open] takes a connection string, creates a pool, checks that the server answers and migrates;
// [Store.Close] closes that pool. [New] takes a pool the caller owns and configured (size, TLS,
// tracing) and migrates; Close then leaves the pool open.
//
//	s, err := postgres.Open(ctx, "postgres://redress@db.internal:5432/crm?search_path=redress")
//
// The tables live in the first schema of the connection's search_path, so one database can hold
// several independent redress schemas (the tests create one per test). The schema must exist. Pool
// settings come from the DSN as pgxpool reads them: every transaction holds a connection, and the
// default pool has max(4, number of CPUs) of them, so set pool_max_conns to the number of concurrent
// writers a replica should sustain. Open also turns JIT compilation off for its sessions unless the
// DSN sets jit: redress's queries are short, and compiling one can cost more than running it (a pool
// given to New keeps whatever the caller configured; jit=off is recommended there too).
//
// Statements are prepared once per connection (pgx's statement cache). Statements write their LIMIT
// into the SQL text rather than binding it, so the generic plans PostgreSQL keeps for prepared
// statements estimate small results; lists and aggregates, whose cost depends on the filter values,
// are planned for their actual arguments every time, without JIT. On a brand-new database the first
// plans are made for empty tables; autovacuum analyzes a table after its first few dozen rows, which
// makes PostgreSQL plan the prepared statements again. Inserts of events and timers for a complaint
// the transaction already touched skip the existence check, so the intake path does no lookup at all
// beyond the unique-index checks of its inserts.
//
// A DSN that cannot be parsed is [ErrBadDSN]; a server that cannot be reached or refuses the login
// is [ErrConnect], with a message naming host, port, database and user but never the password.
//
// # Migrations
//
// The schema is built by numbered SQL files embedded in the binary (migrations/0001_init.sql, ...).
// [Migrate] applies the pending ones in order, each in its own transaction together with its row in
// schema_migrations, holding a transaction-scoped advisory lock keyed by the schema name: replicas that
// start together apply each migration once, the others wait and then find nothing to do. Migrations
// only go forward. A schema migrated by a newer redress is refused with a [*SchemaVersionError]
// ([ErrSchemaTooNew]); a schema holding tables of the same names that redress did not create is refused
// with [ErrForeignSchema]; in both cases nothing is changed.
//
// # Tables and indexes
//
// complaints keeps each complaint as a JSON record plus plain columns for what queries filter, sort and
// aggregate on. Fields that never change after intake (tracking code, channel, external reference,
// creation time) are read from their columns, which updates leave alone. Text columns use COLLATE "C"
// so rows sort by bytes, as in every other adapter, whatever the database locale. The indexes follow
// the Desk's queries:
//
//   - (tenant, tracking_code) and (tenant, channel, external_ref) for non-empty references are unique
//     and serve the two lookups; id is the primary key (IDs are ULIDs, unique across tenants);
//   - (tenant, created_at, id) INCLUDE (category, queue, assignee, channel, status, severity) serves the
//     unfiltered list and every aggregate over a creation window (ComplaintCount by any dimension is an
//     index-only scan once vacuum has marked the pages all-visible);
//   - one (tenant, column, created_at, id) index per list filter (status, queue, assignee, category,
//     channel, customer), (tenant, queue, status, created_at, id) and (tenant, assignee, status,
//     created_at, id) for work lists, and a GIN index on tags. A list with several statuses reads one
//     index range per status through a LATERAL join and merges them, so no page sorts a whole status.
//
// The closed loop follows the same pattern. problems keeps next_report, rca.Problem.NextReport (NULL
// when no open action is left to report), recomputed on every write, so ProblemListDue reads the head of
// a partial index (problems_due, or problems_tenant_due for one tenant); problem lists page along
// (tenant, created_at, id) or (tenant, status, created_at, id); problem_complaints, written in the same
// statement as its problem, serves "the problems of a complaint". surveys has a unique index on the
// token hash, (tenant, complaint_id, scheduled_at, id) for a complaint's surveys, and a partial index
// over answered surveys, (tenant, answered_at) INCLUDE (complaint_id, csat, nps, ces), so that
// FeedbackTally over an answer window is an index-only scan grouped in SQL (joined to complaints by
// primary key when it groups by a complaint dimension). A survey's complaint must exist: the insert
// checks it in the statement, and a foreign key keeps it so.
//
// events has the primary key (tenant, complaint_id, seq). timers (primary key tenant, complaint_id,
// kind) holds only pending due times; timers_due (due_at, ...) makes "earliest due" the head of an index
// without a partial index, because claimed timers leave the table. outbox has a partial index on
// next_attempt_at WHERE NOT dead. A test runs EXPLAIN on every hot query, under custom and generic
// plans, and fails on a sequential scan of complaints, timers, outbox, problems, problem_complaints or
// surveys.
//
// # Transactions
//
// [Store.Update] runs a READ COMMITTED transaction; optimistic versions (ComplaintUpdate's
// ExpectedVersion) and row locks give the contract's guarantees: of two concurrent updates of one
// complaint, the second waits for the first and then conflicts. [Store.View] runs REPEATABLE READ READ
// ONLY, so all its reads see one snapshot. BEGIN is sent in the same round trip as the first statement
// of the closure, so an intake (complaint, events, timers, outbox) costs one round trip per operation
// plus COMMIT, and a closure that runs nothing costs none.
//
// Operations that fail in a way the contract names (a duplicate, a conflict, a missing complaint) do
// not abort the PostgreSQL transaction: inserts use ON CONFLICT DO NOTHING and existence checks inside
// the statement, and a multi-row append that half succeeded takes its rows back. So a caller may go on
// after storage.ErrDuplicate, as the Desk's idempotent intake does (insert, and on a duplicate read the
// complaint that won). If fn returns nil although a statement failed otherwise (PostgreSQL aborted the
// transaction), Update returns [ErrTxAborted] and nothing is committed.
//
// Driver errors are mapped: no rows or a foreign-key violation is storage.ErrNotFound, a unique
// violation storage.ErrDuplicate, a serialization failure or deadlock storage.ErrConflict; the driver's
// error stays in the chain.
//
// # Scanners on several replicas
//
// TimerClaimDue deletes the earliest due timers with SELECT ... FOR UPDATE SKIP LOCKED inside the
// DELETE, and OutboxClaim leases messages the same way: a row locked by another replica's open
// transaction is skipped, not waited for, so replicas never block each other and never get the same
// timer; a rolled-back claim puts its timers back. Tests prove it with two stores on separate pools.
//
// # Testing
//
// The tests need a server: set REDRESS_POSTGRES_DSN (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable); without it they skip and say so. Each test
// creates a schema of its own and drops it afterwards. BenchmarkInsert (a complaint and its event)
// and BenchmarkIntake (plus three timers and an outbox message) compare the adapter with bare pgx
// transactions inserting the same rows, at 1 and 16 writers, in the same run.
package postgres
