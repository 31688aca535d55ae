package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/storagetest"
)

// TestConformance proves the adapter with the whole contract, each case on a fresh journal. When a
// case is over its journal is opened again: every line the case committed (racing claims included)
// must replay.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		path := filepath.Join(t.TempDir(), "redress.journal")
		s, err := Open(t.Context(), path)
		require.NoError(t, err)
		t.Cleanup(func() {
			require.NoError(t, s.Close()) // the suite may have closed it already; that is harmless
			r, err := Open(context.Background(), path)
			require.NoError(t, err, "the journal this case wrote does not replay")
			assert.Zero(t, r.TornBytes())
			require.NoError(t, r.Close())
		})
		return s
	})
}

// open opens the journal at path and closes it when the test ends.
func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// journalPath returns the path of a new journal in the test's temporary directory.
func journalPath(t *testing.T) string { return filepath.Join(t.TempDir(), "redress.journal") }

// lines returns the journal's lines, each with its newline.
func lines(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return bytes.SplitAfter(b, []byte("\n"))[:bytes.Count(b, []byte("\n"))]
}

func mustUpdate(t *testing.T, s storage.Store, fn func(ctx context.Context, tx storage.Tx) error) {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, s.Update(ctx, func(tx storage.Tx) error { return fn(ctx, tx) }))
}

func insertComplaints(t *testing.T, s storage.Store, cs ...*complaint.Complaint) {
	t.Helper()
	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		for _, c := range cs {
			if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: c.Tenant, Complaint: c}); err != nil {
				return err
			}
		}
		return nil
	})
}

// errRollback ends the probing transactions of snapshot, so they change nothing.
var errRollback = errors.New("rollback")

// state is everything a store holds about the complaints of TestReopenKeepsEverything, read
// through the contract.
type state struct {
	Complaints []*complaint.Complaint
	Events     map[string][]complaint.Event
	Timers     map[string][]storage.Timer
	Surveys    map[string][]*feedback.Survey
	Problems   []*rca.Problem
	Due        []*rca.Problem
	Tally      []storage.ScoreCount
	// Claimable is what a relay would claim a day later; InOutbox says, for every message ever
	// enqueued, whether it is still there (OutboxAck finds it), which also covers dead letters.
	Claimable []storage.OutboxMessage
	InOutbox  map[string]bool
}

func snapshot(t *testing.T, s storage.Store, complaintIDs, messageIDs []string) state {
	t.Helper()
	st := state{
		Events:   map[string][]complaint.Event{},
		Timers:   map[string][]storage.Timer{},
		Surveys:  map[string][]*feedback.Survey{},
		InOutbox: map[string]bool{},
	}
	ctx := t.Context()
	require.NoError(t, s.View(ctx, func(tx storage.ReadTx) error {
		page, err := tx.ComplaintList(ctx, &storage.ComplaintListParams{Tenant: "acme"})
		if err != nil {
			return err
		}
		st.Complaints = page.Complaints
		for _, id := range complaintIDs {
			if st.Events[id], err = tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: id}); err != nil {
				return err
			}
			if st.Timers[id], err = tx.TimerList(ctx, &storage.TimerListParams{Tenant: "acme", ComplaintID: id}); err != nil {
				return err
			}
			if st.Surveys[id], err = tx.SurveyList(ctx, &storage.SurveyListParams{Tenant: "acme", ComplaintID: id}); err != nil {
				return err
			}
		}
		problems, err := tx.ProblemList(ctx, &storage.ProblemListParams{Tenant: "acme"})
		if err != nil {
			return err
		}
		st.Problems = problems.Problems
		if st.Due, err = tx.ProblemListDue(ctx, &storage.ProblemListDueParams{Now: storagetest.Epoch.AddDate(1, 0, 0)}); err != nil {
			return err
		}
		st.Tally, err = tx.FeedbackTally(ctx, &storage.FeedbackTallyParams{Tenant: "acme", GroupBy: storage.ByCategory})
		return err
	}))
	err := s.Update(ctx, func(tx storage.Tx) error {
		var err error
		st.Claimable, err = tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: storagetest.Epoch.Add(24 * time.Hour), Lease: time.Minute, Limit: 100})
		if err != nil {
			return err
		}
		for _, id := range messageIDs {
			err := tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: "acme", ID: id})
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
			st.InOutbox[id] = err == nil
		}
		return errRollback
	})
	require.ErrorIs(t, err, errRollback)
	return st
}

