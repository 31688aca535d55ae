package postgres

import (
	"fmt"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// epoch anchors the fixtures of this package's own tests.
var epoch = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)

// fixture returns complaint i of tenant, created i*step after epoch, cycling through a realistic
// spread of values: most complaints closed, a few open, five queues, twenty agents, eight categories,
// seven channels, five hundred customers and ten tags.
func fixture(tenant string, i int, step time.Duration) *complaint.Complaint {
	created := epoch.Add(time.Duration(i) * step)
	status := complaint.StatusClosed
	switch i % 20 {
	case 0:
		status = complaint.StatusReceived
	case 1:
		status = complaint.StatusInvestigating
	case 2:
		status = complaint.StatusAwaitingCustomer
	}
	return &complaint.Complaint{
		ID:           fmt.Sprintf("%s-%08d", tenant, i),
		Tenant:       tenant,
		TrackingCode: fmt.Sprintf("TC-%s-%08d", tenant, i),
		Channel:      []string{"phone", "email", "web", "app", "wechat", "weibo", "store"}[i%7],
		ExternalRef:  fmt.Sprintf("ref-%d", i),
		Customer:     complaint.Customer{ID: fmt.Sprintf("cust-%03d", i%500), Name: "王芳 Wang Fang", Contact: "+86 139 0000 0000"},
		Subject:      fmt.Sprintf("退款未到账 refund missing #%d", i),
		Description:  "已经两周了。It has been two weeks.",
		Category:     fmt.Sprintf("cat-%d", i%8),
		Severity:     []complaint.Severity{complaint.SeverityLow, complaint.SeverityMedium, complaint.SeverityHigh}[i%3],
		Queue:        fmt.Sprintf("queue-%d", i%5),
		Assignee:     fmt.Sprintf("agent-%02d", i%20),
		Status:       status,
		Tags:         []string{fmt.Sprintf("tag-%d", i%10)},
		Version:      1,
		CreatedAt:    created,
		UpdatedAt:    created,
	}
}

// fixtureEvent returns the event with number seq of c.
func fixtureEvent(c *complaint.Complaint, seq int64) complaint.Event {
	return complaint.Event{
		ID:          fmt.Sprintf("%s-ev-%d", c.ID, seq),
		Tenant:      c.Tenant,
		ComplaintID: c.ID,
		Seq:         seq,
		Type:        complaint.EventReceived,
		Actor:       "system",
		At:          storage.Time(c.CreatedAt.Add(time.Duration(seq) * time.Second)),
		Public:      true,
		Attrs:       map[string]string{"channel": c.Channel},
	}
}
