package pgstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/sessiongen/sessiongen/runtime/pgstore/internal/db"
	"github.com/sessiongen/sessiongen/schema"
)

// migration is one schema file.
type migration struct {
	version int32
	name    string
	sql     string
}

// bootstrapVersion is the file that creates the bookkeeping table. It is
// idempotent, runs on every Migrate, and is not recorded.
const bootstrapVersion = 0

// migrationName matches a schema file's name and captures its version.
var migrationName = regexp.MustCompile(`^(\d+)_[a-z0-9_]+\.sql$`)

// Migrate brings the sessions table in conn's database (in the
// connection's search_path) up to date: it applies each schema file not
// applied yet, in order, and records it. It runs in one transaction, so it
// applies all of them or none, and it holds an advisory lock meanwhile, so
// several processes may call it at once at start-up. Calling it on an
// up-to-date database changes nothing.
//
// conn is usually a *pgxpool.Pool. On a pgx.Tx, Migrate runs in a
// savepoint of that transaction: what it applied is committed or rolled
// back with the caller's transaction, which holds the advisory lock until
// it ends.
func Migrate(ctx context.Context, conn DBTX) error {
	return migrate(ctx, conn, schema.FS)
}

// migrate is Migrate with the schema files of fsys.
func migrate(ctx context.Context, conn DBTX, fsys fs.FS) error {
	migrations, err := readMigrations(fsys)
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		return apply(ctx, tx, migrations)
	})
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	return nil
}

// apply runs the migrations not applied yet in tx.
func apply(ctx context.Context, tx pgx.Tx, migrations []migration) error {
	q := db.New(tx)
	if err := q.LockMigrations(ctx); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if len(migrations) == 0 || migrations[0].version != bootstrapVersion {
		return errors.New("no bootstrap schema file (version 0)")
	}
	if _, err := tx.Exec(ctx, migrations[0].sql); err != nil {
		return fmt.Errorf("%s: %w", migrations[0].name, err)
	}
	applied, err := q.AppliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("list applied versions: %w", err)
	}
	for _, m := range migrations[1:] {
		if _, done := slices.BinarySearch(applied, m.version); done {
			continue
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if err := q.RecordMigration(ctx, m.version); err != nil {
			return fmt.Errorf("record %s: %w", m.name, err)
		}
	}
	return nil
}

// readMigrations returns the schema files of fsys, NNN_name.sql at its
// root, ordered by version.
func readMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		match := migrationName.FindStringSubmatch(e.Name())
		if e.IsDir() || match == nil {
			return nil, fmt.Errorf("schema file %q is not named NNN_name.sql", e.Name())
		}
		v, err := strconv.ParseInt(match[1], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("schema file %q: version: %w", e.Name(), err)
		}
		sql, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: int32(v), name: e.Name(), sql: string(sql)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("schema files %q and %q have the same version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}
