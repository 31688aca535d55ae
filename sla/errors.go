package sla

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is matched by every configuration problem ([*ConfigError]): a calendar, policy set or
// policy file that cannot be compiled. The more precise sentinels below are matched too.
var ErrInvalid = errors.New("sla: invalid configuration")

// Sentinels for the kinds of configuration problems. A [*ConfigError] matches exactly one of them (and
// [ErrInvalid]); test with errors.Is.
var (
	// ErrSyntax: the policy file is not well-formed YAML, has a value of the wrong type or a field this
	// package does not know.
	ErrSyntax = errors.New("sla: malformed policy file")
	// ErrUnknownZone: a calendar names a time zone that is not in the IANA database (or names "Local",
	// which would make results depend on the machine).
	ErrUnknownZone = errors.New("sla: unknown time zone")
	// ErrBadInterval: a working interval is malformed, empty, reversed or outside 00:00–24:00.
	ErrBadInterval = errors.New("sla: bad working interval")
	// ErrOverlap: two working intervals of the same day overlap, or a weekday is given hours twice.
	ErrOverlap = errors.New("sla: overlapping working intervals")
	// ErrNoWorkingTime: a calendar that is not 24×7 has no working time in its week, so no deadline
	// could ever be reached.
	ErrNoWorkingTime = errors.New("sla: calendar has no working time")
	// ErrBadDate: a holiday or working day is malformed, listed twice, or both a holiday and a working day.
	ErrBadDate = errors.New("sla: bad calendar date")
	// ErrBadDuration: a target duration is negative, zero or malformed.
	ErrBadDuration = errors.New("sla: bad duration")
	// ErrUnknownCondition: a start/pause/resume/stop/reset/reopen condition names an event type, trigger
	// or status the lifecycle does not have, or can never match.
	ErrUnknownCondition = errors.New("sla: unknown event in condition")
	// ErrUnknownCalendar: a policy or target names a calendar the configuration does not define.
	ErrUnknownCalendar = errors.New("sla: unknown calendar")
	// ErrUnknownPolicy: the default policy, or the policy a complaint names, does not exist.
	ErrUnknownPolicy = errors.New("sla: unknown policy")
	// ErrBadLevels: warning levels whose fractions are not positive and strictly increasing, whose names
	// repeat, or that are too many.
	ErrBadLevels = errors.New("sla: bad warning levels")
	// ErrBadName: a policy, target, level or calendar name is missing, malformed or used twice.
	ErrBadName = errors.New("sla: bad name")
	// ErrBadRule: a target rule matches on a value that cannot occur (priority outside 1–4, unknown
	// severity) or matches every complaint.
	ErrBadRule = errors.New("sla: bad target rule")
	// ErrBadTarget: a target has no start condition, or an unknown reopen mode.
	ErrBadTarget = errors.New("sla: bad target")
)

// ConfigError is one problem in a configuration. Calendar, Policy and Target name where it is (empty
// when not applicable); Path is the place in the configuration as a YAML path such as
// "policies[1].targets[0].within"; Line and Column are set (1-based) when the configuration came from a
// YAML document via [Parse] or [Load].
type ConfigError struct {
	Calendar string
	Policy   string
	Target   string
	Path     string
	Line     int
	Column   int
	// Err is the sentinel naming the kind of problem, such as [ErrOverlap].
	Err error
	// Msg says what exactly is wrong.
	Msg string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("sla: ")
	var where []string
	if e.Calendar != "" {
		where = append(where, fmt.Sprintf("calendar %q", e.Calendar))
	}
	if e.Policy != "" {
		where = append(where, fmt.Sprintf("policy %q", e.Policy))
	}
	if e.Target != "" {
		where = append(where, fmt.Sprintf("target %q", e.Target))
	}
	if len(where) > 0 {
		b.WriteString(strings.Join(where, ", "))
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d, column %d)", e.Line, e.Column)
	}
	return b.String()
}

// Unwrap returns the sentinel kind, so errors.Is(err, ErrOverlap) works.
func (e *ConfigError) Unwrap() error { return e.Err }

// Is makes every ConfigError match [ErrInvalid].
func (e *ConfigError) Is(target error) bool { return target == ErrInvalid }

// ConfigErrors lists every problem found in one configuration, in the order they were found, so a
// whole file can be fixed in one pass. errors.Is and errors.As look into each element.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap exposes each problem to errors.Is and errors.As.
func (es ConfigErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// problems collects ConfigErrors with a common location.
type problems struct {
	errs ConfigErrors
}

func (p *problems) add(e ConfigError) {
	p.errs = append(p.errs, &e)
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return p.errs
}
