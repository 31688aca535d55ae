package rca

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redresshq/redress/complaint"
)

// Limits on a problem record. Lengths count characters (runes), so Chinese and English text have the
// same room.
const (
	MaxTitleLen      = 200
	MaxShortLen      = 200  // IDs, names, owners, category, metric and target
	MaxTextLen       = 4000 // statement parts, answers, causes, root cause, descriptions, lessons
	MaxComplaints    = 1000 // complaints linked to one problem
	MaxWhys          = 20   // steps of the why chain (five is the habit, not a limit)
	MaxCauses        = 200  // fishbone causes
	MaxActions       = 200
	MaxTeam          = 50
	maxIDLen         = MaxShortLen
	defaultActionPre = "A"
)

// SixM is a fishbone (Ishikawa) category: the six kinds of cause quality teams look for.
type SixM string

// The 6M categories (人、机、料、法、环、测).
const (
	Man         SixM = "man"         // people: skills, training, attention, staffing
	Machine     SixM = "machine"     // equipment, tools, software systems
	Material    SixM = "material"    // raw material, parts, suppliers
	Method      SixM = "method"      // processes, procedures, instructions
	Environment SixM = "environment" // surroundings: temperature, humidity, transport, site
	Measurement SixM = "measurement" // inspection, gauges, data used to decide
)

// SixMs lists the categories in the order a fishbone diagram draws them.
var SixMs = []SixM{Man, Machine, Material, Method, Environment, Measurement}

// Valid reports whether m is one of the six categories.
func (m SixM) Valid() bool { return slices.Contains(SixMs, m) }

// Statement is the 5W2H problem statement: what happened, why it matters, where, when, who is
// involved, how it shows, and how much (how many units, customers, money).
type Statement struct {
	What    string `json:"what,omitempty"`
	Why     string `json:"why,omitempty"`
	Where   string `json:"where,omitempty"`
	When    string `json:"when,omitempty"`
	Who     string `json:"who,omitempty"`
	How     string `json:"how,omitempty"`
	HowMuch string `json:"how_much,omitempty"`
}

// Missing lists the 5W2H questions not yet answered, in the order what, why, where, when, who, how,
// how_much.
func (s Statement) Missing() []string {
	var out []string
	for _, q := range s.parts() {
		if strings.TrimSpace(q.text) == "" {
			out = append(out, q.name)
		}
	}
	return out
}

type part struct{ name, text string }

func (s Statement) parts() []part {
	return []part{
		{"what", s.What}, {"why", s.Why}, {"where", s.Where}, {"when", s.When},
		{"who", s.Who}, {"how", s.How}, {"how_much", s.HowMuch},
	}
}

// Why is one step of a 5-Why chain: the question asked and the answer that leads to the next step.
// The answer of the last step is usually the root cause.
type Why struct {
	Question string `json:"question,omitempty"`
	Answer   string `json:"answer"`
}

// Cause is one bone of the fishbone diagram. Confirmed marks a cause the team verified as contributing,
// as opposed to a candidate raised while brainstorming.
type Cause struct {
	Category    SixM   `json:"category"`
	Description string `json:"description"`
	Confirmed   bool   `json:"confirmed,omitempty"`
}

// Bone is one category of the fishbone with its causes.
type Bone struct {
	Category SixM
	Causes   []Cause
}

// Status is where a problem stands. A problem is open while the team works on it and closed once its
// corrective actions are verified effective.
type Status string

// Problem statuses.
const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Analysis holds the parts of a problem record that the team writes freely: the title, the 5W2H
// statement, the why chain, the fishbone causes, the root cause and the lessons learned. It is embedded
// in [Problem]; [Problem.Revise] replaces it as a whole after validation.
type Analysis struct {
	Title string `json:"title"`
	// Category is the complaint category the problem concerns, if there is one (it ties the problem to
	// the category's Pareto bar and early warnings).
	Category  string    `json:"category,omitempty"`
	Team      []string  `json:"team,omitempty"`
	Statement Statement `json:"statement,omitzero"`
	Whys      []Why     `json:"whys,omitempty"`
	Causes    []Cause   `json:"causes,omitempty"`
	RootCause string    `json:"root_cause,omitempty"`
	// Lessons is the post-mortem kept for the knowledge base (8D step D8).
	Lessons string `json:"lessons,omitempty"`
}

func (a Analysis) clone() Analysis {
	a.Team = slices.Clone(a.Team)
	a.Whys = slices.Clone(a.Whys)
	a.Causes = slices.Clone(a.Causes)
	return a
}

