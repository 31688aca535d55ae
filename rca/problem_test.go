package rca_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/rca"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

func newProblem(t *testing.T) *rca.Problem {
	t.Helper()
	p, err := rca.New("P1", "acme", t0, rca.Analysis{Title: "Hinge cracks on model K3"}, "C1", "C2")
	require.NoError(t, err)
	return p
}

func validationErr(t *testing.T, err error) *rca.ValidationError {
	t.Helper()
	require.ErrorIs(t, err, rca.ErrInvalid)
	var ve *rca.ValidationError
	require.True(t, errors.As(err, &ve), "want *ValidationError, got %T", err)
	return ve
}

func TestNew(t *testing.T) {
	p := newProblem(t)
	assert.Equal(t, rca.StatusOpen, p.Status)
	assert.Equal(t, int64(1), p.Version)
	assert.Equal(t, t0, p.CreatedAt)
	assert.Equal(t, t0, p.UpdatedAt)
	assert.Equal(t, []string{"C1", "C2"}, p.Complaints)
	require.NoError(t, p.Validate())
}

func TestNewNormalisesTime(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	p, err := rca.New("P1", "acme", time.Date(2026, 3, 2, 17, 0, 0, 1234567, loc), rca.Analysis{Title: "x"})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 2, 9, 0, 0, 1234000, time.UTC), p.CreatedAt)
}

func TestNewInvalid(t *testing.T) {
	tests := []struct {
		name       string
		id, tenant string
		now        time.Time
		a          rca.Analysis
		complaints []string
		field      string
		code       string
	}{
		{"no id", "", "acme", t0, rca.Analysis{Title: "x"}, nil, "id", "required"},
		{"no tenant", "P1", "", t0, rca.Analysis{Title: "x"}, nil, "tenant", "required"},
		{"no time", "P1", "acme", time.Time{}, rca.Analysis{Title: "x"}, nil, "created_at", "required"},
		{"no title", "P1", "acme", t0, rca.Analysis{Title: "  "}, nil, "title", "required"},
		{"long title", "P1", "acme", t0, rca.Analysis{Title: strings.Repeat("铰", rca.MaxTitleLen+1)}, nil, "title", "too_long"},
		{"bad utf8", "P1", "acme", t0, rca.Analysis{Title: "a\xffb"}, nil, "title", "invalid"},
		{"nul", "P1", "acme", t0, rca.Analysis{Title: "a\x00b"}, nil, "title", "invalid"},
		{"empty complaint id", "P1", "acme", t0, rca.Analysis{Title: "x"}, []string{"C1", ""}, "complaints[1]", "required"},
		{"duplicate complaint", "P1", "acme", t0, rca.Analysis{Title: "x"}, []string{"C1", "C1"}, "complaints[1]", "duplicate"},
		{"bad 6M", "P1", "acme", t0, rca.Analysis{Title: "x", Causes: []rca.Cause{{Category: "money", Description: "d"}}}, nil, "causes[0].category", "invalid"},
		{"empty cause", "P1", "acme", t0, rca.Analysis{Title: "x", Causes: []rca.Cause{{Category: rca.Man}}}, nil, "causes[0].description", "required"},
		{"why without answer", "P1", "acme", t0, rca.Analysis{Title: "x", Whys: []rca.Why{{Question: "why?"}}}, nil, "whys[0].answer", "required"},
		{"empty team member", "P1", "acme", t0, rca.Analysis{Title: "x", Team: []string{""}}, nil, "team[0]", "required"},
		{"too many whys", "P1", "acme", t0, rca.Analysis{Title: "x", Whys: make([]rca.Why, rca.MaxWhys+1)}, nil, "whys", "too_many"},
		{"long statement", "P1", "acme", t0, rca.Analysis{Title: "x", Statement: rca.Statement{HowMuch: strings.Repeat("x", rca.MaxTextLen+1)}}, nil, "statement.how_much", "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := rca.New(tt.id, tt.tenant, tt.now, tt.a, tt.complaints...)
			assert.Nil(t, p)
			ve := validationErr(t, err)
			assert.True(t, ve.Has(tt.field, tt.code), "want %s %s in %v", tt.field, tt.code, ve.Fields)
			assert.Contains(t, err.Error(), tt.field)
		})
	}
}

