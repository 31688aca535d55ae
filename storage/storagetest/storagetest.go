package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// Run runs the whole conformance suite against the stores newStore makes.
//
// Each case is a parallel subtest (grouped by area: Complaint, Event, List, Timer, Outbox, Aggregate,
// Problem, Survey, Loop, Tx, Invalid) that calls newStore once. newStore must return a new, empty store that shares no rows
// with any other store it returned, and must register its own cleanup with t.Cleanup (closing the
// store, dropping a database). The suite closes a store itself in one case, so Close must tolerate a
// second call from the cleanup.
//
// Run is meant to be called from an adapter's own test:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) storage.Store { return memory.New() })
//	}
//
// A single case runs with go test -run 'Conformance/Timer/ConcurrentScannersFireOnce'. Because the cases
// are parallel subtests, Run returns before they finish; work that must follow them belongs in
// t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	t.Helper()
	for _, a := range areas() {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range a.cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					s := newStore(t)
					require.NotNil(t, s, "newStore returned nil")
					c.run(t, s)
				})
			}
		})
	}
}

// Cases lists the suite's case names as Run names its subtests ("Area/Case"), in order, so an adapter
// author can see what the contract covers and a report can cite it.
func Cases() []string {
	var out []string
	for _, a := range areas() {
		for _, c := range a.cases {
			out = append(out, a.name+"/"+c.name)
		}
	}
	return out
}

type testCase struct {
	name string
	run  func(t *testing.T, s storage.Store)
}

type area struct {
	name  string
	cases []testCase
}

func areas() []area {
	return []area{
		{"Complaint", complaintCases()},
		{"Event", eventCases()},
		{"List", listCases()},
		{"Timer", timerCases()},
		{"Outbox", outboxCases()},
		{"Aggregate", aggregateCases()},
		{"Problem", problemCases()},
		{"Survey", surveyCases()},
		{"Loop", loopCases()},
		{"Tx", txCases()},
		{"Invalid", invalidCases()},
	}
}

// errBoom is what the suite's transactions return to force a rollback.
var errBoom = errors.New("storagetest: boom")

// update runs fn in s.Update and requires success.
func update(t *testing.T, s storage.Store, fn func(ctx context.Context, tx storage.Tx) error) {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error { return fn(ctx, tx) }))
}

// updateErr runs fn in s.Update and returns its error.
func updateErr(t *testing.T, s storage.Store, fn func(ctx context.Context, tx storage.Tx) error) error {
	t.Helper()
	ctx := t.Context()
	return s.Update(ctx, func(tx storage.Tx) error { return fn(ctx, tx) })
}

// view runs fn in s.View and requires success.
func view(t *testing.T, s storage.Store, fn func(ctx context.Context, tx storage.ReadTx) error) {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error { return fn(ctx, tx) }))
}

// insert stores the complaints in one transaction.
func insert(t *testing.T, s storage.Store, cs ...*complaint.Complaint) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		for _, c := range cs {
			if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: c.Tenant, Complaint: c}); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertErr stores one complaint in its own transaction and returns the error.
func insertErr(t *testing.T, s storage.Store, c *complaint.Complaint) error {
	t.Helper()
	return updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: c.Tenant, Complaint: c})
	})
}

// get reads a complaint by ID in a View.
func get(t *testing.T, s storage.Store, tenant, id string) (*complaint.Complaint, error) {
	t.Helper()
	var c *complaint.Complaint
	err := s.View(t.Context(), func(tx storage.ReadTx) error {
		var err error
		c, err = tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: tenant, ID: id})
		return err
	})
	return c, err
}

// mustGet reads a complaint by ID and requires it to exist.
func mustGet(t *testing.T, s storage.Store, tenant, id string) *complaint.Complaint {
	t.Helper()
	c, err := get(t, s, tenant, id)
	require.NoError(t, err)
	require.NotNil(t, c)
	return c
}

// events lists every event of a complaint.
func events(t *testing.T, s storage.Store, tenant, id string) []complaint.Event {
	t.Helper()
	var out []complaint.Event
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		out, err = tx.EventList(ctx, &storage.EventListParams{Tenant: tenant, ComplaintID: id})
		return err
	})
	return out
}

// timers lists a complaint's timers.
func timers(t *testing.T, s storage.Store, tenant, id string) []storage.Timer {
	t.Helper()
	var out []storage.Timer
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		var err error
		out, err = tx.TimerList(ctx, &storage.TimerListParams{Tenant: tenant, ComplaintID: id})
		return err
	})
	return out
}

// bump returns the next version of c: a copy with Version and UpdatedAt advanced.
func bump(c *complaint.Complaint) *complaint.Complaint {
	d := c.Clone()
	d.Version++
	d.UpdatedAt = d.UpdatedAt.Add(time.Millisecond)
	return d
}

// ids returns the IDs of cs in order.
func ids(cs []*complaint.Complaint) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// isConflict reports whether err is storage.ErrConflict.
func isConflict(err error) bool { return errors.Is(err, storage.ErrConflict) }
