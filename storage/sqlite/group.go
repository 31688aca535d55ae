package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/redresshq/redress/storage"
)

// Group commit.
//
// At synchronous=FULL a commit costs an fsync of the log, and with one write connection the fsyncs
// of concurrent writers queue one behind the other: the commit rate, not SQL, bounds intake. So
// Updates that arrive while a commit is under way share the next transaction. Each runs its fn in its
// own goroutine, one at a time, under a savepoint of the shared transaction:
//
//   - fn returns an error or panics: its savepoint is rolled back, so it leaves nothing, and its
//     Update returns at once; the others are not affected.
//   - fn returns nil: its savepoint is released and its Update waits for the shared COMMIT, returning
//     only after the commit is durable. If the commit fails, every member that succeeded gets the
//     error; none is told a write landed that did not.
//
// The result is the serial execution of the members in their order, committed together, so the
// contract of storage.Store holds unchanged; only the fsync is shared. The first Update of a group (the
// leader) begins the transaction once the write connection is free, runs its own fn, seals the group
// and waits for the members that joined before the seal, then commits.

// group is one shared write transaction.
type group struct {
	// turn is the token to run an fn in the transaction; the leader holds it from the start.
	turn chan struct{}
	wg   sync.WaitGroup // members (other than the leader) that joined and have not finished their fn

	// Set by the leader before it hands out the turn.
	tx     *sql.Tx
	t      *tx
	broken error // the transaction can no longer commit (a savepoint could not be undone)

	done      chan struct{} // closed after the commit (or rollback) of the group
	commitErr error         // read after done is closed
}

// joinOrLead returns the open group to join, or a new group with the caller as its leader.
func (s *Store) joinOrLead() (g *group, leader bool) {
	s.gmu.Lock()
	defer s.gmu.Unlock()
	if g := s.open; g != nil && s.openN < s.cfg.MaxGroup {
		s.openN++
		g.wg.Add(1)
		if s.onJoin != nil {
			s.onJoin()
		}
		return g, false
	}
	g = &group{turn: make(chan struct{}, 1), done: make(chan struct{})}
	s.open, s.openN = g, 1
	return g, true
}

// seal stops g taking members; later Updates start the next group.
func (s *Store) seal(g *group) {
	s.gmu.Lock()
	if s.open == g {
		s.open = nil
	}
	s.gmu.Unlock()
}

// updateGrouped is Update with group commit.
func (s *Store) updateGrouped(ctx context.Context, fn func(storage.Tx) error) error {
	g, leader := s.joinOrLead()
	if leader {
		return s.lead(ctx, g, fn)
	}
	return s.follow(ctx, g, fn)
}

// lead begins g's transaction, runs fn, then lets the members run and commits for all.
func (s *Store) lead(ctx context.Context, g *group, fn func(storage.Tx) error) (err error) {
	// The transaction outlives the leader's own fn and must not end with the leader's context: the
	// members' writes depend on it. Each statement still runs under its caller's context.
	stx, berr := s.w.BeginTx(context.WithoutCancel(ctx), nil)
	if berr != nil {
		g.broken = fmt.Errorf("sqlite: begin write transaction: %w", mapError(berr))
	} else {
		g.tx, g.t = stx, &tx{readTx{q: stx, stmts: s.wStmts}}
	}
	finished := false
	defer func() {
		if !finished {
			// fn panicked or called runtime.Goexit; its savepoint is already undone (runMember).
			// Finish the group for the members before the panic goes on.
			s.finish(g)
		}
	}()
	err = s.runMember(ctx, g, fn)
	finished = true
	ferr := s.finish(g)
	if err != nil {
		return err
	}
	return ferr
}

// finish seals g, hands the turn to the members, waits for them and commits (or rolls back a broken
// transaction). It returns the commit error.
func (s *Store) finish(g *group) error {
	s.seal(g)
	g.turn <- struct{}{}
	g.wg.Wait()
	switch {
	case g.tx == nil:
		g.commitErr = g.broken
	case g.broken != nil:
		_ = g.tx.Rollback()
		g.commitErr = g.broken
	default:
		if err := g.tx.Commit(); err != nil {
			g.commitErr = fmt.Errorf("sqlite: commit: %w", mapError(err))
		}
	}
	s.groups.Add(1)
	close(g.done)
	return g.commitErr
}

// follow waits for its turn in g, runs fn, and waits for g's commit when fn succeeded.
func (s *Store) follow(ctx context.Context, g *group, fn func(storage.Tx) error) error {
	select {
	case <-g.turn:
	case <-ctx.Done():
		g.wg.Done() // nothing ran; the group may commit without us
		return ctx.Err()
	}
	ran := false
	defer func() {
		if !ran { // fn panicked or called runtime.Goexit
			g.turn <- struct{}{}
			g.wg.Done()
		}
	}()
	err := s.runMember(ctx, g, fn)
	ran = true
	g.turn <- struct{}{}
	g.wg.Done()
	if err != nil {
		return err
	}
	<-g.done
	return g.commitErr
}

// runMember runs fn under a savepoint of g's transaction, holding the turn. An error or a panic rolls
// the savepoint back; if that fails, the transaction is marked broken and every member fails.
func (s *Store) runMember(ctx context.Context, g *group, fn func(storage.Tx) error) (err error) {
	if g.broken != nil {
		return g.broken
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := g.tx.ExecContext(ctx, "SAVEPOINT member"); err != nil {
		g.broken = fmt.Errorf("sqlite: savepoint: %w", mapError(err))
		return g.broken
	}
	undo := func() {
		bg := context.WithoutCancel(ctx)
		if _, rerr := g.tx.ExecContext(bg, "ROLLBACK TO member"); rerr != nil {
			g.broken = fmt.Errorf("sqlite: transaction aborted: %w", mapError(rerr))
			return
		}
		if _, rerr := g.tx.ExecContext(bg, "RELEASE member"); rerr != nil {
			g.broken = fmt.Errorf("sqlite: release savepoint: %w", mapError(rerr))
		}
	}
	returned := false
	defer func() {
		if !returned {
			undo() // fn panicked (or called runtime.Goexit); the panic continues
		}
	}()
	err = fn(g.t)
	returned = true
	if err != nil {
		undo()
		return err
	}
	if _, rerr := g.tx.ExecContext(context.WithoutCancel(ctx), "RELEASE member"); rerr != nil {
		g.broken = fmt.Errorf("sqlite: release savepoint: %w", mapError(rerr))
		return g.broken
	}
	if g.broken != nil { // a statement of fn aborted the whole transaction
		return g.broken
	}
	return nil
}
