package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/sqlite"
)

// Open a store in a file, take a complaint in with its first event in one transaction, and read it back
// by the tracking code a customer would type.
func Example() {
	dir, err := os.MkdirTemp("", "redress-example")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()

	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "redress.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = s.Close() }()

	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	c := &complaint.Complaint{
		ID: "01KJP2N7E091NZVXSVTVK7C6Y3", Tenant: "acme", TrackingCode: "7K3M-Q9TX-2D4H", Channel: "wechat",
		ExternalRef: "wx-msg-8841", Subject: "净化器异响 / purifier rattles", Status: complaint.StatusReceived,
		Version: 1, EventSeq: 1, CreatedAt: now, UpdatedAt: now,
	}
	err = s.Update(ctx, func(tx storage.Tx) error {
		if err := tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: c}); err != nil {
			return err
		}
		return tx.EventAppend(ctx, &storage.EventAppendParams{Tenant: "acme", Events: []complaint.Event{{
			ID: "01KJP2N7E0EVENT00000000001", Tenant: "acme", ComplaintID: c.ID, Seq: 1,
			Type: complaint.EventReceived, Actor: "system", At: now, Public: true,
		}}})
	})
	if err != nil {
		log.Fatal(err)
	}

	// The same message delivered twice by the channel is refused.
	again := c.Clone()
	again.ID, again.TrackingCode = "01KJP2N7E091NZVXSVTVK7C6Y4", "8K3M-Q9TX-2D4H"
	err = s.Update(ctx, func(tx storage.Tx) error {
		return tx.ComplaintInsert(ctx, &storage.ComplaintInsertParams{Tenant: "acme", Complaint: again})
	})
	fmt.Println("second intake is a duplicate:", errors.Is(err, storage.ErrDuplicate))

	err = s.View(ctx, func(tx storage.ReadTx) error {
		got, err := tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{Tenant: "acme", TrackingCode: "7K3M-Q9TX-2D4H"})
		if err != nil {
			return err
		}
		evs, err := tx.EventList(ctx, &storage.EventListParams{Tenant: "acme", ComplaintID: got.ID, PublicOnly: true})
		if err != nil {
			return err
		}
		fmt.Println(got.ID, got.Status, got.Subject)
		fmt.Println(len(evs), "public event:", evs[0].Type, evs[0].At.Format(time.RFC3339))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// second intake is a duplicate: true
	// 01KJP2N7E091NZVXSVTVK7C6Y3 received 净化器异响 / purifier rattles
	// 1 public event: received 2026-03-02T09:30:00Z
}

// OpenWith chooses the durability level: NORMAL trades the last commits before a power cut for a
// higher commit rate. A file that is not a redress database is refused and left untouched.
func ExampleOpenWith() {
	dir, err := os.MkdirTemp("", "redress-example")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	ctx := context.Background()

	s, err := sqlite.OpenWith(ctx, filepath.Join(dir, "fast.db"), sqlite.Config{Synchronous: sqlite.SyncNormal})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("opened, schema version", sqlite.SchemaVersion())
	_ = s.Close()

	notOurs := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notOurs, []byte("shopping list"), 0o644); err != nil {
		log.Fatal(err)
	}
	_, err = sqlite.Open(ctx, notOurs)
	fmt.Println("foreign file refused:", errors.Is(err, sqlite.ErrForeignDatabase))
	// Output:
	// opened, schema version 2
	// foreign file refused: true
}
