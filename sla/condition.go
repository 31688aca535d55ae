package sla

import (
	"fmt"
	"strings"

	"github.com/redresshq/redress/complaint"
)

// Condition selects lifecycle events: it matches an event when every field it sets matches. Clocks
// start, pause, resume, stop, reset and reopen on conditions.
//
// Its text form is a space-separated list of key:value terms:
//
//	type:received                   the complaint was taken in
//	trigger:acknowledge             a transition fired by the acknowledge trigger
//	to:awaiting_customer            the complaint entered awaiting_customer
//	from:awaiting_customer          the complaint left awaiting_customer
//	trigger:reopen from:closed      both at once
//
// To and From match changes of status only: an escalation, which keeps the status, neither enters
// nor leaves it. A "received" event counts as entering status received.
type Condition struct {
	Type    complaint.EventType
	Trigger complaint.Trigger
	From    complaint.Status
	To      complaint.Status
}

// knownEventTypes are the event types a condition may name: those redress writes.
var knownEventTypes = []complaint.EventType{
	complaint.EventReceived, complaint.EventTransition, complaint.EventComment, complaint.EventAssigned,
	complaint.EventTriaged, complaint.EventSLA, complaint.EventFeedback, complaint.EventSurveySent,
}

// ParseCondition reads the text form. Unknown keys, event types, triggers and statuses, and
// combinations that can never match, return an error matching [ErrUnknownCondition].
func ParseCondition(s string) (Condition, error) {
	var c Condition
	terms := strings.Fields(s)
	if len(terms) == 0 {
		return c, fmt.Errorf("%w: empty condition", ErrUnknownCondition)
	}
	for _, term := range terms {
		k, v, ok := strings.Cut(term, ":")
		if !ok || v == "" {
			return Condition{}, fmt.Errorf("%w: %q is not key:value (type, trigger, from or to)", ErrUnknownCondition, term)
		}
		var dup bool
		switch k {
		case "type":
			dup, c.Type = c.Type != "", complaint.EventType(v)
		case "trigger":
			dup, c.Trigger = c.Trigger != "", complaint.Trigger(v)
		case "from":
			dup, c.From = c.From != "", complaint.Status(v)
		case "to":
			dup, c.To = c.To != "", complaint.Status(v)
		default:
			return Condition{}, fmt.Errorf("%w: unknown key %q in %q (use type, trigger, from or to)", ErrUnknownCondition, k, s)
		}
		if dup {
			return Condition{}, fmt.Errorf("%w: %q names %s twice", ErrUnknownCondition, s, k)
		}
	}
	if err := c.Validate(); err != nil {
		return Condition{}, err
	}
	return c, nil
}

// Validate checks that c names only known event types, triggers and statuses and can match some
// event. Errors match [ErrUnknownCondition].
func (c Condition) Validate() error {
	switch {
	case c == Condition{}:
		return fmt.Errorf("%w: empty condition matches every event", ErrUnknownCondition)
	case c.Type != "" && typeIndex(c.Type) == unknownIndex:
		return fmt.Errorf("%w: unknown event type %q", ErrUnknownCondition, c.Type)
	case c.Trigger != "" && !c.Trigger.Valid():
		return fmt.Errorf("%w: unknown trigger %q", ErrUnknownCondition, c.Trigger)
	case c.From != "" && !c.From.Valid():
		return fmt.Errorf("%w: unknown status %q", ErrUnknownCondition, c.From)
	case c.To != "" && !c.To.Valid():
		return fmt.Errorf("%w: unknown status %q", ErrUnknownCondition, c.To)
	case c.From != "" && c.From == c.To:
		return fmt.Errorf("%w: %s never matches: an event cannot leave and enter the same status", ErrUnknownCondition, c)
	case c.Type != "" && c.Type != complaint.EventTransition && (c.Trigger != "" || c.From != ""):
		return fmt.Errorf("%w: %s never matches: only transition events have triggers", ErrUnknownCondition, c)
	case c.Type != "" && c.Type != complaint.EventTransition && c.To != "" && !(c.Type == complaint.EventReceived && c.To == complaint.StatusReceived):
		return fmt.Errorf("%w: %s never matches: only transition events change status", ErrUnknownCondition, c)
	}
	return nil
}

