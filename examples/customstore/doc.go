// Command customstore shows how to write a storage adapter of your own and prove it with the
// conformance suite. The adapter here is a file-journaled store: it keeps its state in a
// storage/memory store and makes it durable with an append-only journal, one JSON line per committed
// transaction. The program takes two complaints in through a redress Desk on a journal in a
// temporary directory, closes the store, opens it again from the journal and prints what survived
// and what the journal holds:
//
//	go run ./examples/customstore
//
// The clock, IDs and randomness are fixed so the output is the same on every run (a test compares it
// with testdata/output.golden; rewrite it with go test -update).
//
// # Writing an adapter
//
// An adapter is a type that implements [storage.Store]: Update and View run a closure in a
// transaction (commit on nil, roll back on an error or a panic and re-raise it), and the transaction
// they hand over implements [storage.Tx] or [storage.ReadTx], one method per operation, each taking a
// Params struct. Declare it, so the compiler checks it for you:
//
//	var _ storage.Store = (*Store)(nil)
//
// Every operation calls its Params' Validate method before touching its data (see storage/check.go):
// all adapters then refuse the same caller bugs with the same error, storage.ErrInvalid. Results and
// failures speak the contract's language: a missing row is storage.ErrNotFound, a stale
// ExpectedVersion storage.ErrConflict, a reused ID or reference storage.ErrDuplicate, a cursor you did
// not make storage.ErrBadCursor. Return them wrapped (fmt.Errorf with %w) so errors.Is finds them; the
// Desk decides what to do by errors.Is, never by the text. A failed operation must change nothing and
// leave the transaction usable. Times are stored UTC at microsecond precision ([storage.Time]).
//
// Then prove it. storagetest.Run runs the whole contract, each case a parallel subtest on a fresh
// store from your constructor; there are no feature flags to turn a case off. This package's
// TestConformance is the pattern:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store {
//			s, err := Open(t.Context(), filepath.Join(t.TempDir(), "redress.journal"))
//			require.NoError(t, err)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Run it under -race: the suite races updates, claims and views against each other. Then test what is
// particular to your adapter; here that is durability (store_test.go: everything comes back after a
// reopen, a torn last line is recovered, a corrupt line is refused, a failed append poisons the store).
//
// # This adapter
//
// store.go holds [Store], [Open], Update, View and Close. Update runs the memory store's Update and
// hands fn a Tx (tx.go) that forwards every call to the memory transaction and records each
// successful write, with its Params encoded as JSON at the moment of the call. When the memory
// transaction commits, the recorded writes become one line of the journal, written and fsynced before
// Update returns; a rolled-back or read-only transaction writes nothing. Because the memory store
// commits before the line is written, Update holds a mutex from the start of the transaction to the
// end of the fsync, so the journal's order is the commit order; if the append fails the store is
// poisoned ([ErrPoisoned]) until it is reopened. journal.go writes lines and replays them: [Open]
// redoes each line in its own memory transaction. The operations are deterministic given the state
// (claims replay with their recorded Now, Limit and Lease and take the same rows, which replay checks),
// so the rebuilt state is the one that was committed. A crash mid-append leaves a torn last line,
// which Open cuts off; a bad line anywhere else is a [*CorruptError] and Open refuses the file.
//
// Reads need no journal: they go straight to memory. The memory store already passes the contract,
// so this adapter passes it too; what it adds is durability, and its own tests prove that.
//
// # Limits
//
// Be honest about what this is. Everything lives in memory, and Open replays the whole journal, which
// only ever grows: start-up time and memory grow with every transaction ever committed. Writers run
// one at a time and each commit waits for an fsync. That suits small deployments, demos and teaching,
// not a million complaints; for those, use storage/sqlite or storage/postgres. A real journaled store
// would also write snapshots and compact the journal, version its line format, take a lock file so
// two processes cannot append to one journal, and check each line with a checksum rather than rely on
// JSON syntax to spot damage. encoding/json replaces invalid UTF-8 in strings with U+FFFD, so such
// bytes in a complaint would not survive a reopen unchanged.
package main
