package sla

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/redresshq/redress/complaint"
)

// Config is a set of named SLA policies with their calendars, as written in a policy file or built in
// Go. [Compile] checks it and turns it into a [Set].
type Config struct {
	// Default names the policy used for complaints that name none. Empty means the first policy.
	Default string `yaml:"default,omitempty"`
	// Calendars are the business calendars policies refer to by name. The name "24x7" is predefined
	// (every instant is working time, in UTC) and cannot be redefined.
	Calendars map[string]CalendarSpec `yaml:"calendars,omitempty"`
	// Policies in the order they are listed.
	Policies []PolicySpec `yaml:"policies,omitempty"`
}

// ReopenMode says what a stopped clock does when the complaint is reopened.
type ReopenMode string

const (
	// ReopenResume (the default) continues a stopped clock from where it stopped: the reopened
	// complaint has only what was left of the target, and levels already fired do not fire again.
	ReopenResume ReopenMode = "resume"
	// ReopenReset restarts the clock from zero at the reopen, with all its levels armed again: the
	// reopened complaint gets a full target.
	ReopenReset ReopenMode = "reset"
)

// PolicySpec is one named policy: the targets whose clocks run for a complaint.
type PolicySpec struct {
	// Name is a lower-case token; routing rules name it in a complaint's sla_policy.
	Name string `yaml:"name"`
	// Calendar names the calendar the policy's clocks run on; empty means 24x7.
	Calendar string `yaml:"calendar,omitempty"`
	// ReopenMode is what clocks do on their reopen conditions: resume (the default) or reset.
	ReopenMode ReopenMode `yaml:"reopen_mode,omitempty"`
	// ServiceHours, when set, names a calendar outside of which reminders are held back: a warning level
	// below 1.0 that is crossed while that calendar is closed fires when it next opens. Breach levels
	// (1.0 and above) always fire on time.
	ServiceHours string `yaml:"service_hours,omitempty"`
	// Levels are the warning levels of every target that does not list its own. Empty means
	// [DefaultLevels]: blue at 50 %, yellow at 75 %, red (breached) at 100 %.
	Levels []Level `yaml:"levels,omitempty"`
	// Targets are the clocks of the policy.
	Targets []TargetSpec `yaml:"targets,omitempty"`
}

// TargetSpec is one time limit and the clock that measures it.
//
// Conditions say when the clock changes state (see [Policy.Clocks] for the rules). The well-known
// target names come with preset conditions, used for each list left empty:
//
//	first_response   start type:received; stop trigger:acknowledge or the complaint is withdrawn,
//	                 rejected or marked duplicate
//	resolution       start type:received; pause to:awaiting_customer; resume from:awaiting_customer;
//	                 stop to:resolved or withdrawn, rejected, duplicate; reopen trigger:reopen
//	follow_up        start to:resolved; stop type:survey_sent (the survey is the follow-up
//	                 contact), type:feedback, trigger:confirm, trigger:close or to:withdrawn; reset trigger:reopen (it starts again at the next resolution);
//	                 within 48h unless set
//	step:STATUS      a limit on one stay in STATUS: start and reset to:STATUS (type:received for
//	                 step:received); stop from:STATUS
type TargetSpec struct {
	// Name is the clock's name: a lower-case token or step:STATUS. It appears in timer kinds and SLA
	// events.
	Name string `yaml:"name"`
	// Within is the business time allowed when no rule matches.
	Within time.Duration `yaml:"within,omitempty"`
	// Rules vary the time allowed by the complaint's priority, safety flag, customer tier or VIP flag;
	// the first matching rule wins.
	Rules []Rule `yaml:"rules,omitempty"`
	// Calendar overrides the policy's calendar for this clock (for example "24x7" for a safety contact
	// target in a policy that otherwise runs on office hours).
	Calendar string `yaml:"calendar,omitempty"`

	Start  []Condition `yaml:"start,omitempty"`
	Pause  []Condition `yaml:"pause,omitempty"`
	Resume []Condition `yaml:"resume,omitempty"`
	Stop   []Condition `yaml:"stop,omitempty"`
	Reset  []Condition `yaml:"reset,omitempty"`
	Reopen []Condition `yaml:"reopen,omitempty"`
	// ReopenMode overrides the policy's reopen mode for this clock.
	ReopenMode ReopenMode `yaml:"reopen_mode,omitempty"`
	// Levels overrides the policy's warning levels for this clock.
	Levels []Level `yaml:"levels,omitempty"`
}

