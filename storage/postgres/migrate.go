package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration errors.
var (
	// ErrSchemaTooNew is matched by a [*SchemaVersionError]: the database was migrated by a newer
	// redress than this one, which must not write to it.
	ErrSchemaTooNew = errors.New("postgres: database schema is newer than this code")
	// ErrForeignSchema: the schema already holds a table named like one of ours but was never migrated
	// by redress (no schema_migrations table, or one of another migration tool). Nothing is changed.
	ErrForeignSchema = errors.New("postgres: schema holds tables redress did not create")
	// ErrNoSchema: the connection's search_path names no schema that exists, so there is nowhere to
	// create the tables.
	ErrNoSchema = errors.New("postgres: search_path names no existing schema")
)

// SchemaVersionError reports a database whose schema version is newer than the newest migration this
// code embeds. It matches [ErrSchemaTooNew].
type SchemaVersionError struct {
	Schema string // the schema migrated
	Found  int    // the highest version recorded in schema_migrations
	Known  int    // the highest version this code embeds
}

// Error says which versions are involved and that redress must be upgraded.
func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("postgres: schema %q is at version %d, this code knows versions up to %d: upgrade redress",
		e.Schema, e.Found, e.Known)
}

// Is makes errors.Is(err, ErrSchemaTooNew) true.
func (e *SchemaVersionError) Is(target error) bool { return target == ErrSchemaTooNew }

// migration is one embedded NNNN_name.sql file.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order, checking that they are numbered 1, 2, 3, ...
// without gaps (a build with a misnamed file fails every Migrate rather than skipping it).
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: read embedded migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("postgres: embedded migration %q is not named NNNN_name.sql", name)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("postgres: read embedded migration %q: %w", name, err)
		}
		out = append(out, migration{version: v, name: rest, sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("postgres: embedded migrations skip from version %d to %d", i, m.version)
		}
	}
	return out, nil
}

// SchemaVersion returns the newest schema version this code embeds.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// Migrate brings the schema that the pool's search_path selects (its first existing schema) to the
// newest version this code embeds. Each pending migration runs in its own transaction together with
// its row in schema_migrations, under a transaction-scoped advisory lock keyed by the schema name, so
// replicas that start together apply each migration exactly once and the others wait, then find
// nothing to do. Migrations only go forward.
//
// Errors: [ErrNoSchema]; [ErrForeignSchema] when the schema already holds a table named like one of
// redress's (complaints, events, timers, outbox, problems, problem_complaints, surveys) that redress did
// not record; a [*SchemaVersionError] (matching [ErrSchemaTooNew]) when the
// schema is newer than this code — in each case nothing is changed; a failed migration, wrapped, naming
// its version (its transaction rolls back, earlier migrations stay applied).
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: acquire connection: %w", err)
	}
	defer conn.Release()
	for {
		done, err := migrateStep(ctx, conn.Conn(), ms)
		if err != nil || done {
			return err
		}
	}
}

// ourTables are the tables the migrations create. A schema without schema_migrations that holds one of
// them was not made by redress.
var ourTables = []string{"complaints", "events", "timers", "outbox", "problems", "problem_complaints", "surveys"}

// migrateStep applies the next pending migration in one transaction and reports whether the schema is
// now current.
func migrateStep(ctx context.Context, conn *pgx.Conn, ms []migration) (done bool, err error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: migrate: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	var schema *string
	if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return false, fmt.Errorf("postgres: migrate: read current schema: %w", err)
	}
	if schema == nil {
		var searchPath string
		_ = tx.QueryRow(ctx, `SHOW search_path`).Scan(&searchPath)
		return false, fmt.Errorf("%w: search_path is %q", ErrNoSchema, searchPath)
	}
	// The lock is per schema, so one database can hold several independent redress schemas.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('redress.migrate.' || $1, 0))`, *schema); err != nil {
		return false, fmt.Errorf("postgres: migrate: lock schema %q: %w", *schema, err)
	}
	var tracked, foreign bool
	err = tx.QueryRow(ctx, `SELECT
		to_regclass(quote_ident($1) || '.schema_migrations') IS NOT NULL,
		EXISTS (SELECT FROM unnest($2::text[]) AS t WHERE to_regclass(quote_ident($1) || '.' || t) IS NOT NULL)`,
		*schema, ourTables).Scan(&tracked, &foreign)
	if err != nil {
		return false, fmt.Errorf("postgres: migrate: inspect schema %q: %w", *schema, err)
	}
	current := 0
	if tracked {
		// Other migration tools use a table of the same name; ours has exactly these columns.
		var ours int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
			WHERE table_schema = $1 AND table_name = 'schema_migrations' AND column_name IN ('version', 'name', 'applied_at')`,
			*schema).Scan(&ours); err != nil {
			return false, fmt.Errorf("postgres: migrate: inspect schema_migrations in %q: %w", *schema, err)
		}
		if ours != 3 {
			return false, fmt.Errorf("%w: schema %q has a schema_migrations table of another tool", ErrForeignSchema, *schema)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return false, fmt.Errorf("postgres: migrate: read schema version of %q: %w", *schema, err)
		}
	} else {
		if foreign {
			return false, fmt.Errorf("%w: schema %q has a table named like one of redress's (%s) but no schema_migrations",
				ErrForeignSchema, *schema, strings.Join(ourTables, ", "))
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return false, fmt.Errorf("postgres: migrate: create schema_migrations in %q: %w", *schema, err)
		}
	}
	switch {
	case current > len(ms):
		return false, &SchemaVersionError{Schema: *schema, Found: current, Known: len(ms)}
	case current == len(ms):
		if err := tx.Commit(ctx); err != nil {
			return false, fmt.Errorf("postgres: migrate: commit: %w", err)
		}
		return true, nil
	}
	m := ms[current]
	// No arguments: pgx sends the file with the simple protocol, which runs several statements.
	if _, err := tx.Exec(ctx, m.sql); err != nil {
		return false, fmt.Errorf("postgres: migration %04d_%s in schema %q: %w", m.version, m.name, *schema, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
		return false, fmt.Errorf("postgres: migration %04d_%s: record version: %w", m.version, m.name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("postgres: migration %04d_%s: commit: %w", m.version, m.name, err)
	}
	return m.version == len(ms), nil
}