// TestReopenKeepsEverything makes every kind of write, closes the store, opens the journal again and
// finds the same complaints, events, timers, outbox, problems and surveys.
func TestReopenKeepsEverything(t *testing.T) {
	path := journalPath(t)
	s := open(t, path)
	epoch := storagetest.Epoch
	c0, c1, c2 := storagetest.NewComplaint("acme", 0), storagetest.NewComplaint("acme", 1), storagetest.NewComplaint("acme", 2)
	insertComplaints(t, s, c0, c1, c2)

	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		next := c1.Clone()
		next.Version, next.Status, next.AcknowledgedAt = 2, complaint.StatusAcknowledged, epoch.Add(time.Hour)
		if err := tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: next, ExpectedVersion: 1}); err != nil {
			return err
		}
		return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{
			storagetest.NewEvent(c0, 1), storagetest.NewEvent(c0, 2), storagetest.NewEvent(c1, 1),
		}})
	})

	timer := func(c *complaint.Complaint, kind string, due time.Duration) *storage.TimerSetParams {
		return &storage.TimerSetParams{Tenant: "acme", Timer: storage.Timer{Tenant: "acme", ComplaintID: c.ID, Kind: kind, DueAt: epoch.Add(due)}}
	}
	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		for _, p := range []*storage.TimerSetParams{timer(c0, "a", time.Hour), timer(c0, "b", 2*time.Hour), timer(c1, "a", 3*time.Hour), timer(c2, "x", 10*time.Hour)} {
			if err := tx.TimerSet(ctx, p); err != nil {
				return err
			}
		}
		return tx.TimerDelete(ctx, &storage.TimerDeleteParams{Tenant: "acme", ComplaintID: c0.ID, Kind: "b"})
	})
	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		got, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: epoch.Add(90 * time.Minute), Limit: 10})
		require.Len(t, got, 1, "only c0's timer a is due")
		return err
	})

	var msgs []storage.OutboxMessage
	var messageIDs []string
	for i := range 4 {
		msgs = append(msgs, storagetest.NewOutboxMessage("acme", i))
		messageIDs = append(messageIDs, msgs[i].ID)
	}
	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.OutboxEnqueue(ctx, &storage.OutboxEnqueueParams{Tenant: "acme", Messages: msgs})
	})
	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		got, err := tx.OutboxClaim(ctx, &storage.OutboxClaimParams{Now: epoch.Add(2 * time.Second), Lease: time.Minute, Limit: 3})
		if err != nil {
			return err
		}
		require.Len(t, got, 3)
		if err := tx.OutboxAck(ctx, &storage.OutboxAckParams{Tenant: "acme", ID: msgs[0].ID}); err != nil {
			return err
		}
		if err := tx.OutboxNack(ctx, &storage.OutboxNackParams{Tenant: "acme", ID: msgs[1].ID, Error: "410 gone", Dead: true}); err != nil {
			return err
		}
		return tx.OutboxNack(ctx, &storage.OutboxNackParams{Tenant: "acme", ID: msgs[2].ID, Error: "timeout", NextAttemptAt: epoch.Add(time.Hour)})
	})

	p0, p1 := storagetest.NewProblem("acme", 0, c0.ID), storagetest.NewProblem("acme", 1, c1.ID, c2.ID)
	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		for _, p := range []*rca.Problem{p0, p1} {
			if err := tx.ProblemInsert(ctx, &storage.ProblemInsertParams{Tenant: "acme", Problem: p}); err != nil {
				return err
			}
		}
		next := p0.Clone()
		require.NotEmpty(t, next.ReportOverdue(epoch.AddDate(0, 0, 8)), "A2 is overdue after a week")
		next.Version = 2
		return tx.ProblemUpdate(ctx, &storage.ProblemUpdateParams{Tenant: "acme", Problem: next, ExpectedVersion: 1})
	})

	s0, s1 := storagetest.NewSurvey(c0, 0), storagetest.NewSurvey(c1, 0)
	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		for _, sv := range []*feedback.Survey{s0, s1} {
			if err := tx.SurveyInsert(ctx, &storage.SurveyInsertParams{Tenant: "acme", Survey: sv}); err != nil {
				return err
			}
		}
		answered := *s0
		answered.Version, answered.AnsweredAt = 2, epoch.Add(5*time.Hour)
		answered.Response = feedback.Response{Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 4}, {Kind: feedback.NPS, Value: 9}}, Comment: "换货很快 / quick swap"}
		return tx.SurveyUpdate(ctx, &storage.SurveyUpdateParams{Tenant: "acme", Survey: &answered, ExpectedVersion: 1})
	})

	complaintIDs := []string{c0.ID, c1.ID, c2.ID}
	before := snapshot(t, s, complaintIDs, messageIDs)
	require.NoError(t, s.Close())
	require.Len(t, lines(t, path), 8, "one line per committed transaction; the snapshot's probe rolled back")

	r := open(t, path)
	assert.Zero(t, r.TornBytes())
	after := snapshot(t, r, complaintIDs, messageIDs)
	assert.Equal(t, before, after)

	// And the state is the one the writes made, not merely the same twice.
	require.Len(t, after.Complaints, 3)
	assert.Equal(t, complaint.StatusAcknowledged, after.Complaints[1].Status, "newest first: c2, c1, c0")
	assert.Len(t, after.Events[c0.ID], 2)
	assert.Empty(t, after.Timers[c0.ID], "timer a was claimed, timer b deleted")
	assert.Len(t, after.Timers[c2.ID], 1)
	assert.Equal(t, map[string]bool{msgs[0].ID: false, msgs[1].ID: true, msgs[2].ID: true, msgs[3].ID: true}, after.InOutbox,
		"acknowledged message gone, dead letter kept")
	require.Len(t, after.Claimable, 2, "the dead letter is never claimed")
	assert.Equal(t, "timeout", after.Claimable[0].LastError)
	assert.Equal(t, 2, after.Claimable[0].Attempts, "the first claim was replayed")
	require.Len(t, after.Problems, 2)
	assert.EqualValues(t, 2, after.Problems[1].Version)
	require.Len(t, after.Surveys[c0.ID], 1)
	assert.Equal(t, "换货很快 / quick swap", after.Surveys[c0.ID][0].Response.Comment)
	assert.NotEmpty(t, after.Tally)
}

