package memory_test

import (
	"context"
	"maps"
	"strconv"
	"sync"
	"testing"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
	"github.com/redresshq/redress/storage/storagetest"
)

// nth returns the i-th distinct complaint derived from base, and its first event, cheaply: only the
// unique keys change.
func nth(base *complaint.Complaint, ev complaint.Event, i int) (*complaint.Complaint, complaint.Event) {
	c := *base
	n := strconv.Itoa(i)
	c.ID, c.TrackingCode, c.ExternalRef = base.ID+n, base.TrackingCode+n, base.ExternalRef+n
	ev.ID, ev.ComplaintID = ev.ID+n, c.ID
	return &c, ev
}

// BenchmarkUpdate measures one read-write transaction that takes in a complaint with its first event,
// against the floor: the same copies into plain maps under one mutex, with no contract checks, no undo
// log and no transaction.
func BenchmarkUpdate(b *testing.B) {
	base := storagetest.NewComplaint("acme", 0)
	event := storagetest.NewEvent(base, 1)
	ctx := context.Background()

	b.Run("baseline=maps-under-mutex", func(b *testing.B) {
		var mu sync.Mutex
		byID := map[string]*complaint.Complaint{}
		byCode := map[string]string{}
		byRef := map[string]string{}
		evs := map[string][]complaint.Event{}
		i := 0
		for b.Loop() {
			c, ev := nth(base, event, i)
			i++
			mu.Lock()
			d := c.Clone()
			byID[d.ID] = d
			byCode[d.Tenant+"\x00"+d.TrackingCode] = d.ID
			byRef[d.Tenant+"\x00"+d.Channel+"\x00"+d.ExternalRef] = d.ID
			ev.Attrs = maps.Clone(ev.Attrs)
			evs[d.ID] = append(evs[d.ID], ev)
			mu.Unlock()
		}
	})

	b.Run("insert+event", func(b *testing.B) {
		s := memory.New()
		i := 0
		for b.Loop() {
			c, ev := nth(base, event, i)
			i++
			err := s.Update(ctx, func(tx storage.Tx) error {
				if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}); err != nil {
					return err
				}
				return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{ev}})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("update+event", func(b *testing.B) {
		s := memory.New()
		c := base.Clone()
		if err := s.Update(ctx, func(tx storage.Tx) error {
			return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c})
		}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			next := c.Clone()
			next.Version++
			next.EventSeq++
			ev := event
			ev.Seq = next.EventSeq
			ev.ID += strconv.FormatInt(ev.Seq, 10)
			err := s.Update(ctx, func(tx storage.Tx) error {
				if err := tx.ComplaintUpdate(ctx, &storage.ComplaintUpdateParams{Tenant: "acme", Complaint: next, ExpectedVersion: c.Version}); err != nil {
					return err
				}
				return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{ev}})
			})
			if err != nil {
				b.Fatal(err)
			}
			c = next
		}
	})
}

// BenchmarkComplaintList measures a filtered first page over 10,000 stored complaints, which the memory
// store answers by scanning.
func BenchmarkComplaintList(b *testing.B) {
	ctx := context.Background()
	s := memory.New()
	if err := s.Update(ctx, func(tx storage.Tx) error {
		for i := range 10_000 {
			c := storagetest.NewComplaint("acme", i)
			if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	p := &storage.ComplaintListParams{Tenant: "acme", Queue: storagetest.Queues[0]}
	for b.Loop() {
		err := s.View(ctx, func(tx storage.ReadTx) error {
			page, err := tx.ComplaintList(ctx, p)
			if err == nil && len(page.Complaints) != storage.DefaultListLimit {
				b.Fatalf("page of %d", len(page.Complaints))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
