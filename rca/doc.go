// Package rca records why complaints happen and what is done about it: problem records with root-cause
// analysis and corrective and preventive actions (CAPA), closed only when the fix is verified.
//
// Handling one complaint well fixes one customer's day; the same complaint keeps coming back until
// someone finds its cause and removes it. A [Problem] groups the complaints that share a cause, holds the
// team's analysis and tracks the actions until their effect is checked. This is the closed loop the
// seeds describe: problem list, corrective action, verified result (问题清单—整改措施—验证结果).
//
// The package is a leaf: no storage, no clock. Every operation takes the time from the caller, checks
// everything before it changes anything, and leaves the record untouched when it fails. The Desk loads
// a problem, calls an operation, increments Version and stores the record in one transaction.
//
// # The analysis
//
// [Analysis] holds what the team writes: a title, the 5W2H [Statement] (what, why, where, when, who,
// how, how much), a 5-Why chain of [Why] steps, fishbone causes ([Cause]) each in one of the six 6M
// categories ([Man], [Machine], [Material], [Method], [Environment], [Measurement]; [Problem.Fishbone]
// groups them), the root cause and the lessons learned. [Problem.Revise] replaces it after validation;
// [Problem.Link] adds complaints.
//
// # Actions
//
// An [Action] is a containment (temporary, treats the symptom now), corrective (permanent, removes the
// cause) or preventive (stops the cause elsewhere) action with an owner and a due date, both required
// by [Problem.AddAction]. Its status moves planned → in_progress → done → verified or ineffective
// ([Problem.StartAction], [Problem.CompleteAction], [Problem.VerifyAction]); an ineffective action goes
// back to work with [Problem.ReworkAction]. Verifying records the effectiveness [Check]: metric, target,
// observed result, verdict, who and when.
//
// [Problem.Overdue] lists open actions past their due date, for escalation events like those of SLA
// breaches; [Problem.OverdueSince] and [Problem.NextDue] let a timer escalate each due date once.
//
// # Closing
//
// [Problem.Close] succeeds only when the root cause is recorded and every corrective action (there must
// be at least one) is verified effective. Otherwise it returns a [*CloseError] that lists the
// unverified actions. On success it returns the linked complaint IDs, so the Desk can offer to tell
// those customers what was found and fixed. [Problem.Reopen] reopens a closed problem when the
// complaints come back.
//
// # 8D
//
// Teams that report in the 8D format get it from the same record: [EightD] maps a problem onto the
// disciplines D0 to D8 (the mapping is documented on the function) and marks each step done or not.
//
// # Errors
//
// Field problems are a [*ValidationError] listing every wrong field with the same field-error type as
// complaint validation; it matches [ErrInvalid]. An operation that does not fit an action's status is an
// [*ActionStateError] ([ErrActionState]); an unknown action ID wraps [ErrNoAction]; a closed problem
// refuses changes with [ErrClosed].
package rca