// TestJournalRecordsOnlyCommittedWrites checks what reaches the file: nothing for a rolled-back or
// read-only transaction or for a claim that took nothing, and only the successful writes of a
// transaction in which one write failed.
func TestJournalRecordsOnlyCommittedWrites(t *testing.T) {
	path := journalPath(t)
	s := open(t, path)
	c0, c1 := storagetest.NewComplaint("acme", 0), storagetest.NewComplaint("acme", 1)
	insertComplaints(t, s, c0)
	require.Len(t, lines(t, path), 1)

	boom := errors.New("boom")
	err := s.Update(t.Context(), func(tx storage.Tx) error {
		if err := tx.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c1}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c0.ID})
		return err
	})
	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		timers, err := tx.TimerClaimDue(ctx, &storage.TimerClaimDueParams{Now: storagetest.Epoch, Limit: 5})
		assert.Empty(t, timers)
		return err
	})
	require.Len(t, lines(t, path), 1, "nothing committed, nothing written")

	mustUpdate(t, s, func(ctx context.Context, tx storage.Tx) error {
		err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c0})
		require.ErrorIs(t, err, storage.ErrDuplicate)
		return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c1})
	})
	got := lines(t, path)
	require.Len(t, got, 2)
	assert.Equal(t, 1, bytes.Count(got[1], []byte(`"op":`)), "the failed insert is not in the line")
	assert.Contains(t, string(got[1]), c1.ID)
}

// TestTornLastLine cuts or damages the last line as a crash in the middle of an append would, and
// checks that Open drops exactly that transaction, cuts the file back, and appends after it.
func TestTornLastLine(t *testing.T) {
	tails := []struct {
		name string
		tear func(last []byte) []byte // what the crash left of the last line
	}{
		{"CutMidLine", func(last []byte) []byte { return last[:len(last)/2] }},
		{"CutBeforeNewline", func(last []byte) []byte { return last[:len(last)-1] }},
		{"ZerosThenNewline", func(last []byte) []byte { return append(make([]byte, len(last)-1), '\n') }},
		{"Zeros", func(last []byte) []byte { return make([]byte, 4096) }},
	}
	for _, tc := range tails {
		t.Run(tc.name, func(t *testing.T) {
			path := journalPath(t)
			s := open(t, path)
			c0, c1, c2 := storagetest.NewComplaint("acme", 0), storagetest.NewComplaint("acme", 1), storagetest.NewComplaint("acme", 2)
			insertComplaints(t, s, c0)
			insertComplaints(t, s, c1)
			require.NoError(t, s.Close())

			full, err := os.ReadFile(path)
			require.NoError(t, err)
			ls := lines(t, path)
			good := len(full) - len(ls[1])
			torn := tc.tear(ls[1])
			require.NoError(t, os.WriteFile(path, append(full[:good:good], torn...), 0o600))

			r := open(t, path)
			assert.EqualValues(t, len(torn), r.TornBytes())
			info, err := os.Stat(path)
			require.NoError(t, err)
			assert.EqualValues(t, good, info.Size(), "the torn line is cut off")
			mustUpdate(t, r, func(ctx context.Context, tx storage.Tx) error {
				if _, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c0.ID}); err != nil {
					return err
				}
				_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c1.ID})
				require.ErrorIs(t, err, storage.ErrNotFound, "the torn transaction is gone")
				return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c2})
			})
			require.NoError(t, r.Close())

			again := open(t, path)
			assert.Zero(t, again.TornBytes())
			require.Len(t, lines(t, path), 2)
			require.NoError(t, again.View(t.Context(), func(tx storage.ReadTx) error {
				_, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: c2.ID})
				return err
			}), "the write after recovery landed on a clean line")
		})
	}
}

