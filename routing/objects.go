package routing

import (
	"fmt"
	"reflect"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/redresshq/redress/complaint"
)

// This file declares the CEL object types rules see (redress.Complaint, redress.Customer, ...) and the
// views that back them. A view is a thin pointer over the Go record: a field is read only when a rule
// selects it, through a getter written out by hand, so no reflection and no per-rule map are involved.

// CEL type names of the objects rules see.
const (
	typeComplaint = "redress.Complaint"
	typeCustomer  = "redress.Customer"
	typeProduct   = "redress.Product"
	typeIntake    = "redress.Intake"
	typeSignals   = "redress.Signals"
	typeActor     = "redress.Actor"
)

// objType is one CEL struct type backed by a Go view.
type objType struct {
	typ    *types.Type
	fields map[string]*types.FieldType
	names  []string
}

// field builds the getter and presence test of one field of view type V.
type fieldDef[V any] struct {
	name string
	typ  *types.Type
	get  func(V) ref.Val
	set  func(V) bool // nil: always set
}

// cachedView is implemented by every view: a slot per field, so that a field read by many rules is
// converted to a CEL value once per complaint.
type cachedView interface {
	slot(i int) *ref.Val
}

// fieldCache serves the complaint, the object with many fields.
type fieldCache [32]ref.Val

func (c *fieldCache) slot(i int) *ref.Val { return &c[i] }

// smallCache serves the objects with few fields.
type smallCache [8]ref.Val

func (c *smallCache) slot(i int) *ref.Val { return &c[i] }

func newObjType[V cachedView](name string, defs ...fieldDef[V]) *objType {
	// A view's cache must have a slot per field; this fails at start-up, not in a rule.
	probe := reflect.New(reflect.TypeFor[V]().Elem()).Interface().(V)
	_ = probe.slot(len(defs) - 1)
	o := &objType{typ: types.NewObjectType(name), fields: make(map[string]*types.FieldType, len(defs))}
	for i, d := range defs {
		o.names = append(o.names, d.name)
		o.fields[d.name] = &types.FieldType{
			Type: d.typ,
			IsSet: func(target any) bool {
				v, ok := target.(V)
				if !ok {
					return false
				}
				return d.set == nil || d.set(v)
			},
			GetFrom: func(target any) (any, error) {
				v, ok := target.(V)
				if !ok {
					return nil, fmt.Errorf("routing: field %s of %s read from a %T", d.name, name, target)
				}
				p := v.slot(i)
				if *p == nil {
					*p = d.get(v)
				}
				return *p, nil
			},
		}
	}
	return o
}

func str(s string) ref.Val { return types.String(s) }

func nonEmpty(s string) bool { return s != "" }

func timestamp(t time.Time) ref.Val { return types.Timestamp{Time: t} }

var (
	celStringList = types.NewListType(types.StringType)
	stringMap     = types.NewMapType(types.StringType, types.StringType)
)

// complaintVal is the complaint as rules see it. cust and prod are its nested objects, kept inside so
// that selecting them does not allocate.
type complaintVal struct {
	fieldCache
	c    *complaint.Complaint
	cust customerVal
	prod productVal
}

type customerVal struct {
	smallCache
	c *complaint.Complaint
	// lifetime is the customer's number of complaints, handed in by the caller.
	lifetime int64
}

type productVal struct {
	smallCache
	c *complaint.Complaint
}

// intakeVal is the intake time, in UTC (at) and in the rule set's time zone (hour, minute, weekday).
type intakeVal struct {
	smallCache
	at    time.Time
	local time.Time
}

type signalsVal struct {
	smallCache
	s *Signals
}

type actorVal struct {
	smallCache
	a *Actor
}

func (v *complaintVal) init(c *complaint.Complaint, lifetime int64) {
	v.c = c
	v.cust.c, v.cust.lifetime = c, lifetime
	v.prod.c = c
}

