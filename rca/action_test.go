package rca_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/rca"
)

func TestAddAction(t *testing.T) {
	p := newProblem(t)
	a, err := p.AddAction(day(1), rca.Action{
		Kind: rca.Containment, Description: "quarantine batch 2403", Owner: "zhao", Due: day(2),
		Status: rca.ActionVerified, DoneAt: day(1), // ignored
		Check: rca.Check{Metric: "units shipped from batch", Target: "0", Result: "ignored", Effective: true},
	})
	require.NoError(t, err)
	assert.Equal(t, "A1", a.ID)
	assert.Equal(t, rca.ActionPlanned, a.Status)
	assert.Equal(t, day(1), a.CreatedAt)
	assert.True(t, a.DoneAt.IsZero())
	assert.Equal(t, rca.Check{Metric: "units shipped from batch", Target: "0"}, a.Check)
	assert.Equal(t, []rca.Action{a}, p.Actions)
	assert.Equal(t, day(1), p.UpdatedAt)
	assert.Equal(t, int64(1), p.Version, "the store, not the operation, counts versions")

	b, err := p.AddAction(day(1), rca.Action{ID: "A3", Kind: rca.Corrective, Description: "d", Owner: "o", Due: day(9)})
	require.NoError(t, err)
	assert.Equal(t, "A3", b.ID)
	c, err := p.AddAction(day(1), rca.Action{Kind: rca.Preventive, Description: "d", Owner: "o", Due: day(9)})
	require.NoError(t, err)
	assert.Equal(t, "A4", c.ID, "generated IDs skip taken ones")
}

func TestAddActionInvalid(t *testing.T) {
	good := rca.Action{Kind: rca.Corrective, Description: "thicker pin", Owner: "li", Due: day(7)}
	tests := []struct {
		name   string
		change func(*rca.Action)
		field  string
		code   string
	}{
		{"no owner", func(a *rca.Action) { a.Owner = "" }, "actions[1].owner", "required"},
		{"blank owner", func(a *rca.Action) { a.Owner = " \t" }, "actions[1].owner", "required"},
		{"no due date", func(a *rca.Action) { a.Due = time.Time{} }, "actions[1].due", "required"},
		{"no description", func(a *rca.Action) { a.Description = "" }, "actions[1].description", "required"},
		{"unknown kind", func(a *rca.Action) { a.Kind = "temporary" }, "actions[1].kind", "invalid"},
		{"no kind", func(a *rca.Action) { a.Kind = "" }, "actions[1].kind", "invalid"},
		{"long owner", func(a *rca.Action) { a.Owner = strings.Repeat("李", rca.MaxShortLen+1) }, "actions[1].owner", "too_long"},
		{"taken id", func(a *rca.Action) { a.ID = "A1" }, "actions[1].id", "duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProblem(t)
			_, err := p.AddAction(t0, good)
			require.NoError(t, err)
			before := p.Clone()
			a := good
			tt.change(&a)
			got, err := p.AddAction(day(1), a)
			ve := validationErr(t, err)
			assert.True(t, ve.Has(tt.field, tt.code), "want %s %s in %v", tt.field, tt.code, ve.Fields)
			assert.Equal(t, rca.Action{}, got)
			assert.Equal(t, before, p, "nothing stored")
		})
	}

	t.Run("owner and due both missing", func(t *testing.T) {
		p := newProblem(t)
		_, err := p.AddAction(t0, rca.Action{Kind: rca.Corrective, Description: "d"})
		ve := validationErr(t, err)
		assert.True(t, ve.Has("actions[0].owner", "required"))
		assert.True(t, ve.Has("actions[0].due", "required"))
		assert.Len(t, ve.Fields, 2)
	})
}

