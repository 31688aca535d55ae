package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/postgres"
)

// Opening a store on a server. This example is compiled but not run (it needs a database); the
// package's tests run the same calls against REDRESS_POSTGRES_DSN.
func Example() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, os.Getenv("REDRESS_POSTGRES_DSN"))
	switch {
	case errors.Is(err, postgres.ErrConnect):
		log.Fatalf("database down or login refused: %v", err)
	case errors.Is(err, postgres.ErrSchemaTooNew):
		log.Fatalf("a newer redress migrated this database: %v", err)
	case err != nil:
		log.Fatal(err)
	}
	defer s.Close()

	err = s.View(ctx, func(tx storage.ReadTx) error {
		c, err := tx.ComplaintGetByTrackingCode(ctx, &storage.ComplaintGetByTrackingCodeParams{
			Tenant: "acme", TrackingCode: "7K3M-Q9XD-2PWA",
		})
		if err != nil {
			return err
		}
		fmt.Println(c.Status)
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		fmt.Println("no such complaint")
	}
}

// A schema migrated by a newer redress is refused before anything is written; the error says which
// versions are involved.
func ExampleSchemaVersionError() {
	var err error = &postgres.SchemaVersionError{Schema: "redress", Found: 3, Known: 2}
	fmt.Println(errors.Is(err, postgres.ErrSchemaTooNew))
	fmt.Println(err)
	// Output:
	// true
	// postgres: schema "redress" is at version 3, this code knows versions up to 2: upgrade redress
}

// SchemaVersion is the version Migrate brings a schema to: the number of embedded migrations.
func ExampleSchemaVersion() {
	fmt.Println(postgres.SchemaVersion())
	// Output: 2
}
