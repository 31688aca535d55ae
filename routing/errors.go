package routing

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of rule-file problems. A [*RuleError] wraps one of them, so callers can tell them apart with
// errors.Is without reading messages.
var (
	// ErrSyntax: the file is not YAML, or its shape is wrong (a list where a map belongs, an unknown
	// key, a value of the wrong kind).
	ErrSyntax = errors.New("malformed rule file")
	// ErrInvalidValue: a key holds a value the rule cannot use (an unknown severity, a tier out of
	// range, an empty name, a rule that sets nothing).
	ErrInvalidValue = errors.New("invalid value")
	// ErrDuplicateRule: two rules share a name.
	ErrDuplicateRule = errors.New("duplicate rule name")
	// ErrCompile: a CEL expression does not parse or type-check (unknown variable or field, wrong
	// argument types).
	ErrCompile = errors.New("expression does not compile")
	// ErrResultType: an expression has the wrong result type (a when that is not bool, a priority
	// that is not int).
	ErrResultType = errors.New("wrong result type")
	// ErrTooCostly: an expression's estimated worst-case cost exceeds the cost limit.
	ErrTooCostly = errors.New("expression over the cost limit")
	// ErrEval: an expression failed while running (no such key, division by zero, a priority out of
	// range, the runtime cost limit). Only reported at evaluation time, inside a [Decision] or a
	// [*DeniedError].
	ErrEval = errors.New("evaluation failed")
)

// RuleError says which rule (and where in its file) is wrong, or which rule failed at run time.
//
// Loading returns a *RuleError (or several joined with errors.Join; see [RuleErrors]); Err wraps one of
// [ErrSyntax], [ErrInvalidValue], [ErrDuplicateRule], [ErrCompile], [ErrResultType], [ErrTooCostly].
// At run time a [Decision] lists a *RuleError wrapping [ErrEval] for each rule that failed.
type RuleError struct {
	// Rule is the rule's name; empty when the problem is with the file itself or the rule has no name.
	Rule string
	// Key is the key of the rule the problem is in ("when", "priority", "severity", ...); empty when
	// it is about the rule or the file as a whole.
	Key string
	// Line and Column locate the problem in the file, 1-based. Both are 0 for rules built in Go.
	Line, Column int
	Err          error
}

// Error reads `routing: line L, column C: rule "name": key: problem`, leaving out what is unknown.
func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString("routing: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	if e.Rule != "" {
		fmt.Fprintf(&b, "rule %q: ", e.Rule)
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, ErrCompile) and friends work.
func (e *RuleError) Unwrap() error { return e.Err }

// RuleErrors returns every [*RuleError] in err (which may join several), in file order.
func RuleErrors(err error) []*RuleError {
	var out []*RuleError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if re, ok := err.(*RuleError); ok {
			out = append(out, re)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

func joinRuleErrors(errs []*RuleError) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}

// ErrDenied is matched by every [*DeniedError].
var ErrDenied = errors.New("routing: not authorized")

// DeniedError says that a policy refused an action, and which rule refused it.
type DeniedError struct {
	// Rule is the name of the deny rule that matched, or [DefaultRule] when no allow rule matched in a
	// default-deny policy.
	Rule string
	// Reason is the rule's reason text, for the person who was refused.
	Reason string
	Actor  string
	Action string
	// Err is set when the deny was caused by a rule that failed to evaluate (policies fail closed); it
	// wraps [ErrEval].
	Err error
}

// DefaultRule is the rule name a [*DeniedError] carries when a default-deny policy had no allow rule
// matching the action.
const DefaultRule = "default"

// Error names the actor, the action, the rule and its reason.
func (e *DeniedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "routing: %q may not %s: rule %q", e.Actor, e.Action, e.Rule)
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.Err != nil {
		b.WriteString(" (")
		b.WriteString(e.Err.Error())
		b.WriteString(")")
	}
	return b.String()
}

// Is makes errors.Is(err, ErrDenied) true.
func (e *DeniedError) Is(target error) bool { return target == ErrDenied }

// Unwrap returns the evaluation error behind a fail-closed denial, if any.
func (e *DeniedError) Unwrap() error { return e.Err }

// ErrNoAgent is matched by every [*NoAgentError].
var ErrNoAgent = errors.New("routing: no agent can take the complaint")

// NoAgentError says that no agent could take a task, and why each was passed over. An agent is counted
// once, under the first reason that excluded it, in the order of the fields below.
type NoAgentError struct {
	Queue    string
	Strategy Strategy
	// Agents is how many agents were offered.
	Agents        int
	Unavailable   int // not available (off shift, away)
	OtherQueue    int // not a member of the queue
	TierTooLow    int // authorization tier below the task's
	AtCapacity    int // already holding their capacity of open complaints
	MissingSkills int // lacking a required skill (skill-based only)
}

// Error names the queue and counts the agents passed over for each reason.
func (e *NoAgentError) Error() string {
	return fmt.Sprintf("routing: no agent can take a %s task in queue %q: %d offered, %d unavailable, %d in other queues, %d below the tier, %d at capacity, %d missing skills",
		e.Strategy, e.Queue, e.Agents, e.Unavailable, e.OtherQueue, e.TierTooLow, e.AtCapacity, e.MissingSkills)
}

// Is makes errors.Is(err, ErrNoAgent) true.
func (e *NoAgentError) Is(target error) bool { return target == ErrNoAgent }
