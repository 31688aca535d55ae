// Package sla holds the time limits of complaint handling: business calendars, policies with their
// targets, the clocks that measure each complaint against them, warning levels and escalation.
//
// Every complaint runs against time limits: a medical-device complaint must be answered within two
// hours day and night, an ordinary after-sales one within a day, a satisfaction follow-up is due 48
// hours after resolution. Teams want those limits in business hours that skip nights, weekends,
// lunch breaks and holidays, clocks that stop while waiting for the customer, faster targets for
// urgent, safety and VIP complaints, and reminders and escalation before a limit is missed.
//
// The package is pure: no storage, no clock of its own. The caller hands it a complaint, its events
// and the current time; it answers with clock states, the timers to store and what to do when one
// fires. The Desk (package redress) calls it inside its transactions; see "Use by the Desk" below.
//
// # Calendars
//
// A [Calendar] is a time zone (the IANA database is embedded, so it works on any machine), working
// intervals per weekday (several per day make lunch breaks), holidays, and working days with their own
// hours (make-up days, short days), or 24×7 ([AlwaysOpen]). [Calendar.Add] returns the deadline after
// a business duration, [Calendar.Between] the business time between two instants. Both take constant
// time whatever the distance: the calendar is compiled into a periodic weekly function corrected by
// prefix sums over its sorted holidays and working days, inverted arithmetically; daylight-saving
// changes split the computation at the zone's transitions. [NewCalendar] rejects unknown zones,
// overlapping or malformed intervals, conflicting dates and calendars without working time.
//
// # Policies
//
// A [Config] names policies and calendars; [Compile] checks it and builds a [Set], and [Parse] or
// [Load] read the same from a YAML policy file, with the line and column of every problem.
// [SeedYAML] is a ready policy file with the limits of the seed documents. A policy has targets
// ([TargetSpec]): first response, resolution, follow-up, per-step limits (step:STATUS) or any clock
// of the embedder's own, each started, paused, resumed, stopped, reset and reopened by conditions on
// lifecycle events ([Condition]: event type, trigger, status entered or left). The well-known targets
// come with preset conditions. The time allowed varies with the complaint's priority, safety flag,
// severity, category, customer tier and VIP flag ([Rule]). Routing picks a policy by setting the
// complaint's SLAPolicy; [Set.For] falls back to the default.
//
// # Clocks
//
// [Policy.Clocks] replays a complaint's events into one [Clock] per target: phase, whether it
// breached, elapsed and remaining business time, due instant, warning level reached and the next level
// to fire. It is a pure function of the policy, the complaint's fields, the events and the instant, so
// clocks can be recomputed at any time and a changed policy re-applied to old complaints.
//
// Reopening is a policy choice ([ReopenMode]): a clock stopped by the resolution either resumes where
// it stopped (the reopened complaint has what was left of its target; levels fired stay fired) or is
// reset (the complaint gets its full target again and every level is armed again).
//
// # Warning levels and escalation
//
// Each clock has warning levels at fractions of its target, by default blue at 50 %, yellow at 75 %
// and red at 100 % (the breach). A [Level] carries its escalation: who to notify, a queue to move the
// complaint to, whether to raise its authorization tier. With a policy's ServiceHours, reminders below
// 100 % that fall outside service hours wait for the next opening; breaches never wait.
//
// # Use by the Desk
//
// In the transaction of every change to a complaint the Desk computes [Timers] from the clocks and
// replaces the complaint's timers whose kind starts with [TimerPrefix] (storage.TimerSet and
// storage.TimerDelete). Its scanner claims due timers and calls [Policy.Fire] with the kind: when the
// step is not stale it appends [Step.Event] (an SLA event whose attributes name clock and level),
// applies the escalation, marks the complaint breached when [Step.Breach] is set, and recomputes the
// timers — all in one transaction. Because [Policy.Clocks] reads those SLA events back, a level fires
// at most once per run of its clock even when a timer is claimed twice or events are replayed.
package sla