// Rule gives a different time limit to the complaints it matches.
type Rule struct {
	When   Match         `yaml:"when,omitempty"`
	Within time.Duration `yaml:"within,omitempty"`
}

// Match selects complaints by their current fields. Every field set must match; within a list any
// value matches. Safety and VIP, when true, require the flag; false means "either".
type Match struct {
	Priorities    []int                `yaml:"priority,omitempty"`
	Severities    []complaint.Severity `yaml:"severity,omitempty"`
	Categories    []string             `yaml:"category,omitempty"`
	CustomerTiers []string             `yaml:"customer_tier,omitempty"`
	Safety        bool                 `yaml:"safety,omitempty"`
	VIP           bool                 `yaml:"vip,omitempty"`
}

// Matches reports whether c satisfies m.
func (m Match) Matches(c *complaint.Complaint) bool {
	return (len(m.Priorities) == 0 || slices.Contains(m.Priorities, c.Priority)) &&
		(len(m.Severities) == 0 || slices.Contains(m.Severities, c.Severity)) &&
		(len(m.Categories) == 0 || slices.Contains(m.Categories, c.Category)) &&
		(len(m.CustomerTiers) == 0 || slices.Contains(m.CustomerTiers, c.Customer.Tier)) &&
		(!m.Safety || c.Safety) && (!m.VIP || c.Customer.VIP)
}

func (m Match) empty() bool {
	return len(m.Priorities) == 0 && len(m.Severities) == 0 && len(m.Categories) == 0 &&
		len(m.CustomerTiers) == 0 && !m.Safety && !m.VIP
}

// Level is a warning level of a clock and the escalation that goes with it. A level is reached when
// the clock's elapsed business time reaches At × the target; a level at 1.0 or above is a breach.
type Level struct {
	// Name is a lower-case token such as "yellow"; it appears in timer kinds and SLA events.
	Name string `yaml:"name"`
	// At is the fraction of the target at which the level is reached: 0.75 for 75 %.
	At float64 `yaml:"at,omitempty"`
	// Notify lists who is told, in the embedder's vocabulary: "role:supervisor", "queue:quality",
	// "manager", "assignee".
	Notify []string `yaml:"notify,omitempty"`
	// Reassign, when set, moves the complaint to this queue.
	Reassign string `yaml:"reassign,omitempty"`
	// RaiseTier escalates the complaint to the next authorization tier.
	RaiseTier bool `yaml:"raise_tier,omitempty"`
	// Note is written into the SLA event.
	Note string `yaml:"note,omitempty"`
}

// DefaultLevels returns the usual warning levels: blue at 50 %, yellow at 75 %, red at 100 % (the
// breach), with no escalation attached.
func DefaultLevels() []Level {
	return []Level{{Name: "blue", At: 0.5}, {Name: "yellow", At: 0.75}, {Name: "red", At: 1}}
}

// maxLevels bounds the levels of a clock (fired levels are kept in a bit set).
const maxLevels = 32

// Set is a compiled policy configuration: named policies, a default, and their calendars. It is
// immutable and safe for concurrent use.
type Set struct {
	def       *Policy
	policies  []*Policy
	byName    map[string]*Policy
	calendars map[string]*Calendar
}

// Default returns the default policy.
func (s *Set) Default() *Policy { return s.def }

// Policies returns the policies in configuration order.
func (s *Set) Policies() []*Policy { return slices.Clone(s.policies) }