func TestActionTransitions(t *testing.T) {
	verify := func(eff bool) func(*rca.Problem, string) (rca.Action, error) {
		return func(p *rca.Problem, id string) (rca.Action, error) {
			return p.VerifyAction(day(3), id, rca.Verification{Metric: "m", Target: "t", Result: "r", Effective: eff, By: "wang"})
		}
	}
	ops := map[string]func(*rca.Problem, string) (rca.Action, error){
		"start":    func(p *rca.Problem, id string) (rca.Action, error) { return p.StartAction(day(1), id) },
		"complete": func(p *rca.Problem, id string) (rca.Action, error) { return p.CompleteAction(day(2), id) },
		"verify":   verify(true),
		"reject":   verify(false),
		"rework":   func(p *rca.Problem, id string) (rca.Action, error) { return p.ReworkAction(day(4), id, day(20)) },
	}
	// reach brings a fresh action to status s.
	reach := map[rca.ActionStatus][]string{
		rca.ActionPlanned:     nil,
		rca.ActionInProgress:  {"start"},
		rca.ActionDone:        {"start", "complete"},
		rca.ActionVerified:    {"complete", "verify"},
		rca.ActionIneffective: {"complete", "reject"},
	}
	want := map[rca.ActionStatus]map[string]rca.ActionStatus{
		rca.ActionPlanned:     {"start": rca.ActionInProgress, "complete": rca.ActionDone},
		rca.ActionInProgress:  {"complete": rca.ActionDone},
		rca.ActionDone:        {"verify": rca.ActionVerified, "reject": rca.ActionIneffective},
		rca.ActionVerified:    {},
		rca.ActionIneffective: {"rework": rca.ActionInProgress},
	}
	for from, path := range reach {
		for op, fn := range ops {
			t.Run(fmt.Sprintf("%s/%s", from, op), func(t *testing.T) {
				p := newProblem(t)
				a, err := p.AddAction(t0, rca.Action{Kind: rca.Corrective, Description: "d", Owner: "li", Due: day(7)})
				require.NoError(t, err)
				for _, step := range path {
					_, err := ops[step](p, a.ID)
					require.NoError(t, err)
				}
				require.Equal(t, from, p.Actions[0].Status)
				before := p.Clone()
				got, err := fn(p, a.ID)
				to, ok := want[from][op]
				if !ok {
					require.ErrorIs(t, err, rca.ErrActionState)
					var se *rca.ActionStateError
					require.ErrorAs(t, err, &se)
					wantOp := op
					if op == "reject" {
						wantOp = "verify"
					}
					assert.Equal(t, rca.ActionStateError{Action: "A1", Status: from, Op: wantOp}, *se)
					assert.Equal(t, before, p)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, to, got.Status)
				assert.Equal(t, got, p.Actions[0])
			})
		}
	}
}

func TestActionTimestampsAndChecks(t *testing.T) {
	p := newProblem(t)
	a, err := p.AddAction(t0, rca.Action{Kind: rca.Corrective, Description: "d", Owner: "li", Due: day(7),
		Check: rca.Check{Metric: "cracked hinges per 1000", Target: "< 1"}})
	require.NoError(t, err)
	a, err = p.CompleteAction(day(2), a.ID)
	require.NoError(t, err)
	assert.Equal(t, day(2), a.StartedAt, "completing a planned action starts it too")
	assert.Equal(t, day(2), a.DoneAt)

	a, err = p.VerifyAction(day(9), a.ID, rca.Verification{Result: "3 per 1000", Effective: false, By: "wang"})
	require.NoError(t, err)
	assert.Equal(t, rca.ActionIneffective, a.Status)
	assert.Equal(t, rca.Check{Metric: "cracked hinges per 1000", Target: "< 1", Result: "3 per 1000", VerifiedBy: "wang", VerifiedAt: day(9)}, a.Check)

	a, err = p.ReworkAction(day(10), a.ID, day(24))
	require.NoError(t, err)
	assert.Equal(t, rca.ActionInProgress, a.Status)
	assert.Equal(t, day(24), a.Due)
	assert.Equal(t, day(10), a.StartedAt)
	assert.True(t, a.DoneAt.IsZero())
	assert.Equal(t, rca.Check{Metric: "cracked hinges per 1000", Target: "< 1"}, a.Check)
}

