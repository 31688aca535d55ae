package storagetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/storage"
)

// Epoch is the instant the fixtures are built around: every generated complaint is created at or after
// it. It is a fixed time so that test data (and failures) are the same on every run.
var Epoch = time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)

// Fixture vocabularies: NewComplaint cycles through them, so a run of complaints covers several values
// of each listing and counting dimension.
var (
	Channels   = []string{"phone", "email", "web", "app", "wechat", "weibo", "store"}
	Categories = []string{"quality", "delivery", "billing", "service", "safety"}
	Queues     = []string{"frontline", "experts", "special"}
	Assignees  = []string{"agent-li", "agent-wang", "agent-chen", "agent-zhao"}
	Severities = []complaint.Severity{complaint.SeverityLow, complaint.SeverityMedium, complaint.SeverityHigh, complaint.SeverityCritical}
	TagPool    = []string{"noise", "refund", "vip", "repeat", "安全", "x1"}
)

// digest hashes its parts into a stable byte stream for deterministic IDs and codes.
func digest(parts ...any) []byte {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%v\x00", p)
	}
	return h.Sum(nil)
}

// NewID returns a deterministic ULID whose time part is at and whose entropy derives from parts. The
// suite uses ULIDs because redress does, and because their canonical text form sorts the same way in
// every database collation (digits and upper-case letters only).
func NewID(at time.Time, parts ...any) string {
	id, err := ulid.New(ulid.Timestamp(at), bytes.NewReader(digest(parts...)))
	if err != nil {
		panic(fmt.Sprintf("storagetest: ulid: %v", err)) // cannot happen: entropy is 32 bytes
	}
	return id.String()
}

// NewTrackingCode returns a deterministic canonical tracking code derived from parts.
func NewTrackingCode(parts ...any) string {
	code, err := complaint.NewTrackingCode(bytes.NewReader(digest(parts...)))
	if err != nil {
		panic(fmt.Sprintf("storagetest: tracking code: %v", err)) // cannot happen: 32 bytes of input
	}
	return code
}

// NewComplaint returns a valid, freshly received complaint of tenant, the i-th of a deterministic series:
// complaint i is created i minutes after [Epoch] and cycles through [Channels], [Categories], [Queues],
// [Assignees] and [Severities]. Every field a caller supplies at intake is set (with Chinese and English
// text), ID and tracking code are unique per (tenant, i), Version is 1 and the times are already in the
// form stores return (UTC, microseconds), so a stored copy compares equal to it.
//
// Fields the lifecycle sets later (acknowledgement, resolution, escalation, ...) are zero; tests that
// need them set them.
func NewComplaint(tenant string, i int) *complaint.Complaint {
	created := Epoch.Add(time.Duration(i)*time.Minute + time.Duration(i%1000)*time.Microsecond)
	d := digest(tenant, i)
	return &complaint.Complaint{
		ID:           NewID(created, tenant, i, "complaint"),
		Tenant:       tenant,
		TrackingCode: NewTrackingCode(tenant, i, "tracking"),
		Channel:      Channels[i%len(Channels)],
		ExternalRef:  fmt.Sprintf("ext-%s-%d", tenant, i),
		Customer: complaint.Customer{
			ID:      fmt.Sprintf("cust-%d", i%7),
			Name:    "张伟 Zhang Wei",
			Contact: fmt.Sprintf("+86 138 0000 %04d", i%10000),
			Tier:    []string{"gold", "silver", "bronze"}[i%3],
			VIP:     i%4 == 0,
		},
		Product: complaint.Product{
			SKU:          fmt.Sprintf("SKU-%03d", i%11),
			Model:        "X1 空气净化器",
			Batch:        fmt.Sprintf("B2026-%02d", i%12+1),
			OrderNumber:  fmt.Sprintf("SO-%x", d[:4]),
			DeliveryDate: Epoch.AddDate(0, 0, -10-i%30).Truncate(24 * time.Hour),
		},
		Subject:     fmt.Sprintf("净化器异响 / purifier rattles #%d", i),
		Description: "开机后有明显异响，滤网已更换。It rattles loudly after power-on; the filter was replaced.",
		OccurredAt:  created.Add(-36 * time.Hour),
		Place:       "上海市浦东新区 Pudong, Shanghai",
		Attachments: []complaint.Attachment{
			{Name: "照片.jpg", URI: fmt.Sprintf("https://files.example.com/%s/%d/1.jpg", tenant, i), MediaType: "image/jpeg"},
			{Name: "invoice.pdf", URI: fmt.Sprintf("https://files.example.com/%s/%d/2.pdf", tenant, i)},
		},
		Category:  Categories[i%len(Categories)],
		Severity:  Severities[i%len(Severities)],
		Priority:  1 + i%4,
		Safety:    i%5 == 4,
		Queue:     Queues[i%len(Queues)],
		Assignee:  Assignees[i%len(Assignees)],
		Tier:      1 + i%3,
		SLAPolicy: "standard",
		Status:    complaint.StatusReceived,
		Tags:      []string{TagPool[i%len(TagPool)], TagPool[(i%len(TagPool)+1+i/len(TagPool)%(len(TagPool)-1))%len(TagPool)]},
		Custom:    map[string]string{"store": "浦东店", "serial": fmt.Sprintf("SN%06d", i)},
		Version:   1,
		CreatedAt: created,
		UpdatedAt: created,
	}
}

