package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// dbHelp is the help text of the database commands, migrate and
// clearsessions.
const dbHelp = `migrate creates or upgrades the session table; clearsessions deletes
expired sessions in batches and prints how many it deleted. The database is
-db, or $DATABASE_URL without it.
`

// migrateFlags registers the flags of sessiongen migrate.
func migrateFlags(fs *flag.FlagSet, o *options) { o.dbFlag(fs) }

// clearSessionsFlags registers the flags of sessiongen clearsessions.
func clearSessionsFlags(fs *flag.FlagSet, o *options) {
	o.dbFlag(fs)
	o.batchFlag(fs, "delete at most `N` sessions per statement")
}

// runMigrate runs sessiongen migrate: it brings the session table up to
// date.
func runMigrate(cx *invocation) int {
	return cx.withDatabase(cx.misuse, func(ctx context.Context, pool *pgxpool.Pool) error {
		if err := pgstore.Migrate(ctx, pool); err != nil {
			return err
		}
		fmt.Fprintln(cx.stdout, "session table is up to date")
		return nil
	})
}

// runClearSessions runs sessiongen clearsessions: it deletes expired
// sessions, -batch at a time, and says how many it deleted, even when it
// stopped early.
func runClearSessions(cx *invocation) int {
	batch := cx.opts.batch
	if batch < 0 {
		return cx.misuse("-batch must be positive, not %d", batch)
	}
	return cx.withDatabase(cx.misuse, func(ctx context.Context, pool *pgxpool.Pool) error {
		n, err := pgstore.New(pool).DeleteExpired(ctx, batch)
		fmt.Fprintf(cx.stdout, "%s deleted\n", count(n, "expired session"))
		return err
	})
}

// count returns n and noun, in the plural unless n is 1.
func count(n int64, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return fmt.Sprintf("%d %s", n, noun)
}

// connect opens a pool on url and checks that the database answers. The
// error never repeats url, which may hold a password.
func connect(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse the database URL: %w", err) // pgx hides the password
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to the database: %w", err)
	}
	return pool, nil
}
