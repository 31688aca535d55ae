package routing

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // rule files name IANA time zones; do not depend on the host having them
	"unicode"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"github.com/goccy/go-yaml/ast"

	"github.com/redresshq/redress/complaint"
)

// Mode says how many rules of a set may fire for one complaint.
type Mode string

// Modes.
const (
	// AllMatch runs every rule; each field is set by the first rule, in evaluation order, that fires
	// and sets it; tags are the union of the tags of every rule that fired. This is the default.
	AllMatch Mode = "all_match"
	// FirstMatch stops at the first rule that fires; only that rule's fields are set.
	FirstMatch Mode = "first_match"
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == AllMatch || m == FirstMatch }

// Options tune how rule and policy files are compiled. The zero value works.
type Options struct {
	// Mode applies when a rule file does not name one (mode:); zero means [AllMatch].
	Mode Mode
	// Location is the time zone of intake.hour, intake.minute and intake.weekday when a rule file does
	// not name one (timezone:); nil means UTC.
	Location *time.Location
	// CostLimit bounds every expression, both its estimated worst case at load time and its actual
	// cost at run time; zero means [DefaultCostLimit].
	CostLimit uint64
}

func (o Options) costLimit() uint64 {
	if o.CostLimit == 0 {
		return DefaultCostLimit
	}
	return o.CostLimit
}

// Rule is one triage rule: when its condition holds, it sets the fields it names.
//
// A rule sets a field only when the field is non-zero here (Safety: non-nil). Priority is either the
// literal Priority (1 most urgent … 4) or the CEL int expression PriorityExpr, never both.
type Rule struct {
	Name        string
	Description string
	// Precedence orders evaluation: higher first; rules of equal precedence keep their file order.
	Precedence int
	// When is a CEL expression of type bool over complaint, customer, channel, intake, signals and text.
	When string

	Category     string
	Severity     complaint.Severity
	Priority     int
	PriorityExpr string
	Safety       *bool
	Queue        string
	Tier         int
	Tags         []string
	SLAPolicy    string
	// Disabled rules are checked at load time but never run.
	Disabled bool

	// Line and Column are where the rule starts in its file; both 0 for rules built in Go.
	Line, Column int

	src map[string]text // where each key's value is, for rules read from a file
}

// sets reports which fields the rule sets.
func (r *Rule) sets() Field {
	var f Field
	if r.Category != "" {
		f |= FieldCategory
	}
	if r.Severity != "" {
		f |= FieldSeverity
	}
	if r.Priority != 0 || r.PriorityExpr != "" {
		f |= FieldPriority
	}
	if r.Safety != nil {
		f |= FieldSafety
	}
	if r.Queue != "" {
		f |= FieldQueue
	}
	if r.Tier != 0 {
		f |= FieldTier
	}
	if r.SLAPolicy != "" {
		f |= FieldSLAPolicy
	}
	if len(r.Tags) > 0 {
		f |= FieldTags
	}
	return f
}

// at returns where key's value is in the file, or where the rule is.
func (r *Rule) at(key string) pos {
	if t, ok := r.src[key]; ok {
		return t.at
	}
	return pos{r.Line, r.Column}
}

func (r *Rule) err(key string, kind error, format string, args ...any) *RuleError {
	return fileErr(r.Name, key, r.at(key), kind, format, args...)
}

// RuleSet is a compiled set of triage rules. It is immutable and safe for concurrent use; build it once
// with [LoadRules] or [CompileRules] and share it.
type RuleSet struct {
	mode  Mode
	loc   *time.Location
	rules []*compiledRule // evaluation order
	limit uint64
	// lifetime is set when an expression reads the customer's lifetime complaint count.
	lifetime bool
}

// ReadsLifetimeComplaints reports whether any rule's condition or priority expression reads
// customer.lifetime_complaints. A caller can skip counting the customer's complaints (a query per
// intake) when none does; Triage then sees whatever Input.LifetimeComplaints says.
func (rs *RuleSet) ReadsLifetimeComplaints() bool { return rs.lifetime }

// Mode returns how many rules may fire per complaint.
func (rs *RuleSet) Mode() Mode { return rs.mode }

// Location returns the time zone of intake.hour, intake.minute and intake.weekday.
func (rs *RuleSet) Location() *time.Location { return rs.loc }

// Len returns the number of rules, disabled ones included.
func (rs *RuleSet) Len() int { return len(rs.rules) }

// Rules returns copies of the rules in evaluation order (precedence, then file order).
func (rs *RuleSet) Rules() []Rule {
	out := make([]Rule, len(rs.rules))
	for i, r := range rs.rules {
		out[i] = r.Rule
		out[i].Tags = slices.Clone(r.Tags)
		out[i].src = nil
		if r.Safety != nil {
			s := *r.Safety
			out[i].Safety = &s
		}
	}
	return out
}

