package schema_test

import (
	"context"
	"io/fs"
	"regexp"
	"testing"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/schema"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestFilesApplyAsIs applies the files in order, as a migration tool
// would, with nothing from pgstore.
func TestFilesApplyAsIs(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(schema.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	numbered := regexp.MustCompile(`^\d{3}_[a-z0-9_]+\.sql$`)
	pool := pgtest.Pool(t)
	ctx := context.Background()
	for _, name := range names { // fs.Glob sorts, and the names are zero-padded
		if !numbered.MatchString(name) {
			t.Errorf("%s is not named NNN_name.sql", name)
		}
		sql, err := fs.ReadFile(schema.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, string(sql)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	bootstrap, _ := fs.ReadFile(schema.FS, "000_migrations.sql")
	if _, err := pool.Exec(ctx, string(bootstrap)); err != nil {
		t.Errorf("000_migrations.sql is not idempotent: %v", err)
	}
	for _, table := range []string{"sessiongen_migrations", "sessiongen_sessions"} {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}
