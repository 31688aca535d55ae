package complaint_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redresshq/redress/complaint"
)

// A shared lifecycle moves a record through its statuses; every call returns the event to store.
func ExampleLifecycle_Apply() {
	lc := complaint.NewLifecycle()
	c := &complaint.Complaint{ID: "c1", Status: complaint.StatusReceived}
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for _, tr := range []complaint.Trigger{complaint.TriggerAcknowledge, complaint.TriggerInvestigate, complaint.TriggerResolve, complaint.TriggerConfirm} {
		next, ev, err := lc.Apply(context.Background(), c, complaint.Request{Trigger: tr, Actor: "agent:li", At: at})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s -> %s\n", ev.Trigger, ev.From, ev.To)
		c = next
		at = at.Add(time.Hour)
	}
	_, _, err := lc.Apply(context.Background(), c, complaint.Request{Trigger: complaint.TriggerResolve, Actor: "agent:li", At: at})
	fmt.Println(err)
	// Output:
	// acknowledge: received -> acknowledged
	// investigate: acknowledged -> investigating
	// resolve: investigating -> resolved
	// confirm: resolved -> closed
	// complaint: cannot resolve a complaint that is closed: not permitted from this status
}

// Validation reports every wrong field at once.
func ExampleComplaint_Validate() {
	c := &complaint.Complaint{Channel: "Phone", Subject: "屏幕碎了"}
	fmt.Println(c.Validate())
	// Output:
	// complaint: invalid record: channel: must be a lower-case token such as phone, email, web, wechat; customer: needs an id, a name or a contact so we can answer; description: is required
}

// Customers type codes carelessly; parsing forgives it.
func ExampleParseTrackingCode() {
	code, err := complaint.ParseTrackingCode("7k3o q2lm 9xar")
	fmt.Println(code, err)
	// Output: 7K30-Q21M-9XAR <nil>
}
