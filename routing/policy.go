package routing

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
	"github.com/goccy/go-yaml/ast"

	"github.com/redresshq/redress/complaint"
)

// Actor is who asks to act, as authorization policies see it.
type Actor = complaint.Actor

// ActorFrom returns a with the given queues added: for callers whose actors do not carry queues yet.
func ActorFrom(a complaint.Actor, queues ...string) Actor {
	a.Queues = append(slices.Clone(a.Queues), queues...)
	return a
}

// Actions beyond the lifecycle triggers, which are actions too (string(complaint.TriggerResolve) is
// "resolve").
const (
	ActionCompensate = "compensate" // grant compensation; params.amount is the amount
	ActionRefund     = "refund"     // refund; params.amount is the amount
	ActionReplace    = "replace"    // replace the product
	// ActionCloseSafety closes a complaint with the safety flag. The Desk asks for it in addition to
	// close or confirm when the complaint is a safety complaint.
	ActionCloseSafety = "close_safety"
	ActionAssign      = "assign"  // assign or reassign the complaint
	ActionComment     = "comment" // add a note to the trail
)

// Actions lists every action redress itself asks about: the lifecycle triggers, then the actions above.
// Policies may name others; embedders can authorize their own actions.
func Actions() []string {
	out := make([]string, 0, len(complaint.Triggers)+6)
	for _, t := range complaint.Triggers {
		out = append(out, string(t))
	}
	return append(out, ActionCompensate, ActionRefund, ActionReplace, ActionCloseSafety, ActionAssign, ActionComment)
}

// Effect is what a policy rule does when its condition holds.
type Effect string

// Effects.
const (
	Allow Effect = "allow"
	Deny  Effect = "deny"
)

// PolicyRule is one authorization rule.
type PolicyRule struct {
	Name        string
	Description string
	Effect      Effect
	// When is a CEL bool expression over actor, action, complaint and params.
	When string
	// Reason is told to whoever a deny rule refuses.
	Reason   string
	Disabled bool
	// Line and Column are where the rule starts in its file; both 0 for rules built in Go.
	Line, Column int

	src map[string]text
}

// Policy is a compiled authorization policy, immutable and safe for concurrent use.
//
// # Combining
//
// Deny rules win: Authorize runs the deny rules in file order and the first that matches refuses the
// action, naming itself. Otherwise an allow rule that matches permits it. Otherwise the file's default
// decides: deny (refused with rule [DefaultRule]) or allow. Rules fail closed: a deny rule whose
// expression fails refuses the action; an allow rule that fails permits nothing.
type Policy struct {
	def   Effect
	deny  []*compiledPolicyRule
	allow []*compiledPolicyRule
	n     int
}

type compiledPolicyRule struct {
	PolicyRule
	prg cel.Program
}

// Default returns the effect when no rule matches.
func (p *Policy) Default() Effect { return p.def }

// Len returns the number of rules, disabled ones included.
func (p *Policy) Len() int { return p.n }

//go:embed policies.yaml
var defaultPolicySource []byte

// DefaultPolicySource returns the YAML of [DefaultPolicies], to copy and adapt.
func DefaultPolicySource() []byte { return slices.Clone(defaultPolicySource) }

var defaultPolicies = func() *Policy {
	p, err := LoadPolicies(defaultPolicySource, Options{})
	if err != nil {
		panic(err) // embedded and fixed; a test keeps it valid
	}
	return p
}

// DefaultPolicies returns the built-in policy (policies.yaml in this package): the seeds' three tiers.
// Frontline agents (tier 1) run the routine lifecycle and grant compensation or refunds up to 200;
// experts (tier 2) also reject and reopen, and grant up to 2000; the special team (tier 3) may do
// anything, and only it may close a safety complaint. Customers may withdraw, confirm, reply and
// reopen; the system may run lifecycle triggers. Everything else is denied.
func DefaultPolicies() *Policy { return defaultPoliciesOnce() }

var defaultPoliciesOnce = sync.OnceValue(defaultPolicies)

