package rca_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/redresshq/redress/rca"
)

// A problem groups complaints, records the analysis, and closes only once its corrective action is
// verified effective.
func Example() {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	p, err := rca.New("P1", "acme", now, rca.Analysis{
		Title:     "Late deliveries from the east warehouse",
		Statement: rca.Statement{What: "orders arrive 2–3 days late", Where: "east warehouse"},
		Whys: []rca.Why{
			{Question: "Why are orders late?", Answer: "they wait for picking"},
			{Question: "Why do they wait?", Answer: "picking is manual and slow"},
		},
		Causes:    []rca.Cause{{Category: rca.Method, Description: "manual picking lists", Confirmed: true}},
		RootCause: "manual picking cannot keep up with peak volume",
	}, "C1", "C2", "C3")
	if err != nil {
		panic(err)
	}

	_, err = p.AddAction(now, rca.Action{Kind: rca.Corrective, Description: "automate picking", Due: now.AddDate(0, 1, 0)})
	fmt.Println("without owner:", errors.Is(err, rca.ErrInvalid), err)

	fix, _ := p.AddAction(now, rca.Action{Kind: rca.Corrective, Description: "automate picking", Owner: "ops", Due: now.AddDate(0, 1, 0)})
	_, err = p.Close(now)
	fmt.Println("close too early:", err)

	fmt.Println("overdue after six weeks:", len(p.Overdue(now.AddDate(0, 0, 42))))
	p.CompleteAction(now.AddDate(0, 0, 20), fix.ID)
	p.VerifyAction(now.AddDate(0, 0, 50), fix.ID, rca.Verification{
		Metric: "late-delivery complaints per week", Target: "under 5", Result: "2 per week", Effective: true, By: "quality",
	})
	notify, err := p.Close(now.AddDate(0, 0, 51))
	fmt.Println("closed:", err == nil, "notify:", notify)
	// Output:
	// without owner: true rca: invalid problem record: actions[0].owner: is required
	// close too early: rca: problem cannot close: corrective actions not verified effective: A1 (planned)
	// overdue after six weeks: 1
	// closed: true notify: [C1 C2 C3]
}

// The 8D report is a view of the same record.
func ExampleEightD() {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	p, _ := rca.New("P2", "acme", now, rca.Analysis{
		Title:     "Hinge cracks",
		Team:      []string{"li"},
		RootCause: "pin tolerance too loose",
	}, "C9")
	p.AddAction(now, rca.Action{Kind: rca.Containment, Description: "replace hinges", Owner: "zhao", Due: now.AddDate(0, 0, 1)})
	fmt.Print(rca.EightD(p))
	// Output:
	// 8D report P2: Hinge cracks
	// [x] D0 Prepare and plan
	//     complaint C9
	//     opened 2026-03-02 09:00
	// [x] D1 Form the team
	//     li, zhao
	// [ ] D2 Describe the problem
	// [ ] D3 Contain the problem
	//     A1 replace hinges: planned (owner zhao, due 2026-03-03 09:00)
	// [x] D4 Find the root cause
	//     root cause: pin tolerance too loose
	// [ ] D5 Choose permanent corrective actions
	// [ ] D6 Implement and validate corrective actions
	// [ ] D7 Prevent recurrence
	// [ ] D8 Close and recognise the team
}

// Fishbone groups causes by the six 6M categories.
func ExampleProblem_Fishbone() {
	p, _ := rca.New("P3", "acme", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), rca.Analysis{
		Title: "Wrong invoices",
		Causes: []rca.Cause{
			{Category: rca.Machine, Description: "billing system rounds per line"},
			{Category: rca.Man, Description: "new staff"},
			{Category: rca.Machine, Description: "tax table outdated"},
		},
	})
	for _, b := range p.Fishbone() {
		fmt.Println(b.Category, len(b.Causes))
	}
	// Output:
	// man 1
	// machine 2
	// material 0
	// method 0
	// environment 0
	// measurement 0
}
