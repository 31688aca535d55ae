// Package feedback asks customers, after their complaint is resolved, whether they are satisfied, and
// turns their answers into follow-ups and figures.
//
// The seeds are specific: contact the customer within 48 hours of resolution, let the survey go out
// automatically, and send a person for a second follow-up when the score is below a threshold. A
// resolved complaint that the customer does not consider solved is reopened rather than closed.
//
// The package is a leaf: no storage, no clock, no randomness of its own. The Desk schedules, stores,
// sends and times out surveys; this package says what they contain and what an answer means.
//
// # Surveys
//
// A [Policy] (its zero value is the default) turns a resolution into a [Survey] with [Policy.Schedule]:
// sent at resolution plus Delay, due by resolution plus Window (48 hours), answerable until Validity
// later. [Survey.Answer] records a [Response] once: a second answer is [ErrAlreadyAnswered], a late one
// [ErrExpired], a malformed one an error from [Response.Validate].
//
// # Scores
//
// Three measures, each with its scale: [CSAT] 1–5, [NPS] 0–10, [CES] 1–7 (an effort scale, lower is
// better). A score outside its scale is a [*ScoreError]. [Policy.Judge] marks a response low when CSAT
// is below 3, NPS below 7 (a detractor) or CES 5 and above (hard), by default, and says whether to
// follow up or reopen.
//
// # Tokens
//
// The survey link carries a token from [NewToken]: 256 random bits, URL-safe. Only its SHA-256 is
// stored; [HashToken] turns the token of an incoming link into the lookup key and rejects anything
// that cannot be a token. A store keeps the hash unique; Answer makes the link single-use.
//
// # Figures
//
// [Tally] counts answers per score value; it is additive, so a store can compute it with one GROUP BY
// and tallies of parts merge. [Tally.Summary] derives CSAT % (share of 4 and 5), NPS (promoters 9–10
// minus detractors 0–6, in percentage points) and mean CES. [Summarize] does it for a slice of
// responses and [SummarizeBy] per queue, category, agent or period.
package feedback
