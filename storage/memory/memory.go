package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
)

// Errors of the memory store itself; the contract's errors are the sentinels of package storage.
var (
	// ErrClosed: the store was closed; Update and View refuse to run.
	ErrClosed = errors.New("memory: store is closed")
	// ErrTxDone: a Tx or ReadTx was used after its Update or View returned.
	ErrTxDone = errors.New("memory: transaction has ended")
	// ErrReadOnly: a write was attempted through the transaction of a View.
	ErrReadOnly = errors.New("memory: write in a read-only transaction")
)

var _ storage.Store = (*Store)(nil)

// Store is an in-memory [storage.Store]. The zero value is not usable; call [New].
type Store struct {
	mu     sync.RWMutex
	closed bool

	complaints map[string]*complaint.Complaint // by ID; IDs are unique across tenants
	byCode     map[codeKey]string              // → complaint ID
	byRef      map[refKey]string               // → complaint ID; only non-empty references
	events     map[string][]complaint.Event    // by complaint ID, ascending Seq
	timers     map[timerKey]time.Time          // → due time
	outbox     map[string]*storage.OutboxMessage
	problems   map[string]*rca.Problem     // by ID; IDs are unique across tenants
	surveys    map[string]*feedback.Survey // by ID; IDs are unique across tenants
	byToken    map[string]string           // token hash → survey ID; hashes are unique across tenants
	rows       map[string]*tenantRows      // by tenant: the aggregates' compact rows (rows.go)
	interned   map[string]string           // the rows' column values
}

type codeKey struct{ tenant, code string }

type refKey struct{ tenant, channel, ref string }

type timerKey struct{ tenant, complaintID, kind string }

// New returns an empty store.
func New() *Store {
	return &Store{
		complaints: map[string]*complaint.Complaint{},
		byCode:     map[codeKey]string{},
		byRef:      map[refKey]string{},
		events:     map[string][]complaint.Event{},
		timers:     map[timerKey]time.Time{},
		outbox:     map[string]*storage.OutboxMessage{},
		problems:   map[string]*rca.Problem{},
		surveys:    map[string]*feedback.Survey{},
		byToken:    map[string]string{},
		rows:       map[string]*tenantRows{},
		interned:   map[string]string{},
	}
}

// Update runs fn in a read-write transaction, holding the store's write lock until fn returns. Every
// change fn makes is recorded in an undo log; when fn returns an error or panics, or ctx is done by the
// time fn returns, the log is replayed backwards so the store is exactly as before. The error from fn
// is returned unchanged, a panic is re-raised after the rollback, and a done ctx is returned as
// ctx.Err() (wrapped). On a closed store Update returns [ErrClosed] without calling fn.
//
// fn must not call Update or View on the same store: the lock is not re-entrant.
func (s *Store) Update(ctx context.Context, fn func(storage.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update not started: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	tx := &tx{s: s, writable: true}
	committed := false
	defer func() {
		// Runs on return and while a panic unwinds, before the lock is released.
		tx.done = true
		if !committed {
			tx.rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: commit: %w", err)
	}
	committed = true
	return nil
}

// View runs fn in a read-only transaction, holding the store's read lock so fn sees one consistent
// state. The error from fn is returned unchanged; a closed store returns [ErrClosed], a done ctx its
// error (wrapped), without calling fn. Writes through the transaction fail with [ErrReadOnly].
func (s *Store) View(ctx context.Context, fn func(storage.ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: view not started: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	tx := &tx{s: s}
	defer func() { tx.done = true }()
	return fn(tx)
}

// Close marks the store closed and drops its data; later Update and View calls return [ErrClosed].
// Closing twice is harmless and returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.complaints, s.byCode, s.byRef, s.events, s.timers, s.outbox = nil, nil, nil, nil, nil, nil
	s.problems, s.surveys, s.byToken = nil, nil, nil
	return nil
}

// tx is both the Tx of Update and the ReadTx of View.
type tx struct {
	s        *Store
	writable bool
	done     bool
	undo     []func()
}

var _ storage.Tx = (*tx)(nil)

func (tx *tx) rollback() {
	for i := len(tx.undo) - 1; i >= 0; i-- {
		tx.undo[i]()
	}
	tx.undo = nil
}

// readable checks that the transaction may still be used for reading.
func (tx *tx) readable(ctx context.Context) error {
	if tx.done {
		return ErrTxDone
	}
	return ctx.Err()
}

// write checks that the transaction may still be used for writing.
func (tx *tx) write(ctx context.Context) error {
	if err := tx.readable(ctx); err != nil {
		return err
	}
	if !tx.writable {
		return ErrReadOnly
	}
	return nil
}

// put sets m[k] = v and logs how to undo it. Stored values are never changed in place: a change
// stores a new value, so the old one can be put back.
func put[K comparable, V any](tx *tx, m map[K]V, k K, v V) {
	old, had := m[k]
	m[k] = v
	tx.undo = append(tx.undo, func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
}

// del deletes m[k] and logs how to undo it.
func del[K comparable, V any](tx *tx, m map[K]V, k K) {
	old, had := m[k]
	if !had {
		return
	}
	delete(m, k)
	tx.undo = append(tx.undo, func() { m[k] = old })
}