var complaintObj = newObjType(typeComplaint,
	fieldDef[*complaintVal]{"id", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.ID) }, func(v *complaintVal) bool { return v.c.ID != "" }},
	fieldDef[*complaintVal]{"tenant", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.Tenant) }, func(v *complaintVal) bool { return v.c.Tenant != "" }},
	fieldDef[*complaintVal]{"channel", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.Channel) }, func(v *complaintVal) bool { return v.c.Channel != "" }},
	fieldDef[*complaintVal]{"external_ref", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.ExternalRef) }, func(v *complaintVal) bool { return v.c.ExternalRef != "" }},
	fieldDef[*complaintVal]{"customer", types.NewObjectType(typeCustomer), func(v *complaintVal) ref.Val { return &v.cust }, nil},
	fieldDef[*complaintVal]{"product", types.NewObjectType(typeProduct), func(v *complaintVal) ref.Val { return &v.prod }, nil},
	fieldDef[*complaintVal]{"subject", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.Subject) }, func(v *complaintVal) bool { return v.c.Subject != "" }},
	fieldDef[*complaintVal]{"description", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.Description) }, func(v *complaintVal) bool { return v.c.Description != "" }},
	fieldDef[*complaintVal]{"occurred_at", types.TimestampType, func(v *complaintVal) ref.Val { return timestamp(v.c.OccurredAt) }, func(v *complaintVal) bool { return !v.c.OccurredAt.IsZero() }},
	fieldDef[*complaintVal]{"place", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.Place) }, func(v *complaintVal) bool { return v.c.Place != "" }},
	fieldDef[*complaintVal]{"attachment_count", types.IntType, func(v *complaintVal) ref.Val { return types.Int(len(v.c.Attachments)) }, nil},
	fieldDef[*complaintVal]{"category", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.Category) }, func(v *complaintVal) bool { return v.c.Category != "" }},
	fieldDef[*complaintVal]{"severity", types.StringType, func(v *complaintVal) ref.Val { return str(string(v.c.Severity)) }, func(v *complaintVal) bool { return v.c.Severity != "" }},
	fieldDef[*complaintVal]{"priority", types.IntType, func(v *complaintVal) ref.Val { return types.Int(v.c.Priority) }, func(v *complaintVal) bool { return v.c.Priority != 0 }},
	fieldDef[*complaintVal]{"safety", types.BoolType, func(v *complaintVal) ref.Val { return types.Bool(v.c.Safety) }, nil},
	fieldDef[*complaintVal]{"queue", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.Queue) }, func(v *complaintVal) bool { return v.c.Queue != "" }},
	fieldDef[*complaintVal]{"assignee", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.Assignee) }, func(v *complaintVal) bool { return v.c.Assignee != "" }},
	fieldDef[*complaintVal]{"tier", types.IntType, func(v *complaintVal) ref.Val { return types.Int(v.c.Tier) }, func(v *complaintVal) bool { return v.c.Tier != 0 }},
	fieldDef[*complaintVal]{"sla_policy", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.SLAPolicy) }, func(v *complaintVal) bool { return v.c.SLAPolicy != "" }},
	fieldDef[*complaintVal]{"status", types.StringType, func(v *complaintVal) ref.Val { return str(string(v.c.Status)) }, func(v *complaintVal) bool { return v.c.Status != "" }},
	fieldDef[*complaintVal]{"escalation_level", types.IntType, func(v *complaintVal) ref.Val { return types.Int(v.c.EscalationLevel) }, nil},
	fieldDef[*complaintVal]{"breached", types.BoolType, func(v *complaintVal) ref.Val { return types.Bool(v.c.Breached) }, nil},
	fieldDef[*complaintVal]{"reopened", types.IntType, func(v *complaintVal) ref.Val { return types.Int(v.c.Reopened) }, nil},
	fieldDef[*complaintVal]{"repeat_of", types.StringType, func(v *complaintVal) ref.Val { return str(v.c.RepeatOf) }, func(v *complaintVal) bool { return v.c.RepeatOf != "" }},
	fieldDef[*complaintVal]{"tags", celStringList, func(v *complaintVal) ref.Val { return types.NewStringList(types.DefaultTypeAdapter, v.c.Tags) }, func(v *complaintVal) bool { return len(v.c.Tags) > 0 }},
	fieldDef[*complaintVal]{"custom", stringMap, func(v *complaintVal) ref.Val { return types.NewStringStringMap(types.DefaultTypeAdapter, v.c.Custom) }, func(v *complaintVal) bool { return len(v.c.Custom) > 0 }},
	fieldDef[*complaintVal]{"created_at", types.TimestampType, func(v *complaintVal) ref.Val { return timestamp(v.c.CreatedAt) }, func(v *complaintVal) bool { return !v.c.CreatedAt.IsZero() }},
)

var customerObj = newObjType(typeCustomer,
	fieldDef[*customerVal]{"id", types.StringType, func(v *customerVal) ref.Val { return str(v.c.Customer.ID) }, func(v *customerVal) bool { return v.c.Customer.ID != "" }},
	fieldDef[*customerVal]{"name", types.StringType, func(v *customerVal) ref.Val { return str(v.c.Customer.Name) }, func(v *customerVal) bool { return v.c.Customer.Name != "" }},
	fieldDef[*customerVal]{"contact", types.StringType, func(v *customerVal) ref.Val { return str(v.c.Customer.Contact) }, func(v *customerVal) bool { return v.c.Customer.Contact != "" }},
	fieldDef[*customerVal]{"tier", types.StringType, func(v *customerVal) ref.Val { return str(v.c.Customer.Tier) }, func(v *customerVal) bool { return v.c.Customer.Tier != "" }},
	fieldDef[*customerVal]{"vip", types.BoolType, func(v *customerVal) ref.Val { return types.Bool(v.c.Customer.VIP) }, nil},
	fieldDef[*customerVal]{"lifetime_complaints", types.IntType, func(v *customerVal) ref.Val { return types.Int(v.lifetime) }, nil},
)

