package complaint

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on intake fields. Lengths count characters (runes), not bytes, so a Chinese description has the
// same room as an English one.
const (
	MaxSubjectLen     = 200
	MaxDescriptionLen = 10000
	MaxShortFieldLen  = 200 // names, contact, references, category, queue, place, product fields
	MaxTags           = 20
	MaxTagLen         = 64
	MaxAttachments    = 20
	MaxURILen         = 2048
	MaxCustomFields   = 50
	MaxCustomKeyLen   = 64
	MaxCustomValueLen = 1000
)

// FieldError is one problem with one field. Code is stable and machine-readable (required, too_long,
// too_many, invalid); Message is for people.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ValidationError lists every field of a record that is wrong.
type ValidationError struct {
	Fields []FieldError `json:"fields"`
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("complaint: invalid record: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	return b.String()
}

type validator struct{ errs []FieldError }

func (v *validator) add(field, code, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) text(field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add(field, "required", "is required")
	case !utf8.ValidString(s):
		v.add(field, "invalid", "is not valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.add(field, "too_long", "has %d characters, at most %d allowed", utf8.RuneCountInString(s), max)
	case strings.ContainsFunc(s, func(r rune) bool { return r == 0 }):
		v.add(field, "invalid", "contains a NUL character")
	}
}

// ValidToken reports whether s is a lower-case token (letters, digits, '_', '-', '.'), as used for
// channels: it keeps the open channel set from filling with spelling variants.
func ValidToken(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// Validate checks the fields a caller supplies at intake and may change later. It returns nil or a
// [*ValidationError] listing every problem; it does not check fields the Desk assigns (ID, tracking
// code, status, version, timestamps).
func (c *Complaint) Validate() error {
	var v validator
	if !ValidToken(c.Channel) {
		v.add("channel", "invalid", "must be a lower-case token such as phone, email, web, wechat")
	}
	v.text("external_ref", c.ExternalRef, MaxShortFieldLen, false)
	v.text("customer.id", c.Customer.ID, MaxShortFieldLen, false)
	v.text("customer.name", c.Customer.Name, MaxShortFieldLen, false)
	v.text("customer.contact", c.Customer.Contact, MaxShortFieldLen, false)
	v.text("customer.tier", c.Customer.Tier, MaxShortFieldLen, false)
	if c.Customer.ID == "" && c.Customer.Contact == "" && c.Customer.Name == "" {
		v.add("customer", "required", "needs an id, a name or a contact so we can answer")
	}
	v.text("product.sku", c.Product.SKU, MaxShortFieldLen, false)
	v.text("product.model", c.Product.Model, MaxShortFieldLen, false)
	v.text("product.batch", c.Product.Batch, MaxShortFieldLen, false)
	v.text("product.order_number", c.Product.OrderNumber, MaxShortFieldLen, false)
	v.text("subject", c.Subject, MaxSubjectLen, true)
	v.text("description", c.Description, MaxDescriptionLen, true)
	v.text("place", c.Place, MaxShortFieldLen, false)
	v.text("category", c.Category, MaxShortFieldLen, false)
	v.text("queue", c.Queue, MaxShortFieldLen, false)
	v.text("assignee", c.Assignee, MaxShortFieldLen, false)
	v.text("sla_policy", c.SLAPolicy, MaxShortFieldLen, false)
	if !c.Severity.Valid() {
		v.add("severity", "invalid", "must be one of low, medium, high, critical")
	}
	if c.Priority < 0 || c.Priority > 4 {
		v.add("priority", "invalid", "must be 1 (most urgent) to 4, or 0 for unset")
	}
	if c.Tier < 0 || c.Tier > TierSpecial {
		v.add("tier", "invalid", "must be 1, 2 or 3, or 0 for unset")
	}
	if len(c.Attachments) > MaxAttachments {
		v.add("attachments", "too_many", "has %d attachments, at most %d allowed", len(c.Attachments), MaxAttachments)
	}
	for i, a := range c.Attachments {
		f := fmt.Sprintf("attachments[%d]", i)
		v.text(f+".name", a.Name, MaxShortFieldLen, true)
		v.text(f+".uri", a.URI, MaxURILen, true)
		v.text(f+".media_type", a.MediaType, MaxShortFieldLen, false)
	}
	if len(c.Tags) > MaxTags {
		v.add("tags", "too_many", "has %d tags, at most %d allowed", len(c.Tags), MaxTags)
	}
	for i, t := range c.Tags {
		f := fmt.Sprintf("tags[%d]", i)
		v.text(f, t, MaxTagLen, true)
		if strings.ContainsFunc(t, unicode.IsSpace) || strings.Contains(t, ",") {
			v.add(f, "invalid", "must not contain spaces or commas")
		}
	}
	if len(c.Custom) > MaxCustomFields {
		v.add("custom", "too_many", "has %d fields, at most %d allowed", len(c.Custom), MaxCustomFields)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Custom)) {
		v.text("custom key "+k, k, MaxCustomKeyLen, true)
		v.text("custom."+k, c.Custom[k], MaxCustomValueLen, false)
	}
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.errs}
}
