package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// cleanupTimeout bounds dropping a test's schema.
const cleanupTimeout = 30 * time.Second

// Pool returns a pool on the test binary's database whose search_path is a
// new, empty schema of t's own. The pool is closed and the schema dropped,
// with everything in it, when t ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.NewWithConfig(context.Background(), PoolConfig(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// PoolConfig is Pool without the pool: it returns the configuration, with
// search_path set to a new, empty schema that is dropped when t ends, so
// the caller can adjust it (add a QueryTracer, say) before creating the
// pool. The caller closes the pool, with a t.Cleanup registered after
// PoolConfig returns so that it runs before the schema is dropped.
func PoolConfig(t testing.TB) *pgxpool.Config {
	t.Helper()
	e := current(t)
	schema := newSchema(t, e)
	cfg, err := pgxpool.ParseConfig(e.dbURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return cfg
}

// URL returns a connection string for the test binary's database whose
// search_path (set through the options parameter) is a new, empty schema
// that is dropped when t ends. Use it to hand a database to a subprocess.
func URL(t testing.TB) string {
	t.Helper()
	e := current(t)
	u, err := withSearchPath(e.dbURL, newSchema(t, e))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// ExampleURL is URL for Example functions, which have no testing.TB: it
// panics when there is no database, and its schema is dropped with the
// database when Main returns. Tests use URL.
func ExampleURL() string {
	e, err := load()
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	schema, err := e.newSchema(ctx)
	if err != nil {
		panic(err)
	}
	u, err := withSearchPath(e.dbURL, schema)
	if err != nil {
		panic(err)
	}
	return u
}

// newSchema creates a schema for t and drops it when t ends.
func newSchema(t testing.TB, e *environment) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	name, err := e.newSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := e.dropSchema(ctx, name); err != nil {
			t.Error(err)
		}
	})
	return name
}
