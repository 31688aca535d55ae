package storagetest

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

func complaintCases() []testCase {
	return []testCase{
		{"InsertGetRoundTripEveryField", testComplaintRoundTrip},
		{"ZeroAndEmptyFieldsRoundTrip", testComplaintZeroFields},
		{"GetByTrackingCodeAndExternalRef", testComplaintLookups},
		{"NotFound", testComplaintNotFound},
		{"Duplicates", testComplaintDuplicates},
		{"IdempotentIntake", testComplaintIdempotentIntake},
		{"Update", testComplaintUpdate},
		{"UpdateKeepsImmutableFields", testComplaintUpdateImmutable},
		{"UpdateConflicts", testComplaintUpdateConflicts},
		{"RacingUpdatesOneWinsPerVersion", testComplaintRacingUpdates},
		{"RacingUpdatesLoseNoEvent", testComplaintRacingNoEventLost},
		{"TenantIsolation", testComplaintTenantIsolation},
		{"NoAliasing", testComplaintNoAliasing},
	}
}

// fullComplaint is NewComplaint with the lifecycle fields set too, so that every field is non-zero.
func fullComplaint(tenant string, i int) *complaint.Complaint {
	c := NewComplaint(tenant, i)
	c.Status = complaint.StatusClosed
	c.Customer.VIP = true
	c.Safety = true
	c.EscalationLevel = 2
	c.Breached = true
	c.Reopened = 1
	c.RepeatOf = NewID(Epoch.Add(-time.Hour), tenant, i, "earlier")
	c.EventSeq = 7
	c.AcknowledgedAt = c.CreatedAt.Add(17 * time.Minute)
	c.ResolvedAt = c.CreatedAt.Add(26 * time.Hour)
	c.ClosedAt = c.CreatedAt.Add(50 * time.Hour)
	c.UpdatedAt = c.ClosedAt
	return c
}

// requireAllFieldsSet fails when any field of v (recursively through structs) is zero, so the round-trip
// case notices when the record grows a field the fixture does not fill.
func requireAllFieldsSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	if v.Kind() == reflect.Pointer {
		require.False(t, v.IsNil(), "%s is nil", path)
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct && v.Type() != reflect.TypeFor[time.Time]() {
		for i := range v.NumField() {
			requireAllFieldsSet(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
		return
	}
	require.False(t, v.IsZero(), "fixture leaves %s zero: the round trip would not cover it", path)
	if v.Kind() == reflect.Slice || v.Kind() == reflect.Map {
		require.NotZero(t, v.Len(), "fixture leaves %s empty", path)
	}
}

// denormalise returns c with every time moved to UTC+8 and given sub-microsecond digits, the way a
// caller's clock might produce them.
func denormalise(c *complaint.Complaint) *complaint.Complaint {
	zone := time.FixedZone("CST", 8*3600)
	shift := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.In(zone).Add(789 * time.Nanosecond)
		}
	}
	d := c.Clone()
	for _, p := range []*time.Time{&d.Product.DeliveryDate, &d.OccurredAt, &d.CreatedAt, &d.UpdatedAt,
		&d.AcknowledgedAt, &d.ResolvedAt, &d.ClosedAt} {
		shift(p)
	}
	return d
}

func testComplaintRoundTrip(t *testing.T, s storage.Store) {
	c := fullComplaint("acme", 3)
	requireAllFieldsSet(t, reflect.ValueOf(c), "Complaint")
	in := denormalise(c)
	insert(t, s, in)

	got := mustGet(t, s, "acme", c.ID)
	assert.Equal(t, Canonical(in), got)
	assert.Equal(t, c, got, "times come back in UTC, truncated to microseconds")
	for _, tm := range []time.Time{got.CreatedAt, got.UpdatedAt, got.OccurredAt, got.AcknowledgedAt,
		got.ResolvedAt, got.ClosedAt, got.Product.DeliveryDate} {
		assert.Equal(t, time.UTC, tm.Location())
		assert.Zero(t, tm.Nanosecond()%1000)
	}
}

