package rca_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress/rca"
)

func done(r rca.Report) []bool {
	out := make([]bool, len(r.Sections))
	for i, s := range r.Sections {
		out[i] = s.Done
	}
	return out
}

func TestEightDFollowsTheRecord(t *testing.T) {
	p, err := rca.New("P7", "acme", t0, rca.Analysis{Title: "Hinge cracks"})
	require.NoError(t, err)

	r := rca.EightD(p)
	require.Len(t, r.Sections, 9)
	for i, s := range r.Sections {
		assert.Equal(t, rca.Discipline(i), s.Step)
		assert.Equal(t, s.Step.Title(), s.Title)
	}
	assert.Equal(t, []bool{false, false, false, false, false, false, false, false, false}, done(r))

	require.NoError(t, p.Link(t0, "C1"))
	a := p.Analysis
	a.Statement = rca.Statement{What: "hinge cracks", Why: "door falls off", Where: "line 2", When: "since March",
		Who: "night shift", How: "crack at the pin", HowMuch: "37 units"}
	a.Whys = []rca.Why{{Question: "Why does it crack?", Answer: "pin too thin"}, {Answer: "tolerance too loose"}}
	a.Causes = []rca.Cause{{Category: rca.Material, Description: "thin pins", Confirmed: true}, {Category: rca.Man, Description: "training"}}
	a.RootCause = "tolerance too loose"
	require.NoError(t, p.Revise(t0, a))
	cont, err := p.AddAction(t0, rca.Action{Kind: rca.Containment, Description: "replace hinges", Owner: "zhao", Due: day(1)})
	require.NoError(t, err)
	corr, err := p.AddAction(t0, rca.Action{Kind: rca.Corrective, Description: "tighten tolerance", Owner: "li", Due: day(7)})
	require.NoError(t, err)

	r = rca.EightD(p)
	//                          D0    D1    D2    D3     D4    D5     D6     D7     D8
	assert.Equal(t, []bool{true, true, true, false, true, false, false, false, false}, done(r))
	assert.Equal(t, []string{"zhao, li"}, r.Sections[rca.D1].Lines)
	assert.Equal(t, []string{
		"why 1: Why does it crack? — pin too thin",
		"why 2: tolerance too loose",
		"cause (material): thin pins",
		"root cause: tolerance too loose",
	}, r.Sections[rca.D4].Lines, "only confirmed causes appear in D4")

	_, err = p.CompleteAction(day(1), cont.ID)
	require.NoError(t, err)
	_, err = p.CompleteAction(day(5), corr.ID)
	require.NoError(t, err)
	_, err = p.VerifyAction(day(20), corr.ID, rca.Verification{Metric: "cracks/week", Target: "0", Result: "0 in 2 weeks", Effective: true, By: "wang"})
	require.NoError(t, err)
	r = rca.EightD(p)
	assert.Equal(t, []bool{true, true, true, true, true, true, true, false, false}, done(r))
	assert.Equal(t, []string{"zhao, li, wang"}, r.Sections[rca.D1].Lines)
	assert.Equal(t, []string{"A2 tighten tolerance: verified (owner li, due 2026-03-09 09:00); cracks/week: 0 in 2 weeks, verified by wang 2026-03-22 09:00"},
		r.Sections[rca.D6].Lines)

	_, err = p.AddAction(day(20), rca.Action{Kind: rca.Preventive, Description: "same check on model K4", Owner: "li", Due: day(30)})
	require.NoError(t, err)
	assert.False(t, rca.EightD(p).Sections[rca.D7].Done)
	_, err = p.CompleteAction(day(25), "A3")
	require.NoError(t, err)
	_, err = p.Close(day(26))
	require.NoError(t, err)
	r = rca.EightD(p)
	assert.Equal(t, []bool{true, true, true, true, true, true, true, true, true}, done(r))
	assert.Equal(t, []string{"closed 2026-03-28 09:00"}, r.Sections[rca.D8].Lines)
}

func TestDiscipline(t *testing.T) {
	assert.Equal(t, "D4", rca.D4.String())
	assert.Equal(t, "Find the root cause", rca.D4.Title())
	assert.Equal(t, "unknown", rca.Discipline(9).Title())
	assert.Equal(t, "unknown", rca.Discipline(-1).Title())
}
