package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
)

// Spec says what to generate. Two generators with equal Specs produce equal records, batch by batch,
// whatever order the batches are asked for in.
type Spec struct {
	// N is how many complaints.
	N int
	// Seed selects the data set.
	Seed uint64
	// Now is the end of the generated history: every complaint was created in the year before it, and
	// the statuses and timers are what a Desk would show at Now.
	Now time.Time
	// Tenants receive the complaints, the first the most (weights 1, 1/2, 1/3, ...).
	Tenants []string
	// BatchSize is how many complaints one batch (one transaction) holds.
	BatchSize int
}

// ErrSpec is returned (wrapped) by NewGenerator for a Spec it cannot use.
var ErrSpec = errors.New("redress-load: invalid spec")

// Record is one generated complaint with its audit trail and its pending timers, as the Desk would
// have stored them.
type Record struct {
	Complaint *complaint.Complaint
	Events    []complaint.Event
	Timers    []storage.Timer
}

// category is a complaint category with the queue that works it and the SLA policy it runs under.
type category struct {
	name, queue, policy string
	zh, en              string // subject stems
}

// categories are in decreasing frequency: the weights follow a Zipf law (s = 1.1), so the first four
// of twenty hold about half of all complaints — the Pareto shape complaint data has.
var categories = []category{
	{"product_quality", "quality", "quality", "产品质量问题", "Product quality problem"},
	{"delivery", "logistics", "standard", "物流配送延误", "Late delivery"},
	{"after_sales", "after-sales", "standard", "售后服务", "After-sales service"},
	{"billing", "billing", "standard", "账单扣费有误", "Wrong charge on my bill"},
	{"service_attitude", "service", "standard", "客服态度差", "Rude customer service"},
	{"installation", "after-sales", "standard", "安装预约", "Installation appointment"},
	{"refund", "billing", "standard", "退款迟迟未到账", "Refund not received"},
	{"warranty", "after-sales", "standard", "保修被拒", "Warranty claim refused"},
	{"wrong_item", "logistics", "standard", "发错货", "Wrong item delivered"},
	{"packaging", "quality", "quality", "包装破损", "Damaged packaging"},
	{"missing_parts", "quality", "quality", "配件缺失", "Missing parts"},
	{"app_bug", "digital", "standard", "App 无法下单", "App cannot place orders"},
	{"account", "digital", "standard", "账户被冻结", "Account locked"},
	{"pricing", "billing", "standard", "价格欺诈", "Misleading price"},
	{"membership", "service", "standard", "会员权益未兑现", "Membership benefits missing"},
	{"advertising", "service", "standard", "虚假宣传", "False advertising"},
	{"privacy", "escalations", "standard", "个人信息泄露", "Personal data leaked"},
	{"medical_device", "medical", "safety", "医疗器械故障", "Medical device fault"},
	{"safety_hazard", "safety", "safety", "产品冒烟起火", "Product caught fire"},
	{"other", "after-sales", "standard", "其他问题", "Other issue"},
}