// Policy returns the policy called name, or the default policy when name is empty. An unknown name
// returns an error matching [ErrUnknownPolicy].
func (s *Set) Policy(name string) (*Policy, error) {
	if name == "" {
		return s.def, nil
	}
	if p, ok := s.byName[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownPolicy, name)
}

// For returns the policy a complaint runs under: the one its SLAPolicy names (set by routing), or the
// default. A name the set does not know returns an error matching [ErrUnknownPolicy]; the caller
// decides whether to fall back to [Set.Default].
func (s *Set) For(c *complaint.Complaint) (*Policy, error) { return s.Policy(c.SLAPolicy) }

// Calendar returns the calendar called name ("24x7" included).
func (s *Set) Calendar(name string) (*Calendar, bool) {
	c, ok := s.calendars[name]
	return c, ok
}

// Policy is a compiled policy. It is immutable and safe for concurrent use.
type Policy struct {
	name    string
	targets []*target
	service *Calendar
}

// Name returns the policy's name.
func (p *Policy) Name() string { return p.name }

// Targets returns the names of the policy's clocks, in configuration order.
func (p *Policy) Targets() []string {
	out := make([]string, len(p.targets))
	for i, t := range p.targets {
		out[i] = t.name
	}
	return out
}

type target struct {
	name                                     string
	cal                                      *Calendar
	within                                   time.Duration
	rules                                    []Rule
	start, pause, resume, stop, reset, reopn []cond
	mode                                     ReopenMode
	levels                                   []level
	types                                    [4]uint64 // event types (by index) some condition can match
}

// noteTypes records which event types condition c can match, so the clock skips the others quickly.
func (t *target) noteTypes(c cond) {
	set := func(i uint8) { t.types[i>>6] |= 1 << (i & 63) }
	switch {
	case c.typ != 0:
		set(c.typ)
	default: // trigger, from or to: transitions, the received event (to:received), custom events with statuses
		set(typeIndex(complaint.EventTransition))
		set(unknownIndex)
		if c.trig == 0 && c.from == 0 && c.to == statusIndex(complaint.StatusReceived) {
			set(typeIndex(complaint.EventReceived))
		}
	}
}

type level struct {
	Level
	index int // position, for the fired bit set
}

// withinFor returns the time allowed for c.
func (t *target) withinFor(c *complaint.Complaint) time.Duration {
	for i := range t.rules {
		if t.rules[i].When.Matches(c) {
			return t.rules[i].Within
		}
	}
	return t.within
}

// threshold is the elapsed business time at which lv is reached for a target of d.
func (lv *level) threshold(d time.Duration) time.Duration {
	if lv.At == 1 {
		return d
	}
	return time.Duration(math.Round(lv.At * float64(d)))
}

func (t *target) levelByName(name string) *level {
	for i := range t.levels {
		if t.levels[i].Name == name {
			return &t.levels[i]
		}
	}
	return nil
}

// TimerPrefix starts the kind of every timer this package asks the Desk to store. Kinds read
// sla/<clock>/<level>, for example "sla/resolution/yellow".
const TimerPrefix = "sla/"

func timerKind(clock, level string) string { return TimerPrefix + clock + "/" + level }

// ParseTimerKind splits a timer kind into its clock and level. ok is false for kinds this package did
// not make (other timers the Desk stores, such as automatic closing).
func ParseTimerKind(kind string) (clock, level string, ok bool) {
	rest, ok := strings.CutPrefix(kind, TimerPrefix)
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	if i <= 0 || i == len(rest)-1 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}

