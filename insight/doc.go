// Package insight turns what the store counts into the figures managers act on: KPIs, Pareto tables,
// early warnings and repeat complaints.
//
// The seeds ask for data-driven management: first-response time, resolution cycle and repeat rate on a
// dashboard; Pareto charts to find the few categories behind most complaints; and a red / yellow / blue
// warning when a category suddenly spikes, so the cause is found before it becomes a crisis.
//
// insight is pure. It never reads a store or the clock: the store computes counts, durations and
// tallies for a window and a filter (aggregation is pushed down), the Desk hands them in, and insight
// derives the figures. It imports complaint (for repeat detection) and feedback (for satisfaction
// tallies) and nothing that does I/O.
//
// # KPIs
//
// [ComputeKPIs] takes a [KPIInput] — first-response and resolution durations, counts of breached,
// resolved, reopened and repeated complaints, a feedback tally — and returns median and 90th
// percentile times ([Describe], [Percentile]; linear interpolation, as PostgreSQL's percentile_cont),
// SLA attainment, reopen and repeat rates as [Rate] values that keep their numerator and denominator,
// and CSAT %, NPS and mean CES. [Workload] lays out open and overdue complaints per agent or queue.
//
// # Pareto
//
// [NewPareto] sorts counts of any field, computes shares and cumulative shares, and marks the vital
// few up to the 80 % line. [CountBy] counts in memory when there is no store to do it.
//
// # Early warning
//
// [WarningPolicy.Check] compares a category's count in the current window with the same category's
// previous windows and returns a [Level]: none, blue (≥ mean + 1σ, normal fluctuation), yellow (≥ 2σ,
// needs attention) or red (≥ 3σ, act now), with σ never below the Poisson spread √mean and a minimum
// count so tiny categories stay quiet. The thresholds and their reasons are documented on
// [WarningPolicy]. It reads one short series of counts per category — never the complaints —
// which [DailySeries] and [Windows] build from a store's counts by day.
//
// # Repeat complaints
//
// [FindRepeat] finds the earlier complaint a new one repeats: same customer, same category, within N
// days (30 by default). The Desk links it at intake; the repeat rate counts the links.
//
// # Errors
//
// Inconsistent or out-of-range input (negative counts or durations, more breaches than complaints, a
// percentile outside 0–100, a too-short series) is an [*InputError], matching [ErrInput]. A figure
// asked of nothing is [ErrNoData].
package insight
