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
// ExpectedVersion, or an event sequence number already taken), [ErrDuplicate] (reused ID, tracking code
// or external reference) and [ErrBadCursor]. Adapters wrap driver errors with %w.
//
// Lists are keyset-paged: a page carries an opaque cursor that continues after its last row, so rows
// inserted while a caller pages never shift or repeat what it sees.
//
// # Adapters
//
// storage/memory (tests, demos), storage/sqlite (the embedded default) and storage/postgres implement
// the contract. A third party's adapter proves itself by calling storagetest.Run from its own test; the
// suite is the normative statement of everything written here.
package storage
