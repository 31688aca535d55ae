package postgres

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/rca"
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

// fixtureTokenHash returns a token hash for survey i of tenant, shaped like feedback.HashToken's.
func fixtureTokenHash(tenant string, i int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", tenant, i)))
	return hex.EncodeToString(sum[:])
}

// fixtureSurvey returns the survey of complaint c (the i-th of its tenant): scheduled an hour after c's
// creation and, unless i%10 == 0, answered a day later with CSAT, NPS and (every other one) CES scores.
func fixtureSurvey(c *complaint.Complaint, i int) *feedback.Survey {
	scheduled := c.CreatedAt.Add(time.Hour)
	s := &feedback.Survey{
		ID:          c.ID + "-survey",
		Tenant:      c.Tenant,
		ComplaintID: c.ID,
		TokenHash:   fixtureTokenHash(c.Tenant, i),
		Kinds:       feedback.Kinds,
		ScheduledAt: scheduled,
		DueBy:       scheduled.Add(48 * time.Hour),
		ExpiresAt:   scheduled.Add(9 * 24 * time.Hour),
		SentAt:      scheduled,
		Version:     1,
	}
	if i%10 != 0 {
		s.AnsweredAt = scheduled.Add(24 * time.Hour)
		s.Response.Scores = []feedback.Score{{Kind: feedback.CSAT, Value: 1 + i%5}, {Kind: feedback.NPS, Value: i % 11}}
		if i%2 == 0 {
			s.Response.Scores = append(s.Response.Scores, feedback.Score{Kind: feedback.CES, Value: 1 + i%7})
		}
	}
	return s
}

// fixtureProblem returns problem j of tenant, grouping the given complaints, created at created. One
// in four is open, with an action in progress due (j*53 % 8760) hours after epoch (spread over a
// year); the others are closed, their actions verified, so they have nothing to report.
func fixtureProblem(tenant string, j int, created time.Time, complaints []string) *rca.Problem {
	p := &rca.Problem{
		ID:         fmt.Sprintf("%s-problem-%06d", tenant, j),
		Tenant:     tenant,
		Analysis:   rca.Analysis{Title: fmt.Sprintf("铰链断裂 hinge cracks #%d", j), Category: fmt.Sprintf("cat-%d", j%8)},
		Complaints: complaints,
		Status:     rca.StatusClosed,
		Version:    1,
		CreatedAt:  created,
		UpdatedAt:  created,
	}
	a := rca.Action{ID: "A1", Kind: rca.Corrective, Description: "fix the jig", Owner: "eng-sun",
		Due: epoch.Add(time.Duration(j*53%8760) * time.Hour), Status: rca.ActionVerified, CreatedAt: created}
	if j%4 == 0 {
		p.Status, a.Status = rca.StatusOpen, rca.ActionInProgress
	} else {
		p.ClosedAt = created.Add(24 * time.Hour)
	}
	p.Actions = []rca.Action{a}
	return p
}
