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
// # Time and identity
//
// The Desk never reads the wall clock or a random source directly: [Config.Now], [Config.NewID] and
// [Config.Random] default to time.Now, ULIDs and crypto/rand, and tests replace them to get exact,
// repeatable results.
//
// # Errors
//
// Errors callers branch on are sentinels and typed errors: [ErrNotFound], [ErrConflict] (a stale
// ExpectedVersion), [*complaint.ValidationError] (bad input, naming each field),
// [*complaint.TransitionError] (an illegal move), [ErrDenied] (the tier policy said no). Test with
// errors.Is and errors.As.
package redress
