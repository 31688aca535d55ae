// Command redress-load fills a redress store with a year of generated complaints — 1,000,000 by
// default — so that the query benchmarks in package bench (and anyone sizing a deployment) can see
// how the hot queries behave at scale.
//
//	go run ./cmd/redress-load -store /tmp/redress-1m.db -n 1000000
//	go run ./cmd/redress-load -create-schema -n 1000000 \
//		-store 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=redress_1m'
//
// A -store that starts with postgres:// or postgresql:// is a PostgreSQL DSN (its search_path names
// the schema; -create-schema creates it); anything else is a SQLite file path. The program refuses a
// store whose tenants already hold complaints ([ErrNotEmpty]). At the end it prints what it wrote, the
// rate, and the process's peak resident set size (VmHWM from /proc/self/status).
//
// # What it writes
//
// Complaints go in through the storage API (storage.Tx: ComplaintInsert, EventAppend, TimerSet), not
// through the Desk, in batches of -batch complaints per transaction, -workers batches at a time. Each
// complaint is written whole in one insert, in its final state at -now, as a migration from another
// system would write it; so every complaint has version 1 (the storage contract's version of a new
// row) and EventSeq equal to the number of its events.
//
// The data is what a year of a busy complaint desk looks like:
//
//   - creation times over the 365 days before -now, busier on weekdays and in Chinese office hours,
//     growing with the complaint's index (IDs are ULIDs of the creation time, so rows arrive in the
//     order a live store would have received them);
//   - twenty categories with Zipf weights (the four largest hold about half: a Pareto), each with its
//     queue and SLA policy (standard, quality, safety from sla.SeedYAML); channels, severities,
//     priorities, authorization tiers, repeat customers (a power law), VIPs, products, tags,
//     attachments, custom fields, external references for the channels that have them;
//   - the lifecycle played through complaint.Lifecycle: received and triaged events, acknowledge,
//     investigate, requests for information, resolution, the satisfaction survey's answer,
//     confirmation or the close timeout, reopenings, withdrawals, rejections and duplicates, with
//     comments, and the SLA warning levels that fired on the way (SLA events, breaches, reassignments
//     and tier escalations, as the Desk's scanner would have recorded them);
//   - at -now about 8 % of the complaints are open and 2 % resolved awaiting confirmation (the
//     younger a complaint, the likelier it is still open), and the timers are exactly what the Desk
//     would hold: the next warning level of each running SLA clock, and the close timeout of
//     resolved complaints.
//
// One -seed is one data set: batch b draws from its own random stream, so the output does not depend
// on -workers or on the order batches commit in.
//
// # Memory
//
// Memory is bounded by the batches in flight (-workers × -batch complaints with their events), not by
// -n: a batch is generated, written and dropped.
package main