// compiledRule is a rule with its programs and literal guards.
type compiledRule struct {
	Rule
	set    Field
	when   cel.Program // nil when the condition is the literal true
	always bool
	// interrupt is set when the condition has a comprehension, the only construct whose work can grow
	// beyond the size of its input: it then runs with the context, checked inside the loop.
	interrupt bool
	prio      cel.Program
	guards    []guard
	// decided is set when the condition is nothing but guards: passing them is the condition holding,
	// and the CEL program need not run.
	decided bool
}

// LoadRules reads a YAML rule file (JSON, being YAML, works too) and compiles it.
//
// The file has the keys mode (all_match or first_match), timezone (an IANA name such as Asia/Shanghai)
// and rules, a list of rules with the keys name, description, precedence, when, category, severity,
// priority (a number 1–4 or a CEL int expression), safety, queue, tier, tags, sla_policy and disabled.
// Unknown keys are errors. See the package documentation and examples/triage/rules.yaml.
//
// Every problem is a [*RuleError] naming the rule, the key and the line and column; when there are
// several, they are joined with errors.Join (see [RuleErrors]).
func LoadRules(src []byte, opts Options) (*RuleSet, error) {
	body, rerr := parseYAML(src)
	if rerr != nil {
		return nil, rerr
	}
	top, rerr := mapping(body, "", "")
	if rerr != nil {
		return nil, rerr
	}
	var rulesNode ast.Node
	var rulesAt pos
	for _, e := range top {
		switch e.key {
		case "version":
			if _, rerr := scalarInt(e.val, "", e.key, 1, 1); rerr != nil {
				return nil, rerr
			}
		case "mode":
			s, rerr := scalarString(e.val, "", e.key)
			if rerr != nil {
				return nil, rerr
			}
			if !Mode(s).Valid() {
				return nil, fileErr("", e.key, nodePos(e.val), ErrInvalidValue, "%q is not all_match or first_match", s)
			}
			opts.Mode = Mode(s)
		case "timezone":
			s, rerr := scalarString(e.val, "", e.key)
			if rerr != nil {
				return nil, rerr
			}
			loc, err := time.LoadLocation(s)
			if err != nil || s == "" || s == "Local" {
				return nil, fileErr("", e.key, nodePos(e.val), ErrInvalidValue, "%q is not an IANA time zone", s)
			}
			opts.Location = loc
		case "rules":
			rulesNode, rulesAt = e.val, e.at
		default:
			return nil, fileErr("", e.key, e.at, ErrSyntax, "unknown key %q (want version, mode, timezone, rules)", e.key)
		}
	}
	if rulesNode == nil {
		if rulesAt.line > 0 {
			return nil, fileErr("", "rules", rulesAt, ErrSyntax, "rules needs a list")
		}
		return nil, fileErr("", "", nodePos(body), ErrSyntax, "the file has no rules key")
	}
	items, rerr := sequence(rulesNode, "", "rules")
	if rerr != nil {
		return nil, rerr
	}
	if len(items) > MaxRules {
		return nil, fileErr("", "rules", nodePos(rulesNode), ErrInvalidValue, "%d rules, at most %d allowed", len(items), MaxRules)
	}
	rules := make([]Rule, 0, len(items))
	var errs []*RuleError
	for _, it := range items {
		r, rerr := readRule(it)
		if rerr != nil {
			errs = append(errs, rerr)
			continue
		}
		rules = append(rules, r)
	}
	if len(errs) > 0 {
		return nil, joinRuleErrors(errs)
	}
	return CompileRules(rules, opts)
}

