// Command closedloop plays five weeks of complaints on an in-memory store and closes the loop the
// seeds describe: a category spikes and raises an early warning, the quality team opens a problem
// record (5W2H, 5-Why, fishbone), plans, completes and verifies its actions, and closes it telling the
// customers; satisfaction surveys go out after every resolution, low scores get a second follow-up (or
// reopen the complaint under a stricter policy); and the month ends with KPIs and a Pareto table.
//
//	go run ./examples/closedloop
//
// Everything outside the library is simulated: customers, agents, the outbox relay that would send
// survey links and webhooks. The clock, IDs and randomness are fixed, so the output is the same on
// every run (a test compares it with testdata/output.golden; rewrite it with go test -update).
package main