func testComplaintZeroFields(t *testing.T, s storage.Store) {
	// Only what a store needs; every optional time zero and every collection empty but not nil.
	c := &complaint.Complaint{
		ID:           NewID(Epoch, "acme", "minimal"),
		Tenant:       "acme",
		TrackingCode: NewTrackingCode("acme", "minimal"),
		Channel:      "web",
		Customer:     complaint.Customer{Contact: "a@example.com"},
		Subject:      "s",
		Description:  "d",
		Attachments:  []complaint.Attachment{},
		Status:       complaint.StatusReceived,
		Tags:         []string{},
		Custom:       map[string]string{},
		Version:      1,
		CreatedAt:    Epoch,
		UpdatedAt:    Epoch,
	}
	insert(t, s, c)
	got := mustGet(t, s, "acme", c.ID)
	assert.Equal(t, Canonical(c), got)
	assert.Nil(t, got.Attachments, "empty attachments come back nil")
	assert.Nil(t, got.Tags, "empty tags come back nil")
	assert.Nil(t, got.Custom, "empty custom fields come back nil")
	assert.True(t, got.OccurredAt.IsZero())
	assert.True(t, got.AcknowledgedAt.IsZero())
	assert.True(t, got.ResolvedAt.IsZero())
	assert.True(t, got.ClosedAt.IsZero())
	assert.True(t, got.Product.DeliveryDate.IsZero())

	// Nil collections store the same way as empty ones.
	d := c.Clone()
	d.ID, d.TrackingCode = NewID(Epoch, "acme", "minimal-nil"), NewTrackingCode("acme", "minimal-nil")
	d.Attachments, d.Tags, d.Custom = nil, nil, nil
	insert(t, s, d)
	assert.Equal(t, d, mustGet(t, s, "acme", d.ID))
}

func testComplaintLookups(t *testing.T, s storage.Store) {
	cs := []*complaint.Complaint{NewComplaint("acme", 0), NewComplaint("acme", 1), NewComplaint("acme", 2)}
	insert(t, s, cs...)
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		for _, c := range cs {
			got, err := tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: "acme", TrackingCode: c.TrackingCode})
			require.NoError(t, err)
			assert.Equal(t, c, got)
			got, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: c.Channel, ExternalRef: c.ExternalRef})
			require.NoError(t, err)
			assert.Equal(t, c, got)
			got, err = tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
			require.NoError(t, err)
			assert.Equal(t, c, got)
		}
		return nil
	})
}

func testComplaintNotFound(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: NewID(Epoch, "missing")})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		_, err = tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: ""})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		_, err = tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: "acme", TrackingCode: NewTrackingCode("missing")})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		_, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: c.Channel, ExternalRef: "no-such-ref"})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		_, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: "other-channel", ExternalRef: c.ExternalRef})
		assert.ErrorIs(t, err, storage.ErrNotFound, "the reference belongs to another channel")
		return nil
	})
}

func testComplaintDuplicates(t *testing.T, s storage.Store) {
	orig := NewComplaint("acme", 0)
	orig.Channel = "email"
	insert(t, s, orig)
	noRef := NewComplaint("acme", 1)
	noRef.ExternalRef = ""
	insert(t, s, noRef)

	// fresh returns a complaint that shares nothing with orig, modified by f.
	fresh := func(name string, f func(c *complaint.Complaint)) *complaint.Complaint {
		c := NewComplaint("acme", 100)
		c.ID = NewID(c.CreatedAt, name)
		c.TrackingCode = NewTrackingCode(name)
		c.ExternalRef = "ref-" + name
		f(c)
		return c
	}
	tests := []struct {
		name    string
		c       *complaint.Complaint
		wantDup bool
	}{
		{"same ID", fresh("same-id", func(c *complaint.Complaint) { c.ID = orig.ID }), true},
		{"same ID in another tenant", fresh("same-id-other-tenant", func(c *complaint.Complaint) { c.Tenant = "globex"; c.ID = orig.ID }), true},
		{"same tracking code", fresh("same-code", func(c *complaint.Complaint) { c.TrackingCode = orig.TrackingCode }), true},
		{"same channel and external ref", fresh("same-ref", func(c *complaint.Complaint) { c.Channel = orig.Channel; c.ExternalRef = orig.ExternalRef }), true},
		{"same tracking code in another tenant", fresh("code-other-tenant", func(c *complaint.Complaint) { c.Tenant = "globex"; c.TrackingCode = orig.TrackingCode }), false},
		{"same ref in another tenant", fresh("ref-other-tenant", func(c *complaint.Complaint) {
			c.Tenant = "globex"
			c.Channel, c.ExternalRef = orig.Channel, orig.ExternalRef
		}), false},
		{"same ref on another channel", fresh("ref-other-channel", func(c *complaint.Complaint) { c.Channel = "phone"; c.ExternalRef = orig.ExternalRef }), false},
		{"empty ref again", fresh("empty-ref", func(c *complaint.Complaint) { c.Channel = noRef.Channel; c.ExternalRef = "" }), false},
		{"empty ref once more", fresh("empty-ref-2", func(c *complaint.Complaint) { c.Channel = noRef.Channel; c.ExternalRef = "" }), false},
	}
	for _, tt := range tests {
		err := insertErr(t, s, tt.c)
		if !tt.wantDup {
			require.NoError(t, err, tt.name)
			assert.Equal(t, tt.c, mustGet(t, s, tt.c.Tenant, tt.c.ID), tt.name)
			continue
		}
		require.ErrorIs(t, err, storage.ErrDuplicate, tt.name)
		_, err = get(t, s, tt.c.Tenant, tt.c.ID)
		if tt.c.ID == orig.ID && tt.c.Tenant == orig.Tenant {
			assert.Equal(t, orig, mustGet(t, s, orig.Tenant, orig.ID), "%s: the original is untouched", tt.name)
		} else {
			assert.ErrorIs(t, err, storage.ErrNotFound, "%s: nothing stored", tt.name)
		}
	}
	assert.Equal(t, orig, mustGet(t, s, "acme", orig.ID))
}

