package routing

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/redresshq/redress/complaint"
)

// Strategy chooses among the agents who can take a task.
type Strategy string

// Strategies.
const (
	// RoundRobin takes eligible agents in turn, per queue, in order of agent ID.
	RoundRobin Strategy = "round_robin"
	// LeastLoaded takes the eligible agent with the fewest open complaints (ties: lowest ID).
	LeastLoaded Strategy = "least_loaded"
	// SkillBased takes, among eligible agents who have every skill the task needs, the least loaded.
	SkillBased Strategy = "skill_based"
)

// ErrStrategy is returned for a strategy Assign does not know.
var ErrStrategy = errors.New("routing: unknown assignment strategy")

// AllQueues in [Agent.Queues] makes an agent a member of every queue.
const AllQueues = "*"

// Agent is someone who can be assigned complaints.
type Agent struct {
	ID string
	// Queues the agent works in; [AllQueues] for every queue. An agent with no queues takes no task
	// that names a queue.
	Queues []string
	// Skills the agent has, matched against [Task.Skills] ("medical_device", "zh", "legal", ...).
	Skills []string
	// Tier is the agent's authorization tier; a task goes only to agents of its tier or above.
	Tier int
	// Capacity caps the agent's open complaints; 0 means no cap.
	Capacity int
	// Available is false for agents off shift or away.
	Available bool
}

func (a *Agent) inQueue(q string) bool {
	return q == "" || slices.Contains(a.Queues, q) || slices.Contains(a.Queues, AllQueues)
}

func (a *Agent) hasSkills(skills []string) bool {
	for _, s := range skills {
		if !slices.Contains(a.Skills, s) {
			return false
		}
	}
	return true
}

// Task is what needs an agent.
type Task struct {
	// Queue the task is in; "" for any queue.
	Queue string
	// Tier is the lowest authorization tier that may take the task; 0 for any.
	Tier int
	// Skills are required by [SkillBased]; the other strategies ignore them.
	Skills []string
}

// TaskFor describes complaint c as a task: its queue, its tier, and its category as the one skill
// needed. Add skills (a language, a product line) before assigning when your agents have them.
func TaskFor(c *complaint.Complaint) Task {
	t := Task{Queue: c.Queue, Tier: c.Tier}
	if c.Category != "" {
		t.Skills = []string{c.Category}
	}
	return t
}

// Assigner picks agents for tasks. Its zero value is ready to use and it is safe for concurrent use;
// only round-robin keeps state (the last agent given per queue), everything else comes in with each
// call.
type Assigner struct {
	mu   sync.Mutex
	last map[string]string
}

// Assign returns the ID of the agent who should take t, chosen by strategy among agents. loads maps
// agent IDs to their open complaints (missing means none). An agent is eligible when available, in
// the task's queue, of the task's tier or above, and under capacity.
//
// It returns a [*NoAgentError] (matching [ErrNoAgent]) when no agent is eligible, and [ErrStrategy] for
// an unknown strategy.
func (as *Assigner) Assign(strategy Strategy, t Task, agents []Agent, loads map[string]int) (string, error) {
	switch strategy {
	case RoundRobin, LeastLoaded, SkillBased:
	default:
		return "", fmt.Errorf("%w %q", ErrStrategy, strategy)
	}
	nae := &NoAgentError{Queue: t.Queue, Strategy: strategy, Agents: len(agents)}
	eligible := make([]*Agent, 0, len(agents))
	for i := range agents {
		a := &agents[i]
		load := loads[a.ID]
		switch {
		case !a.Available:
			nae.Unavailable++
		case !a.inQueue(t.Queue):
			nae.OtherQueue++
		case a.Tier < t.Tier:
			nae.TierTooLow++
		case a.Capacity > 0 && load >= a.Capacity:
			nae.AtCapacity++
		case strategy == SkillBased && !a.hasSkills(t.Skills):
			nae.MissingSkills++
		default:
			eligible = append(eligible, a)
		}
	}
	if len(eligible) == 0 {
		return "", nae
	}
	if strategy == RoundRobin {
		return as.next(t.Queue, eligible), nil
	}
	best := slices.MinFunc(eligible, func(a, b *Agent) int {
		if c := cmp.Compare(loads[a.ID], loads[b.ID]); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return best.ID, nil
}

// next gives the eligible agent after the one last given in queue, in ID order, wrapping around.
// Keying on the last ID rather than an index keeps the turn fair when agents come and go.
func (as *Assigner) next(queue string, eligible []*Agent) string {
	slices.SortFunc(eligible, func(a, b *Agent) int { return cmp.Compare(a.ID, b.ID) })
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.last == nil {
		as.last = make(map[string]string)
	}
	prev, seen := as.last[queue]
	pick := eligible[0]
	if seen {
		for _, a := range eligible {
			if a.ID > prev {
				pick = a
				break
			}
		}
	}
	as.last[queue] = pick.ID
	return pick.ID
}
