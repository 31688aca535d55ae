package main

import (
	"fmt"
	"time"
)

// A small data set: three complaints of seed 1, with their statuses, categories and histories.
func ExampleGenerator_Batch() {
	g, err := NewGenerator(Spec{N: 3, Seed: 1, Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Tenants: []string{"acme"}, BatchSize: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	recs, err := g.Batch(0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range recs {
		c := r.Complaint
		fmt.Printf("%s %s %-10s %-16s events=%d timers=%d\n", c.CreatedAt.Format("2006-01-02"), c.Tenant, c.Status, c.Category, len(r.Events), len(r.Timers))
	}
	// Output:
	// 2025-12-31 acme closed     product_quality  events=9 timers=0
	// 2026-04-11 acme closed     missing_parts    events=14 timers=0
	// 2026-10-05 acme resolved   after_sales      events=11 timers=2
}
