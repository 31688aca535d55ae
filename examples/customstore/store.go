package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
)

// Errors of the journaled store itself. The contract's errors (not found, conflict, duplicate, bad
// cursor, invalid) are the sentinels of package storage, which every call below returns unchanged
// from the memory store.
var (
	// ErrClosed: the store was closed; Update and View refuse to run.
	ErrClosed = errors.New("customstore: store is closed")
	// ErrPoisoned: a committed transaction could not be appended to the journal. Memory holds a change
	// the file may not, so the store refuses every later call until it is reopened from the journal.
	ErrPoisoned = errors.New("customstore: journal append failed; reopen the store")
	// ErrCorrupt: Open found a line it cannot replay before the journal's last line. A crash can only
	// damage the line being appended, so this is damage from outside (a disk fault, an editor, two
	// processes writing one file); Open refuses to guess and changes nothing. See [CorruptError].
	ErrCorrupt = errors.New("customstore: journal is corrupt")
)

var _ storage.Store = (*Store)(nil)

// Store is a [storage.Store] that keeps its state in a [memory.Store] and makes it durable with an
// append-only journal: one JSON line per committed transaction, listing the write operations it made
// and their Params. [Open] replays the journal to rebuild the state.
//
// It is safe for concurrent use. Read-write transactions run one at a time (the memory store already
// works that way); views run in parallel with each other but wait for a transaction in progress, so
// a view never sees a change before it is on disk.
type Store struct {
	// mu orders everything: Update holds it for writing from the start of the memory transaction to
	// the end of the fsync, so the order of the journal's lines is the order of the commits. View
	// holds it for reading.
	mu     sync.RWMutex
	mem    *memory.Store
	f      *os.File // opened with O_APPEND: every write lands at the end
	path   string
	torn   int64 // bytes of a torn last line that Open cut off
	closed bool
	broken error // non-nil once poisoned; wraps ErrPoisoned and the append error
}

// Open opens the journal at path, creating it (and nothing else: the directory must exist) when it
// is missing, and replays it into a fresh memory store. Each line replays in its own memory
// transaction, in file order, so the state after Open is the state after the last committed
// transaction.
//
// A torn last line, left by a crash in the middle of an append, is cut off and the file synced
// ([Store.TornBytes] says how much was cut): that transaction never returned from Update, so
// dropping it loses nothing a caller was told had committed. A line before the last that cannot be
// decoded or replayed is a [*CorruptError] matching [ErrCorrupt] (and, for a replay failure, the
// storage sentinel the memory store returned); Open then returns without changing the file.
//
// Only one Store may have a journal open at a time; nothing here stops a second process, so a real
// adapter would also take a lock file.
func Open(ctx context.Context, path string) (*Store, error) {
	f, created, err := openJournal(path)
	if err != nil {
		return nil, err
	}
	s := &Store{mem: memory.New(), f: f, path: path}
	good, err := s.replay(ctx)
	if err == nil {
		err = s.cutTornTail(good)
	}
	if err == nil && created {
		// A new file is durable only once its directory entry is: sync the directory too.
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		_ = f.Close()
		_ = s.mem.Close()
		return nil, err
	}
	return s, nil
}

// openJournal opens path for appending, creating it when missing, and reports whether it did.
func openJournal(path string) (*os.File, bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err == nil {
		return f, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("customstore: open journal: %w", err)
	}
	f, err = os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("customstore: create journal: %w", err)
	}
	return f, true, nil
}

// cutTornTail truncates the journal to good bytes when a torn last line follows them.
func (s *Store) cutTornTail(good int64) error {
	info, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("customstore: stat journal: %w", err)
	}
	if info.Size() == good {
		return nil
	}
	if err := s.f.Truncate(good); err != nil {
		return fmt.Errorf("customstore: cut torn last line: %w", err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("customstore: cut torn last line: %w", err)
	}
	s.torn = info.Size() - good
	return nil
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for syncing there; NTFS journals the entry itself
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("customstore: sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("customstore: sync directory: %w", err)
	}
	return nil
}

// TornBytes returns how many bytes of a torn last line Open cut off the journal: 0 when the file
// ended cleanly. An embedder may log it; it is not an error.
func (s *Store) TornBytes() int64 { return s.torn }

// usable returns the error that stops a call, if any. The caller holds mu.
func (s *Store) usable() error {
	switch {
	case s.closed:
		return ErrClosed
	case s.broken != nil:
		return s.broken
	}
	return nil
}

// Update runs fn in a memory transaction through a [storage.Tx] that records every successful write
// with its Params. When fn returns nil and the memory transaction commits, the recorded operations are
// appended to the journal as one line and the file is fsynced before Update returns nil. A
// transaction that wrote nothing (only reads, or claims that found nothing) adds no line.
//
// The error from fn is returned unchanged and a panic is re-raised, after the memory store rolled
// back; nothing reaches the journal then. A closed store returns [ErrClosed] without calling fn.
//
// The memory store commits before the line is written, so when the append or the fsync fails,
// memory already holds a change the file may lack. Update then returns an error matching
// [ErrPoisoned] and the store is poisoned: every later Update and View returns that error, because
// answering from memory would report a change that may vanish at the next Open. Whether the failed
// transaction survives a reopen is unknown, as with a database whose connection drops during
// COMMIT: the line may be complete, torn (and cut off), or absent. Close the store and Open it again.
//
// fn must not call Update or View on the same store: the mutex is not re-entrant.
func (s *Store) Update(ctx context.Context, fn func(storage.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	var rec *tx
	err := s.mem.Update(ctx, func(mtx storage.Tx) error {
		rec = &tx{ReadTx: mtx, mem: mtx}
		return fn(rec)
	})
	if err != nil {
		return err
	}
	if len(rec.ops) == 0 {
		return nil
	}
	if err := s.append(rec.ops); err != nil {
		s.broken = fmt.Errorf("%w: %w", ErrPoisoned, err)
		return s.broken
	}
	return nil
}

// View runs fn in a read-only memory transaction. Reads need no journal: they forward to memory,
// which returns the contract's errors. A closed store returns [ErrClosed] and a poisoned one
// [ErrPoisoned], without calling fn.
func (s *Store) View(ctx context.Context, fn func(storage.ReadTx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.usable(); err != nil {
		return err
	}
	return s.mem.View(ctx, fn)
}

// Close waits for a transaction in progress, then closes the journal and drops the memory state.
// Later calls return [ErrClosed]; closing twice is harmless and returns nil. It also releases a
// poisoned store.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	_ = s.mem.Close() // memory's Close never fails
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("customstore: close journal: %w", err)
	}
	return nil
}
