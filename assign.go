package redress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/routing"
	"github.com/redresshq/redress/storage"
)

// Assignment gives complaints to agents at intake. The staff directory stays with the embedder (it
// knows who is on shift); the Desk asks for it on each intake and chooses with routing.Assigner.
type Assignment struct {
	// Strategy is routing.RoundRobin, routing.LeastLoaded or routing.SkillBased.
	Strategy routing.Strategy
	// Agents returns the tenant's agents as they are now: queues, skills, tier, capacity, availability.
	Agents func(ctx context.Context, tenant string) ([]routing.Agent, error)
	// Loads, when set, returns the open complaints per agent ID (a CRM that already tracks workload
	// answers without a query). Nil counts them in the store: open complaints grouped by assignee,
	// a count over the tenant's complaints, asked only when the strategy or a capacity cap needs it.
	Loads func(ctx context.Context, tenant string) (map[string]int, error)
	// Task, when set, describes a complaint as a task (its queue, tier and the skills it needs);
	// nil uses routing.TaskFor (the category is the one skill).
	Task func(c *complaint.Complaint) routing.Task
}

func (a *Assignment) validate() error {
	switch {
	case a.Agents == nil:
		return errors.New("redress: Config.Assignment needs Agents")
	case a.Strategy != routing.RoundRobin && a.Strategy != routing.LeastLoaded && a.Strategy != routing.SkillBased:
		return fmt.Errorf("redress: Config.Assignment.Strategy %q is not round_robin, least_loaded or skill_based", a.Strategy)
	}
	return nil
}

// assign picks an agent for c, which triage has routed, when it has a queue and no assignee yet. It
// returns the agent's ID, or "" when nobody is eligible (the complaint then waits in its queue; the
// reason is logged).
func (d *Desk) assign(ctx context.Context, tx storage.ReadTx, c *complaint.Complaint) (string, error) {
	a := d.cfg.Assignment
	if a == nil || c.Assignee != "" || c.Queue == "" {
		return "", nil
	}
	agents, err := a.Agents(ctx, c.Tenant)
	if err != nil {
		return "", fmt.Errorf("redress: listing agents for assignment: %w", err)
	}
	if len(agents) == 0 {
		return "", nil
	}
	task := routing.TaskFor(c)
	if a.Task != nil {
		task = a.Task(c)
	}
	var loads map[string]int
	if a.Strategy != routing.RoundRobin || anyCapacity(agents) {
		if loads, err = d.loads(ctx, tx, c.Tenant); err != nil {
			return "", err
		}
	}
	id, err := d.assigner.Assign(a.Strategy, task, agents, loads)
	if errors.Is(err, routing.ErrNoAgent) {
		d.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "no agent to assign", slog.String("tenant", c.Tenant),
			slog.String("queue", c.Queue), slog.String("reason", err.Error()))
		return "", nil
	}
	return id, err
}

func (d *Desk) loads(ctx context.Context, tx storage.ReadTx, tenant string) (map[string]int, error) {
	if f := d.cfg.Assignment.Loads; f != nil {
		loads, err := f(ctx, tenant)
		if err != nil {
			return nil, fmt.Errorf("redress: agent loads: %w", err)
		}
		return loads, nil
	}
	counts, err := tx.ComplaintCount(ctx, &storage.ComplaintCountParams{Tenant: tenant, GroupBy: storage.ByAssignee, OpenOnly: true})
	if err != nil {
		return nil, fmt.Errorf("redress: counting open complaints per agent: %w", err)
	}
	loads := make(map[string]int, len(counts))
	for _, n := range counts {
		loads[n.Key] = int(n.N)
	}
	return loads, nil
}

func anyCapacity(agents []routing.Agent) bool {
	for _, a := range agents {
		if a.Capacity > 0 {
			return true
		}
	}
	return false
}