func TestNewDoesNotAliasInput(t *testing.T) {
	a := rca.Analysis{Title: "x", Whys: []rca.Why{{Answer: "one"}}}
	ids := []string{"C1"}
	p, err := rca.New("P1", "acme", t0, a, ids...)
	require.NoError(t, err)
	a.Whys[0].Answer = "changed"
	ids[0] = "changed"
	assert.Equal(t, "one", p.Whys[0].Answer)
	assert.Equal(t, "C1", p.Complaints[0])
}

func TestRevise(t *testing.T) {
	p := newProblem(t)
	a := p.Analysis
	a.Statement = rca.Statement{What: "hinge cracks", Where: "Suzhou plant line 2"}
	a.Whys = append(a.Whys, rca.Why{Question: "Why does the hinge crack?", Answer: "the pin is too thin"})
	a.RootCause = "drawing tolerance too loose"
	require.NoError(t, p.Revise(day(1), a))
	assert.Equal(t, "hinge cracks", p.Statement.What)
	assert.Equal(t, "drawing tolerance too loose", p.RootCause)
	assert.Equal(t, day(1), p.UpdatedAt)
	assert.Equal(t, []string{"why", "when", "who", "how", "how_much"}, p.Statement.Missing())

	before := p.Clone()
	bad := p.Analysis
	bad.Causes = []rca.Cause{{Category: "luck", Description: "bad luck"}}
	err := p.Revise(day(2), bad)
	validationErr(t, err)
	assert.Equal(t, before, p, "a failed revise leaves the problem unchanged")
}

func TestLink(t *testing.T) {
	p := newProblem(t)
	require.NoError(t, p.Link(day(1), "C2", "C3", "C3"))
	assert.Equal(t, []string{"C1", "C2", "C3"}, p.Complaints)

	before := p.Clone()
	validationErr(t, p.Link(day(2), "C4", ""))
	assert.Equal(t, before, p)
}

func TestFishbone(t *testing.T) {
	p := newProblem(t)
	a := p.Analysis
	a.Causes = []rca.Cause{
		{Category: rca.Material, Description: "pin steel from a new supplier"},
		{Category: rca.Man, Description: "new operator on night shift"},
		{Category: rca.Material, Description: "pin diameter at lower tolerance", Confirmed: true},
	}
	require.NoError(t, p.Revise(day(1), a))
	bones := p.Fishbone()
	require.Len(t, bones, 6)
	got := map[rca.SixM][]string{}
	for i, b := range bones {
		assert.Equal(t, rca.SixMs[i], b.Category)
		for _, c := range b.Causes {
			got[b.Category] = append(got[b.Category], c.Description)
		}
	}
	assert.Equal(t, map[rca.SixM][]string{
		rca.Material: {"pin steel from a new supplier", "pin diameter at lower tolerance"},
		rca.Man:      {"new operator on night shift"},
	}, got)
}

// closable returns a problem with a root cause and one verified corrective action.
func closable(t *testing.T) *rca.Problem {
	t.Helper()
	p := newProblem(t)
	a := p.Analysis
	a.RootCause = "pin too thin"
	require.NoError(t, p.Revise(t0, a))
	act, err := p.AddAction(t0, rca.Action{Kind: rca.Corrective, Description: "thicker pin", Owner: "li", Due: day(7)})
	require.NoError(t, err)
	_, err = p.CompleteAction(day(5), act.ID)
	require.NoError(t, err)
	_, err = p.VerifyAction(day(30), act.ID, rca.Verification{Metric: "hinge complaints/week", Target: "<2", Result: "0 for 4 weeks", Effective: true, By: "wang"})
	require.NoError(t, err)
	return p
}

func TestClose(t *testing.T) {
	p := closable(t)
	ids, err := p.Close(day(31))
	require.NoError(t, err)
	assert.Equal(t, []string{"C1", "C2"}, ids)
	assert.Equal(t, rca.StatusClosed, p.Status)
	assert.Equal(t, day(31), p.ClosedAt)
	require.NoError(t, p.Validate())

	_, err = p.Close(day(32))
	assert.ErrorIs(t, err, rca.ErrClosed)
	_, err = p.AddAction(day(32), rca.Action{Kind: rca.Preventive, Description: "x", Owner: "li", Due: day(40)})
	assert.ErrorIs(t, err, rca.ErrClosed)
	assert.ErrorIs(t, p.Revise(day(32), p.Analysis), rca.ErrClosed)
	assert.ErrorIs(t, p.Link(day(32), "C9"), rca.ErrClosed)

	require.NoError(t, p.Reopen(day(40)))
	assert.Equal(t, rca.StatusOpen, p.Status)
	assert.True(t, p.ClosedAt.IsZero())
	assert.ErrorIs(t, p.Reopen(day(41)), rca.ErrNotClosed)
}

