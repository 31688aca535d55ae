package routing

import (
	"maps"
	"slices"
	"unicode/utf8"

	"github.com/redresshq/redress/complaint"
)

// Triage programs have no runtime cost tracker; their worst case is estimated at load time over the
// largest inputs rules can see (the intake limits of package complaint, and maxKeywords for signals).
// A complaint that passed complaint.Validate is within those limits. One that did not — triage may be
// called on anything — is clipped to them first, so the estimate holds for every evaluation.

// clip returns s cut to at most n characters.
func clip(s string, n int) string {
	if len(s) <= n {
		return s // n bytes are at most n characters
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := 0; k < n; k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

func fits(s string, n int) bool { return len(s) <= n || utf8.RuneCountInString(s) <= n }

// withinBounds reports whether every field rules can read is within the sizes the cost estimate
// assumes.
func withinBounds(c *complaint.Complaint) bool {
	short := []string{
		c.ID, c.Tenant, c.Channel, c.ExternalRef, c.Customer.ID, c.Customer.Name, c.Customer.Contact,
		c.Customer.Tier, c.Product.SKU, c.Product.Model, c.Product.Batch, c.Product.OrderNumber, c.Place,
		c.Category, string(c.Severity), c.Queue, c.Assignee, c.SLAPolicy, string(c.Status), c.RepeatOf,
	}
	for _, s := range short {
		if !fits(s, complaint.MaxShortFieldLen) {
			return false
		}
	}
	if !fits(c.Subject, complaint.MaxSubjectLen) || !fits(c.Description, complaint.MaxDescriptionLen) {
		return false
	}
	if len(c.Tags) > complaint.MaxTags || len(c.Custom) > complaint.MaxCustomFields {
		return false
	}
	for _, t := range c.Tags {
		if !fits(t, complaint.MaxTagLen) {
			return false
		}
	}
	for k, v := range c.Custom {
		if !fits(k, complaint.MaxCustomKeyLen) || !fits(v, complaint.MaxCustomValueLen) {
			return false
		}
	}
	return true
}

// boundedComplaint returns c when it is within bounds, or a copy clipped to them.
func boundedComplaint(c *complaint.Complaint) *complaint.Complaint {
	if withinBounds(c) {
		return c
	}
	d := c.Clone()
	for _, p := range []*string{
		&d.ID, &d.Tenant, &d.Channel, &d.ExternalRef, &d.Customer.ID, &d.Customer.Name, &d.Customer.Contact,
		&d.Customer.Tier, &d.Product.SKU, &d.Product.Model, &d.Product.Batch, &d.Product.OrderNumber, &d.Place,
		&d.Category, &d.Queue, &d.Assignee, &d.SLAPolicy, &d.RepeatOf,
	} {
		*p = clip(*p, complaint.MaxShortFieldLen)
	}
	d.Severity = complaint.Severity(clip(string(d.Severity), complaint.MaxShortFieldLen))
	d.Status = complaint.Status(clip(string(d.Status), complaint.MaxShortFieldLen))
	d.Subject = clip(d.Subject, complaint.MaxSubjectLen)
	d.Description = clip(d.Description, complaint.MaxDescriptionLen)
	if len(d.Tags) > complaint.MaxTags {
		d.Tags = d.Tags[:complaint.MaxTags]
	}
	for i, t := range d.Tags {
		d.Tags[i] = clip(t, complaint.MaxTagLen)
	}
	if len(d.Custom) > 0 {
		keys := slices.Sorted(maps.Keys(d.Custom))
		if len(keys) > complaint.MaxCustomFields {
			keys = keys[:complaint.MaxCustomFields]
		}
		custom := make(map[string]string, len(keys))
		for _, k := range keys {
			custom[clip(k, complaint.MaxCustomKeyLen)] = clip(d.Custom[k], complaint.MaxCustomValueLen)
		}
		d.Custom = custom
	}
	return d
}

// boundedSignals clips the keywords to maxKeywords entries of maxKeywordLen characters.
func boundedSignals(s Signals) Signals {
	ok := len(s.Keywords) <= maxKeywords && fits(s.Language, complaint.MaxShortFieldLen)
	for _, k := range s.Keywords {
		ok = ok && fits(k, maxKeywordLen)
	}
	if ok {
		return s
	}
	kws := s.Keywords
	if len(kws) > maxKeywords {
		kws = kws[:maxKeywords]
	}
	out := make([]string, len(kws))
	for i, k := range kws {
		out[i] = clip(k, maxKeywordLen)
	}
	s.Keywords = out
	s.Language = clip(s.Language, complaint.MaxShortFieldLen)
	return s
}