// preset returns the conditions of a well-known target name.
func preset(name string) (p TargetSpec, ok bool) {
	final := []Condition{{To: complaint.StatusWithdrawn}, {To: complaint.StatusRejected}, {To: complaint.StatusDuplicate}}
	switch name {
	case "first_response":
		return TargetSpec{
			Start: []Condition{{Type: complaint.EventReceived}},
			Stop:  append([]Condition{{Trigger: complaint.TriggerAcknowledge}}, final...),
		}, true
	case "resolution":
		return TargetSpec{
			Start:  []Condition{{Type: complaint.EventReceived}},
			Pause:  []Condition{{To: complaint.StatusAwaitingCustomer}},
			Resume: []Condition{{From: complaint.StatusAwaitingCustomer}},
			Stop:   append([]Condition{{To: complaint.StatusResolved}}, final...),
			Reopen: []Condition{{Trigger: complaint.TriggerReopen}},
		}, true
	case "follow_up":
		return TargetSpec{
			Within: 48 * time.Hour,
			Start:  []Condition{{To: complaint.StatusResolved}},
			Stop: []Condition{{Type: complaint.EventSurveySent}, {Type: complaint.EventFeedback}, {Trigger: complaint.TriggerConfirm},
				{Trigger: complaint.TriggerClose}, {To: complaint.StatusWithdrawn}},
			Reset: []Condition{{Trigger: complaint.TriggerReopen}},
		}, true
	}
	if s, ok := strings.CutPrefix(name, "step:"); ok {
		st := complaint.Status(s)
		if !st.Valid() || st.Final() {
			return TargetSpec{}, false
		}
		enter := Condition{To: st}
		if st == complaint.StatusReceived {
			enter = Condition{Type: complaint.EventReceived}
		}
		return TargetSpec{
			Start: []Condition{enter},
			Reset: []Condition{enter},
			Stop:  []Condition{{From: st}},
		}, true
	}
	return TargetSpec{}, false
}

// validName accepts lower-case tokens (letters, digits, '_', '-', '.').
func validName(s string) bool { return complaint.ValidToken(s) }

func validClockName(s string) bool {
	if st, ok := strings.CutPrefix(s, "step:"); ok {
		return complaint.Status(st).Valid() && !complaint.Status(st).Final()
	}
	return validName(s)
}