func TestCloseRefused(t *testing.T) {
	p := newProblem(t)
	a := p.Analysis
	a.RootCause = "pin too thin"
	require.NoError(t, p.Revise(t0, a))
	add := func(k rca.ActionKind, desc string) string {
		act, err := p.AddAction(t0, rca.Action{Kind: k, Description: desc, Owner: "li", Due: day(7)})
		require.NoError(t, err)
		return act.ID
	}
	cont := add(rca.Containment, "replace hinges for affected customers")
	c1 := add(rca.Corrective, "thicker pin")
	c2 := add(rca.Corrective, "tighter drawing tolerance")
	c3 := add(rca.Corrective, "incoming inspection of pins")
	_, err := p.CompleteAction(day(1), cont)
	require.NoError(t, err)
	_, err = p.CompleteAction(day(2), c1)
	require.NoError(t, err)
	_, err = p.VerifyAction(day(3), c1, rca.Verification{Metric: "m", Target: "t", Result: "r", Effective: true, By: "wang"})
	require.NoError(t, err)
	_, err = p.CompleteAction(day(2), c2)
	require.NoError(t, err)
	_, err = p.VerifyAction(day(3), c2, rca.Verification{Metric: "m", Target: "t", Result: "still cracking", Effective: false, By: "wang"})
	require.NoError(t, err)

	before := p.Clone()
	ids, err := p.Close(day(4))
	assert.Nil(t, ids)
	require.ErrorIs(t, err, rca.ErrNotClosable)
	var ce *rca.CloseError
	require.ErrorAs(t, err, &ce)
	var unverified []string
	for _, a := range ce.Unverified {
		unverified = append(unverified, a.ID+"="+string(a.Status))
	}
	assert.Equal(t, []string{c2 + "=ineffective", c3 + "=planned"}, unverified)
	assert.False(t, ce.NoCorrective)
	assert.False(t, ce.NoRootCause)
	assert.Equal(t, "rca: problem cannot close: corrective actions not verified effective: A3 (ineffective), A4 (planned)", err.Error())
	assert.Equal(t, before, p, "a refused close changes nothing")
}

func TestCloseNeedsRootCauseAndCorrectiveAction(t *testing.T) {
	p := newProblem(t)
	_, err := p.AddAction(t0, rca.Action{Kind: rca.Containment, Description: "refund", Owner: "li", Due: day(1)})
	require.NoError(t, err)
	_, err = p.Close(day(2))
	var ce *rca.CloseError
	require.ErrorAs(t, err, &ce)
	assert.True(t, ce.NoRootCause)
	assert.True(t, ce.NoCorrective)
	assert.Empty(t, ce.Unverified)
	assert.Equal(t, rca.StatusOpen, p.Status)
}

func TestValidateStoredRecord(t *testing.T) {
	p := closable(t)
	p.Actions[0].Status = "lost"
	p.Actions = append(p.Actions, p.Actions[0])
	p.Status = "paused"
	ve := validationErr(t, p.Validate())
	assert.True(t, ve.Has("actions[0].status", "invalid"))
	assert.True(t, ve.Has("actions[1].id", "duplicate"))
	assert.True(t, ve.Has("status", "invalid"))
}

func TestClone(t *testing.T) {
	p := closable(t)
	c := p.Clone()
	c.Actions[0].Owner = "someone else"
	c.Complaints[0] = "X"
	c.Team = append(c.Team, "z")
	assert.Equal(t, "li", p.Actions[0].Owner)
	assert.Equal(t, "C1", p.Complaints[0])
	assert.Empty(t, p.Team)
	assert.Nil(t, (*rca.Problem)(nil).Clone())
}

func TestJSONRoundTrip(t *testing.T) {
	p := closable(t)
	a := p.Analysis
	a.Statement.What = "hinge cracks"
	a.Causes = []rca.Cause{{Category: rca.Measurement, Description: "gauge out of calibration", Confirmed: true}}
	a.Whys = []rca.Why{{Question: "why?", Answer: "because"}}
	require.NoError(t, p.Revise(day(30), a))
	_, err := p.Close(day(31))
	require.NoError(t, err)

	b, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"title":"Hinge cracks on model K3"`, "the analysis is flattened into the record")
	var back rca.Problem
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, p, &back)
}