// LoadPolicies reads a YAML policy file and compiles it.
//
// The file has the keys default (allow or deny; deny when absent) and rules, a list with the keys
// name, description, effect (allow or deny), when, reason and disabled. Errors are as for [LoadRules].
func LoadPolicies(src []byte, opts Options) (*Policy, error) {
	body, rerr := parseYAML(src)
	if rerr != nil {
		return nil, rerr
	}
	top, rerr := mapping(body, "", "")
	if rerr != nil {
		return nil, rerr
	}
	def := Deny
	var rulesNode ast.Node
	found := false
	for _, e := range top {
		switch e.key {
		case "version":
			if _, rerr := scalarInt(e.val, "", e.key, 1, 1); rerr != nil {
				return nil, rerr
			}
		case "default":
			s, rerr := scalarString(e.val, "", e.key)
			if rerr != nil {
				return nil, rerr
			}
			if Effect(s) != Allow && Effect(s) != Deny {
				return nil, fileErr("", e.key, nodePos(e.val), ErrInvalidValue, "%q is not allow or deny", s)
			}
			def = Effect(s)
		case "rules":
			rulesNode, found = e.val, true
		default:
			return nil, fileErr("", e.key, e.at, ErrSyntax, "unknown key %q (want version, default, rules)", e.key)
		}
	}
	if !found {
		return nil, fileErr("", "", nodePos(body), ErrSyntax, "the file has no rules key")
	}
	items, rerr := sequence(rulesNode, "", "rules")
	if rerr != nil {
		return nil, rerr
	}
	if len(items) > MaxRules {
		return nil, fileErr("", "rules", nodePos(rulesNode), ErrInvalidValue, "%d rules, at most %d allowed", len(items), MaxRules)
	}
	var rules []PolicyRule
	var errs []*RuleError
	for _, it := range items {
		r, rerr := readPolicyRule(it)
		if rerr != nil {
			errs = append(errs, rerr)
			continue
		}
		rules = append(rules, r)
	}
	if len(errs) > 0 {
		return nil, joinRuleErrors(errs)
	}
	return CompilePolicies(rules, def, opts)
}

func readPolicyRule(n ast.Node) (PolicyRule, *RuleError) {
	entries, rerr := mapping(n, "", "")
	if rerr != nil {
		return PolicyRule{}, rerr
	}
	at := nodePos(n)
	if len(entries) > 0 {
		at = entries[0].at
	}
	r := PolicyRule{Line: at.line, Column: at.col, src: map[string]text{}}
	for _, e := range entries {
		if e.key == "name" {
			if r.Name, rerr = scalarString(e.val, "", "name"); rerr != nil {
				return r, rerr
			}
			r.Line, r.Column = e.at.line, e.at.col
		}
	}
	for _, e := range entries {
		var rerr *RuleError
		switch e.key {
		case "name":
		case "description":
			r.Description, rerr = scalarString(e.val, r.Name, e.key)
		case "effect":
			var s string
			s, rerr = scalarString(e.val, r.Name, e.key)
			r.Effect = Effect(s)
		case "when":
			var t text
			t, rerr = scalarText(e.val, r.Name, e.key)
			r.When, r.src[e.key] = t.s, t
		case "reason":
			r.Reason, rerr = scalarString(e.val, r.Name, e.key)
		case "disabled":
			r.Disabled, rerr = scalarBool(e.val, r.Name, e.key)
		default:
			rerr = fileErr(r.Name, e.key, e.at, ErrSyntax, "unknown key %q (want name, description, effect, when, reason, disabled)", e.key)
		}
		if rerr != nil {
			return r, rerr
		}
		if _, ok := r.src[e.key]; !ok {
			r.src[e.key] = text{at: nodePos(e.val)}
		}
	}
	return r, nil
}

func (r *PolicyRule) asRule() *Rule {
	return &Rule{Name: r.Name, When: r.When, Line: r.Line, Column: r.Column, src: r.src}
}

