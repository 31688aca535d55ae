package storagetest_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/redresshq/redress/feedback"
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

// A fixture problem has the three kinds of action; its next overdue report is the corrective
// action's due date, and a fixture survey stores the hash of the token its link carries.
func ExampleNewProblem() {
	c := storagetest.NewComplaint("acme", 0)
	p := storagetest.NewProblem("acme", 0, c.ID)
	for _, a := range p.Actions {
		fmt.Println(a.ID, a.Kind, a.Status)
	}
	next, _ := p.NextReport()
	fmt.Println("next report:", next.Sub(p.CreatedAt))

	s := storagetest.NewSurvey(c, 0)
	hash, _ := feedback.HashToken(storagetest.SurveyToken(c, 0))
	fmt.Println(s.ComplaintID == c.ID, hash == s.TokenHash, s.Kinds)
	// Output:
	// A1 containment verified
	// A2 corrective in_progress
	// A3 preventive planned
	// next report: 168h0m0s
	// true true [csat nps ces]
}
