package memory_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
	"github.com/redresshq/redress/storage/storagetest"
)

// A complaint and its first event commit together; a second intake of the same external reference is a
// duplicate, and the first complaint can be found by that reference.
func Example() {
	ctx := context.Background()
	store := memory.New()
	defer store.Close()

	c := storagetest.NewComplaint("acme", 1)
	err := store.Update(ctx, func(tx storage.Tx) error {
		if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}); err != nil {
			return err
		}
		return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{storagetest.NewEvent(c, 1)}})
	})
	fmt.Println("first intake:", err)

	again := storagetest.NewComplaint("acme", 2)
	again.Channel, again.ExternalRef = c.Channel, c.ExternalRef
	err = store.Update(ctx, func(tx storage.Tx) error {
		return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: again})
	})
	fmt.Println("second intake is a duplicate:", errors.Is(err, storage.ErrDuplicate))

	_ = store.View(ctx, func(tx storage.ReadTx) error {
		got, err := tx.ComplaintGetByExternalRef(ctx, &storage.ComplaintGetByExternalRefParams{Tenant: "acme", Channel: c.Channel, ExternalRef: c.ExternalRef})
		if err != nil {
			return err
		}
		evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: got.ID})
		fmt.Println("found the first:", got.ID == c.ID, "events:", len(evs), err)
		return nil
	})
	// Output:
	// first intake: <nil>
	// second intake is a duplicate: true
	// found the first: true events: 1 <nil>
}

// When the closure fails, nothing it wrote is kept.
func ExampleStore_Update_rollback() {
	ctx := context.Background()
	store := memory.New()
	c := storagetest.NewComplaint("acme", 1)
	errRefused := errors.New("refused by policy")
	err := store.Update(ctx, func(tx storage.Tx) error {
		if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}); err != nil {
			return err
		}
		return errRefused
	})
	fmt.Println(err == errRefused)
	err = store.View(ctx, func(tx storage.ReadTx) error {
		_, err := tx.ComplaintGet(ctx, &storage.ComplaintGetParams{Tenant: "acme", ID: c.ID})
		return err
	})
	fmt.Println(errors.Is(err, storage.ErrNotFound))
	// Output:
	// true
	// true
}
