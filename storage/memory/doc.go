// Package memory is an in-memory [storage.Store]: the store for tests, examples and demos, and the
// reference that the conformance suite (storage/storagetest) is checked against first.
//
// It favours being obviously correct over being fast. Nothing is persisted; [Store.Close] drops
// everything.
//
// # Transactions
//
// One sync.RWMutex guards the whole store. [Store.Update] holds the write lock for the whole closure, so
// read-write transactions run one at a time and never conflict with each other: a stale
// ExpectedVersion is still [storage.ErrConflict], but two transactions never overlap. Every write records
// its inverse in an undo log; when the closure returns an error or panics, the log is replayed backwards
// and the store is exactly as it was (the panic then continues). [Store.View] holds the read lock, so
// views run in parallel and each sees one consistent state.
//
// A closure must not call Update or View on the same store: the lock is not re-entrant and the call
// would deadlock.
//
// # Records
//
// Records are deep-copied on the way in and on the way out (complaint.Complaint.Clone, event attributes,
// outbox payloads, rca.Problem.Clone, survey kinds and scores), so neither the caller nor the store can
// change the other's data. Stored values are never changed in place; a change stores a new value,
// which is what makes the undo log correct.
//
// # Cost
//
// Lookups by ID, tracking code, external reference and survey token hash are map lookups.
// ComplaintCount, ComplaintStats and ComplaintTimes scan the tenant's compact aggregate rows (kept
// beside the records, in insertion order, with interned columns): about 1.5 ms for a Pareto of 100,000
// complaints. ComplaintList, TimerClaimDue, OutboxClaim, ProblemList, ProblemListDue, SurveyList and
// FeedbackTally scan every record of their kind: fine for the thousands of rows of a test or a demo,
// not for production volumes (use storage/sqlite or storage/postgres). ProblemListDue computes rca.Problem.NextReport on the fly where the SQL stores
// keep it in an indexed column.
package memory
