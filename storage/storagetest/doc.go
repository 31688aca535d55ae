// Package storagetest is the conformance suite for storage adapters: the normative statement of the
// contract in package storage. Every adapter redress ships (memory, sqlite, postgres) passes it, and a
// third party proves an adapter of their own by calling [Run] from a test:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store {
//			s := myadapter.Open(t.TempDir())
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// The shape is that of testing/slogtest and River's driver tests: one exported entry point, one file per
// area, each case a parallel subtest with a fresh store. There are no feature flags and no skips: an
// adapter implements the whole contract or fails. Errors are checked with errors.Is against the
// sentinels of package storage, never by their text.
//
// The package is an ordinary (non-test) package so adapters can import it; it depends on testing and
// testify, and on no database driver.
//
// # Areas
//
//   - Complaint (complaints.go): round trip of every field, lookups by tracking code and external
//     reference, duplicates, idempotent intake, updates with ExpectedVersion, racing updates (one winner
//     per version, no event lost), tenant isolation, no aliasing of stored records.
//   - Event (events.go): append and list in sequence order, AfterSeq, PublicOnly, Limit, duplicate
//     sequence numbers, unknown complaints, tenant isolation.
//   - List (list.go): every filter alone and combined, newest first with ties by ID, page limits, cursors
//     that stay stable while rows are inserted, malformed cursors.
//   - Timer (timers.go): set, move, delete, list, claims (order, limit, all tenants, consumption,
//     rollback) and two concurrent scanners that must fire every timer exactly once.
//   - Outbox (outbox.go): enqueue, claim, leases, ack, nack, dead letters, duplicate IDs, concurrent
//     relays that never share a message.
//   - Aggregate (aggregate.go): ComplaintCount by every dimension and ComplaintStats against a naive
//     computation over seeded pseudo-random data, half-open windows.
//   - Problem (problems.go): round trip of every field of a problem record (5W2H, whys, fishbone
//     causes, actions with their effectiveness checks), duplicates, updates with ExpectedVersion and
//     racing updates, tenant isolation, rollback, no aliasing; ProblemList filters, order and cursors
//     stable while rows are inserted; ProblemListDue order, limit and tenants, and a report or a
//     finished action moving a problem off the list.
//   - Survey (surveys.go): round trip by ID and by token hash, surveys of missing complaints
//     ([storage.ErrNotFound], nothing stored), duplicate IDs and token hashes (unique across tenants),
//     immutable fields, racing answers of which exactly one commits (the single-use link), tenant
//     isolation, SurveyList order, rollback, no aliasing.
//   - Loop (closedloop_aggregate.go): FeedbackTally by every grouping, following the complaints' current
//     values, half-open answer windows and UTC days; ComplaintTimes; ComplaintCount with OpenOnly and
//     BreachedOnly; ComplaintStats by queue and assignee: each against a naive computation over seeded
//     pseudo-random data.
//   - Tx (tx.go): rollback on error and on panic leaves nothing, errors returned unchanged, a transaction
//     sees its own writes, a failed operation leaves the transaction usable, View sees a consistent
//     snapshot, canceled contexts, use after Close.
//   - Invalid (invalid.go): empty tenants and broken Params are [storage.ErrInvalid] and change nothing.
//
// [Cases] lists every case by name.
//
// # What the suite pins down
//
// Where the doc comments of package storage leave room, the suite decides:
//
//   - Stores normalise what they are given: times come back in UTC truncated to microseconds
//     ([storage.Time]; the zero time stays zero) and empty attachments, tags, custom fields, event
//     attributes and outbox payloads come back nil. Order within slices is kept. [Canonical] and its
//     siblings compute the expected value.
//   - Complaint IDs are unique across tenants; tracking codes within a tenant; external references per
//     (tenant, channel) and only when non-empty. IDs order byte-wise (the suite uses ULIDs).
//   - ComplaintUpdate keeps the stored channel, external reference, tracking code and creation time
//     whatever the update says; a new version other than ExpectedVersion+1 is [storage.ErrConflict]; a
//     complaint of another tenant is [storage.ErrNotFound].
//   - EventAppend and TimerSet on a complaint that is not in the tenant are [storage.ErrNotFound]; an
//     append is all or nothing. EventList and TimerList of an unknown complaint return nothing, without
//     error.
//   - ComplaintList returns an empty Next exactly when no row follows, so paging never ends on an empty
//     page. TimerList orders by due time then kind; TimerClaimDue by due time, tenant, complaint ID,
//     kind; OutboxClaim by creation time then ID. A zero NextAttemptAt on enqueue means CreatedAt.
//     Dead messages are never claimed but stay until acknowledged.
//   - ComplaintCount files unset values under the empty key; zero window bounds are open.
//   - Problems and surveys normalise like complaints: every time (actions' included) in UTC at
//     microsecond precision, empty team, whys, causes, complaint links, actions, survey kinds and scores
//     nil ([CanonicalProblem], [CanonicalSurvey]). ProblemUpdate keeps the stored creation time;
//     SurveyUpdate keeps the stored complaint, token hash and kinds.
//   - ProblemListDue lists exactly the problems whose rca.Problem.NextReport is at or before Now, by
//     that time then ID; a Limit of 0 means [storage.DefaultListLimit]. ProblemList orders and pages as
//     ComplaintList does.
//   - FeedbackTally counts only surveys with an AnsweredAt in the window, one row per (key, kind,
//     value) ordered that way; ByDay is the UTC day of the answer; the other dimensions are the
//     complaint's current values. ComplaintTimes orders by creation time, then ID.
//   - Window bounds of FeedbackTally and ComplaintTimes, when both are set, must satisfy From < To
//     ([storage.ErrInvalid] otherwise); a token hash that is not 64 lower-case hex digits is
//     [storage.ErrInvalid].
//   - Every operation but TimerClaimDue, OutboxClaim and ProblemListDue needs a tenant; the Validate
//     methods in package storage list each check and adapters call them first.
//   - An operation that fails changes nothing and leaves the transaction usable: the caller may go on
//     and commit (PostgreSQL adapters need savepoints or conflict-free statements for this).
//   - A store may refuse one of two overlapping transactions with [storage.ErrConflict]; the concurrent
//     cases then retry, as the Desk does.
//   - Update under a canceled context commits nothing and returns an error matching context.Canceled.
//     After Close, Update and View return an error without calling fn.
//
// # Fixtures
//
// [NewComplaint], [NewEvent], [NewOutboxMessage], [NewProblem] and [NewSurvey] build valid,
// deterministic records (with Chinese and English text) around [Epoch], so adapter tests and
// benchmarks elsewhere can reuse them.
package storagetest
