package routing

import (
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/ext"

	"github.com/redresshq/redress/complaint"
)

// DefaultCostLimit bounds each expression when [Options.CostLimit] is zero. A unit is roughly one
// comparison, or ten characters scanned: containsAny over a 10,000-character description with 20 terms
// is estimated at about 20,000, and a million units take a few milliseconds. Rules over ordinary
// complaints cost far less than their estimate, which assumes the largest inputs.
const DefaultCostLimit = 1_000_000

// Variables of the triage environment.
const (
	varComplaint = "complaint"
	varCustomer  = "customer"
	varChannel   = "channel"
	varIntake    = "intake"
	varSignals   = "signals"
	varText      = "text"
	varActor     = "actor"
	varAction    = "action"
	varParams    = "params"
)

const containsAnyFn = "containsAny"

// Upper bounds that the static cost estimate assumes. They follow the intake limits of package complaint,
// so an estimate holds for every valid complaint; triage clips larger input to them (bounds.go), and
// policies, whose params are unbounded, also track cost at run time.
const (
	maxKeywords    = 32
	maxKeywordLen  = 64
	maxActorList   = 64
	maxParams      = 32
	maxParamString = 1000
	maxTextLen     = complaint.MaxSubjectLen + 1 + complaint.MaxDescriptionLen
)

// textFunctions declares the text helpers rules may call.
func textFunctions() cel.EnvOption {
	return cel.Function(containsAnyFn,
		cel.Overload("containsAny_string_list", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
			cel.BinaryBinding(containsAnyBinding)),
		cel.MemberOverload("string_containsAny_list", []*cel.Type{cel.StringType, cel.ListType(cel.StringType)}, cel.BoolType,
			cel.BinaryBinding(containsAnyBinding)),
	)
}

func baseEnvOptions() ([]cel.EnvOption, error) {
	reg, err := types.NewRegistry()
	if err != nil {
		return nil, err
	}
	return []cel.EnvOption{
		cel.CustomTypeAdapter(reg),
		cel.CustomTypeProvider(provider{reg}),
		cel.CrossTypeNumericComparisons(true),
		ext.Strings(),
		textFunctions(),
	}, nil
}

// triageEnv and policyEnv are built once per process: building an environment costs far more than
// checking one expression, and an environment is immutable and safe for concurrent use.
var triageEnv = sync.OnceValues(func() (*cel.Env, error) {
	opts, err := baseEnvOptions()
	if err != nil {
		return nil, err
	}
	opts = append(opts,
		cel.Variable(varComplaint, cel.ObjectType(typeComplaint)),
		cel.Variable(varCustomer, cel.ObjectType(typeCustomer)),
		cel.Variable(varChannel, cel.StringType),
		cel.Variable(varIntake, cel.ObjectType(typeIntake)),
		cel.Variable(varSignals, cel.ObjectType(typeSignals)),
		cel.Variable(varText, cel.StringType),
	)
	return cel.NewEnv(opts...)
})

var policyEnv = sync.OnceValues(func() (*cel.Env, error) {
	opts, err := baseEnvOptions()
	if err != nil {
		return nil, err
	}
	opts = append(opts,
		cel.Variable(varActor, cel.ObjectType(typeActor)),
		cel.Variable(varAction, cel.StringType),
		cel.Variable(varComplaint, cel.ObjectType(typeComplaint)),
		cel.Variable(varParams, cel.MapType(cel.StringType, cel.DynType)),
	)
	return cel.NewEnv(opts...)
})

// estimator gives the static cost estimate the sizes our inputs can have and the cost of containsAny.
type estimator struct{}

func fixed(n uint64) *cost.SizeEstimate { return &cost.SizeEstimate{Min: 0, Max: n} }

func (estimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	if len(p) == 0 {
		return nil
	}
	key := strings.Join(p, ".")
	switch key {
	case varText:
		return fixed(maxTextLen)
	case "complaint.description":
		return fixed(complaint.MaxDescriptionLen)
	case "complaint.subject":
		return fixed(complaint.MaxSubjectLen)
	case "complaint.tags":
		return fixed(complaint.MaxTags)
	case "complaint.tags.@items":
		return fixed(complaint.MaxTagLen)
	case "complaint.custom":
		return fixed(complaint.MaxCustomFields)
	case "complaint.custom.@keys":
		return fixed(complaint.MaxCustomKeyLen)
	case "complaint.custom.@values":
		return fixed(complaint.MaxCustomValueLen)
	case "signals.keywords":
		return fixed(maxKeywords)
	case "signals.keywords.@items":
		return fixed(maxKeywordLen)
	case "actor.roles", "actor.queues":
		return fixed(maxActorList)
	case "actor.roles.@items", "actor.queues.@items":
		return fixed(complaint.MaxShortFieldLen)
	case varParams:
		return fixed(maxParams)
	case "params.@keys":
		return fixed(64)
	case "params.@values":
		return fixed(maxParamString)
	}
	if n.Type() != nil && n.Type().Kind() == types.StringKind {
		return fixed(complaint.MaxShortFieldLen)
	}
	return nil
}

func (e estimator) EstimateCallCost(fn, _ string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	if fn != containsAnyFn {
		return nil
	}
	all := args
	if target != nil {
		all = append([]cost.AstNode{*target}, args...)
	}
	if len(all) != 2 {
		return nil
	}
	s := cost.EstimateSize(e, all[0])
	l := cost.EstimateSize(e, all[1])
	// Each term is one scan of s (cost 0.1 per character, as CEL charges for contains) plus a compare.
	terms := cost.CostEstimate{Min: l.Min, Max: l.Max}
	work := s.MultiplyByCostFactor(0.1).Multiply(terms).Add(terms)
	return &cost.CallEstimate{CostEstimate: work}
}

// containsAnyCost is the runtime counterpart of the estimate above.
func containsAnyCost(args []ref.Val, _ ref.Val) *uint64 {
	if len(args) != 2 {
		return nil
	}
	s, _ := args[0].(types.String)
	n := uint64(1)
	if l, ok := args[1].(traits.Lister); ok {
		if sz, ok := l.Size().(types.Int); ok && sz > 0 {
			n = uint64(sz)
		}
	}
	c := n + n*uint64(len(s))/10
	return &c
}

// triageProgramOptions plan triage programs. They carry no runtime cost tracker: every triage
// expression's worst case, estimated over the largest inputs rules can see, is checked against the
// limit at load time, and triage clips oversized inputs to those sizes (see boundedComplaint), so the
// estimate bounds every run. Tracking cost at run time would double the cost of a rule.
func triageProgramOptions() []cel.ProgramOption {
	return []cel.ProgramOption{
		cel.EvalOptions(cel.OptOptimize),
		cel.CustomDecoratorV2(specialiseContainsAny),
	}
}

// policyProgramOptions plan policy programs, which also track their cost at run time: params is a map
// of anything the caller hands in, so its sizes are not bounded the way a complaint's are.
func policyProgramOptions(limit uint64) []cel.ProgramOption {
	return []cel.ProgramOption{
		cel.EvalOptions(cel.OptOptimize),
		cel.CostLimit(limit),
		cel.CostTrackerOptions(
			cost.OverloadTracker("containsAny_string_list", containsAnyCost),
			cost.OverloadTracker("string_containsAny_list", containsAnyCost),
		),
	}
}