func testComplaintIdempotentIntake(t *testing.T, s storage.Store) {
	first := NewComplaint("acme", 0)
	first.Channel, first.ExternalRef = "wechat", "wx-msg-8841"
	insert(t, s, first)

	retry := NewComplaint("acme", 1) // the channel delivered the same message again
	retry.Channel, retry.ExternalRef = first.Channel, first.ExternalRef
	require.ErrorIs(t, insertErr(t, s, retry), storage.ErrDuplicate)

	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		got, err := tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: "wechat", ExternalRef: "wx-msg-8841"})
		require.NoError(t, err)
		assert.Equal(t, first, got)
		_, err = tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: retry.ID})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		_, err = tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: "acme", TrackingCode: retry.TrackingCode})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		return nil
	})
}

func testComplaintUpdate(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)

	next := bump(c)
	next.Status = complaint.StatusResolved
	next.Assignee = "agent-wang"
	next.Queue = "experts"
	next.Category = "safety"
	next.Severity = complaint.SeverityCritical
	next.Priority = 1
	next.Safety = true
	next.Tier = complaint.TierSpecial
	next.EscalationLevel = 1
	next.Breached = true
	next.Reopened = 2
	next.RepeatOf = NewID(Epoch, "earlier")
	next.Subject = "更新 updated"
	next.Customer.VIP = !c.Customer.VIP
	next.Product.Batch = "B-NEW"
	next.Tags = []string{"escalated", "安全"}
	next.Custom = map[string]string{"refund": "¥199"}
	next.Attachments = nil
	next.EventSeq = 3
	next.AcknowledgedAt = c.CreatedAt.Add(time.Minute)
	next.ResolvedAt = c.CreatedAt.Add(time.Hour)
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: denormalise(next), ExpectedVersion: 1})
	})
	got := mustGet(t, s, "acme", c.ID)
	assert.Equal(t, next, got)
	assert.EqualValues(t, 2, got.Version)

	// Collections can be emptied, and come back nil.
	third := bump(next)
	third.Tags, third.Custom = []string{}, map[string]string{}
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: third, ExpectedVersion: 2})
	})
	assert.Equal(t, Canonical(third), mustGet(t, s, "acme", c.ID))
	assert.Nil(t, mustGet(t, s, "acme", c.ID).Tags)
}