// NewEvent returns a valid event for c with sequence number seq: a comment by an agent, seq seconds
// after c's creation, public when seq is odd, with attributes in Chinese and English. Its ID is
// deterministic and its time already normalised.
func NewEvent(c *complaint.Complaint, seq int64) complaint.Event {
	at := c.CreatedAt.Add(time.Duration(seq) * time.Second)
	return complaint.Event{
		ID:          NewID(at, c.ID, seq, "event"),
		Tenant:      c.Tenant,
		ComplaintID: c.ID,
		Seq:         seq,
		Type:        complaint.EventComment,
		Actor:       "agent-li",
		At:          at,
		Trigger:     complaint.TriggerEscalate,
		From:        complaint.StatusReceived,
		To:          complaint.StatusReceived,
		Note:        fmt.Sprintf("已致电客户 called the customer (%d)", seq),
		Public:      seq%2 == 1,
		Attrs:       map[string]string{"channel": "phone", "结果": "客户同意 agreed"},
	}
}

// NewOutboxMessage returns a valid pending message of tenant, the i-th of a deterministic series created
// i seconds after [Epoch], with a binary payload that is not valid UTF-8.
func NewOutboxMessage(tenant string, i int) storage.OutboxMessage {
	created := Epoch.Add(time.Duration(i) * time.Second)
	payload := binary.BigEndian.AppendUint32([]byte{0x00, 0xff, 0xfe}, uint32(i))
	payload = append(payload, []byte(`{"事件":"complaint.received"}`)...)
	return storage.OutboxMessage{
		ID:            NewID(created, tenant, i, "outbox"),
		Tenant:        tenant,
		Topic:         "complaint.received",
		Key:           NewID(created, tenant, i, "complaint"),
		Payload:       payload,
		CreatedAt:     created,
		NextAttemptAt: created,
	}
}

// Canonical returns what a conforming store gives back for c: a deep copy with every time in UTC
// truncated to microseconds ([storage.Time]; the zero time stays zero) and empty attachments, tags and
// custom fields as nil.
func Canonical(c *complaint.Complaint) *complaint.Complaint {
	d := c.Clone()
	d.Product.DeliveryDate = storage.Time(d.Product.DeliveryDate)
	d.OccurredAt = storage.Time(d.OccurredAt)
	d.CreatedAt = storage.Time(d.CreatedAt)
	d.UpdatedAt = storage.Time(d.UpdatedAt)
	d.AcknowledgedAt = storage.Time(d.AcknowledgedAt)
	d.ResolvedAt = storage.Time(d.ResolvedAt)
	d.ClosedAt = storage.Time(d.ClosedAt)
	if len(d.Attachments) == 0 {
		d.Attachments = nil
	}
	if len(d.Tags) == 0 {
		d.Tags = nil
	}
	if len(d.Custom) == 0 {
		d.Custom = nil
	}
	return d
}

// CanonicalEvent returns what a conforming store gives back for e: its time normalised and empty
// attributes as nil.
func CanonicalEvent(e complaint.Event) complaint.Event {
	e.At = storage.Time(e.At)
	if len(e.Attrs) == 0 {
		e.Attrs = nil
	} else {
		e.Attrs = maps.Clone(e.Attrs)
	}
	return e
}

// CanonicalTimer returns what a conforming store gives back for t: its due time normalised.
func CanonicalTimer(t storage.Timer) storage.Timer {
	t.DueAt = storage.Time(t.DueAt)
	return t
}

// CanonicalOutboxMessage returns what a conforming store gives back for a message as enqueued: times
// normalised, a zero NextAttemptAt replaced by CreatedAt, an empty payload as nil.
func CanonicalOutboxMessage(m storage.OutboxMessage) storage.OutboxMessage {
	m.NextAttemptAt = storage.EffectiveNextAttempt(&m)
	m.CreatedAt = storage.Time(m.CreatedAt)
	if len(m.Payload) == 0 {
		m.Payload = nil
	} else {
		m.Payload = slices.Clone(m.Payload)
	}
	return m
}
