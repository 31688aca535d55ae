// Package storage is the contract between redress and the databases it runs on.
//
// The Desk needs a handful of operations (complaints, their events, SLA timers, the webhook outbox and
// the aggregate counts that insight works on), and it needs them atomic: a complaint change, its events,
// its timers and its outbox rows commit together or not at all. The contract says so with closure
// transactions in the style of bolt:
//
//	err := store.Update(ctx, func(tx storage.Tx) error {
//		if err := tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{...}); err != nil {
//			return err // rolls back
//		}
//		return tx.EventAppend(ctx, &storage.EventAppendParams{...})
//	}) // commits when fn returns nil; rolls back on error or panic
//
// Every operation is NounVerb(ctx, *NounVerbParams). Every Params names the tenant (reads of another
// tenant's rows find nothing), and operations that depend on time take Now from the caller: stores never
// read the clock. Timestamps are stored in UTC with microsecond precision so every adapter returns
// exactly what the others would.
//
// Errors callers branch on are sentinels checked with errors.Is: [ErrNotFound], [ErrConflict] (stale
// ExpectedVersion, an event sequence number already taken, or a transaction the database refused to
// serialize), [ErrDuplicate] (reused ID, tracking code or external reference), [ErrBadCursor] and
// [ErrInvalid] (a caller bug such as an empty tenant; every Params type has a Validate method that
// adapters call first). Adapters wrap driver errors with %w.
//
// # Details every adapter honours
//
// storagetest enforces each of these:
//
//   - Stored forms: times are normalised with [Time] and the zero time stays zero; empty attachments,
//     tags, custom fields, event attributes and payloads come back nil; order within slices is kept.
//   - Complaint IDs are unique across tenants and compare byte by byte (PostgreSQL: COLLATE "C").
//   - ComplaintUpdate keeps the stored channel, external reference, tracking code and creation time; a
//     complaint of another tenant is ErrNotFound.
//   - EventAppend and TimerSet on a complaint the tenant does not have are ErrNotFound. A batch append is
//     all or nothing; a sequence number repeated within a batch is ErrConflict. Listing the events or
//     timers of an unknown complaint returns nothing and no error.
//   - Orders: TimerList by due time then kind; TimerClaimDue by due time, tenant, complaint ID, kind;
//     OutboxClaim by creation time then ID.
//   - Outbox: a zero NextAttemptAt at enqueue means CreatedAt; a new message has no attempts, no error
//     and is not dead; dead messages are never claimed but stay until acknowledged.
//   - ComplaintPage.Next is empty exactly when no row follows. ComplaintCount reports unset values under
//     the key "". Zero window bounds mean no bound.
//   - A failed operation changes nothing and leaves the transaction usable (PostgreSQL adapters need
//     savepoints or statements that cannot fail for this).
//   - Update under a cancelled context commits nothing and returns an error matching the context's.
//     After Close, Update and View return an error without running fn.
//
// Lists are keyset-paged: a page carries an opaque cursor that continues after its last row, so rows
// inserted while a caller pages never shift or repeat what it sees.
//
// # The closed loop
//
// [ClosedLoopReadTx] and [ClosedLoopTx], embedded in ReadTx and Tx, hold what follows a complaint's
// resolution: problem records (rca.Problem: root cause and corrective actions, versioned like
// complaints, listed with ProblemList and found by the overdue scanner with ProblemListDue, which spans
// tenants when Tenant is empty), satisfaction surveys (feedback.Survey: inserted only for a complaint
// of the tenant, found by ID or by the SHA-256 of the link token, which is unique in the store; the
// version check on SurveyUpdate makes a link single-use), and the KPI inputs FeedbackTally (score
// counts per group, by the complaint's current values or the UTC day of the answer) and
// ComplaintTimes (per-complaint milestones for percentiles). The records are stored whole, normalised
// as complaints are; ProblemUpdate keeps the creation time and SurveyUpdate the complaint, token hash
// and kinds. A window whose bounds are both set must not be empty, and a malformed token hash is
// [ErrInvalid].
//
// # Adapters
//
// storage/memory (tests, demos), storage/sqlite (the embedded default) and storage/postgres implement
// the contract. A third party's adapter proves itself by calling storagetest.Run from its own test; the
// suite is the normative statement of everything written here.
package storage