func readRule(n ast.Node) (Rule, *RuleError) {
	entries, rerr := mapping(n, "", "")
	if rerr != nil {
		return Rule{}, rerr
	}
	at := nodePos(n)
	if len(entries) > 0 {
		at = entries[0].at // a mapping's own token is its first colon; its first key reads better
	}
	r := Rule{Line: at.line, Column: at.col, src: make(map[string]text, len(entries))}
	// The name first, so every later error can name the rule.
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
		case "precedence":
			r.Precedence, rerr = scalarInt(e.val, r.Name, e.key, -1_000_000, 1_000_000)
		case "when":
			var t text
			t, rerr = scalarText(e.val, r.Name, e.key)
			r.When, r.src[e.key] = t.s, t
		case "category":
			r.Category, rerr = scalarString(e.val, r.Name, e.key)
		case "severity":
			var s string
			s, rerr = scalarString(e.val, r.Name, e.key)
			r.Severity = complaint.Severity(s)
		case "priority":
			var t text
			t, rerr = scalarText(e.val, r.Name, e.key)
			if rerr == nil {
				if _, isInt := e.val.(*ast.IntegerNode); isInt {
					r.Priority, rerr = scalarInt(e.val, r.Name, e.key, 1, 4)
				} else {
					r.PriorityExpr = t.s
				}
			}
			r.src[e.key] = t
		case "safety":
			var b bool
			b, rerr = scalarBool(e.val, r.Name, e.key)
			r.Safety = &b
		case "queue":
			r.Queue, rerr = scalarString(e.val, r.Name, e.key)
		case "tier":
			r.Tier, rerr = scalarInt(e.val, r.Name, e.key, 1, complaint.TierSpecial)
		case "tags":
			r.Tags, rerr = stringList(e.val, r.Name, e.key)
		case "sla_policy":
			r.SLAPolicy, rerr = scalarString(e.val, r.Name, e.key)
		case "disabled":
			r.Disabled, rerr = scalarBool(e.val, r.Name, e.key)
		default:
			rerr = fileErr(r.Name, e.key, e.at, ErrSyntax,
				"unknown key %q (want name, description, precedence, when, category, severity, priority, safety, queue, tier, tags, sla_policy, disabled)", e.key)
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

// MaxNameLen bounds rule names.
const MaxNameLen = 100

func validName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > MaxNameLen || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) })
}

// validate checks everything about r except its expressions.
func (r *Rule) validate() *RuleError {
	if !validName(r.Name) {
		return r.err("name", ErrInvalidValue, "a rule needs a name of 1 to %d printable characters", MaxNameLen)
	}
	if strings.TrimSpace(r.When) == "" {
		return r.err("when", ErrInvalidValue, "a rule needs a condition (when); write when: \"true\" for a rule that always applies")
	}
	if !r.Severity.Valid() {
		return r.err("severity", ErrInvalidValue, "%q is not one of low, medium, high, critical", r.Severity)
	}
	if r.Priority != 0 && r.PriorityExpr != "" {
		return r.err("priority", ErrInvalidValue, "set a literal priority or a priority expression, not both")
	}
	if r.Priority < 0 || r.Priority > 4 {
		return r.err("priority", ErrInvalidValue, "%d is out of range 1..4", r.Priority)
	}
	if r.Tier < 0 || r.Tier > complaint.TierSpecial {
		return r.err("tier", ErrInvalidValue, "%d is out of range 1..%d", r.Tier, complaint.TierSpecial)
	}
	for key, v := range map[string]string{"category": r.Category, "queue": r.Queue, "sla_policy": r.SLAPolicy} {
		if utf8.RuneCountInString(v) > complaint.MaxShortFieldLen || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return r.err(key, ErrInvalidValue, "must be valid text of at most %d characters", complaint.MaxShortFieldLen)
		}
	}
	if len(r.Tags) > complaint.MaxTags {
		return r.err("tags", ErrInvalidValue, "%d tags, at most %d allowed", len(r.Tags), complaint.MaxTags)
	}
	for _, t := range r.Tags {
		if t == "" || utf8.RuneCountInString(t) > complaint.MaxTagLen || !utf8.ValidString(t) ||
			strings.ContainsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == 0 }) {
			return r.err("tags", ErrInvalidValue, "tag %q must be 1 to %d characters without spaces or commas", t, complaint.MaxTagLen)
		}
	}
	if r.sets() == 0 {
		return r.err("", ErrInvalidValue, "the rule sets nothing (give it a category, severity, priority, safety, queue, tier, tags or sla_policy)")
	}
	return nil
}

// CompileRules compiles rules built in Go (or read by [LoadRules]). opts.Mode and opts.Location apply.
// Errors are as for [LoadRules], without positions for rules built in Go.
func CompileRules(rules []Rule, opts Options) (*RuleSet, error) {
	env, err := triageEnv()
	if err != nil {
		return nil, fmt.Errorf("routing: building the CEL environment: %w", err)
	}
	if opts.Mode == "" {
		opts.Mode = AllMatch
	}
	if !opts.Mode.Valid() {
		return nil, &RuleError{Key: "mode", Err: fmt.Errorf("%w: %q is not all_match or first_match", ErrInvalidValue, opts.Mode)}
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	rs := &RuleSet{mode: opts.Mode, loc: opts.Location, limit: opts.costLimit(), rules: make([]*compiledRule, len(rules))}

	errs := make([]*RuleError, len(rules))
	seen := make(map[string]int, len(rules))
	for i := range rules {
		r := &rules[i]
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			errs[i] = r.err("name", ErrDuplicateRule, "the name %q is already used by the rule at line %d", r.Name, rules[j].Line)
			continue
		}
		seen[r.Name] = i
		if rerr := r.validate(); rerr != nil {
			errs[i] = rerr
		}
	}
	// Expressions compile in parallel: checking and planning dominate loading, and the environment is
	// safe for concurrent use.
	parallel(len(rules), func(i int) {
		if errs[i] != nil {
			return
		}
		rs.rules[i], errs[i] = compileRule(env, &rules[i], rs.limit)
	})
	var list []*RuleError
	for _, e := range errs {
		if e != nil {
			list = append(list, e)
		}
	}
	if len(list) > 0 {
		return nil, joinRuleErrors(list)
	}
	slices.SortStableFunc(rs.rules, func(a, b *compiledRule) int { return cmp.Compare(b.Precedence, a.Precedence) })
	// A textual check: a false positive (the name inside a string literal) only costs the caller a
	// count; a reference cannot escape it, as every spelling of the field contains the name.
	rs.lifetime = slices.ContainsFunc(rules, func(r Rule) bool {
		return strings.Contains(r.When, "lifetime_complaints") || strings.Contains(r.PriorityExpr, "lifetime_complaints")
	})
	return rs, nil
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/16+1)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	wg.Wait()
}

