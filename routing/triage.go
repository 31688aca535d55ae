package routing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/redresshq/redress/complaint"
)

// Input is what triage needs besides the complaint. The caller computes it once per complaint.
type Input struct {
	// IntakeAt is when the complaint came in, by the caller's clock; zero means the complaint's
	// CreatedAt.
	IntakeAt time.Time
	// LifetimeComplaints is how many complaints the customer has made, this one included.
	LifetimeComplaints int
	// Signals are the text signals of the complaint, from an [Analyzer].
	Signals Signals
}

// Field names one complaint field a triage rule can set. Fields combine as a bit set.
type Field uint16

// Fields triage rules set.
const (
	FieldCategory Field = 1 << iota
	FieldSeverity
	FieldPriority
	FieldSafety
	FieldQueue
	FieldTier
	FieldSLAPolicy
	FieldTags
	numFields = iota
)

var fieldNames = [numFields]string{"category", "severity", "priority", "safety", "queue", "tier", "sla_policy", "tags"}

func (f Field) index() int {
	for i := range numFields {
		if f == 1<<i {
			return i
		}
	}
	return -1
}

// String returns the field's name as rule files spell it, or the names of a set joined with "|".
func (f Field) String() string {
	if i := f.index(); i >= 0 {
		return fieldNames[i]
	}
	var names []string
	for i := range numFields {
		if f&(1<<i) != 0 {
			names = append(names, fieldNames[i])
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// Decision is what triage decided for one complaint: the fields to set, the rules that fired and the
// rules that failed.
type Decision struct {
	Category  string
	Severity  complaint.Severity
	Priority  int
	Safety    bool
	Queue     string
	Tier      int
	SLAPolicy string
	Tags      []string
	// Set says which of the fields above rules set; the others are zero and [Decision.Apply] leaves
	// them alone.
	Set Field
	// Fired names the rules that fired, in evaluation order.
	Fired []string
	// Errors lists the rules that failed at run time; each is a [*RuleError] wrapping [ErrEval] with
	// the rule's name and the position of the expression that failed. A failed rule is skipped; the
	// others still run.
	Errors []*RuleError
	// Evaluated counts the rules whose condition ran; the rest were skipped by their literal guards
	// or did not need to run. It is meant for metrics.
	Evaluated int

	by [numFields]string
}

// Has reports whether rules set field f.
func (d *Decision) Has(f Field) bool { return d.Set&f == f }

// SetBy names the rule that set field f, or "" when none did. For tags, it names the first rule that
// added any.
func (d *Decision) SetBy(f Field) string {
	if i := f.index(); i >= 0 {
		return d.by[i]
	}
	return ""
}

// Apply sets the decided fields on c and adds the tags; fields no rule set are left as they are.
func (d *Decision) Apply(c *complaint.Complaint) {
	if d.Has(FieldCategory) {
		c.Category = d.Category
	}
	if d.Has(FieldSeverity) {
		c.Severity = d.Severity
	}
	if d.Has(FieldPriority) {
		c.Priority = d.Priority
	}
	if d.Has(FieldSafety) {
		c.Safety = d.Safety
	}
	if d.Has(FieldQueue) {
		c.Queue = d.Queue
	}
	if d.Has(FieldTier) {
		c.Tier = d.Tier
	}
	if d.Has(FieldSLAPolicy) {
		c.SLAPolicy = d.SLAPolicy
	}
	c.AddTags(d.Tags...)
}

func (d *Decision) claim(f Field, rule string) bool {
	if d.Set&f != 0 {
		return false
	}
	d.Set |= f
	d.by[f.index()] = rule
	return true
}

func (d *Decision) take(r *compiledRule, prio int) {
	d.Fired = append(d.Fired, r.Name)
	s := r.set
	if s&FieldCategory != 0 && d.claim(FieldCategory, r.Name) {
		d.Category = r.Category
	}
	if s&FieldSeverity != 0 && d.claim(FieldSeverity, r.Name) {
		d.Severity = r.Severity
	}
	if s&FieldPriority != 0 && d.claim(FieldPriority, r.Name) {
		d.Priority = prio
	}
	if s&FieldSafety != 0 && d.claim(FieldSafety, r.Name) {
		d.Safety = *r.Safety
	}
	if s&FieldQueue != 0 && d.claim(FieldQueue, r.Name) {
		d.Queue = r.Queue
	}
	if s&FieldTier != 0 && d.claim(FieldTier, r.Name) {
		d.Tier = r.Tier
	}
	if s&FieldSLAPolicy != 0 && d.claim(FieldSLAPolicy, r.Name) {
		d.SLAPolicy = r.SLAPolicy
	}
	if s&FieldTags != 0 {
		d.claim(FieldTags, r.Name)
		for _, t := range r.Tags {
			if !containsString(d.Tags, t) {
				d.Tags = append(d.Tags, t)
			}
		}
	}
}

func containsString(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// triageFrame is the activation of one triage: every variable rules see, prepared once per complaint
// and shared by every rule.
type triageFrame struct {
	cv      complaintVal
	iv      intakeVal
	sv      signalsVal
	sig     Signals
	channel ref.Val
	text    ref.Val
	gv      guardValues
}

// ResolveName implements interpreter.Activation.
func (f *triageFrame) ResolveName(name string) (any, bool) {
	switch name {
	case varComplaint:
		return &f.cv, true
	case varCustomer:
		return &f.cv.cust, true
	case varChannel:
		return f.channel, true
	case varIntake:
		return &f.iv, true
	case varSignals:
		return &f.sv, true
	case varText:
		return f.text, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (f *triageFrame) Parent() interpreter.Activation { return nil }

var _ interpreter.Activation = (*triageFrame)(nil)

func (rs *RuleSet) newFrame(c *complaint.Complaint, in *Input) *triageFrame {
	c = boundedComplaint(c)
	f := &triageFrame{sig: boundedSignals(in.Signals)}
	f.cv.init(c, int64(in.LifetimeComplaints))
	at := in.IntakeAt
	if at.IsZero() {
		at = c.CreatedAt
	}
	f.iv.at, f.iv.local = at.UTC(), at.In(rs.loc)
	f.sv.s = &f.sig
	f.channel = types.String(c.Channel)
	text := lowerText(ComplaintText(c))
	f.text = types.String(text)
	g := &f.gv
	g.str[attrChannel] = c.Channel
	g.str[attrCategory] = c.Category
	g.str[attrSeverity] = string(c.Severity)
	g.str[attrQueue] = c.Queue
	g.str[attrStatus] = string(c.Status)
	g.str[attrCustomerTier] = c.Customer.Tier
	g.str[attrLanguage] = f.sig.Language
	g.str[attrProductModel] = c.Product.Model
	g.vip, g.safety, g.keywords, g.text = c.Customer.VIP, c.Safety, f.sig.Keywords, text
	n := &g.num
	n[attrSentiment-firstNumAttr] = f.sig.Sentiment
	n[attrLifetime-firstNumAttr] = float64(in.LifetimeComplaints)
	n[attrHour-firstNumAttr] = float64(f.iv.local.Hour())
	n[attrMinute-firstNumAttr] = float64(f.iv.local.Minute())
	n[attrWeekday-firstNumAttr] = float64(f.iv.local.Weekday())
	n[attrPriority-firstNumAttr] = float64(c.Priority)
	n[attrTier-firstNumAttr] = float64(c.Tier)
	n[attrEscalation-firstNumAttr] = float64(c.EscalationLevel)
	n[attrReopened-firstNumAttr] = float64(c.Reopened)
	n[attrAttachments-firstNumAttr] = float64(len(c.Attachments))
	return f
}

// Triage runs the rules against c and returns what they decide; c is not modified (see
// [Decision.Apply]).
//
// Rules run in evaluation order (precedence, then file order). In [FirstMatch] mode the first rule that
// fires decides alone; in [AllMatch] mode each field goes to the first rule that fires and sets it, and
// tags accumulate. A rule whose expression fails (or exceeds the cost limit) is listed in
// [Decision.Errors] and skipped. Triage returns an error only when c is nil or ctx is done; the context
// is checked before each rule, and inside expressions that loop.
func (rs *RuleSet) Triage(ctx context.Context, c *complaint.Complaint, in Input) (*Decision, error) {
	if c == nil {
		return nil, errors.New("routing: triage of a nil complaint")
	}
	f := rs.newFrame(c, &in)
	d := &Decision{Fired: make([]string, 0, 8)}
	done := ctx.Done()
	for _, r := range rs.rules {
		if done != nil {
			select {
			case <-done:
				return nil, ctx.Err()
			default:
			}
		}
		if r.Disabled || !guardsPass(r.guards, &f.gv) {
			continue
		}
		if !r.always && !r.decided {
			d.Evaluated++
			fired, err := rs.runWhen(ctx, r, f)
			if err != nil {
				if ctxErr := ctx.Err(); ctxErr != nil {
					return nil, ctxErr
				}
				d.Errors = append(d.Errors, r.evalErr("when", err))
				continue
			}
			if !fired {
				continue
			}
		}
		prio := r.Priority
		if r.prio != nil {
			p, err := r.runPriority(f)
			if err != nil {
				d.Errors = append(d.Errors, r.evalErr("priority", err))
				continue
			}
			prio = p
		}
		d.take(r, prio)
		if rs.mode == FirstMatch {
			break
		}
	}
	return d, nil
}

func (rs *RuleSet) runWhen(ctx context.Context, r *compiledRule, f *triageFrame) (bool, error) {
	var out ref.Val
	var err error
	if r.interrupt {
		out, _, err = r.when.ContextEval(ctx, f)
	} else {
		out, _, err = r.when.Eval(f)
	}
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("the condition gave %s, not a bool", out.Type().TypeName())
	}
	return bool(b), nil
}

func (r *compiledRule) runPriority(f *triageFrame) (int, error) {
	out, _, err := r.prio.Eval(f)
	if err != nil {
		return 0, err
	}
	p, ok := out.(types.Int)
	if !ok {
		return 0, fmt.Errorf("the priority expression gave %s, not an int", out.Type().TypeName())
	}
	if p < 1 || p > 4 {
		return 0, fmt.Errorf("the priority expression gave %d, want 1..4", p)
	}
	return int(p), nil
}

func (r *compiledRule) evalErr(key string, err error) *RuleError { return r.Rule.evalErrOf(key, err) }