// Problem is a problem record: one underlying cause behind one or more complaints, its analysis and
// the actions taken against it.
//
// Methods that change a problem take the time from the caller, check everything first, and change the
// record only when they succeed: a failed call leaves it exactly as it was. They do not touch Version;
// whoever stores the record increments it (stores compare it with the version they hold, as for
// complaints).
type Problem struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	Analysis
	// Complaints are the IDs of the linked complaints, in the order they were linked.
	Complaints []string `json:"complaints,omitempty"`
	Actions    []Action `json:"actions,omitempty"`
	Status     Status   `json:"status"`
	// Version counts committed changes (optimistic concurrency); New sets 1.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
	// OverdueReportedAt is when overdue actions were last reported: every open action due at or
	// before it has been escalated once (see [Problem.ReportOverdue]). Zero until the first report.
	OverdueReportedAt time.Time `json:"overdue_reported_at,omitzero"`
}

// norm is how times are kept: UTC with microsecond precision, the form every store round-trips.
func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// New starts an open problem record from an analysis (at least a title) and the complaints it groups.
// It returns a [*ValidationError] (matching [ErrInvalid]) listing every field that is wrong, and a nil
// problem; the caller assigns the ID (a ULID, like complaints).
func New(id, tenant string, now time.Time, a Analysis, complaints ...string) (*Problem, error) {
	at := norm(now)
	p := &Problem{
		ID:         id,
		Tenant:     tenant,
		Analysis:   a.clone(),
		Complaints: slices.Clone(complaints),
		Status:     StatusOpen,
		Version:    1,
		CreatedAt:  at,
		UpdatedAt:  at,
	}
	var v validator
	if now.IsZero() {
		v.add("created_at", "required", "is required")
	}
	p.validate(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// Clone returns a deep copy, so a caller can change the copy without touching a stored or shared record.
func (p *Problem) Clone() *Problem {
	if p == nil {
		return nil
	}
	d := *p
	d.Analysis = p.Analysis.clone()
	d.Complaints = slices.Clone(p.Complaints)
	d.Actions = slices.Clone(p.Actions)
	return &d
}

// Validate checks the whole record: required fields, lengths, 6M categories, action kinds, statuses,
// owners and due dates. It returns nil or a [*ValidationError] listing every problem. Stores and the
// Desk call it before saving a record that came from outside.
func (p *Problem) Validate() error {
	var v validator
	p.validate(&v)
	return v.err()
}

func (p *Problem) validate(v *validator) {
	v.text("id", p.ID, maxIDLen, true)
	v.text("tenant", p.Tenant, maxIDLen, true)
	p.Analysis.validate(v)
	switch p.Status {
	case StatusOpen, StatusClosed:
	default:
		v.add("status", "invalid", "must be open or closed")
	}
	validateComplaintIDs(v, p.Complaints)
	if len(p.Actions) > MaxActions {
		v.add("actions", "too_many", "has %d actions, at most %d allowed", len(p.Actions), MaxActions)
	}
	seen := make(map[string]bool, len(p.Actions))
	for i, a := range p.Actions {
		f := fmt.Sprintf("actions[%d]", i)
		if seen[a.ID] {
			v.add(f+".id", "duplicate", "repeats action ID %q", a.ID)
		}
		seen[a.ID] = true
		a.validate(v, f)
		if !a.Status.Valid() {
			v.add(f+".status", "invalid", "must be planned, in_progress, done, verified or ineffective")
		}
	}
}

func validateComplaintIDs(v *validator, ids []string) {
	if len(ids) > MaxComplaints {
		v.add("complaints", "too_many", "has %d complaints, at most %d allowed", len(ids), MaxComplaints)
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		f := fmt.Sprintf("complaints[%d]", i)
		v.text(f, id, maxIDLen, true)
		if seen[id] {
			v.add(f, "duplicate", "links complaint %q twice", id)
		}
		seen[id] = true
	}
}

func (a *Analysis) validate(v *validator) {
	v.text("title", a.Title, MaxTitleLen, true)
	v.text("category", a.Category, MaxShortLen, false)
	if len(a.Team) > MaxTeam {
		v.add("team", "too_many", "has %d members, at most %d allowed", len(a.Team), MaxTeam)
	}
	for i, m := range a.Team {
		v.text(fmt.Sprintf("team[%d]", i), m, MaxShortLen, true)
	}
	for _, q := range a.Statement.parts() {
		v.text("statement."+q.name, q.text, MaxTextLen, false)
	}
	if len(a.Whys) > MaxWhys {
		v.add("whys", "too_many", "has %d steps, at most %d allowed", len(a.Whys), MaxWhys)
	}
	for i, w := range a.Whys {
		f := fmt.Sprintf("whys[%d]", i)
		v.text(f+".question", w.Question, MaxTextLen, false)
		v.text(f+".answer", w.Answer, MaxTextLen, true)
	}
	if len(a.Causes) > MaxCauses {
		v.add("causes", "too_many", "has %d causes, at most %d allowed", len(a.Causes), MaxCauses)
	}
	for i, c := range a.Causes {
		f := fmt.Sprintf("causes[%d]", i)
		if !c.Category.Valid() {
			v.add(f+".category", "invalid", "must be one of man, machine, material, method, environment, measurement")
		}
		v.text(f+".description", c.Description, MaxTextLen, true)
	}
	v.text("root_cause", a.RootCause, MaxTextLen, false)
	v.text("lessons", a.Lessons, MaxTextLen, false)
}

// Revise replaces the problem's analysis (title, category, team, 5W2H statement, why chain, causes,
// root cause, lessons) with a, after checking it. It returns [ErrClosed] when the problem is closed and
// a [*ValidationError] when a is wrong; either way p is unchanged.
func (p *Problem) Revise(now time.Time, a Analysis) error {
	if p.Status == StatusClosed {
		return ErrClosed
	}
	var v validator
	a.validate(&v)
	if err := v.err(); err != nil {
		return err
	}
	p.Analysis = a.clone()
	p.touch(now)
	return nil
}

// Link adds complaints to the problem; IDs already linked are skipped. It returns [ErrClosed] when the
// problem is closed and a [*ValidationError] for empty or overlong IDs or too many links; either way p
// is unchanged.
func (p *Problem) Link(now time.Time, ids ...string) error {
	if p.Status == StatusClosed {
		return ErrClosed
	}
	next := slices.Clone(p.Complaints)
	for _, id := range ids {
		if !slices.Contains(next, id) {
			next = append(next, id)
		}
	}
	var v validator
	validateComplaintIDs(&v, next)
	if err := v.err(); err != nil {
		return err
	}
	p.Complaints = next
	p.touch(now)
	return nil
}

// Fishbone groups the causes by 6M category, one bone per category in [SixMs] order (empty bones
// included, as a diagram draws them), causes in the order they were recorded.
func (p *Problem) Fishbone() []Bone {
	bones := make([]Bone, len(SixMs))
	for i, m := range SixMs {
		bones[i].Category = m
		for _, c := range p.Causes {
			if c.Category == m {
				bones[i].Causes = append(bones[i].Causes, c)
			}
		}
	}
	return bones
}

// Close closes the problem and returns the IDs of its linked complaints, whose customers may now be told
// what was found and fixed.
//
// A problem closes only when its root cause is recorded, it has at least one corrective (permanent)
// action, and every corrective action is verified effective. Otherwise Close returns a [*CloseError]
// (matching [ErrNotClosable]) naming what is missing, including every corrective action not yet
// verified. Containment and preventive actions do not hold a problem open. Closing a closed problem
// returns [ErrClosed]. On error p is unchanged.
func (p *Problem) Close(now time.Time) ([]string, error) {
	if p.Status == StatusClosed {
		return nil, ErrClosed
	}
	var ce CloseError
	ce.NoRootCause = strings.TrimSpace(p.RootCause) == ""
	corrective := 0
	for _, a := range p.Actions {
		if a.Kind != Corrective {
			continue
		}
		corrective++
		if a.Status != ActionVerified {
			ce.Unverified = append(ce.Unverified, a)
		}
	}
	ce.NoCorrective = corrective == 0
	if ce.NoRootCause || ce.NoCorrective || len(ce.Unverified) > 0 {
		return nil, &ce
	}
	p.Status = StatusClosed
	p.touch(now)
	p.ClosedAt = p.UpdatedAt
	return slices.Clone(p.Complaints), nil
}

// Reopen reopens a closed problem, for example when complaints about it come back. Its actions keep
// their statuses; add new ones or rework ineffective ones. It returns [ErrNotClosed] when the problem is
// open.
func (p *Problem) Reopen(now time.Time) error {
	if p.Status != StatusClosed {
		return ErrNotClosed
	}
	p.Status = StatusOpen
	p.ClosedAt = time.Time{}
	p.touch(now)
	return nil
}

func (p *Problem) touch(now time.Time) { p.UpdatedAt = norm(now) }

type validator struct{ errs []complaint.FieldError }

func (v *validator) add(field, code, format string, args ...any) {
	v.errs = append(v.errs, complaint.FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) text(field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add(field, "required", "is required")
	case !utf8.ValidString(s):
		v.add(field, "invalid", "is not valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.add(field, "too_long", "has %d characters, at most %d allowed", utf8.RuneCountInString(s), max)
	case strings.ContainsRune(s, 0):
		v.add(field, "invalid", "contains a NUL character")
	}
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.errs}
}
