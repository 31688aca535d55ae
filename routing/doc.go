// Package routing decides where a complaint goes and who may do what with it: triage rules written in
// CEL, assignment of agents within a queue, authorization-tier policies, and the text signals
// (sentiment, keywords, language) rules can use.
//
// Operators change routing more often than code changes, so rules are data: YAML files compiled once
// with cel.dev/cel-go and evaluated per complaint. The package is pure: no storage, no clock, no I/O.
// The caller (the Desk) hands in the complaint, the time of intake, the customer's history and the
// signals; the package hands back decisions.
//
// # Triage rules
//
// A rule file (see examples/triage/rules.yaml for a complete, commented one) looks like:
//
//	mode: all_match            # or first_match
//	timezone: Asia/Shanghai    # for intake.hour, intake.minute, intake.weekday
//	rules:
//	  - name: medical-device-safety
//	    precedence: 100         # higher runs first; ties keep file order
//	    when: '"medical" in signals.keywords && "safety" in signals.keywords'
//	    category: medical_device
//	    severity: critical
//	    priority: 1             # or a CEL int expression: "customer.vip ? 1 : 2"
//	    safety: true
//	    queue: safety
//	    tier: 3
//	    tags: [safety]
//	    sla_policy: safety
//
// [LoadRules] reads a file, [CompileRules] takes rules built in Go; both return an immutable
// [RuleSet], safe for concurrent use. [RuleSet.Triage] returns a [Decision]: the fields to set, the
// rules that fired, and the rules that failed; [Decision.Apply] sets the fields on the record.
//
// Variables a condition can read:
//
//	complaint   the record: id, tenant, channel, external_ref, subject, description, occurred_at, place,
//	            attachment_count, category, severity, priority, safety, queue, assignee, tier,
//	            sla_policy, status, escalation_level, breached, reopened, repeat_of, tags, custom,
//	            created_at, customer, product {sku, model, batch, order_number, delivery_date}
//	customer    the customer: id, name, contact, tier, vip, lifetime_complaints
//	channel     the complaint's channel (a string)
//	intake      when it came in: at (a timestamp), hour, minute, weekday (0 Sunday … 6 Saturday) in the
//	            file's time zone
//	signals     sentiment (-1..1), keywords (a list), language ("zh", "en", "mixed")
//	text        subject and description, lower-cased, for containsAny(text, ["退款", "refund"])
//
// Besides the standard CEL functions and the string extensions (lowerAscii, split, ...), rules may call
// containsAny(s, list) or s.containsAny(list), which reports whether s contains any of the terms,
// ignoring case.
//
// # Modes and precedence
//
// Rules run in evaluation order: precedence (higher first), then file order. In first_match mode the
// first rule that fires decides alone. In all_match mode (the default) every rule runs; each field is
// owned by the first rule in evaluation order that fires and sets it, so a specific rule placed
// above (or given a higher precedence than) a general one wins; tags are the union of every fired
// rule's tags. [Decision.SetBy] names the rule that set a field.
//
// # Errors
//
// Loading type-checks every expression. Malformed YAML, unknown keys, unknown variables or fields, a
// when that is not bool, a priority that is not int, type errors, duplicate names and expressions over
// the cost limit are each a [*RuleError] naming the rule, the key, and the line and column in the file
// (several are joined; see [RuleErrors]). errors.Is tells the kinds apart: [ErrSyntax],
// [ErrInvalidValue], [ErrDuplicateRule], [ErrCompile], [ErrResultType], [ErrTooCostly]. A file that fails
// to load never replaces the rules in use: hold them in a [Live] and call [Live.Reload].
//
// At run time a rule that fails (a missing map key, a priority out of 1..4) is reported in
// [Decision.Errors] with its name and position, wrapping [ErrEval], and skipped; the other rules still
// run.
//
// # Cost and context
//
// Every expression's worst-case cost is estimated at load time, over the largest inputs a rule can see
// (the intake limits of package complaint), and must stay within [Options.CostLimit]
// ([DefaultCostLimit] by default). Triage clips an oversized complaint to those limits before rules
// see it, so the estimate bounds every run and triage needs no runtime cost tracker. Policies, whose
// params are arbitrary, are also tracked at run time. The context is checked before each rule, and
// inside any expression that loops (comprehensions such as exists or all).
//
// # How triage stays fast
//
// One activation per complaint serves every rule: the complaint, customer, intake and signals are views
// over the Go values (no maps, no reflection), and each field is converted to a CEL value at most once.
// Tests of a field against literals — complaint.channel == "phone", complaint.category in [...],
// customer.vip, "safety" in signals.keywords, signals.sentiment < -0.5, intake.weekday in [0, 6],
// containsAny(text, ["退款", "refund"]) — and their combinations with &&, || and ! run in Go on values
// prepared once. A top-level conjunct made of them is a guard: when it fails the rule is skipped
// without running CEL; when every conjunct is one, the guards decide the condition and no CEL program
// is even planned. containsAny with a literal list elsewhere is planned once with its terms lower-cased.
// The results equal running every program (a property test checks it). The package benchmarks compare
// 100 rules with the same conditions written in Go (BenchmarkTriage100Rules, BenchmarkTriage100Go), and
// with the guards switched off (BenchmarkTriage100RulesUnguarded).
//
// # Text signals
//
// An [Analyzer] turns text into [Signals]. The default, [DefaultLexicon], is a lexicon of Chinese and
// English complaint vocabulary (anger, safety, injury, medical devices, legal threats, media exposure,
// urgency, repeats, refunds, quality, delivery, billing, service, and praise) with a little negation
// handling. It is honest about being a word list, not a model; see [Lexicon] for what it cannot do.
// Compute signals once per complaint, with [ComplaintText], and pass them in [Input].
//
// # Assignment
//
// [Assigner.Assign] picks an agent of a queue by [RoundRobin], [LeastLoaded] or [SkillBased], among
// agents that are available, of the task's tier or above, and under their capacity. Open complaint
// counts come in with each call; only the round-robin turn is kept, safely for concurrent use. When
// nobody can take the task, the [*NoAgentError] says why each agent was passed over.
//
// # Authorization policies
//
// A policy file holds allow and deny rules over actor {id, roles, tier, queues}, action (a lifecycle
// trigger such as "resolve", or compensate, refund, replace, close_safety, assign), complaint and params
// (for example params.amount). Deny rules win: the first deny rule that matches refuses, and the
// [*DeniedError] names it; otherwise an allow rule permits; otherwise the file's default (deny unless it
// says allow). A rule that fails to evaluate counts against the action. [DefaultPolicies] encodes the
// seeds' three tiers: the front line runs routine steps and grants up to 200, experts also reject and
// reopen and grant up to 2000, the special team may do anything and alone closes safety complaints.
package routing
