package pgstore_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// TestMain runs the tests of both pgstore and pgstore_test: each gets
// schemas of its own in one database that pgtest drops afterwards.
func TestMain(m *testing.M) { pgtest.Main(m) }

// newStore returns a store on a migrated schema of t's own, and its pool.
func newStore(t *testing.T) (*pgstore.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pgstore.New(pool), pool
}
