package main

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/feedback"
	"github.com/redresshq/redress/insight"
	"github.com/redresshq/redress/rca"
	"github.com/redresshq/redress/sla"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "closedloop:", err)
		os.Exit(1)
	}
}

const tenant = "acme-home"

var (
	start = time.Date(2026, 10, 26, 0, 0, 0, 0, time.UTC) // a Monday
	days  = 35
	// The hinge spike: complaints per day on days 27 and 28 (counting from 1), and the rate once the
	// fix is in (from day 32).
	spike    = map[int]float64{27: 9, 28: 15}
	fixedDay = 32
)

// A category of the simulation: its queue, agents, usual complaints per day and how satisfied its
// customers tend to be (added to a CSAT of 3 before noise).
type category struct {
	name, queue string
	agents      []string
	perDay      float64
	mood        int
}

var categories = []category{
	{"delivery", "logistics", []string{"agent:li", "agent:zhao"}, 4, 1},
	{"billing", "finance", []string{"agent:sun"}, 3, 1},
	{"hinge", "quality", []string{"agent:wu", "agent:he"}, 2, 0},
	{"app", "digital", []string{"agent:qian"}, 1.5, 1},
	{"noise", "quality", []string{"agent:wu"}, 1, 1},
}

// slaPolicy is the seed's standard policy without its follow_up target: here the follow-up within 48
// hours of resolution is the satisfaction survey that Config.Surveys sends.
const slaPolicy = `
default: standard
calendars:
  office:
    zone: Asia/Shanghai
    hours:
      mon-fri: ["09:00-12:00", "13:00-18:00"]
policies:
  - name: standard
    calendar: office
    levels:
      - {name: yellow, at: 0.75}
      - {name: red, at: 1.0}
    targets:
      - name: first_response
        calendar: 24x7
        within: 24h
      - name: resolution
        within: 40h
`

var (
	quality = complaint.Actor{ID: "qe:zhou", Roles: []string{"quality"}, Tier: complaint.TierSpecial}
	system  = redress.SystemActor
)

// action is one scheduled step of the story.
type action struct {
	at  time.Time
	seq int
	do  func() error
}

type agenda []action

func (a agenda) Len() int { return len(a) }
func (a agenda) Less(i, j int) bool {
	if !a[i].at.Equal(a[j].at) {
		return a[i].at.Before(a[j].at)
	}
	return a[i].seq < a[j].seq
}
func (a agenda) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a *agenda) Push(x any)   { *a = append(*a, x.(action)) }
func (a *agenda) Pop() any {
	old := *a
	x := old[len(old)-1]
	*a = old[:len(old)-1]
	return x
}

type sim struct {
	ctx     context.Context
	w       io.Writer
	rng     *rand.Rand
	now     time.Time
	store   storage.Store
	ops     *redress.Desk // the service desk: intake, lifecycle, surveys
	monitor *redress.Desk // a second replica that also runs the early-warning check (Config.Tenants)
	agenda  agenda
	seq     int

	cfg      redress.Config
	office   *sla.Calendar
	cat      map[string]category // complaint ID → category
	pending  []string            // survey tokens not answered, oldest first
	problem  *rca.Problem
	opening  bool
	counters struct {
		complaints, scheduled, sent, answered, low, blue int
	}
}

func (s *sim) at(t time.Time, do func() error) {
	s.seq++
	heap.Push(&s.agenda, action{at: t, seq: s.seq, do: do})
}

