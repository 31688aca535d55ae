package insight_test

import (
	"fmt"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/insight"
)

// KPIs come from durations and counts that a store computes for a window.
func ExampleComputeKPIs() {
	k, err := insight.ComputeKPIs(insight.KPIInput{
		FirstResponse: []time.Duration{20 * time.Minute, 45 * time.Minute, 2 * time.Hour, 30 * time.Minute},
		Resolution:    []time.Duration{26 * time.Hour, 50 * time.Hour, 20 * time.Hour},
		Total:         4, Resolved: 3, Breached: 1, Reopened: 1, Repeats: 0,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("first response median:", k.FirstResponse.Median, "p90:", k.FirstResponse.P90)
	fmt.Println("resolution median:", k.Resolution.Median)
	fmt.Println("SLA attainment:", k.SLAAttainment)
	fmt.Println("reopen rate:", k.ReopenRate)
	// Output:
	// first response median: 37m30s p90: 1h37m30s
	// resolution median: 26h0m0s
	// SLA attainment: 75.0 % (3/4)
	// reopen rate: 33.3 % (1/3)
}

// A Pareto table shows the vital few categories above the 80 % line.
func ExampleNewPareto() {
	p, _ := insight.NewPareto([]insight.Count{
		{Key: "delivery", N: 120}, {Key: "quality", N: 64}, {Key: "billing", N: 21},
		{Key: "staff", N: 12}, {Key: "packaging", N: 8},
	}, 0)
	fmt.Print(p)
	// Output:
	// key           count   share     cum
	// delivery        120   53.3%   53.3%
	// quality          64   28.4%   81.8%
	// ------------------------- 80 % line
	// billing          21    9.3%   91.1%
	// staff            12    5.3%   96.4%
	// packaging         8    3.6%  100.0%
}

// The early-warning check reads one category's daily counts, never the complaints themselves.
func ExampleWarningPolicy_Check() {
	to := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -15)
	var counts []insight.Count // as a store's count by day returns them; quiet days are missing
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		n := int64(6 + d.Day()%3) // 6, 7 or 8 a day
		if d.Equal(to.AddDate(0, 0, -1)) {
			n = 19 // today
		}
		counts = append(counts, insight.Count{Key: d.Format(time.DateOnly), N: n})
	}
	series, _ := insight.DailySeries(counts, from, to)
	w, _ := insight.WarningPolicy{}.Check(series)
	fmt.Printf("level %s: %d complaints against a mean of %.1f (red from %.1f)\n", w.Level, w.Current, w.Mean, w.Red)
	// Output:
	// level red: 19 complaints against a mean of 7.0 (red from 14.9)
}

// A new complaint from the same customer in the same category within 30 days repeats the earlier one.
func ExampleFindRepeat() {
	now := time.Date(2026, 3, 30, 12, 0, 0, 0, time.UTC)
	cust := complaint.Customer{ID: "cust-42"}
	earlier := []*complaint.Complaint{
		{ID: "C1", Tenant: "acme", Customer: cust, Category: "delivery", CreatedAt: now.AddDate(0, 0, -40)},
		{ID: "C2", Tenant: "acme", Customer: cust, Category: "billing", CreatedAt: now.AddDate(0, 0, -5)},
		{ID: "C3", Tenant: "acme", Customer: cust, Category: "delivery", CreatedAt: now.AddDate(0, 0, -12)},
	}
	c := &complaint.Complaint{ID: "C4", Tenant: "acme", Customer: cust, Category: "delivery", CreatedAt: now}
	if r := insight.FindRepeat(c, earlier, 0); r != nil {
		fmt.Println("repeat of", r.ID)
	}
	// Output:
	// repeat of C3
}
