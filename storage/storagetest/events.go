package storagetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

func eventCases() []testCase {
	return []testCase{
		{"AppendListRoundTrip", testEventRoundTrip},
		{"ListInSeqOrder", testEventOrder},
		{"ListFilters", testEventFilters},
		{"DuplicateSeqConflicts", testEventDuplicateSeq},
		{"UnknownComplaintNotFound", testEventUnknownComplaint},
		{"TenantIsolation", testEventTenantIsolation},
	}
}

func appendEvents(t *testing.T, s storage.Store, tenant string, evs ...complaint.Event) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: tenant, Events: evs})
	})
}

func appendErr(t *testing.T, s storage.Store, tenant string, evs ...complaint.Event) error {
	t.Helper()
	return updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: tenant, Events: evs})
	})
}

func testEventRoundTrip(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)

	full := NewEvent(c, 1)
	full.Type = complaint.EventTransition
	full.Trigger = complaint.TriggerReopen
	full.From, full.To = complaint.StatusClosed, complaint.StatusInvestigating
	full.Note = "客户反馈问题仍然存在 — the fault came back ✓"
	full.Attrs = map[string]string{"原因": "滤网松动", "emoji": "🙂", "empty": ""}
	full.At = full.At.In(time.FixedZone("CST", 8*3600)).Add(999 * time.Nanosecond)
	requireAllFieldsSet(t, reflect.ValueOf(full), "Event")

	// Only what a store needs: no trigger, statuses, note or attributes, internal.
	bare := complaint.Event{
		ID: NewID(c.CreatedAt, c.ID, 2), Tenant: "acme", ComplaintID: c.ID, Seq: 2,
		Type: "custom.type", Actor: "system", At: c.CreatedAt.Add(time.Hour), Attrs: map[string]string{},
	}
	appendEvents(t, s, "acme", full, bare)

	got := events(t, s, "acme", c.ID)
	require.Len(t, got, 2)
	assert.Equal(t, CanonicalEvent(full), got[0])
	assert.Equal(t, time.UTC, got[0].At.Location())
	assert.Equal(t, CanonicalEvent(bare), got[1])
	assert.Nil(t, got[1].Attrs, "empty attributes come back nil")

	// The store keeps its own copy.
	full.Attrs["原因"] = "changed"
	got[1].Note = "changed"
	again := events(t, s, "acme", c.ID)
	assert.Equal(t, "滤网松动", again[0].Attrs["原因"])
	assert.Empty(t, again[1].Note)
}

func testEventOrder(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	other := NewComplaint("acme", 1)
	insert(t, s, c, other)
	// Appended out of order, over several transactions and mixed with another complaint's events.
	appendEvents(t, s, "acme", NewEvent(c, 3), NewEvent(other, 1), NewEvent(c, 1))
	appendEvents(t, s, "acme", NewEvent(c, 2))
	appendEvents(t, s, "acme", NewEvent(c, 5), NewEvent(c, 4), NewEvent(other, 2))

	got := events(t, s, "acme", c.ID)
	require.Len(t, got, 5)
	for i, e := range got {
		assert.Equal(t, NewEvent(c, int64(i+1)), e)
	}
	assert.Equal(t, []complaint.Event{NewEvent(other, 1), NewEvent(other, 2)}, events(t, s, "acme", other.ID))
}

func testEventFilters(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	var all []complaint.Event
	for seq := int64(1); seq <= 9; seq++ {
		all = append(all, NewEvent(c, seq)) // odd sequence numbers are public
	}
	appendEvents(t, s, "acme", all...)

	seqs := func(evs []complaint.Event) []int64 {
		out := []int64{}
		for _, e := range evs {
			out = append(out, e.Seq)
		}
		return out
	}
	tests := []struct {
		name string
		p    storage.EventListParams
		want []int64
	}{
		{"all", storage.EventListParams{}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"after seq", storage.EventListParams{AfterSeq: 6}, []int64{7, 8, 9}},
		{"after the last", storage.EventListParams{AfterSeq: 9}, []int64{}},
		{"public only", storage.EventListParams{PublicOnly: true}, []int64{1, 3, 5, 7, 9}},
		{"limit", storage.EventListParams{Limit: 4}, []int64{1, 2, 3, 4}},
		{"limit above count", storage.EventListParams{Limit: 100}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"after seq and limit", storage.EventListParams{AfterSeq: 2, Limit: 3}, []int64{3, 4, 5}},
		{"public, after seq and limit", storage.EventListParams{PublicOnly: true, AfterSeq: 3, Limit: 2}, []int64{5, 7}},
	}
	for _, tt := range tests {
		p := tt.p
		p.Tenant, p.ComplaintID = "acme", c.ID
		view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
			got, err := tx.EventList(ctx, &p)
			require.NoError(t, err, tt.name)
			assert.Equal(t, tt.want, seqs(got), tt.name)
			for _, e := range got {
				assert.Equal(t, all[e.Seq-1], e, tt.name)
			}
			return nil
		})
	}
}

func testEventDuplicateSeq(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	appendEvents(t, s, "acme", NewEvent(c, 1), NewEvent(c, 2))

	again := NewEvent(c, 2)
	again.ID = NewID(again.At, "again")
	again.Note = "second writer"
	require.ErrorIs(t, appendErr(t, s, "acme", again), storage.ErrConflict, "seq taken by a committed event")

	// A batch whose later event collides appends none of its events.
	three := NewEvent(c, 3)
	require.ErrorIs(t, appendErr(t, s, "acme", three, again), storage.ErrConflict)

	// Two events with one sequence number in the same batch.
	twin := NewEvent(c, 3)
	twin.ID = NewID(twin.At, "twin")
	require.ErrorIs(t, appendErr(t, s, "acme", three, twin), storage.ErrConflict, "seq repeated within one append")

	assert.Equal(t, []complaint.Event{NewEvent(c, 1), NewEvent(c, 2)}, events(t, s, "acme", c.ID), "failed appends leave nothing")

	// The same sequence number on another complaint is fine.
	d := NewComplaint("acme", 1)
	insert(t, s, d)
	appendEvents(t, s, "acme", NewEvent(d, 2))
	assert.Len(t, events(t, s, "acme", d.ID), 1)
}

func testEventUnknownComplaint(t *testing.T, s storage.Store) {
	ghost := NewComplaint("acme", 0) // never inserted
	require.ErrorIs(t, appendErr(t, s, "acme", NewEvent(ghost, 1)), storage.ErrNotFound)
	assert.Empty(t, events(t, s, "acme", ghost.ID), "listing an unknown complaint's events finds none, without error")
}

func testEventTenantIsolation(t *testing.T, s storage.Store) {
	a := NewComplaint("acme", 0)
	insert(t, s, a)
	appendEvents(t, s, "acme", NewEvent(a, 1))

	assert.Empty(t, events(t, s, "globex", a.ID), "another tenant sees no events")
	intruder := NewEvent(a, 2)
	intruder.Tenant = "globex"
	require.ErrorIs(t, appendErr(t, s, "globex", intruder), storage.ErrNotFound, "another tenant cannot append")
	assert.Equal(t, []complaint.Event{NewEvent(a, 1)}, events(t, s, "acme", a.ID))
}