// CompilePolicies compiles policy rules built in Go (or read by [LoadPolicies]) with default effect
// def ("" means [Deny]). Errors are as for [LoadRules].
func CompilePolicies(rules []PolicyRule, def Effect, opts Options) (*Policy, error) {
	env, err := policyEnv()
	if err != nil {
		return nil, fmt.Errorf("routing: building the CEL environment: %w", err)
	}
	if def == "" {
		def = Deny
	}
	if def != Allow && def != Deny {
		return nil, &RuleError{Key: "default", Err: fmt.Errorf("%w: %q is not allow or deny", ErrInvalidValue, def)}
	}
	p := &Policy{def: def, n: len(rules)}
	limit := opts.costLimit()
	var errs []*RuleError
	seen := map[string]int{}
	for i := range rules {
		r := &rules[i]
		rr := r.asRule()
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			errs = append(errs, rr.err("name", ErrDuplicateRule, "the name %q is already used by the rule at line %d", r.Name, rules[j].Line))
			continue
		}
		seen[r.Name] = i
		switch {
		case !validName(r.Name):
			errs = append(errs, rr.err("name", ErrInvalidValue, "a rule needs a name of 1 to %d printable characters", MaxNameLen))
			continue
		case r.Effect != Allow && r.Effect != Deny:
			errs = append(errs, fileErr(r.Name, "effect", rr.at("effect"), ErrInvalidValue, "effect %q is not allow or deny", r.Effect))
			continue
		case strings.TrimSpace(r.When) == "":
			errs = append(errs, rr.err("when", ErrInvalidValue, "a rule needs a condition (when)"))
			continue
		}
		ex, rerr := compileExpr(env, rr, "when", r.When, types.BoolType, limit, policyProgramOptions(limit), nil)
		if rerr != nil {
			errs = append(errs, rerr)
			continue
		}
		cr := &compiledPolicyRule{PolicyRule: *r, prg: ex.prg}
		if r.Disabled {
			continue
		}
		if r.Effect == Deny {
			p.deny = append(p.deny, cr)
		} else {
			p.allow = append(p.allow, cr)
		}
	}
	if len(errs) > 0 {
		return nil, joinRuleErrors(errs)
	}
	return p, nil
}

// policyFrame is the activation of one authorization.
type policyFrame struct {
	actor  actorVal
	action ref.Val
	cv     complaintVal
	params ref.Val
}

func (f *policyFrame) ResolveName(name string) (any, bool) {
	switch name {
	case varActor:
		return &f.actor, true
	case varAction:
		return f.action, true
	case varComplaint:
		return &f.cv, true
	case varParams:
		return f.params, true
	}
	return nil, false
}

func (f *policyFrame) Parent() interpreter.Activation { return nil }

var emptyComplaint = &complaint.Complaint{}

// Authorize decides whether actor may take action on c with params (for example {"amount": 500}).
// It returns nil when the action is allowed and a [*DeniedError] (matching [ErrDenied]) naming the rule
// that refused it; see [Policy] for how rules combine. c may be nil for actions not about one
// complaint. It returns ctx's error when ctx is done, and an error when action is empty.
func (p *Policy) Authorize(ctx context.Context, actor Actor, action string, c *complaint.Complaint, params map[string]any) error {
	if action == "" {
		return errors.New("routing: authorize needs an action")
	}
	if c == nil {
		c = emptyComplaint
	}
	f := &policyFrame{action: types.String(action)}
	f.actor.a = &actor
	f.cv.init(c, 0)
	if params == nil {
		params = map[string]any{}
	}
	f.params = types.DefaultTypeAdapter.NativeToValue(params)
	if types.IsError(f.params) {
		return fmt.Errorf("routing: params cannot be read by policies: %v", f.params)
	}
	deny := func(r *compiledPolicyRule, err error) error {
		return &DeniedError{Rule: r.Name, Reason: r.Reason, Actor: actor.ID, Action: action, Err: err}
	}
	for _, r := range p.deny {
		if err := ctx.Err(); err != nil {
			return err
		}
		hit, err := evalPolicy(ctx, r, f)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			return deny(r, r.asRule().evalErrOf("when", err))
		}
		if hit {
			return deny(r, nil)
		}
	}
	var firstErr error
	for _, r := range p.allow {
		if err := ctx.Err(); err != nil {
			return err
		}
		hit, err := evalPolicy(ctx, r, f)
		if err != nil {
			if firstErr == nil {
				firstErr = r.asRule().evalErrOf("when", err)
			}
			continue
		}
		if hit {
			return nil
		}
	}
	if p.def == Allow {
		return nil
	}
	return &DeniedError{Rule: DefaultRule, Reason: "no rule allows this action", Actor: actor.ID, Action: action, Err: firstErr}
}

func evalPolicy(ctx context.Context, r *compiledPolicyRule, f *policyFrame) (bool, error) {
	out, _, err := r.prg.ContextEval(ctx, f)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("the condition gave %s, not a bool", out.Type().TypeName())
	}
	return bool(b), nil
}

func (r *Rule) evalErrOf(key string, err error) *RuleError {
	at := r.at(key)
	return &RuleError{Rule: r.Name, Key: key, Line: at.line, Column: at.col, Err: fmt.Errorf("%w: %w", ErrEval, err)}
}
