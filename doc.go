// Package redress is an embeddable complaint desk: take complaints in from every channel, triage and
// route them by rules, run each through a standard lifecycle with SLA clocks, and keep an append-only
// audit trail that the customer can follow with a tracking code.
//
// # The Desk
//
// [Desk] is the one service an embedder calls. It wires the domain packages (complaint, routing, sla)
// to a [storage.Store]:
//
//	store := memory.New() // or sqlite.Open(ctx, "redress.db"), or postgres.Open(ctx, dsn)
//	desk, err := redress.New(store, redress.Config{})
//	c, created, err := desk.Intake(ctx, actor, &complaint.Complaint{Tenant: "acme", Channel: "web", ...})
//	c, err = desk.Transition(ctx, redress.TransitionRequest{Tenant: "acme", ID: c.ID, Trigger: complaint.TriggerAcknowledge, ...})
//
// Every change is one transaction: the complaint, its events, its SLA timers and its outbox rows commit
// together or not at all, so nothing the Desk acknowledged can be half-written.
//
// # Triage, routing and authorization
//
// At intake, [Config.Rules] (routing.RuleSet) decides category, severity, priority, safety, queue,
// tier, tags and SLA policy from the complaint, the customer (with their lifetime complaint count) and
// the text signals of [Config.Analyzer]; a complaint by the same customer in the same category within
// [Config.RepeatWithin] is linked as a repeat; and [Config.Assignment] gives it to an agent of its
// queue. [Config.Authorizer] (routing.Policies) is asked before every transition and action, so each
// tier does only what the policy allows; a denial names the rule.
//
// # Time and identity
//
// The Desk never reads the wall clock or a random source directly: [Config.Now], [Config.NewID] and
// [Config.Random] default to time.Now, ULIDs and crypto/rand, and tests replace them to get exact,
// repeatable results.
//
// # Closing the loop
//
// Handling complaints one by one is half the job; the Desk also finds causes, checks that customers
// are satisfied, and sees trends early:
//
//   - Problems: [Desk.OpenProblem] groups complaints under a problem record (5W2H, 5-Why, fishbone,
//     root cause; see package rca), [Desk.ChangeProblem] revises it and plans, starts, completes,
//     verifies and reworks its containment, corrective and preventive actions, and closes it — only
//     when every corrective action is verified effective ([*rca.CloseError] otherwise), optionally
//     telling the linked complaints' customers. [Desk.Problem] and [Desk.Problems] read them. Actions
//     past their due date are reported once each by [Desk.RunOnce] ([TopicActionOverdue]).
//   - Surveys: with [Config.Surveys], every resolution schedules a satisfaction survey whose link
//     token leaves only through the outbox ([TopicSurveyDue]); [Desk.ScheduleSurvey] does it by hand.
//     [Desk.AnswerSurvey] records an answer once per link, and a low score asks for a second
//     follow-up or reopens the complaint. [Desk.Surveys] lists a complaint's surveys.
//   - Insight: [Desk.KPIs] (response and resolution times, in business time with [Config.Calendar],
//     SLA attainment, reopen and repeat rates, CSAT and NPS, backlog per queue and agent),
//     [Desk.Pareto], [Desk.FeedbackSummary], and [Desk.Warnings], which compares each category's day
//     with its own baseline; [Desk.RunOnce] checks the tenants of [Config.Tenants] hourly and raises
//     [TopicWarningRaised] when a level rises. The store aggregates; nothing reads complaints one by one.
//
// # Errors
//
// Errors callers branch on are sentinels and typed errors: [ErrNotFound], [ErrConflict] (a stale
// ExpectedVersion), [*complaint.ValidationError] (bad input, naming each field),
// [*complaint.TransitionError] (an illegal move), [ErrDenied] (the tier policy said no). Test with
// errors.Is and errors.As.
package redress