// String returns the text form.
func (c Condition) String() string {
	var terms []string
	if c.Type != "" {
		terms = append(terms, "type:"+string(c.Type))
	}
	if c.Trigger != "" {
		terms = append(terms, "trigger:"+string(c.Trigger))
	}
	if c.From != "" {
		terms = append(terms, "from:"+string(c.From))
	}
	if c.To != "" {
		terms = append(terms, "to:"+string(c.To))
	}
	return strings.Join(terms, " ")
}

// MarshalText returns the text form.
func (c Condition) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText parses the text form; errors match [ErrUnknownCondition].
func (c *Condition) UnmarshalText(b []byte) error {
	v, err := ParseCondition(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Matches reports whether e satisfies c.
func (c Condition) Matches(e *complaint.Event) bool { return compileCondition(c).match(keyOf(e)) }

const unknownIndex = 255

// The indexes below follow the order of knownEventTypes, complaint.Triggers and complaint.Statuses
// (plus one; 0 is "unset"). They are switches rather than searches because keyOf runs for every event
// of every clock computation; TestIndexesFollowLists keeps them in step with the lists.

func typeIndex(t complaint.EventType) uint8 {
	switch t {
	case complaint.EventReceived:
		return 1
	case complaint.EventTransition:
		return 2
	case complaint.EventComment:
		return 3
	case complaint.EventAssigned:
		return 4
	case complaint.EventTriaged:
		return 5
	case complaint.EventSLA:
		return 6
	case complaint.EventFeedback:
		return 7
	case complaint.EventSurveySent:
		return 8
	}
	return unknownIndex
}

func triggerIndex(t complaint.Trigger) uint8 {
	switch t {
	case "":
		return 0
	case complaint.TriggerAcknowledge:
		return 1
	case complaint.TriggerInvestigate:
		return 2
	case complaint.TriggerRequestInfo:
		return 3
	case complaint.TriggerCustomerReplied:
		return 4
	case complaint.TriggerResolve:
		return 5
	case complaint.TriggerConfirm:
		return 6
	case complaint.TriggerClose:
		return 7
	case complaint.TriggerReopen:
		return 8
	case complaint.TriggerEscalate:
		return 9
	case complaint.TriggerWithdraw:
		return 10
	case complaint.TriggerReject:
		return 11
	case complaint.TriggerMarkDuplicate:
		return 12
	}
	return unknownIndex
}

func statusIndex(s complaint.Status) uint8 {
	switch s {
	case "":
		return 0
	case complaint.StatusReceived:
		return 1
	case complaint.StatusAcknowledged:
		return 2
	case complaint.StatusInvestigating:
		return 3
	case complaint.StatusAwaitingCustomer:
		return 4
	case complaint.StatusResolved:
		return 5
	case complaint.StatusClosed:
		return 6
	case complaint.StatusWithdrawn:
		return 7
	case complaint.StatusRejected:
		return 8
	case complaint.StatusDuplicate:
		return 9
	}
	return unknownIndex
}

// evKey is an event reduced to small numbers, computed once per event so that matching a condition
// is four byte comparisons.
type evKey struct{ typ, trig, from, to uint8 }

func keyOf(e *complaint.Event) evKey {
	k := evKey{typ: typeIndex(e.Type), trig: triggerIndex(e.Trigger), from: statusIndex(e.From), to: statusIndex(e.To)}
	if e.Type == complaint.EventReceived && e.To == "" {
		k.to = statusIndex(complaint.StatusReceived)
	}
	return k
}

type cond evKey

func compileCondition(c Condition) cond {
	var k cond
	if c.Type != "" {
		k.typ = typeIndex(c.Type)
	}
	k.trig, k.from, k.to = triggerIndex(c.Trigger), statusIndex(c.From), statusIndex(c.To)
	return k
}

func (c cond) match(k evKey) bool {
	return (c.typ == 0 || c.typ == k.typ) &&
		(c.trig == 0 || c.trig == k.trig) &&
		(c.from == 0 || (c.from == k.from && k.to != k.from)) &&
		(c.to == 0 || (c.to == k.to && k.from != k.to))
}

func anyMatch(cs []cond, k evKey) bool {
	for _, c := range cs {
		if c.match(k) {
			return true
		}
	}
	return false
}
