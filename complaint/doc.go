// Package complaint holds the complaint record and its lifecycle: the vocabulary every other part of
// redress speaks.
//
// It is a leaf: no storage, no clock, no I/O. Callers hand it the time and the record; it tells them
// whether a change is legal and what the record looks like afterwards.
//
// # The record
//
// [Complaint] carries the standard fields quality and service teams expect (customer with tier and VIP
// flag, product model, batch, order number and delivery date, what happened when and where, attachments,
// category, severity, priority, safety flag, queue, assignee, authorization tier, tags, custom fields).
// [Complaint.Validate] returns a [*ValidationError] listing every field that is wrong, so a form can mark
// them all at once. Text limits count characters (runes), so Chinese and English text have the same room.
//
// # The lifecycle
//
// Statuses follow the standard flow received → acknowledged → investigating ⇄ awaiting_customer →
// resolved → closed, with reopen, escalate, withdraw, reject and mark-duplicate. [Lifecycle] is built once
// on github.com/qmuntal/stateless with external storage (the status lives in the record) and fires in
// immediate mode, so one machine serves every goroutine. [Lifecycle.Apply] checks a [Request] against the
// machine and returns the changed record and its [Event]; an illegal move is a [*TransitionError] and
// leaves the record untouched.
//
// The drawing of the machine is in testdata/lifecycle.dot, checked by a test and regenerated with
// go test ./complaint -run Graph -update.
//
// # Tracking codes
//
// Customers look up progress with a tracking code: 12 characters of Crockford base32 (60 random bits),
// printed as XXXX-XXXX-XXXX. [ParseTrackingCode] forgives what people do when they read a code aloud or
// type it: lower case, spaces, and the look-alike letters I, L and O.
package complaint
