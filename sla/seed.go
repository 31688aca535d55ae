package sla

import _ "embed"

//go:embed seed.yaml
var seedYAML []byte

// SeedYAML returns a policy file with the time limits of the seed documents, ready for [Parse]:
//
//   - standard (the default, ordinary after-sales): first response within 24 hours (2 h at priority
//     1, 4 h for VIP customers), resolution within five business days on Shanghai office hours,
//     follow-up within 48 hours of resolution; reminders only in office hours;
//   - quality (the golden hour): acknowledge within 1 hour, first check within 2 hours of that, first
//     findings within 24 hours;
//   - safety (medical devices and anything that can hurt): contact within 2 hours day and night,
//     resolution within 24 hours, escalation at every level, reopen resets the clocks.
//
// Each call returns a fresh copy.
func SeedYAML() []byte { return append([]byte(nil), seedYAML...) }
