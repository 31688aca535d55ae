package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/postgres"
	"github.com/redresshq/redress/storage/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// DefaultNow is the end of the generated history unless -now says otherwise: a fixed instant, so that
// one seed always gives the same data.
var DefaultNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

type options struct {
	store        string
	n            int
	seed         uint64
	now          string
	tenants      string
	batch        int
	workers      int
	sync         string
	createSchema bool
	vacuum       bool
	quiet        bool
}

// ErrUsage is returned (wrapped) for flags that make no sense together or values out of range.
var ErrUsage = errors.New("redress-load: usage")

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("redress-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.store, "store", "", "where to load: a SQLite file path, or a postgres:// DSN (its search_path picks the schema)")
	fs.IntVar(&o.n, "n", 1_000_000, "how many complaints")
	fs.Uint64Var(&o.seed, "seed", 1, "selects the data set: one seed, one data set")
	fs.StringVar(&o.now, "now", DefaultNow.Format(time.RFC3339), "end of the generated year of history (RFC 3339)")
	fs.StringVar(&o.tenants, "tenants", "acme", "comma-separated tenants; the first gets the most complaints")
	fs.IntVar(&o.batch, "batch", 1000, "complaints per transaction")
	fs.IntVar(&o.workers, "workers", 0, "batches generated and written at a time (0: 2 for SQLite, 4 for PostgreSQL)")
	fs.StringVar(&o.sync, "sqlite-sync", "NORMAL", "SQLite synchronous level while loading: NORMAL or FULL")
	fs.BoolVar(&o.createSchema, "create-schema", false, "PostgreSQL: create the DSN's search_path schema if it does not exist")
	fs.BoolVar(&o.vacuum, "vacuum", true, "PostgreSQL: VACUUM (ANALYZE) the tables after loading, as autovacuum eventually would")
	fs.BoolVar(&o.quiet, "q", false, "no progress lines")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: redress-load -store PATH|postgres://... [-n 1000000] [-seed 1] [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("%w: unexpected arguments %q", ErrUsage, fs.Args())
	case o.store == "":
		return o, fmt.Errorf("%w: -store is required (a file path or a postgres:// DSN)", ErrUsage)
	case o.n < 1:
		return o, fmt.Errorf("%w: -n must be at least 1, not %d", ErrUsage, o.n)
	case o.batch < 1:
		return o, fmt.Errorf("%w: -batch must be at least 1, not %d", ErrUsage, o.batch)
	case o.workers < 0:
		return o, fmt.Errorf("%w: -workers must not be negative", ErrUsage)
	}
	return o, nil
}

func isPostgres(store string) bool {
	return strings.HasPrefix(store, "postgres://") || strings.HasPrefix(store, "postgresql://")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	now, err := time.Parse(time.RFC3339, o.now)
	if err != nil {
		return fmt.Errorf("%w: -now: %v", ErrUsage, err)
	}
	var tenants []string
	for _, t := range strings.Split(o.tenants, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tenants = append(tenants, t)
		}
	}
	g, err := NewGenerator(Spec{N: o.n, Seed: o.seed, Now: now.UTC(), Tenants: tenants, BatchSize: o.batch})
	if err != nil {
		return err
	}

	st, where, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	workers := o.workers
	if workers == 0 {
		workers = 2
		if isPostgres(o.store) {
			workers = 4
		}
	}

	step := max(1, g.Batches()/20)
	progress := func(done int, t Totals) {
		if !o.quiet && (done%step == 0 || done == g.Batches()) {
			fmt.Fprintf(stderr, "%6.1f%%  %d complaints, %d events, %d timers  %.0f complaints/s\n",
				100*float64(done)/float64(g.Batches()), t.Complaints, t.Events, t.Timers, float64(t.Complaints)/t.Elapsed.Seconds())
		}
	}
	tot, err := Load(ctx, st, g, workers, progress)
	if err != nil {
		return fmt.Errorf("%w (committed before it: %d complaints in %d batches)", err, tot.Complaints, tot.Batches)
	}
	if pg, ok := st.(*postgres.Store); ok && o.vacuum {
		vstart := time.Now()
		if _, err := pg.Pool().Exec(ctx, "VACUUM (ANALYZE) complaints, events, timers"); err != nil {
			return fmt.Errorf("redress-load: vacuum: %w", err)
		}
		fmt.Fprintf(stdout, "vacuum (analyze) took %s\n", time.Since(vstart).Round(time.Millisecond))
	}
	closeStart := time.Now()
	if err := st.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded %d complaints, %d events, %d timers into %s in %s (%.0f complaints/s, %d per transaction, %d workers, seed %d); close took %s\n",
		tot.Complaints, tot.Events, tot.Timers, where, tot.Elapsed.Round(time.Millisecond),
		float64(tot.Complaints)/tot.Elapsed.Seconds(), o.batch, workers, o.seed, time.Since(closeStart).Round(time.Millisecond))
	if rss := peakRSS(); rss > 0 {
		fmt.Fprintf(stdout, "peak RSS (VmHWM) %.1f MiB\n", float64(rss)/(1<<20))
	}
	return nil
}

// openStore opens the store o names and says where it is, without the DSN's password.
func openStore(ctx context.Context, o options) (storage.Store, string, error) {
	if !isPostgres(o.store) {
		s, err := sqlite.OpenWith(ctx, o.store, sqlite.Config{Synchronous: sqlite.Synchronous(strings.ToUpper(o.sync))})
		if err != nil {
			return nil, "", err
		}
		return s, "sqlite:" + s.Path(), nil
	}
	cfg, err := pgx.ParseConfig(o.store)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", postgres.ErrBadDSN, err)
	}
	schema := "public"
	if sp := cfg.RuntimeParams["search_path"]; sp != "" {
		schema = strings.TrimSpace(strings.Split(sp, ",")[0])
	}
	if o.createSchema {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil, "", fmt.Errorf("%w: %v", postgres.ErrConnect, err)
		}
		_, err = conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize())
		_ = conn.Close(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("redress-load: create schema %s: %w", schema, err)
		}
	}
	s, err := postgres.Open(ctx, o.store)
	if err != nil {
		return nil, "", err
	}
	u := url.URL{Scheme: "postgres", Host: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Path: "/" + cfg.Database}
	return s, u.String() + " schema " + schema, nil
}