func testComplaintUpdateImmutable(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	next := bump(c)
	next.Subject = "changed"
	next.Channel = "weibo"
	next.ExternalRef = "another-ref"
	next.TrackingCode = NewTrackingCode("another-code")
	next.CreatedAt = c.CreatedAt.Add(time.Hour)
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: next, ExpectedVersion: 1})
	})

	want := bump(c)
	want.Subject = "changed"
	got := mustGet(t, s, "acme", c.ID)
	assert.Equal(t, want, got, "channel, external ref, tracking code and creation time keep their stored values")
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		byCode, err := tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: "acme", TrackingCode: c.TrackingCode})
		require.NoError(t, err)
		assert.Equal(t, c.ID, byCode.ID)
		byRef, err := tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: c.Channel, ExternalRef: c.ExternalRef})
		require.NoError(t, err)
		assert.Equal(t, c.ID, byRef.ID)
		_, err = tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: "acme", TrackingCode: next.TrackingCode})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		_, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: next.Channel, ExternalRef: next.ExternalRef})
		assert.ErrorIs(t, err, storage.ErrNotFound)
		return nil
	})
}

func testComplaintUpdateConflicts(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	v2 := bump(c)
	v2.Assignee = "v2"
	update(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: v2, ExpectedVersion: 1})
	})

	stale := bump(c) // derived from version 1, which is no longer current
	stale.Assignee = "stale"
	skip := bump(bump(v2)) // version 4 from expected 2
	skip.Assignee = "skip"
	same := v2.Clone() // version 2 from expected 2
	same.Assignee = "same"
	missing := NewComplaint("acme", 1)
	missing.Version = 2
	otherTenant := bump(c)
	otherTenant.Tenant = "globex"
	tests := []struct {
		name     string
		c        *complaint.Complaint
		expected int64
		want     error
	}{
		{"stale expected version", stale, 1, storage.ErrConflict},
		{"expected version ahead of stored", bump(bump(v2)), 3, storage.ErrConflict},
		{"version skips", skip, 2, storage.ErrConflict},
		{"version not advanced", same, 2, storage.ErrConflict},
		{"no such complaint", missing, 1, storage.ErrNotFound},
		{"complaint of another tenant", otherTenant, 1, storage.ErrNotFound},
	}
	for _, tt := range tests {
		err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
			return tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: tt.c.Tenant, Complaint: tt.c, ExpectedVersion: tt.expected})
		})
		require.ErrorIs(t, err, tt.want, tt.name)
	}
	assert.Equal(t, v2, mustGet(t, s, "acme", c.ID), "failed updates change nothing")
	_, err := get(t, s, "acme", missing.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound, "an update never creates a complaint")
}

// raceRounds and racers size the racing-update cases: enough goroutines to contend on every adapter,
// few enough rounds to stay quick under -race.
const (
	racers     = 16
	raceRounds = 4
)

func testComplaintRacingUpdates(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	for round := range raceRounds {
		cur := mustGet(t, s, "acme", c.ID)
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for g := range racers {
			wg.Go(func() {
				next := bump(cur)
				next.Assignee = fmt.Sprintf("racer-%02d", g)
				next.EventSeq = cur.EventSeq + 1
				ev := NewEvent(cur, next.EventSeq)
				ev.ID = NewID(ev.At, c.ID, round, g)
				ev.Actor = next.Assignee
				<-start
				errs[g] = s.Update(t.Context(), func(tx storage.Tx) error {
					if err := tx.ComplaintUpdate(t.Context(), &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: next, ExpectedVersion: cur.Version}); err != nil {
						return err
					}
					return tx.EventAppend(t.Context(), &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{ev}})
				})
			})
		}
		close(start)
		wg.Wait()

		winner := -1
		for g, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "round %d: racers %d and %d both won version %d", round, winner, g, cur.Version+1)
				winner = g
				continue
			}
			require.ErrorIs(t, err, storage.ErrConflict, "round %d racer %d", round, g)
		}
		require.NotEqual(t, -1, winner, "round %d: nobody won", round)
		got := mustGet(t, s, "acme", c.ID)
		assert.Equal(t, cur.Version+1, got.Version)
		assert.Equal(t, fmt.Sprintf("racer-%02d", winner), got.Assignee)
		evs := events(t, s, "acme", c.ID)
		require.Len(t, evs, round+1, "exactly the winner's event was appended")
		assert.Equal(t, got.Assignee, evs[round].Actor)
		assert.EqualValues(t, round+1, evs[round].Seq)
	}
}

