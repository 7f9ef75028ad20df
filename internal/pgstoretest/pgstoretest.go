// Package pgstoretest gives tests outside package pgstore a pgstore.Store
// on a migrated schema of their own, and serves an application on one for
// tests that put it under load and then check that shutting it down
// leaves nothing running. It builds on package pgtest: a test binary that
// uses it calls pgtest.Main from its TestMain.
//
// pgstore's own tests in package pgstore cannot import it, since it
// imports pgstore; those in package pgstore_test can.
package pgstoretest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// New returns a store on a migrated schema of t's own (a pgtest.Pool), and
// its pool.
func New(t testing.TB) (*pgstore.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t)
	return migrated(t, pool), pool
}

// Counted is New with the counter of the statements the pool sends (a
// pgtest.CountedPool).
func Counted(t testing.TB) (*pgstore.Store, *pgxpool.Pool, *pgtest.Counter) {
	t.Helper()
	pool, counter := pgtest.CountedPool(t)
	return migrated(t, pool), pool, counter
}

// Pools returns n pools on one migrated schema of t's own, so on one
// session table, each with connections of its own: what n instances of an
// application have, for tests of what must hold across instances.
func Pools(t testing.TB, n int) []*pgxpool.Pool {
	t.Helper()
	cfg := pgtest.PoolConfig(t)
	pools := make([]*pgxpool.Pool, n)
	for i := range pools {
		p, err := pgxpool.NewWithConfig(context.Background(), cfg.Copy())
		if err != nil {
			t.Fatalf("pgstoretest: %v", err)
		}
		t.Cleanup(p.Close)
		if i == 0 {
			migrated(t, p)
		}
		pools[i] = p
	}
	return pools
}

// migrated migrates pool, failing t if that fails, and returns a store on
// it.
func migrated(t testing.TB, pool *pgxpool.Pool) *pgstore.Store {
	t.Helper()
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatalf("pgstoretest: %v", err)
	}
	return pgstore.New(pool)
}
