package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// These tests put PgBouncer in transaction pooling mode between pgstore
// and PostgreSQL, with fewer server connections than the pool has, so that
// each server connection serves several clients' transactions in turn.
// They run with SESSIONGEN_DISTRIBUTED=1 (.ci/distributed).
//
// Transaction pooling gives a client a server connection for one
// transaction, or for one statement outside a transaction: between two
// round trips it may be another connection. pgx's default query exec mode
// (QueryExecModeCacheStatement) prepares each statement once per client
// connection, by name, and later only binds and executes it, so the
// prepared statement must be on whatever server connection PgBouncer
// picks: that needs PgBouncer 1.21 or later with max_prepared_statements
// set. With an older PgBouncer (Debian 12 ships 1.18), pgstore needs a
// mode that prepares nothing by name: QueryExecModeCacheDescribe (pgx
// caches each statement's parameter and result types per client
// connection and sends the statement with every execution, in one round
// trip, with binary parameters), or QueryExecModeExec (also one round
// trip, text parameters typed from their Go types).

// bouncerPoolSize is PgBouncer's server connections; bouncerClients the
// pool's.
const (
	bouncerPoolSize = 2
	bouncerClients  = 8
)

// bouncedStore returns a store, migrated, whose pool connects through a
// PgBouncer of t's own with mode, and the PgBouncer.
func bouncedStore(t *testing.T, mode pgx.QueryExecMode, bc pgtest.BouncerConfig) (*pgstore.Store, *pgtest.Bouncer) {
	t.Helper()
	bc.PoolSize = bouncerPoolSize
	b := pgtest.StartBouncer(t, pgtest.PoolConfig(t), bc)
	cfg := b.PoolConfig(t)
	cfg.ConnConfig.DefaultQueryExecMode = mode
	cfg.MaxConns = bouncerClients
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatalf("migrate through PgBouncer %s (%v): %v\n%s", b.Version(), mode, err, b.Log())
	}
	return pgstore.New(pool), b
}

// TestConformanceThroughPgBouncer runs the store contract through
// PgBouncer in transaction pooling mode with each query exec mode that
// prepares nothing by name.
func TestConformanceThroughPgBouncer(t *testing.T) {
	t.Parallel()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			s, b := bouncedStore(t, mode, pgtest.BouncerConfig{})
			t.Logf("PgBouncer %s, transaction pooling, %d server connections for %d clients", b.Version(), bouncerPoolSize, bouncerClients)
			storetest.Run(t, func(*testing.T) runtime.Store { return s })
		})
	}
}

// TestPreparingModesThroughPgBouncer sends a concurrent load of creates,
// loads and updates through PgBouncer with the modes that prepare
// statements and rely on them in a later round trip: pgx's default
// (QueryExecModeCacheStatement, named statements) and
// QueryExecModeDescribeExec (the unnamed statement, described in one round
// trip and executed in the next). On a PgBouncer that cannot track
// prepared statements (before 1.21) both must fail; on a later one, with
// max_prepared_statements set, the default mode must work and keep the
// store contract.
func TestPreparingModesThroughPgBouncer(t *testing.T) {
	t.Parallel()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeDescribeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			s, b := bouncedStore(t, mode, pgtest.BouncerConfig{})
			if b.TracksPreparedStatements() && mode == pgx.QueryExecModeCacheStatement {
				s, b = bouncedStore(t, mode, pgtest.BouncerConfig{MaxPreparedStatements: 200})
				if failed, first := bouncerLoad(s); failed != 0 {
					t.Fatalf("PgBouncer %s with max_prepared_statements: %d operations failed; first: %v", b.Version(), failed, first)
				}
				storetest.Run(t, func(*testing.T) runtime.Store { return s })
				return
			}
			failed, first := bouncerLoad(s)
			t.Logf("PgBouncer %s, %v: %d of %d operations failed; first: %v", b.Version(), mode, failed, bouncerOps*bouncerClients, first)
			if failed == 0 && !b.TracksPreparedStatements() {
				t.Errorf("%v worked through PgBouncer %s in transaction pooling mode, which cannot track prepared statements: "+
					"the documented need for another mode is wrong, or the test shares no server connection", mode, b.Version())
			}
		})
	}
}

// bouncerOps is the operations of each client of bouncerLoad.
const bouncerOps = 100

// bouncerLoad runs bouncerClients goroutines, each creating, loading and
// updating sessions for bouncerOps operations, and returns how many failed
// and the first failure.
func bouncerLoad(s *pgstore.Store) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var failed atomic.Int64
	var first error
	var once sync.Once
	fail := func(err error) {
		failed.Add(1)
		once.Do(func() { first = err })
	}
	var wg sync.WaitGroup
	for c := range bouncerClients {
		wg.Go(func() {
			var h runtime.TokenHash
			for i := range bouncerOps {
				exp := time.Now().Add(time.Hour)
				var err error
				switch i % 3 {
				case 0:
					h = runtime.TokenHash{byte(c), byte(i), byte(i >> 8), 1}
					err = s.Create(ctx, h, runtime.Record{Data: map[string]json.RawMessage{"n": json.RawMessage("1")}, ExpiresAt: exp})
				case 1:
					_, err = s.Load(ctx, h)
				case 2:
					err = s.Update(ctx, h, runtime.Change{Set: map[string]json.RawMessage{"n": json.RawMessage(fmt.Sprint(i))}, ExpiresAt: exp})
				}
				if err != nil {
					fail(err)
				}
			}
		})
	}
	wg.Wait()
	return failed.Load(), first
}