func testComplaintRacingNoEventLost(t *testing.T, s storage.Store) {
	const workers, each, maxAttempts = 8, 4, 2000
	c := NewComplaint("acme", 0)
	insert(t, s, c)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			actor := fmt.Sprintf("worker-%d", w)
			done := 0
			for attempt := 0; done < each; attempt++ {
				if attempt == maxAttempts {
					errs[w] = fmt.Errorf("%s: %d attempts for %d updates", actor, attempt, each)
					return
				}
				var cur *complaint.Complaint
				err := s.View(t.Context(), func(tx storage.ReadTx) error {
					var err error
					cur, err = tx.ComplaintGet(t.Context(), &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
					return err
				})
				if err != nil {
					errs[w] = err
					return
				}
				next := bump(cur)
				next.EventSeq++
				next.Assignee = actor
				ev := NewEvent(cur, next.EventSeq)
				ev.ID = NewID(ev.At, c.ID, w, done, attempt)
				ev.Actor = actor
				err = s.Update(t.Context(), func(tx storage.Tx) error {
					if err := tx.ComplaintUpdate(t.Context(), &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: next, ExpectedVersion: cur.Version}); err != nil {
						return err
					}
					return tx.EventAppend(t.Context(), &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{ev}})
				})
				switch {
				case err == nil:
					done++
				case !isConflict(err):
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got := mustGet(t, s, "acme", c.ID)
	assert.EqualValues(t, 1+workers*each, got.Version)
	assert.EqualValues(t, workers*each, got.EventSeq)
	evs := events(t, s, "acme", c.ID)
	require.Len(t, evs, workers*each, "every committed update kept its event")
	perActor := map[string]int{}
	for i, e := range evs {
		assert.EqualValues(t, i+1, e.Seq, "sequence numbers are contiguous")
		perActor[e.Actor]++
	}
	for w := range workers {
		assert.Equal(t, each, perActor[fmt.Sprintf("worker-%d", w)])
	}
}

func testComplaintTenantIsolation(t *testing.T, s storage.Store) {
	a := NewComplaint("acme", 0)
	insert(t, s, a)
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "globex", ID: a.ID})
		assert.ErrorIs(t, err, storage.ErrNotFound, "by ID")
		_, err = tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: "globex", TrackingCode: a.TrackingCode})
		assert.ErrorIs(t, err, storage.ErrNotFound, "by tracking code")
		_, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "globex", Channel: a.Channel, ExternalRef: a.ExternalRef})
		assert.ErrorIs(t, err, storage.ErrNotFound, "by external ref")
		return nil
	})

	// Another tenant may reuse the tracking code and reference; each tenant then sees its own.
	b := NewComplaint("globex", 0)
	b.TrackingCode, b.Channel, b.ExternalRef = a.TrackingCode, a.Channel, a.ExternalRef
	insert(t, s, b)
	view(t, s, func(ctx context.Context, tx storage.ReadTx) error {
		for _, want := range []*complaint.Complaint{a, b} {
			got, err := tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: want.Tenant, TrackingCode: want.TrackingCode})
			require.NoError(t, err)
			assert.Equal(t, want, got)
			got, err = tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: want.Tenant, Channel: want.Channel, ExternalRef: want.ExternalRef})
			require.NoError(t, err)
			assert.Equal(t, want, got)
		}
		return nil
	})

	// Updating through the wrong tenant finds nothing and changes nothing.
	hijack := bump(a)
	hijack.Tenant = "globex"
	hijack.Assignee = "intruder"
	err := updateErr(t, s, func(ctx context.Context, tx storage.Tx) error {
		return tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "globex", Complaint: hijack, ExpectedVersion: 1})
	})
	require.ErrorIs(t, err, storage.ErrNotFound)
	assert.Equal(t, a, mustGet(t, s, "acme", a.ID))
}

func testComplaintNoAliasing(t *testing.T, s storage.Store) {
	c := NewComplaint("acme", 0)
	want := c.Clone()
	insert(t, s, c)
	c.Tags[0] = "mutated"
	c.Custom["store"] = "mutated"
	c.Attachments[0].Name = "mutated"
	c.Subject = "mutated"
	got := mustGet(t, s, "acme", c.ID)
	assert.Equal(t, want, got, "changing the inserted record afterwards does not change the store")

	got.Tags[0] = "mutated"
	got.Custom["store"] = "mutated"
	got.Attachments[0].Name = "mutated"
	assert.Equal(t, want, mustGet(t, s, "acme", c.ID), "changing a returned record does not change the store")
}