// TestCorruptLineIsRefused damages a line before the last; Open must name it, match the right errors
// and leave the file exactly as it was.
func TestCorruptLineIsRefused(t *testing.T) {
	cases := []struct {
		name    string
		damage  func(ls [][]byte) // changes ls[1], the middle one of three lines
		matches error             // besides ErrCorrupt
	}{
		{"Garbled", func(ls [][]byte) { ls[1] = []byte("{\"ops\":[{\"op\":\"Compl\x00\x00\x00\n") }, nil},
		{"Blank", func(ls [][]byte) { ls[1] = []byte("\n") }, nil},
		{"UnknownOperation", func(ls [][]byte) {
			ls[1] = bytes.Replace(ls[1], []byte(`"op":"ComplaintInsert"`), []byte(`"op":"ComplaintUpsert"`), 1)
		}, nil},
		{"NoOperations", func(ls [][]byte) { ls[1] = []byte("{\"ops\":[]}\n") }, nil},
		{"CopiedLine", func(ls [][]byte) { ls[1] = ls[0] }, storage.ErrDuplicate},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := journalPath(t)
			s := open(t, path)
			for i := range 3 {
				insertComplaints(t, s, storagetest.NewComplaint("acme", i))
			}
			require.NoError(t, s.Close())
			ls := lines(t, path)
			require.Len(t, ls, 3)
			tc.damage(ls)
			damaged := bytes.Join(ls, nil)
			require.NoError(t, os.WriteFile(path, damaged, 0o600))

			r, err := Open(t.Context(), path)
			require.Error(t, err)
			assert.Nil(t, r)
			assert.ErrorIs(t, err, ErrCorrupt)
			var ce *CorruptError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, 2, ce.Line)
			assert.Equal(t, path, ce.Path)
			if tc.matches != nil {
				assert.ErrorIs(t, err, tc.matches)
			}
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, damaged, after, "a refused journal is left as it was")
		})
	}
}

// TestFailedAppendPoisons makes the journal unwritable under a running store: the Update that
// cannot append fails, every later call fails without running, and a reopen shows the last durable
// state.
func TestFailedAppendPoisons(t *testing.T) {
	path := journalPath(t)
	s := open(t, path)
	c0, c1 := storagetest.NewComplaint("acme", 0), storagetest.NewComplaint("acme", 1)
	insertComplaints(t, s, c0)

	// Swap the journal for a read-only handle on the same file: the next append fails.
	ro, err := os.Open(path)
	require.NoError(t, err)
	require.NoError(t, s.f.Close())
	s.f = ro

	err = s.Update(t.Context(), func(tx storage.Tx) error {
		return tx.ComplaintInsert(t.Context(), &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c1})
	})
	require.ErrorIs(t, err, ErrPoisoned)

	called := false
	err = s.Update(t.Context(), func(tx storage.Tx) error { called = true; return nil })
	assert.ErrorIs(t, err, ErrPoisoned)
	err = s.View(t.Context(), func(tx storage.ReadTx) error { called = true; return nil })
	assert.ErrorIs(t, err, ErrPoisoned)
	assert.False(t, called, "a poisoned store runs nothing")
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.View(t.Context(), func(storage.ReadTx) error { return nil }), ErrClosed)

	r := open(t, path)
	require.NoError(t, r.View(t.Context(), func(tx storage.ReadTx) error {
		if _, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: c0.ID}); err != nil {
			return err
		}
		_, err := tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: c1.ID})
		assert.ErrorIs(t, err, storage.ErrNotFound, "the transaction never reached the file")
		return nil
	}))
}

// TestOpenErrors covers the journal that cannot be opened and the context that ends during replay.
func TestOpenErrors(t *testing.T) {
	_, err := Open(t.Context(), filepath.Join(t.TempDir(), "missing", "redress.journal"))
	assert.ErrorIs(t, err, os.ErrNotExist, "Open creates the file, not its directory")

	path := journalPath(t)
	s := open(t, path)
	insertComplaints(t, s, storagetest.NewComplaint("acme", 0))
	require.NoError(t, s.Close())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = Open(ctx, path)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrCorrupt, "a canceled replay says nothing about the file")
}