// Compile checks cfg and builds the policy set. It returns [ConfigErrors] listing every problem, each
// naming its policy, target or calendar and its path: [ErrBadName], [ErrUnknownPolicy],
// [ErrUnknownCalendar], [ErrUnknownCondition], [ErrBadDuration], [ErrBadLevels], [ErrBadRule],
// [ErrBadTarget], and the calendar errors of [NewCalendar].
func Compile(cfg Config) (*Set, error) {
	var ps problems
	s := &Set{byName: map[string]*Policy{}, calendars: map[string]*Calendar{"24x7": AlwaysOpen()}}

	calNames := slices.Sorted(func(yield func(string) bool) {
		for k := range cfg.Calendars {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range calNames {
		path := "calendars." + pathKey(name)
		if name == "24x7" || !validName(name) {
			ps.add(ConfigError{Calendar: name, Path: path, Err: ErrBadName, Msg: "a calendar name must be a lower-case token other than 24x7"})
			continue
		}
		c, err := newCalendar(name, cfg.Calendars[name], path)
		if err != nil {
			ps.errs = append(ps.errs, err.(ConfigErrors)...)
			continue
		}
		s.calendars[name] = c
	}
	calendar := func(name, policy, tgt, path string) *Calendar {
		if name == "" {
			return AlwaysOpen()
		}
		if c, ok := s.calendars[name]; ok {
			return c
		}
		if _, defined := cfg.Calendars[name]; !defined {
			ps.add(ConfigError{Policy: policy, Target: tgt, Path: path, Err: ErrUnknownCalendar, Msg: fmt.Sprintf("no calendar is called %q", name)})
		}
		return nil // defined but broken: already reported
	}

	if len(cfg.Policies) == 0 {
		ps.add(ConfigError{Path: "policies", Err: ErrUnknownPolicy, Msg: "at least one policy is needed"})
	}
	for i, spec := range cfg.Policies {
		path := fmt.Sprintf("policies[%d]", i)
		fail := func(sub string, tgt string, kind error, format string, args ...any) {
			ps.add(ConfigError{Policy: spec.Name, Target: tgt, Path: path + sub, Err: kind, Msg: fmt.Sprintf(format, args...)})
		}
		p := &Policy{name: spec.Name}
		switch {
		case !validName(spec.Name):
			fail(".name", "", ErrBadName, "a policy needs a lower-case name such as standard or safety")
		case s.byName[spec.Name] != nil:
			fail(".name", "", ErrBadName, "policy %q is defined twice", spec.Name)
		default:
			s.byName[spec.Name] = p
		}
		s.policies = append(s.policies, p)
		polCal := calendar(spec.Calendar, spec.Name, "", path+".calendar")
		if spec.ServiceHours != "" {
			p.service = calendar(spec.ServiceHours, spec.Name, "", path+".service_hours")
		}
		mode, ok := reopenMode(spec.ReopenMode, ReopenResume)
		if !ok {
			fail(".reopen_mode", "", ErrBadTarget, "reopen mode %q is neither resume nor reset", spec.ReopenMode)
		}
		polLevels := spec.Levels
		if len(polLevels) == 0 {
			polLevels = DefaultLevels()
		} else {
			checkLevels(polLevels, func(j int, sub string, format string, args ...any) {
				fail(fmt.Sprintf(".levels[%d]%s", j, sub), "", ErrBadLevels, format, args...)
			})
		}
		if len(spec.Targets) == 0 {
			fail(".targets", "", ErrBadTarget, "a policy needs at least one target")
		}
		seen := map[string]bool{}
		for j, ts := range spec.Targets {
			tpath := fmt.Sprintf(".targets[%d]", j)
			tfail := func(sub string, kind error, format string, args ...any) {
				fail(tpath+sub, ts.Name, kind, format, args...)
			}
			if !validClockName(ts.Name) {
				tfail(".name", ErrBadName, "%q is not a target name: use a lower-case token or step:STATUS with an open status", ts.Name)
			} else if seen[ts.Name] {
				tfail(".name", ErrBadName, "target %q is defined twice", ts.Name)
			}
			seen[ts.Name] = true
			t := &target{name: ts.Name, within: ts.Within, rules: cloneRules(ts.Rules)}
			pre, hasPreset := preset(ts.Name)
			if t.within == 0 && pre.Within > 0 {
				t.within = pre.Within
			}
			switch {
			case t.within < 0:
				tfail(".within", ErrBadDuration, "%s is negative", t.within)
			case t.within == 0:
				tfail(".within", ErrBadDuration, "the time allowed is missing")
			}
			for k, r := range ts.Rules {
				rpath := fmt.Sprintf(".rules[%d]", k)
				if r.Within <= 0 {
					tfail(rpath+".within", ErrBadDuration, "%s is not a positive duration", r.Within)
				}
				checkMatch(r.When, func(format string, args ...any) { tfail(rpath+".when", ErrBadRule, format, args...) })
			}
			t.cal = polCal
			if ts.Calendar != "" {
				t.cal = calendar(ts.Calendar, spec.Name, ts.Name, path+tpath+".calendar")
			}
			t.mode = mode
			if ts.ReopenMode != "" {
				if t.mode, ok = reopenMode(ts.ReopenMode, mode); !ok {
					tfail(".reopen_mode", ErrBadTarget, "reopen mode %q is neither resume nor reset", ts.ReopenMode)
				}
			}
			lists := []struct {
				key       string
				given, pr []Condition
				out       *[]cond
			}{
				{"start", ts.Start, pre.Start, &t.start}, {"pause", ts.Pause, pre.Pause, &t.pause},
				{"resume", ts.Resume, pre.Resume, &t.resume}, {"stop", ts.Stop, pre.Stop, &t.stop},
				{"reset", ts.Reset, pre.Reset, &t.reset}, {"reopen", ts.Reopen, pre.Reopen, &t.reopn},
			}
			for _, l := range lists {
				cs := l.given
				if len(cs) == 0 && hasPreset {
					cs = l.pr
				}
				for k, c := range cs {
					if err := c.Validate(); err != nil {
						tfail(fmt.Sprintf(".%s[%d]", l.key, k), ErrUnknownCondition, "%s", strings.TrimPrefix(err.Error(), ErrUnknownCondition.Error()+": "))
						continue
					}
					*l.out = append(*l.out, compileCondition(c))
					t.noteTypes(compileCondition(c))
				}
			}
			if len(ts.Start) == 0 && !hasPreset {
				tfail(".start", ErrBadTarget, "the clock never starts: give start conditions (only first_response, resolution, follow_up and step:STATUS have presets)")
			}
			lv := polLevels
			if len(ts.Levels) > 0 {
				lv = ts.Levels
				checkLevels(lv, func(k int, sub string, format string, args ...any) {
					tfail(fmt.Sprintf(".levels[%d]%s", k, sub), ErrBadLevels, format, args...)
				})
			}
			for k, l := range lv {
				l.Notify = slices.Clone(l.Notify) // the compiled policy must not change with the caller's Config
				t.levels = append(t.levels, level{Level: l, index: k})
			}
			p.targets = append(p.targets, t)
		}
	}
	if cfg.Default != "" {
		if d, ok := s.byName[cfg.Default]; ok {
			s.def = d
		} else {
			ps.add(ConfigError{Path: "default", Err: ErrUnknownPolicy, Msg: fmt.Sprintf("the default policy %q is not defined", cfg.Default)})
		}
	} else if len(s.policies) > 0 {
		s.def = s.policies[0]
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return s, nil
}

func cloneRules(rs []Rule) []Rule {
	out := slices.Clone(rs)
	for i := range out {
		m := &out[i].When
		m.Priorities = slices.Clone(m.Priorities)
		m.Severities = slices.Clone(m.Severities)
		m.Categories = slices.Clone(m.Categories)
		m.CustomerTiers = slices.Clone(m.CustomerTiers)
	}
	return out
}

func reopenMode(m, def ReopenMode) (ReopenMode, bool) {
	switch m {
	case "":
		return def, true
	case ReopenResume, ReopenReset:
		return m, true
	}
	return def, false
}

func checkLevels(ls []Level, fail func(i int, sub string, format string, args ...any)) {
	if len(ls) > maxLevels {
		fail(maxLevels, "", "%d levels; at most %d allowed", len(ls), maxLevels)
	}
	names := map[string]bool{}
	for i, l := range ls {
		switch {
		case !validName(l.Name):
			fail(i, ".name", "%q is not a level name: use a lower-case token such as yellow", l.Name)
		case names[l.Name]:
			fail(i, ".name", "level %q is listed twice", l.Name)
		}
		names[l.Name] = true
		switch {
		case math.IsNaN(l.At) || math.IsInf(l.At, 0) || l.At <= 0:
			fail(i, ".at", "fraction %v must be positive (0.75 means 75 %% of the target)", l.At)
		case l.At > 100:
			fail(i, ".at", "fraction %v is more than 100 times the target", l.At)
		case i > 0 && l.At <= ls[i-1].At:
			fail(i, ".at", "fraction %v does not come after %v of level %q: levels must be in increasing order", l.At, ls[i-1].At, ls[i-1].Name)
		}
		for k, n := range l.Notify {
			if strings.TrimSpace(n) == "" {
				fail(i, fmt.Sprintf(".notify[%d]", k), "empty notification target")
			}
		}
	}
}

func checkMatch(m Match, fail func(format string, args ...any)) {
	if m.empty() {
		fail("the rule matches every complaint; set the target's within instead")
	}
	for _, p := range m.Priorities {
		if p < 1 || p > 4 {
			fail("priority %d can never match: priorities run from 1 (most urgent) to 4", p)
		}
	}
	for _, s := range m.Severities {
		if s == "" || !s.Valid() {
			fail("severity %q can never match: use low, medium, high or critical", s)
		}
	}
}