var (
	channels   = []string{"phone", "web", "app", "wechat", "email", "store", "weibo", "douyin"}
	channelW   = []float64{30, 20, 18, 12, 10, 5, 3, 2}
	severities = []complaint.Severity{complaint.SeverityLow, complaint.SeverityMedium, complaint.SeverityHigh, complaint.SeverityCritical}
	severityW  = []float64{40, 40, 15, 5}
	tiersW     = []float64{65, 27, 8} // front line, experts, special team (seed 001)
	// How complaints end, by weight, once they are finished; which ones are still open or resolved
	// depends on their age (see outcome).
	finals  = []complaint.Status{complaint.StatusClosed, complaint.StatusWithdrawn, complaint.StatusRejected, complaint.StatusDuplicate}
	finalW  = []float64{88, 4, 5, 3}
	opens   = []complaint.Status{complaint.StatusReceived, complaint.StatusAcknowledged, complaint.StatusInvestigating, complaint.StatusAwaitingCustomer}
	openW   = []float64{10, 15, 55, 20}
	weekday = []float64{1, 1.15, 1.1, 1.05, 1, 0.95, 0.8} // Sunday … Saturday: Mondays are busiest
	// Tags the triage rules of a real deployment add, with the share of complaints that carry each.
	tagShares = []struct {
		tag   string
		share float64
	}{{"after-hours", 0.18}, {"refund-request", 0.15}, {"angry", 0.10}, {"repeat", 0.07},
		{"reputation-risk", 0.02}, {"social-weekend", 0.02}}
	// Hours of the day in China Standard Time (UTC+8), 0..23, by weight: most complaints arrive 9–21.
	hourW       = []float64{1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 2, 4, 7, 8, 8, 7, 7, 8, 8, 7, 6, 6, 6, 5, 4, 3, 2}
	zhFragments = []string{
		"我上周收到货以后发现问题，联系了三次客服都没有解决。",
		"希望你们尽快给我一个明确的答复和处理时间。",
		"订单号已经提供，请核实后回电。",
		"这已经是第二次出现同样的问题了，非常失望。",
		"如果今天还不处理，我会向消费者协会投诉。",
		"麻烦安排上门检测，工作日白天都可以。",
		"我要求退款或者换新，并补偿运费。",
		"产品说明书上没有写清楚，安装师傅也说不清楚。",
		"客服电话一直占线，在线客服也没人回复。",
		"请把处理进度发到我的手机上。",
	}
	enFragments = []string{
		"I contacted support twice last week and nobody got back to me.",
		"Please tell me when this will be fixed and who is handling it.",
		"The order number is in the form above; please check and call me back.",
		"This is the second time the same thing happened.",
		"I would like a refund or a replacement, and the shipping cost back.",
		"The manual does not explain it and the technician could not either.",
	}
	regions = []string{"华东", "华南", "华北", "西南", "华中", "东北", "西北"}
)

// Generator makes the records of a Spec. It is safe for concurrent use: each batch draws from its own
// random stream.
type Generator struct {
	spec      Spec
	lifecycle *complaint.Lifecycle
	sla       *sla.Set
	catW      *weighted
	chanW     *weighted
	sevW      *weighted
	tierW     *weighted
	finalW    *weighted
	openW     *weighted
	// yearCum is the cumulative intake over the hours of the year before Now (weekday and hour of
	// day pattern): complaint i is created at quantile (i+u)/N of it, so IDs and creation times grow
	// with i as in a store filled over a year.
	yearCum   []float64
	hourW     *weighted
	tenantW   *weighted
	customers int
	agents    int
}

// closeAfter is the policy's wait after resolution before a complaint closes without confirmation (the
// Desk's default).
const closeAfter = 7 * 24 * time.Hour

// NewGenerator checks spec and prepares the distributions. The SLA policies are the seed policies
// (sla.SeedYAML), which decide each complaint's timers and warning events.
func NewGenerator(spec Spec) (*Generator, error) {
	switch {
	case spec.N < 0:
		return nil, fmt.Errorf("%w: N is %d", ErrSpec, spec.N)
	case spec.BatchSize < 1:
		return nil, fmt.Errorf("%w: batch size is %d, must be at least 1", ErrSpec, spec.BatchSize)
	case spec.Now.IsZero():
		return nil, fmt.Errorf("%w: Now is zero", ErrSpec)
	case len(spec.Tenants) == 0:
		return nil, fmt.Errorf("%w: no tenants", ErrSpec)
	}
	for _, t := range spec.Tenants {
		if t == "" {
			return nil, fmt.Errorf("%w: an empty tenant name", ErrSpec)
		}
	}
	spec.Now = storage.Time(spec.Now)
	set, err := sla.Parse(sla.SeedYAML())
	if err != nil {
		return nil, fmt.Errorf("redress-load: seed SLA policies: %w", err)
	}
	catW := make([]float64, len(categories))
	for i := range catW {
		catW[i] = 1 / math.Pow(float64(i+1), 1.1)
	}
	tenantW := make([]float64, len(spec.Tenants))
	for i := range tenantW {
		tenantW[i] = 1 / float64(i+1)
	}
	return &Generator{
		spec: spec, lifecycle: complaint.NewLifecycle(), sla: set,
		catW: newWeighted(catW), chanW: newWeighted(channelW), sevW: newWeighted(severityW),
		tierW: newWeighted(tiersW), finalW: newWeighted(finalW), openW: newWeighted(openW), hourW: newWeighted(hourW),
		yearCum:   yearCurve(spec.Now),
		tenantW:   newWeighted(tenantW),
		customers: max(1, spec.N*3/10), // repeat customers: about 3.3 complaints each on average
		agents:    max(1, min(400, spec.N/2000+20)),
	}, nil
}

