package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
)

// ApplicationID marks a SQLite file as a redress database (PRAGMA application_id, the four bytes at
// offset 68 of the file header: "rdrs"). Migrate writes it with the first migration and refuses
// files that carry another one.
const ApplicationID = 0x72647273

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one numbered file of migrations/.
type migration struct {
	version int
	name    string // file name, e.g. 0001_init.sql
	sql     string
}

var loadMigrations = sync.OnceValues(func() ([]migration, error) { return parseMigrations(migrationFS) })

// parseMigrations reads NNNN_name.sql files from fsys's migrations directory. Versions must run 1, 2,
// 3, ... without gaps or repeats.
func parseMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries { // ReadDir sorts by name
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		if e.IsDir() || !ok || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("sqlite: migration %s: want NNNN_name.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("sqlite: migration %s: want version %d next", name, len(ms)+1)
		}
		b, err := fs.ReadFile(fsys, path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("sqlite: read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	if len(ms) == 0 {
		return nil, errors.New("sqlite: no migrations embedded")
	}
	return ms, nil
}

// SchemaVersion returns the schema version this package creates and understands: the number of its
// newest migration.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil {
		return 0
	}
	return ms[len(ms)-1].version
}

// Errors about the file itself, returned by Open and Migrate before anything is written.
var (
	// ErrForeignDatabase: the file is not a SQLite database, or it is one that another application
	// (or a damaged redress) wrote: tables but no redress application ID and migration table.
	ErrForeignDatabase = errors.New("sqlite: not a redress database")
	// ErrSchemaTooNew: a newer version of redress migrated the file; this version cannot read its
	// schema. The error is a *SchemaVersionError that says both versions.
	ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this redress")
	// ErrReadOnly: the file or its directory cannot be written (WAL needs the directory for its log
	// and shared-memory files).
	ErrReadOnly = errors.New("sqlite: database is read-only")
)

// SchemaVersionError says which schema version a file has and which this package knows. It matches
// [ErrSchemaTooNew] with errors.Is.
type SchemaVersionError struct {
	Found int // newest migration recorded in the file
	Known int // newest migration this package embeds
}

// Error says both versions and what to do.
func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("sqlite: database schema version %d is newer than %d, the newest this redress knows; "+
		"open it with a newer redress", e.Found, e.Known)
}

// Is reports whether target is ErrSchemaTooNew.
func (e *SchemaVersionError) Is(target error) bool { return target == ErrSchemaTooNew }

// schemaState is what inspect finds in a file.
type schemaState struct {
	appID      int64
	objects    int  // schema objects (tables, indexes, ...) other than SQLite's own
	migrations bool // a schema_migrations table exists
	version    int  // newest recorded migration, 0 when none
}

// querier is what inspect needs: a *sql.Conn, *sql.DB or *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func inspect(ctx context.Context, q querier) (schemaState, error) {
	var st schemaState
	if err := q.QueryRowContext(ctx, "PRAGMA application_id").Scan(&st.appID); err != nil {
		return st, fmt.Errorf("read application id: %w", mapOpenError(err))
	}
	if err := q.QueryRowContext(ctx,
		"SELECT count(*), coalesce(sum(type = 'table' AND name = 'schema_migrations'), 0) "+
			"FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").Scan(&st.objects, &st.migrations); err != nil {
		return st, fmt.Errorf("read schema: %w", mapOpenError(err))
	}
	if st.migrations && st.appID == ApplicationID {
		if err := q.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&st.version); err != nil {
			return st, fmt.Errorf("read schema_migrations: %w", mapOpenError(err))
		}
	}
	return st, nil
}

// check says whether a file in state st may be migrated by this package.
func (st schemaState) check() error {
	switch {
	case st.appID == 0 && st.objects == 0:
		return nil // empty: ours to create
	case st.appID != ApplicationID:
		return fmt.Errorf("%w: application id %#x and %d schema objects (redress writes %#x)",
			ErrForeignDatabase, st.appID, st.objects, ApplicationID)
	case !st.migrations:
		return fmt.Errorf("%w: redress application id but no schema_migrations table", ErrForeignDatabase)
	}
	known := SchemaVersion()
	if st.version > known {
		return &SchemaVersionError{Found: st.version, Known: known}
	}
	return nil
}

// Migrate brings the database behind db to the newest schema version this package knows, applying
// each pending embedded migration (migrations/NNNN_name.sql) in order, each in its own BEGIN
// IMMEDIATE transaction together with its row in schema_migrations. Migrations are forward-only: there
// is no way down. Running Migrate again, or from several processes at once, applies nothing twice.
//
// Before it writes anything Migrate checks that the file is empty or a redress database: otherwise
// [ErrForeignDatabase]; a schema newer than this package is [ErrSchemaTooNew] (a
// [*SchemaVersionError]). A file that cannot be written is [ErrReadOnly]. A migration that fails is
// rolled back whole and returned with its file name. [Open] calls Migrate; call it yourself only on a
// *sql.DB you opened with the "sqlite" driver (modernc.org/sqlite).
func Migrate(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", mapOpenError(err))
	}
	defer func() { _ = conn.Close() }()

	// The common case, nothing to do, takes no write lock.
	st, err := inspect(ctx, conn)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if err := st.check(); err != nil {
		return err
	}
	for _, m := range ms[min(st.version, len(ms)):] {
		if err := apply(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one migration in its own transaction, unless another process applied it first.
func apply(ctx context.Context, conn *sql.Conn, m migration) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlite: migrate %s: begin: %w", m.name, mapOpenError(err))
	}
	committed := false
	defer func() {
		if !committed {
			// Background: the rollback must run even when ctx is what failed.
			_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	// Check again under the write lock: another process may have migrated meanwhile.
	st, err := inspect(ctx, conn)
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", m.name, err)
	}
	if err := st.check(); err != nil {
		return err
	}
	if st.version >= m.version {
		return nil
	}
	if st.version != m.version-1 {
		return fmt.Errorf("sqlite: migrate %s: database is at version %d", m.name, st.version)
	}
	if m.version == 1 {
		if _, err := conn.ExecContext(ctx, bootstrapSQL); err != nil {
			return fmt.Errorf("sqlite: migrate %s: create schema_migrations: %w", m.name, mapError(err))
		}
	}
	if _, err := conn.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", m.name, mapError(err))
	}
	if _, err := conn.ExecContext(ctx,
		"INSERT INTO schema_migrations (version, name) VALUES (?, ?)", m.version, m.name); err != nil {
		return fmt.Errorf("sqlite: migrate %s: record: %w", m.name, mapError(err))
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqlite: migrate %s: commit: %w", m.name, mapError(err))
	}
	committed = true
	return nil
}

// bootstrapSQL marks the file as ours and creates the migration table, in the first migration's
// transaction.
var bootstrapSQL = `PRAGMA application_id = ` + strconv.Itoa(ApplicationID) + `;
CREATE TABLE schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);`
