package routing

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/redresshq/redress/complaint"
)

func TestAssign(t *testing.T) {
	agents := []Agent{
		{ID: "ann", Queues: []string{"after-sales"}, Skills: []string{"zh", "medical_device"}, Tier: 1, Capacity: 5, Available: true},
		{ID: "bob", Queues: []string{"after-sales", "billing"}, Skills: []string{"en"}, Tier: 2, Capacity: 3, Available: true},
		{ID: "cai", Queues: []string{AllQueues}, Skills: []string{"zh", "en", "medical_device"}, Tier: 3, Available: true},
		{ID: "dee", Queues: []string{"after-sales"}, Skills: []string{"zh"}, Tier: 1, Capacity: 2, Available: false},
	}
	tests := []struct {
		name     string
		strategy Strategy
		task     Task
		loads    map[string]int
		want     string
	}{
		{"least loaded", LeastLoaded, Task{Queue: "after-sales"}, map[string]int{"ann": 3, "bob": 1, "cai": 2}, "bob"},
		{"least loaded ties by id", LeastLoaded, Task{Queue: "after-sales"}, nil, "ann"},
		{"capacity cap", LeastLoaded, Task{Queue: "billing"}, map[string]int{"bob": 3, "cai": 9}, "cai"},
		{"unavailable skipped", LeastLoaded, Task{Queue: "after-sales"}, map[string]int{"ann": 5, "bob": 3, "cai": 7}, "cai"},
		{"tier", LeastLoaded, Task{Queue: "after-sales", Tier: 2}, nil, "bob"},
		{"all queues", LeastLoaded, Task{Queue: "safety"}, nil, "cai"},
		{"any queue", LeastLoaded, Task{}, map[string]int{"ann": 1, "bob": 1, "cai": 1}, "ann"},
		{"skills", SkillBased, Task{Queue: "after-sales", Skills: []string{"zh", "medical_device"}}, map[string]int{"ann": 4, "cai": 1}, "cai"},
		{"skills least loaded", SkillBased, Task{Queue: "after-sales", Skills: []string{"zh"}}, map[string]int{"ann": 1, "cai": 2}, "ann"},
		{"no skills needed", SkillBased, Task{Queue: "billing"}, nil, "bob"},
		{"round robin starts lowest", RoundRobin, Task{Queue: "after-sales"}, nil, "ann"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var as Assigner
			got, err := as.Assign(tt.strategy, tt.task, agents, tt.loads)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAssignNoAgent(t *testing.T) {
	agents := []Agent{
		{ID: "a", Queues: []string{"q"}, Available: false},
		{ID: "b", Queues: []string{"other"}, Available: true},
		{ID: "c", Queues: []string{"q"}, Tier: 1, Available: true},
		{ID: "d", Queues: []string{"q"}, Tier: 3, Capacity: 1, Available: true},
		{ID: "e", Queues: []string{"q"}, Tier: 3, Skills: []string{"en"}, Available: true},
	}
	var as Assigner
	_, err := as.Assign(SkillBased, Task{Queue: "q", Tier: 2, Skills: []string{"zh"}}, agents, map[string]int{"d": 1})
	require.ErrorIs(t, err, ErrNoAgent)
	var nae *NoAgentError
	require.ErrorAs(t, err, &nae)
	assert.Equal(t, NoAgentError{Queue: "q", Strategy: SkillBased, Agents: 5, Unavailable: 1, OtherQueue: 1, TierTooLow: 1, AtCapacity: 1, MissingSkills: 1}, *nae)
	assert.Contains(t, err.Error(), `queue "q"`)

	_, err = as.Assign(RoundRobin, Task{Queue: "q"}, nil, nil)
	assert.ErrorIs(t, err, ErrNoAgent)

	_, err = as.Assign("random", Task{}, agents, nil)
	assert.ErrorIs(t, err, ErrStrategy)
	assert.False(t, errors.Is(err, ErrNoAgent))
}

func TestAssignRoundRobinTurns(t *testing.T) {
	agents := []Agent{
		{ID: "c", Queues: []string{"q"}, Available: true},
		{ID: "a", Queues: []string{"q"}, Available: true},
		{ID: "b", Queues: []string{"q"}, Available: true},
	}
	var as Assigner
	var got []string
	for range 5 {
		id, err := as.Assign(RoundRobin, Task{Queue: "q"}, agents, nil)
		require.NoError(t, err)
		got = append(got, id)
	}
	assert.Equal(t, []string{"a", "b", "c", "a", "b"}, got)

	// b goes away: the turn passes to c, not back to a.
	agents[2].Available = false
	id, err := as.Assign(RoundRobin, Task{Queue: "q"}, agents, nil)
	require.NoError(t, err)
	assert.Equal(t, "c", id)

	// Queues keep separate turns.
	other := []Agent{{ID: "a", Queues: []string{"r"}, Available: true}, {ID: "z", Queues: []string{"r"}, Available: true}}
	id, err = as.Assign(RoundRobin, Task{Queue: "r"}, other, nil)
	require.NoError(t, err)
	assert.Equal(t, "a", id)
}

// TestAssignRoundRobinIsFair: over k rounds of n eligible agents, each agent gets exactly k tasks, even
// when the calls race.
func TestAssignRoundRobinIsFair(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(t, "agents")
		k := rapid.IntRange(1, 6).Draw(t, "rounds")
		agents := make([]Agent, n)
		for i := range agents {
			agents[i] = Agent{ID: fmt.Sprintf("agent-%02d", i), Queues: []string{"q"}, Available: true}
		}
		var as Assigner
		var mu sync.Mutex
		counts := map[string]int{}
		var wg sync.WaitGroup
		for range n * k {
			wg.Go(func() {
				id, err := as.Assign(RoundRobin, Task{Queue: "q"}, agents, nil)
				if err != nil {
					panic(err)
				}
				mu.Lock()
				counts[id]++
				mu.Unlock()
			})
		}
		wg.Wait()
		for _, a := range agents {
			assert.Equal(t, k, counts[a.ID], a.ID)
		}
	})
}

// TestAssignPicksEligible: whatever the agents, the chosen one is eligible, and least-loaded never
// picks an agent with more open complaints than another eligible one.
func TestAssignPicksEligible(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 6).Draw(t, "n")
		agents := make([]Agent, n)
		loads := map[string]int{}
		for i := range agents {
			agents[i] = Agent{
				ID:        fmt.Sprintf("a%d", i),
				Queues:    rapid.SliceOfN(rapid.SampledFrom([]string{"q", "r", AllQueues}), 0, 2).Draw(t, "queues"),
				Skills:    rapid.SliceOfN(rapid.SampledFrom([]string{"zh", "en"}), 0, 2).Draw(t, "skills"),
				Tier:      rapid.IntRange(0, 3).Draw(t, "tier"),
				Capacity:  rapid.IntRange(0, 3).Draw(t, "cap"),
				Available: rapid.Bool().Draw(t, "available"),
			}
			loads[agents[i].ID] = rapid.IntRange(0, 4).Draw(t, "load")
		}
		task := Task{Queue: "q", Tier: rapid.IntRange(0, 3).Draw(t, "ttier"), Skills: rapid.SliceOfN(rapid.SampledFrom([]string{"zh", "en"}), 0, 1).Draw(t, "tskills")}
		strategy := rapid.SampledFrom([]Strategy{RoundRobin, LeastLoaded, SkillBased}).Draw(t, "strategy")
		eligible := func(a Agent) bool {
			ok := a.Available && a.inQueue(task.Queue) && a.Tier >= task.Tier && (a.Capacity == 0 || loads[a.ID] < a.Capacity)
			return ok && (strategy != SkillBased || a.hasSkills(task.Skills))
		}
		var as Assigner
		id, err := as.Assign(strategy, task, agents, loads)
		var any bool
		for _, a := range agents {
			any = any || eligible(a)
		}
		if !any {
			require.ErrorIs(t, err, ErrNoAgent)
			return
		}
		require.NoError(t, err)
		var chosen Agent
		for _, a := range agents {
			if a.ID == id {
				chosen = a
			}
		}
		require.True(t, eligible(chosen), "chose %s", id)
		if strategy != RoundRobin {
			for _, a := range agents {
				if eligible(a) {
					assert.LessOrEqual(t, loads[id], loads[a.ID])
				}
			}
		}
	})
}

func TestTaskFor(t *testing.T) {
	assert.Equal(t, Task{Queue: "safety", Tier: 3, Skills: []string{"medical_device"}},
		TaskFor(&complaint.Complaint{Queue: "safety", Tier: 3, Category: "medical_device"}))
	assert.Equal(t, Task{Queue: "q"}, TaskFor(&complaint.Complaint{Queue: "q"}))
}
