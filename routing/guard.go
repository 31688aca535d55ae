package routing

import (
	"slices"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// Literal guards let triage skip a rule without running CEL.
//
// Most rules are built from tests of a field against a literal: complaint.channel == "phone",
// complaint.category in ["delivery", "billing"], customer.vip, "safety" in signals.keywords,
// signals.sentiment < -0.5, intake.weekday in [0, 6], containsAny(text, ["退款", "refund"]). Such a test
// reads a value triage prepares once per complaint and cannot fail, so it can run in Go. A top-level
// conjunct of a condition (a && b && ...) made of such tests, alone or combined with &&, || and !, is a
// guard: when it is false the condition is false, whatever the other conjuncts do (CEL's && is false if
// either side is false, even if the other errs), and triage skips the rule without running its CEL
// program. When every conjunct is a guard, the guards decide the condition and the program never runs.
// The result is the same as running every program; only the work differs.

// guardAttr names a value prepared once per complaint.
type guardAttr uint8

const (
	attrChannel guardAttr = iota
	attrCategory
	attrSeverity
	attrQueue
	attrStatus
	attrCustomerTier
	attrLanguage
	attrProductModel
	numStrAttrs
	attrVIP
	attrSafety
	attrKeyword
	// Numeric attributes, compared with number literals.
	attrSentiment
	attrLifetime
	attrHour
	attrMinute
	attrWeekday
	attrPriority
	attrTier
	attrEscalation
	attrReopened
	attrAttachments
	attrEnd
)

const firstNumAttr = attrSentiment

var guardPaths = map[string]guardAttr{
	"channel":                 attrChannel,
	"complaint.channel":       attrChannel,
	"complaint.category":      attrCategory,
	"complaint.severity":      attrSeverity,
	"complaint.queue":         attrQueue,
	"complaint.status":        attrStatus,
	"customer.tier":           attrCustomerTier,
	"complaint.customer.tier": attrCustomerTier,
	"signals.language":        attrLanguage,
	"complaint.product.model": attrProductModel,
	"customer.vip":            attrVIP,
	"complaint.customer.vip":  attrVIP,
	"complaint.safety":        attrSafety,

	"signals.sentiment":                      attrSentiment,
	"customer.lifetime_complaints":           attrLifetime,
	"complaint.customer.lifetime_complaints": attrLifetime,
	"intake.hour":                            attrHour,
	"intake.minute":                          attrMinute,
	"intake.weekday":                         attrWeekday,
	"complaint.priority":                     attrPriority,
	"complaint.tier":                         attrTier,
	"complaint.escalation_level":             attrEscalation,
	"complaint.reopened":                     attrReopened,
	"complaint.attachment_count":             attrAttachments,
}

// guardOp is how a guard compares.
type guardOp uint8

const (
	opIn    guardOp = iota // string value is one of vals; bool value equals want; keyword present
	opNotIn                // string value is none of vals
	opLT
	opLE
	opGT
	opGE
	opEQ
	opNE
	opNumIn       // numeric value is one of nums
	opContainsAny // the lower-cased text contains one of vals
	opAnd         // every kid passes
	opOr          // some kid passes
	opNot         // the kid fails
)

// guard is one necessary condition of a rule.
type guard struct {
	attr guardAttr
	op   guardOp
	// vals: for string attributes, the values compared with; for attrKeyword, the keyword.
	vals []string
	want bool    // for attrVIP and attrSafety
	num  float64 // for numeric attributes
	nums []float64
	kids []guard // for opAnd, opOr, opNot
}

// guardValues are the values guards test, prepared once per complaint.
type guardValues struct {
	str      [numStrAttrs]string
	num      [attrEnd - firstNumAttr]float64
	vip      bool
	safety   bool
	keywords []string
	text     string // lower-cased subject and description
}

func (g *guard) pass(v *guardValues) bool {
	switch g.op {
	case opAnd:
		for i := range g.kids {
			if !g.kids[i].pass(v) {
				return false
			}
		}
		return true
	case opOr:
		for i := range g.kids {
			if g.kids[i].pass(v) {
				return true
			}
		}
		return false
	case opNot:
		return !g.kids[0].pass(v)
	case opContainsAny:
		return containsAnyLower(v.text, g.vals)
	case opNumIn:
		return slices.Contains(g.nums, v.num[g.attr-firstNumAttr])
	}
	switch {
	case g.attr == attrVIP:
		return v.vip == g.want
	case g.attr == attrSafety:
		return v.safety == g.want
	case g.attr == attrKeyword:
		return slices.Contains(v.keywords, g.vals[0])
	case g.attr >= firstNumAttr:
		x := v.num[g.attr-firstNumAttr]
		switch g.op {
		case opLT:
			return x < g.num
		case opLE:
			return x <= g.num
		case opGT:
			return x > g.num
		case opGE:
			return x >= g.num
		case opEQ:
			return x == g.num
		case opNE:
			return x != g.num
		}
		return false
	}
	s := v.str[g.attr]
	found := false
	for _, x := range g.vals {
		if x == s {
			found = true
			break
		}
	}
	return found == (g.op == opIn)
}

func guardsPass(gs []guard, v *guardValues) bool {
	for i := range gs {
		if !gs[i].pass(v) {
			return false
		}
	}
	return true
}

// extractGuards finds the literal tests among the top-level conjuncts of a checked condition. complete
// is set when every conjunct is such a test: the guards then decide the condition on their own.
func extractGuards(a *celast.AST) (guards []guard, complete bool) {
	if a == nil {
		return nil, false
	}
	var conj []celast.Expr
	var split func(e celast.Expr)
	split = func(e celast.Expr) {
		if e.Kind() == celast.CallKind && e.AsCall().FunctionName() == operators.LogicalAnd && !e.AsCall().IsMemberFunction() {
			for _, a := range e.AsCall().Args() {
				split(a)
			}
			return
		}
		conj = append(conj, e)
	}
	split(a.Expr())
	var out []guard
	for _, e := range conj {
		if g, ok := guardOf(e); ok {
			out = append(out, g)
		}
	}
	return out, len(out) == len(conj)
}

var flipped = map[string]guardOp{
	operators.Less: opGT, operators.LessEquals: opGE, operators.Greater: opLT, operators.GreaterEquals: opLE,
	operators.Equals: opEQ, operators.NotEquals: opNE,
}

var numOps = map[string]guardOp{
	operators.Less: opLT, operators.LessEquals: opLE, operators.Greater: opGT, operators.GreaterEquals: opGE,
	operators.Equals: opEQ, operators.NotEquals: opNE,
}

func guardOf(e celast.Expr) (guard, bool) {
	if attr, ok := boolAttr(e); ok {
		return guard{attr: attr, want: true}, true
	}
	if e.Kind() != celast.CallKind {
		return guard{}, false
	}
	call := e.AsCall()
	if call.FunctionName() == containsAnyFn {
		return containsAnyGuard(call)
	}
	if call.IsMemberFunction() {
		return guard{}, false
	}
	args := call.Args()
	switch call.FunctionName() {
	case operators.LogicalAnd, operators.LogicalOr:
		op := opAnd
		if call.FunctionName() == operators.LogicalOr {
			op = opOr
		}
		kids := make([]guard, 0, len(args))
		for _, a := range args {
			k, ok := guardOf(a)
			if !ok {
				return guard{}, false
			}
			kids = append(kids, k)
		}
		return guard{op: op, kids: kids}, true
	case operators.LogicalNot:
		if len(args) == 1 {
			if attr, ok := boolAttr(args[0]); ok {
				return guard{attr: attr, want: false}, true
			}
			if k, ok := guardOf(args[0]); ok {
				return guard{op: opNot, kids: []guard{k}}, true
			}
		}
	case operators.Equals, operators.NotEquals:
		if len(args) != 2 {
			return guard{}, false
		}
		eq := call.FunctionName() == operators.Equals
		for _, pair := range [][2]celast.Expr{{args[0], args[1]}, {args[1], args[0]}} {
			if attr, ok := strAttr(pair[0]); ok {
				if s, ok := stringLit(pair[1]); ok {
					op := opIn
					if !eq {
						op = opNotIn
					}
					return guard{attr: attr, op: op, vals: []string{s}}, true
				}
			}
			if attr, ok := boolAttr(pair[0]); ok {
				if b, ok := boolLit(pair[1]); ok {
					return guard{attr: attr, want: b == eq}, true
				}
			}
		}
		return numGuard(call.FunctionName(), args)
	case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals:
		if len(args) != 2 {
			return guard{}, false
		}
		return numGuard(call.FunctionName(), args)
	case operators.In, operators.OldIn:
		if len(args) != 2 {
			return guard{}, false
		}
		if attr, ok := strAttr(args[0]); ok {
			if vals, ok := stringListLit(args[1]); ok {
				return guard{attr: attr, vals: vals}, true
			}
		}
		if s, ok := stringLit(args[0]); ok && path(args[1]) == "signals.keywords" {
			return guard{attr: attrKeyword, vals: []string{s}}, true
		}
		if attr, ok := numAttr(args[0]); ok {
			if nums, ok := numListLit(args[1]); ok {
				return guard{attr: attr, op: opNumIn, nums: nums}, true
			}
		}
	}
	return guard{}, false
}

// containsAnyGuard reads containsAny(text, [literals]) and text.containsAny([literals]).
func containsAnyGuard(call celast.CallExpr) (guard, bool) {
	args := call.Args()
	if call.IsMemberFunction() {
		args = append([]celast.Expr{call.Target()}, args...)
	}
	if len(args) != 2 || path(args[0]) != varText {
		return guard{}, false
	}
	terms, ok := stringListLit(args[1])
	if !ok {
		return guard{}, false
	}
	for i, t := range terms {
		terms[i] = lowerText(t)
	}
	return guard{op: opContainsAny, vals: terms}, true
}

func numListLit(e celast.Expr) ([]float64, bool) {
	if e.Kind() != celast.ListKind || len(e.AsList().OptionalIndices()) > 0 {
		return nil, false
	}
	var out []float64
	for _, el := range e.AsList().Elements() {
		n, ok := numLit(el)
		if !ok {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// numGuard reads attr <op> number or number <op> attr.
func numGuard(fn string, args []celast.Expr) (guard, bool) {
	if attr, ok := numAttr(args[0]); ok {
		if n, ok := numLit(args[1]); ok {
			return guard{attr: attr, op: numOps[fn], num: n}, true
		}
	}
	if attr, ok := numAttr(args[1]); ok {
		if n, ok := numLit(args[0]); ok {
			return guard{attr: attr, op: flipped[fn], num: n}, true
		}
	}
	return guard{}, false
}

func numAttr(e celast.Expr) (guardAttr, bool) {
	a, ok := guardPaths[path(e)]
	return a, ok && a >= firstNumAttr
}

// numLit reads an int, uint or double literal. Integers beyond 2^53 are refused: they would not
// compare exactly as float64.
func numLit(e celast.Expr) (float64, bool) {
	if e.Kind() != celast.LiteralKind {
		return 0, false
	}
	const exact = 1 << 53
	switch v := e.AsLiteral().(type) {
	case types.Int:
		return float64(v), v > -exact && v < exact
	case types.Uint:
		return float64(v), v < exact
	case types.Double:
		return float64(v), true
	}
	return 0, false
}

// path spells a chain of field selections from a variable ("complaint.product.model"), or "".
func path(e celast.Expr) string {
	switch e.Kind() {
	case celast.IdentKind:
		return e.AsIdent()
	case celast.SelectKind:
		s := e.AsSelect()
		if s.IsTestOnly() {
			return ""
		}
		if p := path(s.Operand()); p != "" {
			return p + "." + s.FieldName()
		}
	}
	return ""
}

func strAttr(e celast.Expr) (guardAttr, bool) {
	a, ok := guardPaths[path(e)]
	return a, ok && a < numStrAttrs
}

func boolAttr(e celast.Expr) (guardAttr, bool) {
	a, ok := guardPaths[path(e)]
	return a, ok && (a == attrVIP || a == attrSafety)
}

func stringLit(e celast.Expr) (string, bool) {
	if e.Kind() != celast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

func boolLit(e celast.Expr) (bool, bool) {
	if e.Kind() != celast.LiteralKind {
		return false, false
	}
	b, ok := e.AsLiteral().(types.Bool)
	return bool(b), ok
}

func stringListLit(e celast.Expr) ([]string, bool) {
	if e.Kind() != celast.ListKind || len(e.AsList().OptionalIndices()) > 0 {
		return nil, false
	}
	var out []string
	for _, el := range e.AsList().Elements() {
		s, ok := stringLit(el)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
