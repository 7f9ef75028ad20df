package pgtest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// currentSchema returns the first schema of the connection's search_path.
func currentSchema(t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) string {
	t.Helper()
	var s string
	if err := q.QueryRow(context.Background(), "SELECT current_schema()").Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// schemaExists reports whether the test database has the schema.
func schemaExists(t *testing.T, name string) bool {
	t.Helper()
	var ok bool
	err := env.admin.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", name).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestPoolIsolatesAndCleansUp(t *testing.T) {
	t.Parallel()
	var schemas [2]string
	t.Run("pools", func(t *testing.T) {
		a, b := Pool(t), Pool(t)
		schemas = [2]string{currentSchema(t, a), currentSchema(t, b)}
		for _, s := range schemas {
			if !strings.HasPrefix(s, "t_") {
				t.Fatalf("current_schema() = %q, want a t_ schema", s)
			}
		}
		if schemas[0] == schemas[1] {
			t.Fatalf("both pools on schema %s", schemas[0])
		}
		ctx := context.Background()
		if _, err := a.Exec(ctx, "CREATE TABLE thing (id int)"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Exec(ctx, "SELECT * FROM thing"); err == nil {
			t.Error("a table made through one pool is visible through another")
		}
		var db string
		if err := a.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
			t.Fatal(err)
		}
		if db != env.dbName || !strings.HasPrefix(db, "sessiongen_test_pgtest_") {
			t.Errorf("current_database() = %q, want %q", db, env.dbName)
		}
	})
	for _, s := range schemas {
		if schemaExists(t, s) {
			t.Errorf("schema %s outlived its test", s)
		}
	}
}

func TestCountedPoolCountsOnItsSchema(t *testing.T) {
	t.Parallel()
	pool, counter := CountedPool(t)
	if s := currentSchema(t, pool); !strings.HasPrefix(s, "t_") {
		t.Errorf("current_schema() = %q, want a t_ schema", s)
	}
	if n := counter.Load(); n != 1 {
		t.Errorf("counter saw %d queries, want 1", n)
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	conn, err := pgx.Connect(context.Background(), URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if s := currentSchema(t, conn); !strings.HasPrefix(s, "t_") {
		t.Errorf("current_schema() = %q, want a t_ schema", s)
	}
}

func TestExampleURL(t *testing.T) {
	t.Parallel()
	a, b := ExampleURL(), ExampleURL()
	if a == b {
		t.Fatal("two example URLs alike")
	}
	conn, err := pgx.Connect(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if s := currentSchema(t, conn); !strings.HasPrefix(s, "t_") {
		t.Errorf("current_schema() = %q, want a t_ schema", s)
	}
}
