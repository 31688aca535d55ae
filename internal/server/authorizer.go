package server

import (
	"context"

	"github.com/redresshq/redress"
	"github.com/redresshq/redress/complaint"
	"github.com/redresshq/redress/routing"
)

// PolicyAuthorizer lets the routing policy in use decide for the Desk (redress.Config.Authorizer), so
// a reloaded policy file takes effect on the next request. The actor the Desk passes is the API key's:
// every role and the queues it works in (actor.queues in policies).
type PolicyAuthorizer struct {
	// Policy returns the policy in use; routing.DefaultPolicies, or the Load method of a
	// routing.Live[routing.Policy] so that reloads take effect.
	Policy func() *routing.Policy
}

var _ redress.Authorizer = PolicyAuthorizer{}

// Authorize returns nil when the policy allows action, or the policy's *routing.DeniedError naming the
// rule that refused it.
func (p PolicyAuthorizer) Authorize(ctx context.Context, actor complaint.Actor, action string, c *complaint.Complaint, params map[string]any) error {
	return p.Policy().Authorize(ctx, actor, action, c, params)
}