func (s *sim) say(format string, args ...any) {
	fmt.Fprintf(s.w, "%s  %s\n", s.now.Format("Mon 01-02 15:04"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, w io.Writer) error {
	set, err := sla.Parse([]byte(slaPolicy))
	if err != nil {
		return err
	}
	office, _ := set.Calendar("office")
	s := &sim{office: office, ctx: ctx, w: w, rng: rand.New(rand.NewPCG(2026, 11)), now: start, store: memory.New(), cat: map[string]category{}}
	n := 0
	cfg := redress.Config{
		Now:      func() time.Time { return s.now },
		NewID:    func() string { n++; return fmt.Sprintf("CL%07d", n) },
		Random:   rand.NewChaCha8([32]byte{'c', 'l', 'o', 's', 'e', 'd'}),
		SLA:      set,
		Calendar: office,
		Outbox:   true,
		Surveys:  &feedback.Policy{Delay: 2 * time.Hour},
	}
	s.cfg = cfg
	if s.ops, err = redress.New(s.store, cfg); err != nil {
		return err
	}
	cfg.Tenants = []string{tenant}
	if s.monitor, err = redress.New(s.store, cfg); err != nil {
		return err
	}

	fmt.Fprintf(w, "five weeks of complaints at %s, from %s\n\n", tenant, start.Format("Mon 2006-01-02"))
	s.plan()
	end := start.Add(time.Duration(days) * 24 * time.Hour)
	for tick := start.Add(time.Hour); !tick.After(end); tick = tick.Add(time.Hour) {
		for s.agenda.Len() > 0 && s.agenda[0].at.Before(tick) {
			a := heap.Pop(&s.agenda).(action)
			s.now = a.at
			if err := a.do(); err != nil {
				return fmt.Errorf("%s: %w", a.at.Format(time.RFC3339), err)
			}
		}
		s.now = tick
		// The monitor starts once two weeks of history exist: before that every category would look
		// like a spike against an empty baseline.
		scanner := s.ops
		if tick.Sub(start) >= 14*24*time.Hour {
			scanner = s.monitor
		}
		if _, err := scanner.RunOnce(ctx); err != nil {
			return err
		}
		if err := s.relay(); err != nil {
			return err
		}
	}
	return s.report(end)
}

// plan draws every complaint of the five weeks and schedules the problem story.
func (s *sim) plan() {
	for d := range days {
		day := start.Add(time.Duration(d) * 24 * time.Hour)
		for _, c := range categories {
			rate := c.perDay
			if r, ok := spike[d+1]; ok && c.name == "hinge" {
				rate = r
			} else if c.name == "hinge" && d+1 >= fixedDay {
				rate = 0.3
			}
			for range dailyCount(s.rng, rate) {
				at := day.Add(time.Duration(s.rng.IntN(14*60)) * time.Minute) // 08:00-22:00 in Shanghai
				customer := fmt.Sprintf("cust-%04d", s.rng.IntN(2000))
				agent := c.agents[s.rng.IntN(len(c.agents))]
				// Agents work office hours: the acknowledgement takes 10 minutes to 3 hours of it, the
				// resolution 1 to 36 more, and one in ten longer than the 40-hour target.
				ack := time.Duration(10+s.rng.IntN(170)) * time.Minute
				resolve := time.Duration(1+s.rng.IntN(36)) * time.Hour
				if s.rng.IntN(10) == 0 {
					resolve += 30 * time.Hour
				}
				open := s.rng.IntN(20) == 0
				s.at(at, func() error { return s.intake(c, customer, agent, ack, resolve, open) })
			}
		}
	}
}

// dailyCount draws a day's count around rate: its whole part plus or minus one, and the fraction as a
// chance of one more. Real counts scatter more (roughly Poisson); this keeps the story to one spike.
func dailyCount(rng *rand.Rand, rate float64) int {
	n := int(rate)
	if rng.Float64() < rate-float64(n) {
		n++
	}
	if n >= 2 {
		n += rng.IntN(3) - 1
	}
	return n
}

func (s *sim) intake(cat category, customer, agentID string, ack, resolve time.Duration, open bool) error {
	agent := complaint.Actor{ID: agentID, Roles: []string{complaint.RoleAgent}, Tier: complaint.TierFrontline}
	s.counters.complaints++
	c, _, err := s.ops.Intake(s.ctx, agent, &complaint.Complaint{
		Tenant: tenant, Channel: []string{"phone", "web", "app", "wechat"}[s.rng.IntN(4)],
		ExternalRef: fmt.Sprintf("ext-%05d", s.counters.complaints),
		Customer:    complaint.Customer{ID: customer, Name: "Customer " + customer[5:]},
		Subject:     cat.name + " problem", Description: "Simulated " + cat.name + " complaint.",
		Category: cat.name, Queue: cat.queue, Assignee: agentID, Severity: complaint.SeverityMedium,
	})
	if err != nil {
		return err
	}
	s.cat[c.ID] = cat
	move := func(tr complaint.Trigger) error {
		_, err := s.ops.Transition(s.ctx, redress.TransitionRequest{Tenant: tenant, ID: c.ID, Actor: agent, Trigger: tr})
		var te *complaint.TransitionError
		if errors.As(err, &te) {
			return nil // escalated out of the agent's hands meanwhile: not part of this story
		}
		return err
	}
	ackAt := s.office.Add(s.now, ack).UTC()
	s.at(ackAt, func() error { return move(complaint.TriggerAcknowledge) })
	if !open {
		s.at(s.office.Add(ackAt, resolve).UTC(), func() error { return move(complaint.TriggerResolve) })
	}
	return nil
}

// relay plays the outbox relay of a real deployment: it takes the messages due now, sends the survey
// links (here: lets a simulated customer answer some), and prints the closed loop's alerts.
func (s *sim) relay() error {
	var msgs []storage.OutboxMessage
	err := s.store.Update(s.ctx, func(tx storage.Tx) error {
		for {
			ms, err := tx.OutboxClaim(s.ctx, &storage.OutboxClaimParams{Now: s.now, Lease: time.Hour, Limit: 500})
			if err != nil || len(ms) == 0 {
				return err
			}
			for _, m := range ms {
				if err := tx.OutboxAck(s.ctx, &storage.OutboxAckParams{Tenant: m.Tenant, ID: m.ID}); err != nil {
					return err
				}
			}
			msgs = append(msgs, ms...)
		}
	})
	if err != nil {
		return err
	}
	for _, m := range msgs {
		switch m.Topic {
		case redress.TopicSurveyDue:
			var pl redress.SurveyDuePayload
			if err := json.Unmarshal(m.Payload, &pl); err != nil {
				return err
			}
			s.counters.scheduled++
			s.customerAnswers(pl)
		case "complaint." + string(redress.EventSurveySent):
			s.counters.sent++
		case redress.TopicWarningRaised:
			var pl redress.WarningPayload
			if err := json.Unmarshal(m.Payload, &pl); err != nil {
				return err
			}
			if pl.Level < insight.LevelYellow {
				s.counters.blue++ // normal fluctuation: counted, not printed
				continue
			}
			s.say("WARNING %-6s %s: %d today against %.1f a day (σ %.1f, z %.1f), was %s",
				pl.Level, pl.Category, pl.Warning.Current, pl.Warning.Mean, pl.Warning.Sigma, pl.Warning.Z, pl.Previous)
			if pl.Level == insight.LevelRed && pl.Category == "hinge" && s.problem == nil && !s.opening {
				s.opening = true // the quality team reacts to the red warning within two hours
				s.at(s.now.Add(2*time.Hour), s.openProblem)
			}
		case redress.TopicActionOverdue:
			var pl redress.ActionOverduePayload
			if err := json.Unmarshal(m.Payload, &pl); err != nil {
				return err
			}
			s.say("OVERDUE %s action %s (%s, owner %s) was due %s", pl.ProblemID, pl.Action.ID, pl.Action.Kind,
				pl.Action.Owner, pl.Action.Due.Format("01-02 15:04"))
		}
	}
	return nil
}

// customerAnswers decides whether and how the customer answers a survey link. Most answer within a
// day; hinge customers before the fix are the least happy.
func (s *sim) customerAnswers(pl redress.SurveyDuePayload) {
	if s.rng.IntN(10) >= 7 {
		s.pending = append(s.pending, pl.Token)
		return
	}
	cat := s.cat[pl.Complaint.ID]
	csat := min(max(3+cat.mood+s.rng.IntN(3)-1, 1), 5)
	nps := min(max(2*csat-1+s.rng.IntN(3), 0), 10)
	token := pl.Token
	s.at(s.now.Add(time.Duration(1+s.rng.IntN(20))*time.Hour), func() error {
		res, err := s.ops.AnswerSurvey(s.ctx, redress.AnswerRequest{Tenant: tenant, Token: token, Response: feedback.Response{
			Scores: []feedback.Score{{Kind: feedback.CSAT, Value: csat}, {Kind: feedback.NPS, Value: nps}}}})
		if err != nil {
			return err
		}
		s.counters.answered++
		if res.Verdict.Low {
			s.counters.low++
			if s.counters.low == 1 {
				s.say("survey of %s answered CSAT %d, NPS %d: low (%s) -> %s, tag follow_up, complaint stays %s",
					res.Complaint.ID, csat, nps, kinds(res.Verdict.Kinds), res.Verdict.Action, res.Complaint.Status)
			}
		}
		return nil
	})
}

func kinds(ks []feedback.Kind) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}

// openProblem is the quality team's answer to the hinge warning: a problem record over the spike's
// complaints, then its actions over the following days.
func (s *sim) openProblem() error {
	page, err := s.ops.List(s.ctx, &storage.ComplaintListParams{Tenant: tenant, Category: "hinge",
		CreatedFrom: s.now.Add(-36 * time.Hour), CreatedTo: s.now, Limit: storage.MaxListLimit})
	if err != nil {
		return err
	}
	var ids []string
	for i := len(page.Complaints) - 1; i >= 0; i-- { // oldest first
		ids = append(ids, page.Complaints[i].ID)
	}
	p, err := s.ops.OpenProblem(s.ctx, redress.OpenProblemRequest{Tenant: tenant, Actor: quality, Complaints: ids, Analysis: rca.Analysis{
		Title: "Lid hinges of the K5 kettle crack", Category: "hinge", Team: []string{"qe:zhou", "eng:wu", "sup:lin"},
		Statement: rca.Statement{
			What: "hinge pin boss cracks, the lid no longer closes", Why: "hot water can spill: a burn risk",
			Where: "K5 kettles from line 2", When: "units built since the mould change of week 42",
			Who: "customers of batches K5-2642 to K5-2644", How: "crack at the rear pin after a few weeks of use",
			HowMuch: fmt.Sprintf("%d complaints in 36 hours, about 4000 units built", len(ids)),
		},
		Whys: []rca.Why{
			{Question: "Why does the hinge crack?", Answer: "the pin boss wall is 0.6 mm instead of 1.2 mm"},
			{Question: "Why is the wall thin?", Answer: "the mould insert was re-machined in week 42"},
			{Question: "Why was the change not caught?", Answer: "no first-article inspection after mould work"},
			{Question: "Why is there none?", Answer: "the procedure covers new moulds only, not repairs"},
			{Question: "Why only new moulds?", Answer: "repairs were assumed not to change dimensions"},
		},
		Causes: []rca.Cause{
			{Category: rca.Method, Description: "no first-article inspection after mould repair", Confirmed: true},
			{Category: rca.Machine, Description: "re-machined mould insert, boss wall too thin", Confirmed: true},
			{Category: rca.Material, Description: "resin lot with lower impact strength"},
			{Category: rca.Measurement, Description: "wall thickness not on the inspection plan", Confirmed: true},
			{Category: rca.Man, Description: "toolmaker not told to report dimension changes"},
		},
	}})
	if err != nil {
		return err
	}
	s.problem = p
	s.say("problem %s opened by %s: %q, %d complaints linked", p.ID, quality.ID, p.Title, len(p.Complaints))
	fmt.Fprintf(s.w, "    5 whys:\n")
	for i, wy := range p.Whys {
		fmt.Fprintf(s.w, "      %d. %-33s %s\n", i+1, wy.Question, wy.Answer)
	}
	fmt.Fprintf(s.w, "    fishbone:\n")
	for _, b := range p.Fishbone() {
		var causes []string
		for _, c := range b.Causes {
			mark := "?"
			if c.Confirmed {
				mark = "✓"
			}
			causes = append(causes, mark+" "+c.Description)
		}
		if len(causes) == 0 {
			causes = []string{"-"}
		}
		fmt.Fprintf(s.w, "      %-12s %s\n", b.Category, strings.Join(causes, "; "))
	}

	hours := func(h int) time.Time { return s.now.Add(time.Duration(h) * time.Hour) }
	change := func(r redress.ProblemRequest, what string) func() error {
		return func() error {
			r.Tenant, r.ID, r.Actor = tenant, p.ID, quality
			p, err := s.ops.ChangeProblem(s.ctx, r)
			if err != nil {
				return err
			}
			s.problem = p
			if what != "" {
				s.say("%s: %s", p.ID, what)
			}
			return nil
		}
	}
	add := func(k rca.ActionKind, desc, owner string, due time.Time, check rca.Check) func() error {
		return change(redress.ProblemRequest{Op: redress.ProblemAddAction,
			Action: rca.Action{Kind: k, Description: desc, Owner: owner, Due: due, Check: check}}, "")
	}
	// Plan at once: contain in two days, correct within five, prevent within six.
	s.at(hours(0), add(rca.Containment, "stop shipping batches K5-2642..44, replace lids for affected customers", "sup:lin", hours(48), rca.Check{}))
	s.at(hours(0), add(rca.Corrective, "restore the 1.2 mm pin boss wall; first-article inspection after every mould repair", "eng:wu", hours(120),
		rca.Check{Metric: "hinge complaints per day", Target: "at most 1 a day for 3 days"}))
	s.at(hours(0), add(rca.Preventive, "audit the repair records of all 14 moulds of line 2", "eng:wu", hours(144), rca.Check{}))
	s.at(hours(0), change(redress.ProblemRequest{Op: redress.ProblemRevise, Analysis: func() rca.Analysis {
		a := p.Analysis
		a.RootCause = "mould repair thinned the hinge pin boss; repairs are not followed by a first-article inspection"
		return a
	}()}, "3 actions planned (A1 containment, A2 corrective, A3 preventive), root cause recorded"))
	s.at(hours(22), func() error { // the complaints that came in since the problem was opened
		page, err := s.ops.List(s.ctx, &storage.ComplaintListParams{Tenant: tenant, Category: "hinge", CreatedFrom: p.CreatedAt,
			CreatedTo: s.now, Limit: storage.MaxListLimit})
		if err != nil {
			return err
		}
		var more []string
		for i := len(page.Complaints) - 1; i >= 0; i-- {
			more = append(more, page.Complaints[i].ID)
		}
		return change(redress.ProblemRequest{Op: redress.ProblemLink, Complaints: more},
			fmt.Sprintf("%d more hinge complaints linked", len(more)))()
	})
	s.at(hours(20), change(redress.ProblemRequest{Op: redress.ProblemCompleteAction, ActionID: "A1"}, "A1 containment done: batches held, lids replaced"))
	s.at(hours(22), change(redress.ProblemRequest{Op: redress.ProblemStartAction, ActionID: "A2"}, "A2 corrective started"))
	s.at(start.Add(time.Duration(fixedDay-1)*24*time.Hour), change(redress.ProblemRequest{Op: redress.ProblemCompleteAction, ActionID: "A2"},
		"A2 corrective done: mould fixed, inspection step added"))
	// Closing too early is refused: the fix must be verified first.
	s.at(start.Add(time.Duration(fixedDay-1)*24*time.Hour+time.Hour), func() error {
		_, err := s.ops.ChangeProblem(s.ctx, redress.ProblemRequest{Tenant: tenant, ID: p.ID, Actor: quality, Op: redress.ProblemClose})
		var ce *rca.CloseError
		if !errors.As(err, &ce) {
			return fmt.Errorf("closing an unverified problem: got %v", err)
		}
		s.say("%s: close refused: %v", p.ID, err)
		return nil
	})
	verifyAt := start.Add(time.Duration(days-1)*24*time.Hour + 10*time.Hour)
	s.at(verifyAt, func() error {
		since := start.Add(time.Duration(fixedDay-1) * 24 * time.Hour)
		par, err := s.ops.Pareto(s.ctx, tenant, storage.ByCategory, since, s.now)
		if err != nil {
			return err
		}
		var hinge int64
		for _, r := range par.Rows {
			if r.Key == "hinge" {
				hinge = r.N
			}
		}
		d := s.now.Sub(since).Hours() / 24
		effective := float64(hinge) <= d
		return change(redress.ProblemRequest{Op: redress.ProblemVerifyAction, ActionID: "A2", Verification: rca.Verification{
			Result: fmt.Sprintf("hinge complaints since the fix: %d in %.1f days", hinge, d), Effective: effective}},
			fmt.Sprintf("A2 verified: hinge complaints since the fix: %d in %.1f days, effective=%t", hinge, d, effective))()
	})
	s.at(verifyAt.Add(time.Hour), func() error {
		if err := change(redress.ProblemRequest{Op: redress.ProblemClose, NotifyCustomers: true}, "")(); err != nil {
			return err
		}
		s.say("%s closed; %d customers told on their tracking page", p.ID, len(s.problem.Complaints))
		c, err := s.ops.Get(s.ctx, tenant, s.problem.Complaints[0])
		if err != nil {
			return err
		}
		view, err := s.ops.TrackLookup(s.ctx, tenant, c.TrackingCode)
		if err != nil {
			return err
		}
		last := view.Events[len(view.Events)-1]
		fmt.Fprintf(s.w, "    %s sees: %s %q\n", view.TrackingCode, last.Type, last.Note)
		return nil
	})
	return nil
}

// report prints the month's surveys, a stricter survey policy at work, the KPIs and the Pareto table.
func (s *sim) report(end time.Time) error {
	ctx := s.ctx
	c := s.counters
	fmt.Fprintf(s.w, "\n%d complaints; blue warnings (normal fluctuation) not shown: %d\n", c.complaints, c.blue)
	fmt.Fprintf(s.w, "surveys: %d scheduled, %d sent, %d answered, %d low -> second follow-up (tag follow_up)\n",
		c.scheduled, c.sent, c.answered, c.low)

	// The seeds' stricter rule: a customer who says it is not solved reopens the complaint. A Desk
	// configured so (here a second one on the same store) judges the answers it takes.
	cfg := s.cfg
	cfg.Surveys = &feedback.Policy{Delay: 2 * time.Hour, OnLow: feedback.Reopen}
	strict, err := redress.New(s.store, cfg)
	if err != nil {
		return err
	}
	for i := len(s.pending) - 1; i >= 0; i-- {
		token := s.pending[i]
		res, err := strict.AnswerSurvey(ctx, redress.AnswerRequest{Tenant: tenant, Token: token, Response: feedback.Response{
			Scores: []feedback.Score{{Kind: feedback.CSAT, Value: 1}}, Comment: "still broken"}})
		if errors.Is(err, feedback.ErrExpired) {
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(s.w, "with OnLow: reopen, a CSAT 1 on %s -> %s, complaint now %s (reopened: %d)\n",
			res.Complaint.ID, res.Verdict.Action, res.Complaint.Status, res.Complaint.Reopened)
		break
	}

	rep, err := s.ops.KPIs(ctx, redress.KPIQuery{Tenant: tenant, From: start, To: end})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.w, "\nKPIs %s to %s (business time on the office calendar: %t)\n", start.Format("01-02"), end.Format("01-02"), rep.BusinessTime)
	fmt.Fprintf(s.w, "  first response  median %-10s p90 %-10s (%d complaints)\n", rep.FirstResponse.Median, rep.FirstResponse.P90, rep.FirstResponse.N)
	fmt.Fprintf(s.w, "  resolution      median %-10s p90 %-10s (%d complaints)\n", rep.Resolution.Median, rep.Resolution.P90, rep.Resolution.N)
	fmt.Fprintf(s.w, "  SLA attainment  %s\n", rep.SLAAttainment)
	fmt.Fprintf(s.w, "  reopen rate     %s\n", rep.ReopenRate)
	fmt.Fprintf(s.w, "  repeat rate     %s\n", rep.RepeatRate)
	fmt.Fprintf(s.w, "  CSAT %.1f %% of %d, NPS %+.1f of %d\n", rep.Satisfaction.CSAT, rep.Satisfaction.CSATCount, rep.Satisfaction.NPS, rep.Satisfaction.NPSCount)
	fmt.Fprintf(s.w, "  backlog by queue:")
	for _, l := range rep.Queues {
		fmt.Fprintf(s.w, " %s %d (%d overdue)", l.Key, l.Open, l.Overdue)
	}
	fmt.Fprintln(s.w)

	groups, err := s.ops.FeedbackSummary(ctx, tenant, storage.ByCategory, start, end)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.w, "\nsatisfaction by category:\n")
	for _, g := range groups {
		fmt.Fprintf(s.w, "  %-9s CSAT %5.1f %% (%2d answers)  NPS %+6.1f\n", g.Key, g.CSAT, g.CSATCount, g.NPS)
	}

	p, err := s.ops.Pareto(ctx, tenant, storage.ByCategory, start, end)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.w, "\nPareto of categories (%d complaints):\n%s", p.Total, p)
	return nil
}