func compileRule(env *cel.Env, r *Rule, limit uint64) (*compiledRule, *RuleError) {
	popts := triageProgramOptions()
	cr := &compiledRule{Rule: *r, set: r.sets()}
	cr.Tags = slices.Clone(r.Tags)
	if r.Safety != nil {
		s := *r.Safety
		cr.Safety = &s
	}
	if strings.TrimSpace(r.When) == "true" {
		cr.always = true
	} else {
		// A condition its guards decide never runs as CEL, so it is checked but not planned.
		needProgram := func(a *celast.AST) bool {
			cr.guards, cr.decided = extractGuards(a)
			return !cr.decided
		}
		ex, rerr := compileExpr(env, r, "when", r.When, types.BoolType, limit, popts, needProgram)
		if rerr != nil {
			return nil, rerr
		}
		cr.when, cr.interrupt = ex.prg, ex.loops
	}
	if r.PriorityExpr != "" {
		ex, rerr := compileExpr(env, r, "priority", r.PriorityExpr, types.IntType, limit, popts, nil)
		if rerr != nil {
			return nil, rerr
		}
		cr.prio = ex.prg
	}
	return cr, nil
}

type compiled struct {
	prg   cel.Program
	ast   *celast.AST
	out   *types.Type
	loops bool
}

// compileExpr parses, checks and estimates one expression of rule r, and plans it unless needProgram
// (when not nil) says the program will never run.
func compileExpr(env *cel.Env, r *Rule, key, src string, want *types.Type, limit uint64, popts []cel.ProgramOption,
	needProgram func(*celast.AST) bool) (compiled, *RuleError) {
	loc := r.src[key]
	posErr := func(line, col int, kind error, format string, args ...any) *RuleError {
		at := pos{r.Line, r.Column}
		if loc.at.line > 0 {
			at = loc.locate(line, col)
		}
		return fileErr(r.Name, key, at, kind, format, args...)
	}
	checked, iss := env.Compile(src)
	if iss.Err() != nil {
		errs := iss.Errors()
		first := errs[0]
		msg := first.Message
		if len(errs) > 1 {
			msg = fmt.Sprintf("%s (and %d more)", msg, len(errs)-1)
		}
		return compiled{}, posErr(first.Location.Line(), first.Location.Column(), ErrCompile, "%s", msg)
	}
	out := checked.OutputType()
	if want != nil && !out.IsExactType(want) && out.Kind() != types.DynKind {
		return compiled{}, posErr(1, 0, ErrResultType, "want %s, the expression gives %s", want, out)
	}
	est, err := env.EstimateCost(checked, estimator{})
	if err != nil {
		return compiled{}, posErr(1, 0, ErrTooCostly, "cost cannot be estimated: %v", err)
	}
	if est.Max > limit {
		return compiled{}, posErr(1, 0, ErrTooCostly, "estimated cost up to %d exceeds the limit %d", est.Max, limit)
	}
	a := checked.NativeRep()
	if needProgram != nil && !needProgram(a) {
		return compiled{ast: a, out: out}, nil
	}
	loops := hasComprehension(a.Expr())
	if loops {
		popts = append(popts[:len(popts):len(popts)], cel.InterruptCheckFrequency(64))
	}
	prg, err := env.Program(checked, popts...)
	if err != nil {
		return compiled{}, posErr(1, 0, ErrCompile, "%v", err)
	}
	return compiled{prg: prg, ast: a, out: out, loops: loops}, nil
}

func hasComprehension(e celast.Expr) bool {
	found := false
	celast.PostOrderVisit(e, celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() == celast.ComprehensionKind {
			found = true
		}
	}))
	return found
}