var productObj = newObjType(typeProduct,
	fieldDef[*productVal]{"sku", types.StringType, func(v *productVal) ref.Val { return str(v.c.Product.SKU) }, func(v *productVal) bool { return v.c.Product.SKU != "" }},
	fieldDef[*productVal]{"model", types.StringType, func(v *productVal) ref.Val { return str(v.c.Product.Model) }, func(v *productVal) bool { return v.c.Product.Model != "" }},
	fieldDef[*productVal]{"batch", types.StringType, func(v *productVal) ref.Val { return str(v.c.Product.Batch) }, func(v *productVal) bool { return v.c.Product.Batch != "" }},
	fieldDef[*productVal]{"order_number", types.StringType, func(v *productVal) ref.Val { return str(v.c.Product.OrderNumber) }, func(v *productVal) bool { return v.c.Product.OrderNumber != "" }},
	fieldDef[*productVal]{"delivery_date", types.TimestampType, func(v *productVal) ref.Val { return timestamp(v.c.Product.DeliveryDate) }, func(v *productVal) bool { return !v.c.Product.DeliveryDate.IsZero() }},
)

var intakeObj = newObjType(typeIntake,
	fieldDef[*intakeVal]{"at", types.TimestampType, func(v *intakeVal) ref.Val { return timestamp(v.at) }, func(v *intakeVal) bool { return !v.at.IsZero() }},
	fieldDef[*intakeVal]{"hour", types.IntType, func(v *intakeVal) ref.Val { return types.Int(v.local.Hour()) }, nil},
	fieldDef[*intakeVal]{"minute", types.IntType, func(v *intakeVal) ref.Val { return types.Int(v.local.Minute()) }, nil},
	fieldDef[*intakeVal]{"weekday", types.IntType, func(v *intakeVal) ref.Val { return types.Int(v.local.Weekday()) }, nil},
)

var signalsObj = newObjType(typeSignals,
	fieldDef[*signalsVal]{"sentiment", types.DoubleType, func(v *signalsVal) ref.Val { return types.Double(v.s.Sentiment) }, nil},
	fieldDef[*signalsVal]{"keywords", celStringList, func(v *signalsVal) ref.Val { return types.NewStringList(types.DefaultTypeAdapter, v.s.Keywords) }, nil},
	fieldDef[*signalsVal]{"language", types.StringType, func(v *signalsVal) ref.Val { return str(v.s.Language) }, func(v *signalsVal) bool { return v.s.Language != "" }},
)

var actorObj = newObjType(typeActor,
	fieldDef[*actorVal]{"id", types.StringType, func(v *actorVal) ref.Val { return str(v.a.ID) }, func(v *actorVal) bool { return v.a.ID != "" }},
	fieldDef[*actorVal]{"roles", celStringList, func(v *actorVal) ref.Val { return types.NewStringList(types.DefaultTypeAdapter, v.a.Roles) }, nil},
	fieldDef[*actorVal]{"tier", types.IntType, func(v *actorVal) ref.Val { return types.Int(v.a.Tier) }, nil},
	fieldDef[*actorVal]{"queues", celStringList, func(v *actorVal) ref.Val { return types.NewStringList(types.DefaultTypeAdapter, v.a.Queues) }, nil},
)

var objTypes = map[string]*objType{
	typeComplaint: complaintObj,
	typeCustomer:  customerObj,
	typeProduct:   productObj,
	typeIntake:    intakeObj,
	typeSignals:   signalsObj,
	typeActor:     actorObj,
}

// provider answers the type checker and the planner for our object types and defers everything else
// to the standard registry.
type provider struct {
	*types.Registry
}

func (p provider) FindStructType(name string) (*types.Type, bool) {
	if o, ok := objTypes[name]; ok {
		return types.NewTypeTypeWithParam(o.typ), true
	}
	return p.Registry.FindStructType(name)
}

func (p provider) FindStructFieldNames(name string) ([]string, bool) {
	if o, ok := objTypes[name]; ok {
		return o.names, true
	}
	return p.Registry.FindStructFieldNames(name)
}

func (p provider) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	if o, ok := objTypes[name]; ok {
		ft, found := o.fields[field]
		return ft, found
	}
	return p.Registry.FindStructFieldType(name, field)
}

