package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redresshq/redress/storage"
	"github.com/redresshq/redress/storage/memory"
	"github.com/redresshq/redress/storage/postgres"
	"github.com/redresshq/redress/storage/sqlite"
)

// config is the server's configuration after flags and environment.
type config struct {
	addr            string
	store           string
	sqliteSync      string
	keys            string
	webhooks        string
	policies        string
	rules           string
	slaFile         string
	bootstrapTenant string
	logLevel        string
	maxBody         int64
	trackRate       float64
	trackBurst      int
	surveys         bool
	shutdownTimeout time.Duration
}

// env returns the environment variable name, or def when it is unset or empty.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// envParse parses an environment variable with parse, keeping def when it is unset; a malformed value
// is recorded in errs so that run can refuse it by name.
func envParse[T any](errs *[]error, name string, def T, parse func(string) (T, error)) T {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	out, err := parse(v)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s=%q: %v", name, v, err))
		return def
	}
	return out
}

// storeFlags registers the flags that say where the data is (shared by serve and keys).
func storeFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.store, "store", env("REDRESS_STORE", "redress.db"), "SQLite file, postgres:// DSN, or memory: (`REDRESS_STORE`)")
	fs.StringVar(&c.keys, "keys", env("REDRESS_KEYS", ""), "API key file; default redress-keys.json beside the SQLite file, or in the working directory (`REDRESS_KEYS`)")
}

// parseServe reads the serve flags over the environment.
func parseServe(args []string, stderr io.Writer) (*config, error) {
	var c config
	var envErrs []error
	fs := flag.NewFlagSet("redressd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", env("REDRESS_ADDR", "127.0.0.1:8080"), "listen address (`REDRESS_ADDR`)")
	storeFlags(fs, &c)
	fs.StringVar(&c.sqliteSync, "sqlite-sync", env("REDRESS_SQLITE_SYNC", "FULL"), "SQLite synchronous level: FULL (a 201 survives a power cut) or NORMAL (survives a crash of the process only) (`REDRESS_SQLITE_SYNC`)")
	fs.StringVar(&c.webhooks, "webhooks", env("REDRESS_WEBHOOKS", ""), "webhook subscription file; enables the outbox and the relay (`REDRESS_WEBHOOKS`)")
	fs.StringVar(&c.policies, "policies", env("REDRESS_POLICIES", ""), "authorization policy file; default: the built-in three tiers (`REDRESS_POLICIES`)")
	fs.StringVar(&c.rules, "rules", env("REDRESS_RULES", ""), "triage rule file (YAML, see examples/triage/rules.yaml); default: no triage (`REDRESS_RULES`)")
	fs.StringVar(&c.slaFile, "sla", env("REDRESS_SLA", ""), "SLA policy and calendar file (YAML); default: the seed policies of sla.SeedYAML (`REDRESS_SLA`)")
	fs.StringVar(&c.bootstrapTenant, "bootstrap-tenant", env("REDRESS_BOOTSTRAP_TENANT", "default"), "tenant of the admin key created on first start (`REDRESS_BOOTSTRAP_TENANT`)")
	fs.StringVar(&c.logLevel, "log-level", env("REDRESS_LOG_LEVEL", "info"), "debug, info, warn or error (`REDRESS_LOG_LEVEL`)")
	fs.Int64Var(&c.maxBody, "max-body", envParse(&envErrs, "REDRESS_MAX_BODY", int64(1<<20), func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }), "request body limit in bytes (`REDRESS_MAX_BODY`)")
	fs.Float64Var(&c.trackRate, "track-rate", envParse(&envErrs, "REDRESS_TRACK_RATE", 1.0, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }), "tracking lookups per second per client address (`REDRESS_TRACK_RATE`)")
	fs.IntVar(&c.trackBurst, "track-burst", envParse(&envErrs, "REDRESS_TRACK_BURST", 20, strconv.Atoi), "tracking lookups at once per client address (`REDRESS_TRACK_BURST`)")
	fs.BoolVar(&c.surveys, "surveys", envParse(&envErrs, "REDRESS_SURVEYS", true, strconv.ParseBool), "schedule a satisfaction survey at every resolution; its link goes out as a survey.due webhook (`REDRESS_SURVEYS`)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", envParse(&envErrs, "REDRESS_SHUTDOWN_TIMEOUT", 30*time.Second, time.ParseDuration), "time in-flight requests get to finish on shutdown (`REDRESS_SHUTDOWN_TIMEOUT`)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (subcommands: serve, keys)", fs.Arg(0))
	}
	if len(envErrs) > 0 {
		return nil, errors.Join(envErrs...)
	}
	switch {
	case c.maxBody < 1:
		return nil, fmt.Errorf("-max-body %d must be positive", c.maxBody)
	case c.trackRate <= 0 || c.trackBurst < 1:
		return nil, fmt.Errorf("-track-rate and -track-burst must be positive")
	case c.shutdownTimeout <= 0:
		return nil, fmt.Errorf("-shutdown-timeout must be positive")
	}
	if _, err := parseLevel(c.logLevel); err != nil {
		return nil, err
	}
	c.sqliteSync = strings.ToUpper(c.sqliteSync)
	if c.sqliteSync != "FULL" && c.sqliteSync != "NORMAL" {
		return nil, fmt.Errorf("-sqlite-sync %q: want FULL or NORMAL", c.sqliteSync)
	}
	return &c, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("-log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// storeKind says which adapter a -store value selects.
type storeKind int

const (
	storeSQLite storeKind = iota
	storePostgres
	storeMemory
)

func kindOf(dsn string) (storeKind, string) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return storePostgres, dsn
	case dsn == "memory:":
		return storeMemory, dsn
	}
	return storeSQLite, strings.TrimPrefix(dsn, "sqlite:")
}

// keysPath is where the API keys are: -keys, or redress-keys.json beside the SQLite file, or in the
// working directory for the other stores.
func (c *config) keysPath() string {
	if c.keys != "" {
		return c.keys
	}
	if k, path := kindOf(c.store); k == storeSQLite {
		return filepath.Join(filepath.Dir(path), "redress-keys.json")
	}
	return "redress-keys.json"
}

// openStore opens the store -store names.
func (c *config) openStore(ctx context.Context) (storage.Store, string, error) {
	switch k, path := kindOf(c.store); k {
	case storePostgres:
		s, err := postgres.Open(ctx, path)
		return s, "postgres", err
	case storeMemory:
		return memory.New(), "memory", nil
	default:
		s, err := sqlite.OpenWith(ctx, path, sqlite.Config{Synchronous: sqlite.Synchronous(c.sqliteSync)})
		return s, "sqlite", err
	}
}