func TestVerifyActionInvalid(t *testing.T) {
	p := newProblem(t)
	a, err := p.AddAction(t0, rca.Action{Kind: rca.Corrective, Description: "d", Owner: "li", Due: day(7)})
	require.NoError(t, err)
	_, err = p.CompleteAction(day(1), a.ID)
	require.NoError(t, err)
	before := p.Clone()
	_, err = p.VerifyAction(day(2), a.ID, rca.Verification{Effective: true})
	ve := validationErr(t, err)
	for _, f := range []string{"metric", "target", "result", "verified_by"} {
		assert.True(t, ve.Has("actions[0].check."+f, "required"), f)
	}
	assert.Equal(t, before, p)

	_, err = p.ReworkAction(day(2), a.ID, day(9))
	assert.ErrorIs(t, err, rca.ErrActionState)
	_, err = p.VerifyAction(day(2), a.ID, rca.Verification{Metric: "m", Target: "t", Result: "r", By: "b"})
	require.NoError(t, err)
	_, err = p.ReworkAction(day(2), a.ID, time.Time{})
	validationErr(t, err)
	assert.Equal(t, rca.ActionIneffective, p.Actions[0].Status)
}

func TestUnknownAction(t *testing.T) {
	p := newProblem(t)
	_, err := p.StartAction(t0, "A9")
	require.ErrorIs(t, err, rca.ErrNoAction)
	assert.Contains(t, err.Error(), `"A9"`)
	_, err = p.CompleteAction(t0, "A9")
	assert.ErrorIs(t, err, rca.ErrNoAction)
	_, err = p.VerifyAction(t0, "A9", rca.Verification{})
	assert.ErrorIs(t, err, rca.ErrNoAction)
	_, err = p.ReworkAction(t0, "A9", day(1))
	assert.ErrorIs(t, err, rca.ErrNoAction)
}

func TestOverdue(t *testing.T) {
	p := newProblem(t)
	add := func(kind rca.ActionKind, due time.Time) string {
		a, err := p.AddAction(t0, rca.Action{Kind: kind, Description: "d", Owner: "li", Due: due})
		require.NoError(t, err)
		return a.ID
	}
	a1 := add(rca.Containment, day(1))
	a2 := add(rca.Corrective, day(5))
	a3 := add(rca.Corrective, day(3))
	a4 := add(rca.Preventive, day(3))
	a5 := add(rca.Preventive, day(10))
	_, err := p.CompleteAction(day(2), a4)
	require.NoError(t, err)
	_, err = p.StartAction(day(2), a3)
	require.NoError(t, err)

	ids := func(as []rca.Action) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	assert.Empty(t, p.Overdue(t0))
	assert.Equal(t, []string{a1}, ids(p.Overdue(day(1))), "due at now counts as come")
	assert.Equal(t, []string{a1, a3}, ids(p.Overdue(day(4))), "done actions are not overdue")
	assert.Equal(t, []string{a1, a3, a2}, ids(p.Overdue(day(6))))
	assert.Equal(t, []string{a3, a2}, ids(p.OverdueSince(day(3), day(6))))

	next, ok := p.NextDue(t0)
	require.True(t, ok)
	assert.Equal(t, day(1), next)
	next, ok = p.NextDue(day(1))
	require.True(t, ok)
	assert.Equal(t, day(3), next, "the done action due on day 3 no longer counts, the started one does")
	next, ok = p.NextDue(day(5))
	require.True(t, ok)
	assert.Equal(t, day(10), next)
	_, ok = p.NextDue(day(10))
	assert.False(t, ok)
	_ = a5
}

// TestOverdueEscalatesEachDueOnce drives the timer protocol documented on OverdueSince: every due date
// is reported exactly once, however the timer firings fall.
func TestOverdueEscalatesEachDueOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p, err := rca.New("P1", "acme", t0, rca.Analysis{Title: "x"})
		require.NoError(t, err)
		n := rapid.IntRange(1, 8).Draw(t, "actions")
		for i := 0; i < n; i++ {
			h := rapid.IntRange(1, 100).Draw(t, "dueHour")
			_, err := p.AddAction(t0, rca.Action{Kind: rca.Corrective, Description: "d", Owner: "o", Due: t0.Add(time.Duration(h) * time.Hour)})
			require.NoError(t, err)
		}
		reported := map[string]int{}
		timer, ok := p.NextDue(t0)
		for ok {
			lag := rapid.IntRange(0, 30).Draw(t, "lagHours")
			now := timer.Add(time.Duration(lag) * time.Hour)
			for _, a := range p.OverdueSince(timer, now) {
				reported[a.ID]++
			}
			timer, ok = p.NextDue(now)
		}
		assert.Len(t, reported, n)
		for id, c := range reported {
			assert.Equal(t, 1, c, "action %s reported %d times", id, c)
		}
	})
}

