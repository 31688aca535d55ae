package rca

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Discipline is one step of the 8D (eight disciplines) problem-solving report, D0 to D8.
type Discipline int

// The 8D steps.
const (
	D0 Discipline = iota // prepare: symptoms and emergency response
	D1                   // form the team
	D2                   // describe the problem (5W2H)
	D3                   // interim containment
	D4                   // root cause (5-Why, fishbone)
	D5                   // choose permanent corrective actions
	D6                   // implement and validate them
	D7                   // prevent recurrence
	D8                   // close and recognise the team
)

var disciplineTitles = [...]string{
	"Prepare and plan",
	"Form the team",
	"Describe the problem",
	"Contain the problem",
	"Find the root cause",
	"Choose permanent corrective actions",
	"Implement and validate corrective actions",
	"Prevent recurrence",
	"Close and recognise the team",
}

// String returns "D0" to "D8".
func (d Discipline) String() string { return fmt.Sprintf("D%d", int(d)) }

// Title returns the step's English name, for example "Find the root cause" for D4.
func (d Discipline) Title() string {
	if d < D0 || d > D8 {
		return "unknown"
	}
	return disciplineTitles[d]
}

// Section is one step of an 8D report: the lines the record provides for it and whether the step is
// complete.
type Section struct {
	Step  Discipline
	Title string
	Lines []string
	Done  bool
}

// Report is the 8D view of a problem: nine sections, D0 to D8, in order.
type Report struct {
	ProblemID string
	Title     string
	Sections  []Section
}

// EightD renders p as an 8D report. It is a view, not a second record: every section is read from the
// problem, so the 8D report and the problem record never disagree. The mapping:
//
//	D0 prepare     linked complaints (the symptoms) and when the problem was opened; done when at least
//	               one complaint is linked
//	D1 team        Team, plus every action owner and verifier not already listed; done when not empty
//	D2 describe    the 5W2H statement; done when all seven questions are answered
//	D3 contain     containment actions; done when there is one and all are done or verified
//	D4 root cause  the why chain, the confirmed fishbone causes and RootCause; done when RootCause is set
//	D5 choose      corrective actions with their planned metric and target; done when there is one and
//	               each has a metric and a target
//	D6 implement   corrective actions' statuses and check results; done when there is one and all are
//	               verified effective (exactly the condition for closing, with the root cause)
//	D7 prevent     preventive actions; done when there is one and all are done or verified
//	D8 close       Lessons and the closing time; done when the problem is closed
func EightD(p *Problem) Report {
	r := Report{ProblemID: p.ID, Title: p.Title, Sections: make([]Section, 0, 9)}
	add := func(d Discipline, done bool, lines []string) {
		r.Sections = append(r.Sections, Section{Step: d, Title: d.Title(), Lines: lines, Done: done})
	}

	var d0 []string
	for _, id := range p.Complaints {
		d0 = append(d0, "complaint "+id)
	}
	d0 = append(d0, "opened "+stamp(p.CreatedAt))
	add(D0, len(p.Complaints) > 0, d0)

	team := slices.Clone(p.Team)
	for _, a := range p.Actions {
		for _, who := range []string{a.Owner, a.Check.VerifiedBy} {
			if who != "" && !slices.Contains(team, who) {
				team = append(team, who)
			}
		}
	}
	var d1 []string
	if len(team) > 0 {
		d1 = []string{strings.Join(team, ", ")}
	}
	add(D1, len(team) > 0, d1)

	var d2 []string
	for _, q := range p.Statement.parts() {
		if q.text != "" {
			d2 = append(d2, q.name+": "+q.text)
		}
	}
	add(D2, len(p.Statement.Missing()) == 0, d2)

	d3, done3 := actionLines(p, Containment, false)
	add(D3, done3, d3)

	var d4 []string
	for i, w := range p.Whys {
		line := fmt.Sprintf("why %d: ", i+1)
		if w.Question != "" {
			line += w.Question + " — "
		}
		d4 = append(d4, line+w.Answer)
	}
	for _, c := range p.Causes {
		if c.Confirmed {
			d4 = append(d4, fmt.Sprintf("cause (%s): %s", c.Category, c.Description))
		}
	}
	if p.RootCause != "" {
		d4 = append(d4, "root cause: "+p.RootCause)
	}
	add(D4, strings.TrimSpace(p.RootCause) != "", d4)

	var d5 []string
	planned := 0
	for _, a := range p.Actions {
		if a.Kind != Corrective {
			continue
		}
		d5 = append(d5, fmt.Sprintf("%s %s (owner %s, due %s; check %s, target %s)",
			a.ID, a.Description, a.Owner, stamp(a.Due), orDash(a.Check.Metric), orDash(a.Check.Target)))
		if a.Check.Metric != "" && a.Check.Target != "" {
			planned++
		}
	}
	done5 := len(d5) > 0 && planned == len(d5)
	add(D5, done5, d5)

	d6, done6 := actionLines(p, Corrective, true)
	add(D6, done6, d6)

	d7, done7 := actionLines(p, Preventive, false)
	add(D7, done7, d7)

	var d8 []string
	if p.Lessons != "" {
		d8 = append(d8, "lessons: "+p.Lessons)
	}
	if p.Status == StatusClosed {
		d8 = append(d8, "closed "+stamp(p.ClosedAt))
	}
	add(D8, p.Status == StatusClosed, d8)
	return r
}

// actionLines lists the actions of kind k with their status. The step is done when there is at least
// one such action and all are verified (verifiedOnly) or at least done.
func actionLines(p *Problem, k ActionKind, verifiedOnly bool) ([]string, bool) {
	var lines []string
	n, ok := 0, 0
	for _, a := range p.Actions {
		if a.Kind != k {
			continue
		}
		n++
		line := fmt.Sprintf("%s %s: %s (owner %s, due %s)", a.ID, a.Description, a.Status, a.Owner, stamp(a.Due))
		if !a.Check.VerifiedAt.IsZero() {
			line += fmt.Sprintf("; %s: %s, verified by %s %s", a.Check.Metric, a.Check.Result, a.Check.VerifiedBy, stamp(a.Check.VerifiedAt))
		}
		lines = append(lines, line)
		switch {
		case a.Status == ActionVerified:
			ok++
		case a.Status == ActionDone && !verifiedOnly:
			ok++
		}
	}
	return lines, n > 0 && ok == n
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// String renders the report as plain text, one heading per step with [x] when it is done.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "8D report %s: %s\n", r.ProblemID, r.Title)
	for _, s := range r.Sections {
		mark := " "
		if s.Done {
			mark = "x"
		}
		fmt.Fprintf(&b, "[%s] %s %s\n", mark, s.Step, s.Title)
		for _, l := range s.Lines {
			b.WriteString("    ")
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
