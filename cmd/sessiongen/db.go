package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// dbUsage is the help text of the database commands.
const dbUsage = `usage:
  sessiongen migrate [-db URL]
  sessiongen clearsessions [-db URL] [-batch N]

migrate creates or upgrades the session table; clearsessions deletes
expired sessions in batches and prints how many it deleted. The database is
-db, or $DATABASE_URL without it.

flags:
`

// isDBCommand reports whether name is one of the database commands.
func isDBCommand(name string) bool { return name == "migrate" || name == "clearsessions" }

// runDB runs the database command cmd (migrate or clearsessions) with args
// and returns its exit status. Interrupting it cancels the statement in
// flight; what was deleted before stays deleted.
func runDB(cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sessiongen "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := fs.String("db", "", "the PostgreSQL connection `URL` (default $DATABASE_URL)")
	batch := 0
	if cmd == "clearsessions" {
		fs.IntVar(&batch, "batch", pgstore.DefaultBatchSize, "delete at most `N` sessions per statement")
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), dbUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sessiongen %s: unexpected argument %q\n", cmd, fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	if batch < 0 {
		fmt.Fprintf(stderr, "sessiongen %s: -batch must be positive, not %d\n", cmd, batch)
		return exitUsage
	}
	url := *dbURL
	if url == "" {
		url = os.Getenv("DATABASE_URL")
	}
	if url == "" {
		fmt.Fprintf(stderr, "sessiongen %s: no database: pass -db URL or set DATABASE_URL\n", cmd)
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if cmd == "migrate" {
		err = migrate(ctx, url, stdout)
	} else {
		err = clearSessions(ctx, url, batch, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "sessiongen %s: %v\n", cmd, err)
		return exitFail
	}
	return exitOK
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

// migrate brings the session table up to date.
func migrate(ctx context.Context, url string, stdout io.Writer) error {
	pool, err := connect(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "session table is up to date")
	return nil
}

// clearSessions deletes expired sessions, batch at a time, and says how
// many it deleted, even when it stopped early.
func clearSessions(ctx context.Context, url string, batch int, stdout io.Writer) error {
	pool, err := connect(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := pgstore.New(pool).DeleteExpired(ctx, batch)
	noun := "sessions"
	if n == 1 {
		noun = "session"
	}
	fmt.Fprintf(stdout, "%d expired %s deleted\n", n, noun)
	return err
}
