package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// dropKeyDB returns the URL of a migrated database schema holding five
// live sessions, all with the key theme and the first three with basket
// too, and a pool on it.
func dropKeyDB(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	url, pool := migratedDB(t)
	addSessions(t, pool, 5, 0)
	_, err := pool.Exec(context.Background(), `
		UPDATE sessiongen_sessions s SET data = CASE WHEN n <= 3
			THEN '{"theme":"dark","basket":[1,2]}'::bytea ELSE '{"theme":"dark"}'::bytea END
		FROM (SELECT token_hash, row_number() OVER (ORDER BY token_hash) AS n FROM sessiongen_sessions) o
		WHERE s.token_hash = o.token_hash`)
	if err != nil {
		t.Fatal(err)
	}
	return url, pool
}

// countKey returns how many stored sessions hold key.
func countKey(t *testing.T, pool *pgxpool.Pool, key string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM sessiongen_sessions WHERE convert_from(data, 'UTF8')::jsonb ? $1", key).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDropKey(t *testing.T) {
	dir := t.TempDir()
	without := writeTestFile(t, dir, "without/sessions.yaml", "keys:\n  theme:\n    type: string\n")
	declared := writeTestFile(t, dir, "declared/sessions.yaml", "keys:\n  theme:\n    type: string\n  basket:\n    type: \"[]int64\"\n")
	former := writeTestFile(t, dir, "former/sessions.yaml", "keys:\n  cart:\n    type: \"[]int64\"\n    renamed_from: [bag, basket]\n")
	missing := filepath.Join(dir, "missing.yaml")

	tests := []struct {
		name       string
		args       []string // after -db URL
		wantCode   int
		wantStdout string
		wantStderr string
		wantLeft   int // sessions still holding basket
	}{
		{"dropped", []string{"-key", "basket", "-batch", "2", "-f", without}, 0,
			"key \"basket\" deleted from 3 sessions\n", "", 0},
		{"declared", []string{"-key", "basket", "-f", declared}, 1,
			"", declared + `:4:3: key "basket" is still declared; remove it from the schema and deploy first, or pass -force`, 3},
		{"declared, forced", []string{"-key", "basket", "-f", declared, "-force"}, 0,
			"key \"basket\" deleted from 3 sessions\n", "", 0},
		{"former name", []string{"-key", "basket", "-f", former}, 1,
			"", former + `:4:25: key "cart" still reads "basket" as its former name; remove it from renamed_from and deploy first, or pass -force`, 3},
		{"no schema", []string{"-key", "basket", "-f", missing}, 1,
			"", `cannot check that the schema no longer uses key "basket" (pass -f, or -force to skip the check)`, 3},
		{"no schema, forced", []string{"-key", "basket", "-f", missing, "-force"}, 0,
			"key \"basket\" deleted from 3 sessions\n", "", 0},
		{"absent key", []string{"-key", "bag", "-f", without}, 0,
			"key \"bag\" deleted from 0 sessions\n", "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, pool := dropKeyDB(t)
			code, stdout, stderr := runCmd(t, append([]string{"dropkey", "-db", url}, tt.args...)...)
			if code != tt.wantCode || stdout != tt.wantStdout || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit %d, stdout %q, stderr holding\n%s",
					code, stdout, stderr, tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
			if got := countKey(t, pool, "basket"); got != tt.wantLeft {
				t.Errorf("%d sessions hold basket, want %d", got, tt.wantLeft)
			}
			if got := countKey(t, pool, "theme"); got != 5 {
				t.Errorf("%d sessions hold theme, want all 5", got)
			}
		})
	}
}

// TestDropKeyDatabaseURL checks that dropkey finds the database in
// $DATABASE_URL.
func TestDropKeyDatabaseURL(t *testing.T) {
	url, pool := dropKeyDB(t)
	t.Setenv("DATABASE_URL", url)
	schema := writeTestFile(t, t.TempDir(), "sessions.yaml", "keys:\n  theme:\n    type: string\n")
	code, stdout, stderr := runCmd(t, "dropkey", "-key", "basket", "-f", schema)
	if code != 0 || stdout != "key \"basket\" deleted from 3 sessions\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if got := countKey(t, pool, "basket"); got != 0 {
		t.Errorf("%d sessions still hold basket", got)
	}
}

// TestDropKeyUsage checks the usage errors, which touch no database.
func TestDropKeyUsage(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	schema := writeTestFile(t, t.TempDir(), "sessions.yaml", "keys:\n  theme:\n    type: string\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-f", schema}, "-key is required"},
		{[]string{"-key", "_expiry", "-f", schema}, `key "_expiry" belongs to the runtime`},
		{[]string{"-key", "basket", "-batch", "0", "-f", schema}, "-batch must be positive, not 0"},
		{[]string{"-key", "basket", "-f", schema}, "no database: pass -db URL or set DATABASE_URL"},
		{[]string{"-key", "basket", "-f", schema, "extra"}, `unexpected argument "extra"`},
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		code, _, stderr := runCmd(t, append([]string{"dropkey"}, tt.args...)...)
		if code != 2 || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "usage:") {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	// A database that does not answer fails, and says no count.
	code, stdout, stderr := runCmd(t, "dropkey", "-key", "basket", "-f", schema, "-db", "postgres://127.0.0.1:1/x?connect_timeout=5")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "connect to the database") {
		t.Errorf("unreachable database: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