// Batches returns how many batches the Spec has.
func (g *Generator) Batches() int { return (g.spec.N + g.spec.BatchSize - 1) / g.spec.BatchSize }

// Batch returns the records of batch b, complaints b×BatchSize up to (not including)
// min(N, (b+1)×BatchSize). An error means the lifecycle or the SLA policies refused a step the
// generator planned (a bug in the generator).
func (g *Generator) Batch(b int) ([]Record, error) {
	if b < 0 || b >= g.Batches() {
		return nil, fmt.Errorf("%w: batch %d of %d", ErrSpec, b, g.Batches())
	}
	r := rand.New(rand.NewPCG(g.spec.Seed, uint64(b)))
	first := b * g.spec.BatchSize
	last := min(g.spec.N, first+g.spec.BatchSize)
	out := make([]Record, 0, last-first)
	for i := first; i < last; i++ {
		rec, err := g.record(r, i)
		if err != nil {
			return nil, fmt.Errorf("redress-load: complaint %d: %w", i, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// randReader turns a random stream into an io.Reader for tracking codes and ULID entropy.
type randReader struct{ r *rand.Rand }

func (rr randReader) Read(p []byte) (int, error) {
	for i := 0; i < len(p); i += 8 {
		v := rr.r.Uint64()
		for j := 0; j < 8 && i+j < len(p); j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
	return len(p), nil
}

// builder accumulates one complaint's history.
type builder struct {
	g      *Generator
	r      *rand.Rand
	c      *complaint.Complaint
	events []complaint.Event
	policy *sla.Policy
}

func (g *Generator) record(r *rand.Rand, i int) (Record, error) {
	rr := randReader{r}
	cat := categories[g.catW.pick(r)]
	created := g.createdAt(r, i)
	outcome, end := g.outcome(r, created)
	sev := severities[g.sevW.pick(r)]
	channel := channels[g.chanW.pick(r)]
	code, err := complaint.NewTrackingCode(rr)
	if err != nil {
		return Record{}, err
	}
	cust := int(float64(g.customers) * math.Pow(r.Float64(), 2.5)) // a few customers complain a lot
	lang := "zh"
	if r.Float64() < 0.08 {
		lang = "en"
	}
	c := &complaint.Complaint{
		ID:           ulid.MustNew(ulid.Timestamp(created), rr).String(),
		Tenant:       g.spec.Tenants[g.tenantW.pick(r)],
		TrackingCode: code,
		Channel:      channel,
		Customer: complaint.Customer{
			ID: fmt.Sprintf("cust-%07d", cust), Name: customerName(cust), Contact: fmt.Sprintf("+86 1%02d %04d %04d", 30+cust%60, cust%10000, (cust*7919)%10000),
			Tier: []string{"standard", "standard", "standard", "silver", "gold"}[cust%5], VIP: cust%20 == 0,
		},
		Product: complaint.Product{
			SKU: fmt.Sprintf("SKU-%04d", int(500*math.Pow(r.Float64(), 2))), Model: fmt.Sprintf("M%d", r.IntN(60)),
			Batch: fmt.Sprintf("B%s-%03d", created.Format("0601"), r.IntN(200)), OrderNumber: fmt.Sprintf("SO%010d", r.Int64N(1e10)),
			DeliveryDate: storage.Time(created.Add(-time.Duration(r.IntN(30*24)) * time.Hour)).Truncate(24 * time.Hour),
		},
		Category:  cat.name,
		Severity:  sev,
		Priority:  priorityFor(sev, r),
		Safety:    cat.name == "safety_hazard" || (cat.name == "medical_device" && r.Float64() < 0.3),
		Queue:     cat.queue,
		Tier:      g.tierW.pick(r) + 1,
		SLAPolicy: cat.policy,
		Status:    complaint.StatusReceived,
		Version:   1,
		CreatedAt: created,
		UpdatedAt: created,
	}
	if c.Safety {
		c.Severity, c.Priority, c.Tier = complaint.SeverityCritical, 1, complaint.TierSpecial
	}
	c.Subject, c.Description = text(r, cat, lang, c.Product.OrderNumber)
	c.OccurredAt = storage.Time(created.Add(-time.Duration(r.Int64N(int64(72 * time.Hour)))))
	if r.Float64() < 0.35 {
		c.Place = regions[r.IntN(len(regions))]
	}
	switch channel {
	case "email", "web", "app", "wechat":
		c.ExternalRef = channel + "-" + strconv.FormatUint(g.spec.Seed, 36) + "-" + strconv.Itoa(i)
	}
	if r.Float64() < 0.25 {
		c.Attachments = []complaint.Attachment{{Name: "photo.jpg", URI: "s3://evidence/" + c.ID + "/photo.jpg", MediaType: "image/jpeg"}}
	}
	for _, ts := range tagShares {
		if r.Float64() < ts.share {
			c.Tags = append(c.Tags, ts.tag)
		}
	}
	if lang == "en" {
		c.Tags = append(c.Tags, "lang-en")
	}
	if c.Customer.VIP {
		c.Tags = append(c.Tags, "vip")
	}
	if c.Safety {
		c.Tags = append(c.Tags, "safety")
	}
	if r.Float64() < 0.2 {
		c.Custom = map[string]string{"region": regions[r.IntN(len(regions))], "source_campaign": "c" + strconv.Itoa(r.IntN(12))}
	}
	if c.HasTag("repeat") {
		// An ID of the shape and age of the earlier complaint; the generator does not make that one
		// exist (only the presence of a reference counts in the repeat-rate figures).
		c.RepeatOf = ulid.MustNew(ulid.Timestamp(created.Add(-time.Duration(1+r.IntN(29))*24*time.Hour)), rr).String()
	}

	p, err := g.sla.For(c)
	if err != nil {
		return Record{}, err
	}
	b := &builder{g: g, r: r, c: c, policy: p}
	if err := b.play(outcome, created, end, i, lang); err != nil {
		return Record{}, err
	}
	return b.finish()
}

// historyHours is the span of generated history.
const historyHours = 365 * 24

// yearCurve returns the normalised cumulative intake over the hours of the year that ends at now.
func yearCurve(now time.Time) []float64 {
	w := make([]float64, historyHours)
	start := now.Add(-historyHours * time.Hour)
	for h := range w {
		local := start.Add(time.Duration(h) * time.Hour).In(chinaTime)
		w[h] = hourW[local.Hour()] * weekday[local.Weekday()]
	}
	return newWeighted(w).cum
}

var chinaTime = time.FixedZone("CST", 8*3600)

// createdAt places complaint i on the year's intake curve.
func (g *Generator) createdAt(r *rand.Rand, i int) time.Time {
	u := (float64(i) + r.Float64()) / float64(max(g.spec.N, 1))
	h := min(sort.SearchFloat64s(g.yearCum, u), historyHours-1)
	lo := 0.0
	if h > 0 {
		lo = g.yearCum[h-1]
	}
	frac := 0.5
	if span := g.yearCum[h] - lo; span > 0 {
		frac = min(1, max(0, (u-lo)/span))
	}
	start := g.spec.Now.Add(-historyHours * time.Hour)
	return storage.Time(start.Add(time.Duration(h)*time.Hour + time.Duration(frac*float64(time.Hour))))
}

// outcome decides where a complaint created at created stands at Now, and by when its last planned
// step happens. The younger it is, the likelier it is still open (90 % at age 0, a time constant of 32
// days: about 8 % of a year's complaints) or resolved and waiting for the customer's confirmation or
// the close timeout (about 2 %); the rest finished.
func (g *Generator) outcome(r *rand.Rand, created time.Time) (complaint.Status, time.Time) {
	now := g.spec.Now
	age := now.Sub(created)
	days := age.Hours() / 24
	pOpen := 0.9 * math.Exp(-days/32)
	pResolved := 0.5 * math.Exp(-days/30) * (1 - pOpen)
	switch u := r.Float64(); {
	case u < pOpen:
		return opens[g.openW.pick(r)], now
	case u < pOpen+pResolved:
		// Resolved within the close timeout, at most 7 days ago and after creation.
		back := time.Duration(r.Float64() * float64(min(age, closeAfter-time.Hour)))
		return complaint.StatusResolved, storage.Time(now.Add(-back))
	}
	return finals[g.finalW.pick(r)], now
}

func priorityFor(s complaint.Severity, r *rand.Rand) int {
	p := 5 - s.Rank() // critical 1 … low 4
	if r.Float64() < 0.15 && p > 1 {
		p--
	}
	return p
}

func customerName(i int) string {
	family := []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "Smith", "Garcia"}
	given := []string{"伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "涛"}
	return family[i%len(family)] + given[(i/len(family))%len(given)]
}

func text(r *rand.Rand, cat category, lang, order string) (subject, description string) {
	var b strings.Builder
	if lang == "en" {
		subject = cat.en + " (order " + order + ")"
		for range 2 + r.IntN(3) {
			b.WriteString(enFragments[r.IntN(len(enFragments))])
			b.WriteByte(' ')
		}
	} else {
		subject = cat.zh + "，订单 " + order
		for range 2 + r.IntN(4) {
			b.WriteString(zhFragments[r.IntN(len(zhFragments))])
		}
	}
	return subject, strings.TrimSpace(b.String())
}

// lognormal draws a duration whose median is median, with the spread sigma, at most limit.
func lognormal(r *rand.Rand, median time.Duration, sigma float64, limit time.Duration) time.Duration {
	d := time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
	return max(time.Minute, min(d, limit))
}

// play builds the history that leads to outcome: intake, triage, the lifecycle steps with their
// times, SLA warnings that fired on the way, and comments. end bounds the times of the planned steps.
func (b *builder) play(outcome complaint.Status, created, end time.Time, i int, lang string) error {
	c := b.c
	intakeActor := "channel:" + c.Channel
	b.add(complaint.Event{Type: complaint.EventReceived, Actor: intakeActor, At: created, To: complaint.StatusReceived,
		Public: true, Note: "complaint received", Attrs: map[string]string{"channel": c.Channel}})
	b.add(complaint.Event{Type: complaint.EventTriaged, Actor: "system", At: created,
		Attrs: map[string]string{"rules": "after-sales-default," + c.Category, "language": lang}})

	// The planned steps, as triggers; their times are spread between created and end.
	var plan []complaint.Trigger
	ack := []complaint.Trigger{complaint.TriggerAcknowledge}
	work := []complaint.Trigger{complaint.TriggerAcknowledge, complaint.TriggerInvestigate}
	if b.r.Float64() < 0.2 {
		work = append(work, complaint.TriggerRequestInfo, complaint.TriggerCustomerReplied)
	}
	switch outcome {
	case complaint.StatusReceived:
	case complaint.StatusAcknowledged:
		plan = ack
	case complaint.StatusInvestigating:
		plan = work
	case complaint.StatusAwaitingCustomer:
		plan = append(slices.Clone(work), complaint.TriggerRequestInfo)
	case complaint.StatusResolved:
		plan = append(slices.Clone(work), complaint.TriggerResolve)
		if b.r.Float64() < 0.5 {
			plan = append(plan, stepFeedback)
		}
	case complaint.StatusClosed:
		plan = append(slices.Clone(work), complaint.TriggerResolve)
		if b.r.Float64() < 0.05 {
			plan = append(plan, complaint.TriggerConfirm, complaint.TriggerReopen, complaint.TriggerResolve)
		}
		if b.r.Float64() < 0.65 {
			plan = append(plan, stepFeedback) // the satisfaction survey came back (seed 000: within 48 h)
		}
		if b.r.Float64() < 0.3 {
			plan = append(plan, complaint.TriggerClose) // nobody confirmed: closed by the timeout
		} else {
			plan = append(plan, complaint.TriggerConfirm)
		}
	case complaint.StatusWithdrawn:
		if b.r.Float64() < 0.5 {
			plan = ack
		}
		plan = append(slices.Clone(plan), complaint.TriggerWithdraw)
	case complaint.StatusRejected:
		plan = []complaint.Trigger{complaint.TriggerAcknowledge, complaint.TriggerReject}
	case complaint.StatusDuplicate:
		plan = []complaint.Trigger{complaint.TriggerMarkDuplicate}
	}

	at := created
	agent := fmt.Sprintf("agent-%03d", b.r.IntN(b.g.agents))
	// Quality and safety complaints run on tight clocks (the golden hour), and teams work them faster.
	pace := 1.0
	if b.policy.Name() != "standard" {
		pace = 0.35
	}
	for k, t := range plan {
		var step time.Duration
		switch t {
		case complaint.TriggerAcknowledge, complaint.TriggerMarkDuplicate:
			step = lognormal(b.r, scale(40*time.Minute, pace), 1.0, 3*24*time.Hour)
		case complaint.TriggerCustomerReplied:
			step = lognormal(b.r, 20*time.Hour, 1.0, 10*24*time.Hour)
		case complaint.TriggerResolve:
			step = lognormal(b.r, scale(20*time.Hour, pace), 1.0, 40*24*time.Hour)
		case stepFeedback:
			step = lognormal(b.r, 10*time.Hour, 0.8, 40*time.Hour)
		case complaint.TriggerConfirm:
			step = lognormal(b.r, 20*time.Hour, 0.8, closeAfter-time.Hour)
		case complaint.TriggerClose:
			step = closeAfter + time.Duration(b.r.Int64N(int64(2*time.Hour)))
		default:
			step = lognormal(b.r, scale(2*time.Hour, pace), 1.0, 5*24*time.Hour)
		}
		// Keep the remaining steps inside the window: each may take at most an even share of it. A
		// complaint still resolved was resolved at end (so its close timeout is ahead); the survey
		// answer may come after that, up to Now.
		limit := end
		if outcome == complaint.StatusResolved && t == stepFeedback {
			limit = b.g.spec.Now
		}
		if left := limit.Sub(at); left > 0 {
			share := left / time.Duration(len(plan)-k+1)
			if t == complaint.TriggerClose || t == stepFeedback {
				share = left
			}
			step = min(step, share)
		} else {
			step = time.Microsecond
		}
		at = storage.Time(at.Add(max(step, time.Microsecond)))
		if outcome == complaint.StatusResolved && t == complaint.TriggerResolve {
			at = storage.Time(end)
		}
		if at.After(limit) {
			at = storage.Time(limit) // a complaint that finished within moments of Now
		}
		if err := b.fireDue(at); err != nil {
			return err
		}
		if t == stepFeedback {
			b.add(complaint.Event{Type: complaint.EventFeedback, Actor: "customer:" + b.c.Customer.ID, At: at,
				Attrs: map[string]string{"csat": strconv.Itoa(1 + b.r.IntN(5))}})
			continue
		}
		if t == complaint.TriggerAcknowledge && b.c.Assignee == "" {
			b.c.Assignee = agent
		}
		actor := agent
		switch t {
		case complaint.TriggerConfirm, complaint.TriggerWithdraw, complaint.TriggerCustomerReplied, complaint.TriggerReopen:
			actor = "customer:" + b.c.Customer.ID
		case complaint.TriggerClose:
			actor = "system"
		}
		req := complaint.Request{Trigger: t, Actor: actor, At: at, CloseAfter: closeAfter}
		if t == complaint.TriggerMarkDuplicate {
			req.DuplicateOf = "dup-of-" + strconv.Itoa(i)
		}
		if t == complaint.TriggerClose && at.Before(b.c.ResolvedAt.Add(closeAfter)) {
			req.Trigger = complaint.TriggerConfirm // the window was too short for the timeout
			req.Actor = "customer:" + b.c.Customer.ID
		}
		next, ev, err := b.g.lifecycle.Apply(context.Background(), b.c, req)
		if err != nil {
			return fmt.Errorf("step %d (%s): %w", k, t, err)
		}
		b.c = next
		b.add(ev)
		if b.r.Float64() < 0.15 {
			b.add(complaint.Event{Type: complaint.EventComment, Actor: agent, At: at, Note: "called the customer, waiting for the test report"})
		}
	}
	return b.fireDue(end)
}

// stepFeedback stands in a plan for the customer's answer to the satisfaction survey: an event, not
// a lifecycle trigger.
const stepFeedback complaint.Trigger = "(feedback)"

func scale(d time.Duration, f float64) time.Duration { return time.Duration(float64(d) * f) }

// add numbers ev as the complaint's next event.
func (b *builder) add(ev complaint.Event) {
	b.c.EventSeq++
	ev.Tenant = b.c.Tenant
	ev.ComplaintID = b.c.ID
	ev.Seq = b.c.EventSeq
	ev.At = storage.Time(ev.At)
	ev.ID = ulid.MustNew(ulid.Timestamp(ev.At), randReader{b.r}).String()
	b.events = append(b.events, ev)
	if ev.At.After(b.c.UpdatedAt) {
		b.c.UpdatedAt = ev.At
	}
}

// fireDue fires the SLA warning levels that came due up to until, as the Desk's scanner would have:
// an SLA event per level, the breach flag, and the level's reassignment and tier escalation.
func (b *builder) fireDue(until time.Time) error {
	for range 32 { // more levels than any clock has, times the clocks of a policy
		if b.c.Status.Final() {
			return nil
		}
		ts := sla.Timers(b.policy.Clocks(b.c, b.events, until))
		var due *sla.Timer
		for k := range ts {
			if !ts[k].At.After(until) && (due == nil || ts[k].At.Before(due.At)) {
				due = &ts[k]
			}
		}
		if due == nil {
			return nil
		}
		// A level falls due at its instant, but an event is never dated before the one it follows.
		at := storage.Time(due.At)
		if last := b.events[len(b.events)-1].At; at.Before(last) {
			at = last
		}
		step, ok, err := b.policy.Fire(due.Kind, b.c, b.events, at)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		ev := step.Event("system", at)
		if step.Breach {
			b.c.Breached = true
		}
		if step.Reassign != "" && step.Reassign != b.c.Queue {
			b.c.Queue, b.c.Assignee = step.Reassign, ""
		}
		b.add(ev)
		if step.RaiseTier {
			next, tev, err := b.g.lifecycle.Apply(context.Background(), b.c, complaint.Request{
				Trigger: complaint.TriggerEscalate, Actor: "system", At: at, Note: "escalated: " + step.Clock + " reached " + step.Level})
			switch {
			case err == nil:
				b.c = next
				b.add(tev)
			case !errors.Is(err, complaint.ErrIllegalTransition): // a resolved complaint cannot escalate; the Desk skips it too
				return err
			}
		}
	}
	return nil
}

// finish computes the timers the Desk would hold for the complaint at Now: the next warning level of
// every running SLA clock and, for a resolved complaint, the close timeout.
func (b *builder) finish() (Record, error) {
	c := b.c
	c.Version = 1 // the record is stored whole, in one insert: the storage contract's version of a new row
	rec := Record{Complaint: c, Events: b.events}
	if !c.Status.Final() {
		for _, t := range sla.Timers(b.policy.Clocks(c, b.events, b.g.spec.Now)) {
			rec.Timers = append(rec.Timers, storage.Timer{Tenant: c.Tenant, ComplaintID: c.ID, Kind: t.Kind, DueAt: storage.Time(t.At)})
		}
		if c.Status == complaint.StatusResolved {
			rec.Timers = append(rec.Timers, storage.Timer{Tenant: c.Tenant, ComplaintID: c.ID, Kind: "lifecycle/autoclose", DueAt: c.ResolvedAt.Add(closeAfter)})
		}
	}
	return rec, nil
}

// weighted picks an index with probability proportional to its weight.
type weighted struct{ cum []float64 }

func newWeighted(w []float64) *weighted {
	cum := make([]float64, len(w))
	total := 0.0
	for i, x := range w {
		total += x
		cum[i] = total
	}
	for i := range cum {
		cum[i] /= total
	}
	return &weighted{cum: cum}
}

func (w *weighted) pick(r *rand.Rand) int {
	u := r.Float64()
	return min(sort.SearchFloat64s(w.cum, u), len(w.cum)-1)
}