func (p provider) NewValue(name string, fields map[string]ref.Val) ref.Val {
	if _, ok := objTypes[name]; ok {
		return types.NewErr("routing: %s values are read-only; rules cannot build them", name)
	}
	return p.Registry.NewValue(name, fields)
}

// The views are CEL values themselves (ref.Val), so the interpreter passes them through unchanged.
// Value returns the view, which is what the field getters expect.

func objConvertToType(v ref.Val, t ref.Type) ref.Val {
	if t == types.TypeType {
		return v.Type().(*types.Type)
	}
	if t.TypeName() == v.Type().TypeName() {
		return v
	}
	return types.NewErr("routing: cannot convert %s to %s", v.Type().TypeName(), t.TypeName())
}

func objEqual(v, other ref.Val) ref.Val {
	if o, ok := other.(interface{ Value() any }); ok && o.Value() == v.Value() {
		return types.True
	}
	return types.False
}

func convertErr(v ref.Val, t reflect.Type) error {
	return fmt.Errorf("routing: %s cannot be converted to %v", v.Type().TypeName(), t)
}

func (v *complaintVal) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeFor[*complaint.Complaint]() {
		return v.c, nil
	}
	return nil, convertErr(v, t)
}
func (v *complaintVal) ConvertToType(t ref.Type) ref.Val { return objConvertToType(v, t) }
func (v *complaintVal) Equal(o ref.Val) ref.Val          { return objEqual(v, o) }
func (v *complaintVal) Type() ref.Type                   { return complaintObj.typ }
func (v *complaintVal) Value() any                       { return v }

func (v *customerVal) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeFor[complaint.Customer]() {
		return v.c.Customer, nil
	}
	return nil, convertErr(v, t)
}
func (v *customerVal) ConvertToType(t ref.Type) ref.Val { return objConvertToType(v, t) }
func (v *customerVal) Equal(o ref.Val) ref.Val          { return objEqual(v, o) }
func (v *customerVal) Type() ref.Type                   { return customerObj.typ }
func (v *customerVal) Value() any                       { return v }

func (v *productVal) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeFor[complaint.Product]() {
		return v.c.Product, nil
	}
	return nil, convertErr(v, t)
}
func (v *productVal) ConvertToType(t ref.Type) ref.Val { return objConvertToType(v, t) }
func (v *productVal) Equal(o ref.Val) ref.Val          { return objEqual(v, o) }
func (v *productVal) Type() ref.Type                   { return productObj.typ }
func (v *productVal) Value() any                       { return v }

func (v *intakeVal) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeFor[time.Time]() {
		return v.at, nil
	}
	return nil, convertErr(v, t)
}
func (v *intakeVal) ConvertToType(t ref.Type) ref.Val { return objConvertToType(v, t) }
func (v *intakeVal) Equal(o ref.Val) ref.Val          { return objEqual(v, o) }
func (v *intakeVal) Type() ref.Type                   { return intakeObj.typ }
func (v *intakeVal) Value() any                       { return v }

func (v *signalsVal) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeFor[Signals]() {
		return *v.s, nil
	}
	return nil, convertErr(v, t)
}
func (v *signalsVal) ConvertToType(t ref.Type) ref.Val { return objConvertToType(v, t) }
func (v *signalsVal) Equal(o ref.Val) ref.Val          { return objEqual(v, o) }
func (v *signalsVal) Type() ref.Type                   { return signalsObj.typ }
func (v *signalsVal) Value() any                       { return v }

func (v *actorVal) ConvertToNative(t reflect.Type) (any, error) {
	if t == reflect.TypeFor[Actor]() {
		return *v.a, nil
	}
	return nil, convertErr(v, t)
}
func (v *actorVal) ConvertToType(t ref.Type) ref.Val { return objConvertToType(v, t) }
func (v *actorVal) Equal(o ref.Val) ref.Val          { return objEqual(v, o) }
func (v *actorVal) Type() ref.Type                   { return actorObj.typ }
func (v *actorVal) Value() any                       { return v }

var (
	_ ref.Val = (*complaintVal)(nil)
	_ ref.Val = (*customerVal)(nil)
	_ ref.Val = (*productVal)(nil)
	_ ref.Val = (*intakeVal)(nil)
	_ ref.Val = (*signalsVal)(nil)
	_ ref.Val = (*actorVal)(nil)
)

// listContains reports whether a CEL list holds the string s, without converting the list.
func listContains(l traits.Lister, s string) bool {
	if sl, ok := l.Value().([]string); ok {
		for _, x := range sl {
			if x == s {
				return true
			}
		}
		return false
	}
	return l.Contains(types.String(s)) == types.True
}