// TestCloseProperty runs random operation sequences: a failed operation never changes the problem, and
// Close succeeds exactly when the root cause is set and every corrective action (at least one) is
// verified.
func TestCloseProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p, err := rca.New("P1", "acme", t0, rca.Analysis{Title: "x"}, "C1")
		require.NoError(t, err)
		now := t0
		steps := rapid.IntRange(1, 40).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			now = now.Add(time.Hour)
			before := p.Clone()
			id := fmt.Sprintf("A%d", rapid.IntRange(1, 5).Draw(t, "id"))
			var err error
			switch op := rapid.IntRange(0, 7).Draw(t, "op"); op {
			case 0:
				_, err = p.AddAction(now, rca.Action{
					Kind:        rapid.SampledFrom([]rca.ActionKind{rca.Containment, rca.Corrective, rca.Preventive, "bogus"}).Draw(t, "kind"),
					Description: "d",
					Owner:       rapid.SampledFrom([]string{"", "li"}).Draw(t, "owner"),
					Due:         now.Add(24 * time.Hour),
				})
			case 1:
				_, err = p.StartAction(now, id)
			case 2:
				_, err = p.CompleteAction(now, id)
			case 3:
				_, err = p.VerifyAction(now, id, rca.Verification{Metric: "m", Target: "t", Result: "r", By: "b", Effective: rapid.Bool().Draw(t, "effective")})
			case 4:
				_, err = p.ReworkAction(now, id, now.Add(48*time.Hour))
			case 5:
				a := p.Analysis
				a.RootCause = rapid.SampledFrom([]string{"", "cause"}).Draw(t, "root")
				err = p.Revise(now, a)
			case 6:
				err = p.Reopen(now)
			case 7:
				wantOK := p.Status == rca.StatusOpen && p.RootCause != ""
				corrective := 0
				for _, a := range p.Actions {
					if a.Kind == rca.Corrective {
						corrective++
						wantOK = wantOK && a.Status == rca.ActionVerified
					}
				}
				wantOK = wantOK && corrective > 0
				var ids []string
				ids, err = p.Close(now)
				assert.Equal(t, wantOK, err == nil, "close: %v", err)
				if err == nil {
					assert.Equal(t, []string{"C1"}, ids)
				}
			}
			if err != nil {
				assert.Equal(t, before, p, "failed op changed the problem: %v", err)
			}
			require.NoError(t, p.Validate())
		}
	})
}

func TestReportOverdueReportsEachDueDateOnce(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	p, err := rca.New("P1", "acme", t0, rca.Analysis{Title: "Hinge cracks"}, "C1")
	require.NoError(t, err)
	for i, due := range []time.Duration{24 * time.Hour, 48 * time.Hour, 72 * time.Hour} {
		_, err := p.AddAction(t0, rca.Action{Kind: rca.Corrective, Description: fmt.Sprintf("fix %d", i), Owner: "qa", Due: t0.Add(due)})
		require.NoError(t, err)
	}
	next, ok := p.NextReport()
	require.True(t, ok)
	assert.Equal(t, t0.Add(24*time.Hour), next)

	assert.Nil(t, p.ReportOverdue(t0.Add(time.Hour)), "nothing due yet")
	got := p.ReportOverdue(t0.Add(50 * time.Hour))
	require.Len(t, got, 2)
	assert.Equal(t, "fix 0", got[0].Description)
	assert.Equal(t, "fix 1", got[1].Description)
	assert.Nil(t, p.ReportOverdue(t0.Add(51*time.Hour)), "already reported")
	next, ok = p.NextReport()
	require.True(t, ok)
	assert.Equal(t, t0.Add(72*time.Hour), next)

	_, err = p.StartAction(t0.Add(52*time.Hour), got[0].ID)
	require.NoError(t, err)
	got = p.ReportOverdue(t0.Add(80 * time.Hour))
	require.Len(t, got, 1)
	assert.Equal(t, "fix 2", got[0].Description)
	_, ok = p.NextReport()
	assert.False(t, ok, "every open action reported")
}
