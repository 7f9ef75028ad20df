package main

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
)

// dbPool opens a pool on url for the test to look at the table.
func dbPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// migratedDB returns the URL of a new database schema that sessiongen
// migrate has given the session table, and a pool on it.
func migratedDB(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	url := pgtest.URL(t)
	if code, _, stderr := runCmd(t, "migrate", "-db", url); code != exitOK {
		t.Fatalf("migrate: exit %d: %s", code, stderr)
	}
	return url, dbPool(t, url)
}

// sessionCounts returns how many live and expired sessions the table holds.
func sessionCounts(t *testing.T, pool *pgxpool.Pool) (live, expired int) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `
		SELECT count(*) FILTER (WHERE expires_at > now()), count(*) FILTER (WHERE expires_at <= now())
		FROM sessiongen_sessions`).Scan(&live, &expired)
	if err != nil {
		t.Fatal(err)
	}
	return live, expired
}

// addSessions adds live and expired sessions straight into the table.
func addSessions(t *testing.T, pool *pgxpool.Pool, live, expired int) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `
		INSERT INTO sessiongen_sessions (token_hash, expires_at)
		SELECT sha256(convert_to(gen_random_uuid()::text, 'UTF8')),
		       now() + CASE WHEN g <= $1::int THEN interval '1 hour' ELSE -g * interval '1 second' END
		FROM generate_series(1, $1::int + $2::int) g`, live, expired)
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	for i := range 2 { // the second run finds nothing to do
		code, stdout, stderr := runCmd(t, "migrate", "-db", url)
		if code != exitOK || stdout != "session table is up to date\n" || stderr != "" {
			t.Fatalf("migrate run %d: exit %d, stdout %q, stderr %q", i+1, code, stdout, stderr)
		}
	}
	live, expired := sessionCounts(t, dbPool(t, url))
	if live != 0 || expired != 0 {
		t.Fatalf("fresh table holds %d live, %d expired sessions", live, expired)
	}
}

func TestClearSessionsCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		live, expired  int
		args           []string
		want           string
		wantLeftBehind int
	}{
		{"default batch", 3, 2500, nil, "2500 expired sessions deleted\n", 3},
		{"small batches", 2, 25, []string{"-batch", "7"}, "25 expired sessions deleted\n", 2},
		{"one", 1, 1, nil, "1 expired session deleted\n", 1},
		{"none", 4, 0, []string{"-batch", "1"}, "0 expired sessions deleted\n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, pool := migratedDB(t)
			addSessions(t, pool, tt.live, tt.expired)
			code, stdout, stderr := runCmd(t, append([]string{"clearsessions", "-db", url}, tt.args...)...)
			if code != exitOK || stdout != tt.want || stderr != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 0, %q", code, stdout, stderr, tt.want)
			}
			live, expired := sessionCounts(t, pool)
			if live != tt.wantLeftBehind || expired != 0 {
				t.Fatalf("left %d live and %d expired sessions, want %d and 0", live, expired, tt.wantLeftBehind)
			}
		})
	}
}

// TestDatabaseFromEnvironment cannot run in parallel: it sets DATABASE_URL.
func TestDatabaseFromEnvironment(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("DATABASE_URL", url)
	if code, stdout, stderr := runCmd(t, "migrate"); code != exitOK || !strings.Contains(stdout, "up to date") {
		t.Fatalf("migrate with DATABASE_URL: exit %d, %q, %q", code, stdout, stderr)
	}
	addSessions(t, dbPool(t, url), 0, 3)
	if code, stdout, stderr := runCmd(t, "clearsessions"); code != exitOK || stdout != "3 expired sessions deleted\n" {
		t.Fatalf("clearsessions with DATABASE_URL: exit %d, %q, %q", code, stdout, stderr)
	}
	// -db wins over the environment.
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing?connect_timeout=2")
	if code, stdout, stderr := runCmd(t, "clearsessions", "-db", url); code != exitOK || stdout != "0 expired sessions deleted\n" {
		t.Fatalf("clearsessions -db: exit %d, %q, %q", code, stdout, stderr)
	}
	t.Setenv("DATABASE_URL", "")
	code, stdout, stderr := runCmd(t, "clearsessions")
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "no database: pass -db URL or set DATABASE_URL") {
		t.Fatalf("no database: exit %d, %q, %q", code, stdout, stderr)
	}
}

func TestDatabaseCommandErrors(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t) // a schema without the table
	tests := []struct {
		name      string
		args      []string
		code      int
		stdout    string
		stderrHas []string
		stderrNot string
	}{
		{"help", []string{"clearsessions", "-h"}, exitOK, "", []string{"usage:", "sessiongen clearsessions [-db URL] [-batch N]", "-batch N"}, ""},
		{"migrate help", []string{"migrate", "-help"}, exitOK, "", []string{"sessiongen migrate [-db URL]", "-db URL"}, ""},
		{"unknown flag", []string{"migrate", "-batch", "3"}, exitUsage, "", []string{"flag provided but not defined: -batch"}, ""},
		{"argument", []string{"clearsessions", "-db", url, "now"}, exitUsage, "", []string{`unexpected argument "now"`}, ""},
		{"negative batch", []string{"clearsessions", "-db", url, "-batch", "-1"}, exitUsage, "", []string{"-batch must be positive"}, ""},
		{"no table", []string{"clearsessions", "-db", url}, exitFail, "0 expired sessions deleted\n", []string{"sessiongen clearsessions:", "sessiongen_sessions"}, ""},
		{"unreachable", []string{"migrate", "-db", "postgres://someone:hunter2@127.0.0.1:1/db?connect_timeout=2"}, exitFail, "",
			[]string{"sessiongen migrate: connect to the database"}, "hunter2"},
		{"bad URL", []string{"migrate", "-db", "postgres://someone:hunter2@[::1"}, exitFail, "", []string{"sessiongen migrate: parse the database URL"}, "hunter2"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCmd(t, tt.args...)
		if code != tt.code || stdout != tt.stdout {
			t.Errorf("%s: exit %d, stdout %q; want %d, %q (stderr %q)", tt.name, code, stdout, tt.code, tt.stdout, stderr)
		}
		for _, w := range tt.stderrHas {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", tt.name, w, stderr)
			}
		}
		if tt.stderrNot != "" && strings.Contains(stderr, tt.stderrNot) {
			t.Errorf("%s: stderr shows the password:\n%s", tt.name, stderr)
		}
	}
}

func TestTopLevelUsageNamesDatabaseCommands(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCmd(t, "help")
	if code != exitOK {
		t.Fatalf("help: exit %d", code)
	}
	for _, w := range []string{"sessiongen migrate [-db URL]", "sessiongen clearsessions [-db URL] [-batch N]"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("usage lacks %q:\n%s", w, stdout)
		}
	}
}
