package pgstore_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// wantApplied fails t unless the bookkeeping table records the versions
// want, in order.
func wantApplied(t *testing.T, pool *pgxpool.Pool, want ...int32) {
	t.Helper()
	rows, _ := pool.Query(context.Background(), "SELECT version FROM sessiongen_migrations ORDER BY version")
	v, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v, want) {
		t.Errorf("applied versions %v, want %v", v, want)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	for range 3 {
		if err := pgstore.Migrate(context.Background(), pool); err != nil {
			t.Fatal(err)
		}
	}
	wantApplied(t, pool, 1, 2)
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	const processes = 8
	cfg := pgtest.PoolConfig(t)
	cfg.MaxConns = processes
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)

	var wg sync.WaitGroup
	for range processes {
		wg.Go(func() {
			if err := pgstore.Migrate(context.Background(), pool); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	wantApplied(t, pool, 1, 2)
}

func TestMigrateInTheSearchPath(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	var schema, current string
	err := pool.QueryRow(context.Background(),
		`SELECT relnamespace::regnamespace::text, current_schema() FROM pg_class WHERE oid = 'sessiongen_sessions'::regclass`).Scan(&schema, &current)
	if err != nil {
		t.Fatal(err)
	}
	if schema != current {
		t.Errorf("table in schema %s, want the search_path's %s", schema, current)
	}
}
