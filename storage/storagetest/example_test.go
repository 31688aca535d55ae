package storagetest_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/redresshq/redress/storage/storagetest"
)

// A fixture complaint is valid and already in the form a store returns it.
func ExampleNewComplaint() {
	c := storagetest.NewComplaint("acme", 2)
	fmt.Println(c.Tenant, c.Channel, c.Category, c.Status, c.Version)
	fmt.Println(c.CreatedAt.Format(time.RFC3339Nano))
	fmt.Println(c.Validate() == nil, len(c.TrackingCode))
	// Output:
	// acme web billing received 1
	// 2026-03-02T01:32:00.000002Z
	// true 14
}

// Canonical says what a conforming store gives back: times in UTC at microsecond precision, empty
// collections nil.
func ExampleCanonical() {
	c := storagetest.NewComplaint("acme", 0)
	c.CreatedAt = time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	c.Tags = []string{}
	got := storagetest.Canonical(c)
	fmt.Println(got.CreatedAt.Format(time.RFC3339Nano), got.Tags == nil)
	// Output:
	// 2026-03-02T01:30:00.123456Z true
}

// Cases lists what the suite checks; here, the timer cases.
func ExampleCases() {
	for _, name := range storagetest.Cases() {
		if strings.HasPrefix(name, "Timer/") {
			fmt.Println(name)
		}
	}
	// Output:
	// Timer/SetMoveDeleteList
	// Timer/UnknownComplaintNotFound
	// Timer/ClaimDueOrderAndLimit
	// Timer/ClaimAllTenantsOrOne
	// Timer/ClaimConsumes
	// Timer/RolledBackClaimPutsBack
	// Timer/ConcurrentScannersFireOnce
	// Timer/TenantIsolation
}
