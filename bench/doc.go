// Package bench holds the measurements that judge redress as a whole: end-to-end figures set against
// the raw cost of the same work on the same store, measured in the same run, and the crash test that
// proves acknowledged complaints survive a kill -9. It has no API; everything is in its tests.
//
// Benchmarks never run in CI (go test runs only tests); the tests here are quick and run everywhere
// (the PostgreSQL ones when REDRESS_POSTGRES_DSN is set). The machine is noisy: compare figures of one
// run only, take medians over -count 5, and treat differences under about 15 % as noise.
//
// # Intake end to end (intake_test.go)
//
// BenchmarkIntakeSQLite and BenchmarkIntakePostgres compare, on a fresh store of the same kind:
//
//   - desk: redress.Desk.Intake with validation, text signals and triage on the 100 rules of
//     testdata/rules100.yaml (after reading the customer's earlier complaints for repeat detection),
//     the lifecycle, the seed SLA policies' clocks and timers, events, the outbox (one message per
//     event) and the commit; half the complaints carry an external reference and so also cost the
//     idempotency lookup;
//   - bare: the same rows — captured from real Desk intakes of the same sample complaints (complaint,
//     received and triaged events, SLA timers, outbox messages), with fresh IDs — inserted in one
//     transaction by hand-written SQL on the same store: prepared statements on the store's SQLite
//     write connection; on PostgreSQL plain pgx on the store's pool, one statement per row;
//   - bare-batch (PostgreSQL): the same INSERTs in one pgx.Batch, one round trip and one implicit
//     transaction: the floor of the wire protocol;
//   - bare-min: only the complaint and its first event, the row pair BASELINES.md measured.
//
// SQLite runs one writer at synchronous=FULL (the default of sqlite.Open) and at NORMAL, and the Desk
// also with 16 writers, whose commits the store groups (desk-16-writers); PostgreSQL
// runs 1 and 16 concurrent writers (RunParallel). Each reports intakes/s; the figure the issue asks for
// is desk ÷ bare of one run. TestBareRowsMatchDeskRows checks that the bare writers store exactly the
// rows the Desk stores, so the comparison is like for like; TestRules100File keeps the rule file equal
// to the generator in rules_test.go (rewrite it with -update).
//
//	go test ./bench -run '^$' -bench 'Intake' -benchtime 2s -count 5
//
// # Queries on 1,000,000 complaints (query_test.go)
//
// BenchmarkQuery1M times the Desk's hot queries on a store that cmd/redress-load filled: claiming the
// 100 earliest due timers (in a transaction that rolls back, so the data stays), filtered keyset pages
// of 50 (a queue's open complaints; a category and a tag, each from a cursor anywhere in the year),
// the Pareto of categories over the last 30 days, and a tracking-code lookup. Each reports p50-ms and
// p99-ms, the median and 99th percentile of its iterations. Build the stores once, then point the
// benchmarks at them:
//
//	go run ./cmd/redress-load -store /tmp/redress-1m.db -n 1000000
//	go run ./cmd/redress-load -create-schema -n 1000000 \
//		-store 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=redress_1m'
//	REDRESS_BENCH_SQLITE=/tmp/redress-1m.db \
//	REDRESS_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	REDRESS_BENCH_POSTGRES_SCHEMA=redress_1m \
//		go test ./bench -run '^$' -bench Query1M -benchtime 200x -count 5
//	psql ... -c 'DROP SCHEMA redress_1m CASCADE'   # afterwards
//
// "cold" pages start from cursors spread over the year, so they read pages SQLite's and PostgreSQL's
// own caches do not hold; whether those reads reach the disk depends on the operating system's page
// cache. On the reference VM a freshly loaded 1M store is mostly not in it (cold pages 2-4 ms); after
// reading the files once (cat the SQLite file, or PostgreSQL's base directory, to /dev/null) the same
// cold pages take about 1 ms. Say which you measured.
//
// Without the variables each store's benchmarks skip with a message saying how to build it.
// REDRESS_BENCH_TENANT names the tenant (default acme, the generator's default). TestQueryOperations
// runs the same operations on a small store so that they stay correct between measurements.
//
// # Crash safety (crash_test.go)
//
// TestCrash runs this test binary again as a child process (TestCrashChild, which does nothing unless
// REDRESS_CRASH_DB is set) that takes complaints in through a Desk on a SQLite file opened with
// sqlite.Open, with triage, SLA timers and the outbox on, from four goroutines sharing group commits,
// printing each complaint's ID after Intake
// returns (and acknowledging every third, printing its event number after Transition returns). The
// parent sends SIGKILL after a random number of intakes, reopens the file and checks: every printed
// complaint and transition is stored; every stored complaint has events 1..EventSeq without a gap, the
// SLA timers its history implies and one outbox message per event; PRAGMA integrity_check is ok and
// foreign keys hold; lists, counts, claims work. Three rounds run on the same file, so later children
// start on a file recovered after a kill. The kill points vary; what is asserted does not depend on
// where they land.
package bench
