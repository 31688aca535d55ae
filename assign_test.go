package redress_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/routing"
	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
)

func staff(agents ...routing.Agent) func(context.Context, string) ([]routing.Agent, error) {
	return func(_ context.Context, tenant string) ([]routing.Agent, error) {
		if tenant != "acme" {
			return nil, nil
		}
		return agents, nil
	}
}

func intakeIn(t *testing.T, f *fixture, queue, ref string) *complaint.Complaint {
	t.Helper()
	in := sample("acme", ref)
	in.Queue = queue
	c, _, err := f.desk.Intake(context.Background(), tier1, in)
	require.NoError(t, err)
	return c
}

// Least loaded within capacity: open complaints per agent come from the store, so resolving one frees
// its agent; an unavailable agent, one of another queue and one at capacity get nothing.
func TestIntakeAssignsLeastLoaded(t *testing.T) {
	f := newFixture(t, func(c *redress.Config) {
		c.Assignment = &redress.Assignment{Strategy: routing.LeastLoaded, Agents: staff(
			routing.Agent{ID: "li", Queues: []string{"after-sales"}, Tier: 1, Capacity: 2, Available: true},
			routing.Agent{ID: "wang", Queues: []string{"after-sales"}, Tier: 1, Capacity: 1, Available: true},
			routing.Agent{ID: "zhao", Queues: []string{"after-sales"}, Tier: 3, Available: false},
			routing.Agent{ID: "qian", Queues: []string{"billing"}, Tier: 1, Available: true},
		)}
	})
	var got []string
	var first *complaint.Complaint
	for i := range 4 {
		c := intakeIn(t, f, "after-sales", fmt.Sprint("as-", i))
		if i == 0 {
			first = c
		}
		got = append(got, c.Assignee)
	}
	// li and wang start empty (li first by ID), then wang (li has 1), then li; then both are full.
	assert.Equal(t, []string{"li", "wang", "li", ""}, got)

	evs, err := f.desk.Timeline(context.Background(), "acme", first.ID)
	require.NoError(t, err)
	assert.Equal(t, "li", evs[len(evs)-1].Attrs["assignee"], "the triaged event records the assignment")

	_, err = f.desk.Transition(context.Background(), redress.TransitionRequest{Tenant: "acme", ID: first.ID, Actor: tier2, Trigger: complaint.TriggerWithdraw})
	require.NoError(t, err)
	assert.Equal(t, "li", intakeIn(t, f, "after-sales", "as-after-resolve").Assignee, "a finished complaint frees its agent")
	assert.Equal(t, "qian", intakeIn(t, f, "billing", "bill-1").Assignee)
	assert.Empty(t, intakeIn(t, f, "", "no-queue").Assignee, "a complaint without a queue waits")
}

func TestIntakeAssignsRoundRobinAndBySkill(t *testing.T) {
	agents := staff(
		routing.Agent{ID: "a", Queues: []string{routing.AllQueues}, Tier: 1, Skills: []string{"delivery"}, Available: true},
		routing.Agent{ID: "b", Queues: []string{routing.AllQueues}, Tier: 1, Available: true},
	)
	f := newFixture(t, func(c *redress.Config) {
		c.Assignment = &redress.Assignment{Strategy: routing.RoundRobin, Agents: agents}
	})
	var got []string
	for i := range 3 {
		got = append(got, intakeIn(t, f, "after-sales", fmt.Sprint("rr-", i)).Assignee)
	}
	assert.Equal(t, []string{"a", "b", "a"}, got)

	loadsAsked := 0
	g := newFixture(t, func(c *redress.Config) {
		c.Assignment = &redress.Assignment{Strategy: routing.SkillBased, Agents: agents,
			Loads: func(context.Context, string) (map[string]int, error) {
				loadsAsked++
				return map[string]int{"a": 7}, nil
			}}
	})
	in := sample("acme", "skill-1")
	in.Queue, in.Category = "after-sales", "delivery"
	c, _, err := g.desk.Intake(context.Background(), tier1, in)
	require.NoError(t, err)
	assert.Equal(t, "a", c.Assignee, "only a has the delivery skill, however loaded")
	assert.Equal(t, 1, loadsAsked, "the embedder's loads are used instead of a count")
}

func TestAssignmentErrors(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { _ = st.Close() })
	_, err := redress.New(st, redress.Config{Assignment: &redress.Assignment{Strategy: routing.LeastLoaded}})
	assert.ErrorContains(t, err, "needs Agents")
	_, err = redress.New(st, redress.Config{Assignment: &redress.Assignment{Strategy: "random", Agents: staff()}})
	assert.ErrorContains(t, err, `"random"`)

	boom := errors.New("directory down")
	f := newFixture(t, func(c *redress.Config) {
		c.Assignment = &redress.Assignment{Strategy: routing.RoundRobin,
			Agents: func(context.Context, string) ([]routing.Agent, error) { return nil, boom }}
	})
	in := sample("acme", "down-1")
	in.Queue = "after-sales"
	_, _, err = f.desk.Intake(context.Background(), tier1, in)
	require.ErrorIs(t, err, boom)
	page, err := f.desk.List(context.Background(), &storage.ComplaintListParams{Tenant: "acme"})
	require.NoError(t, err)
	assert.Empty(t, page.Complaints, "a failed intake stores nothing")
}
