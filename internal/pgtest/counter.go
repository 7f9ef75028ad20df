package pgtest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Counter is a pgx query tracer that counts the statements a pool sends:
// Load returns the count, Store(0) starts it again. Tests use it to check
// round trips ("one statement per save").
type Counter struct{ atomic.Int64 }

// TraceQueryStart counts one statement.
func (c *Counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.Add(1)
	return ctx
}

// TraceQueryEnd does nothing; it completes pgx.QueryTracer.
func (*Counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// CountedPool is Pool with a Counter of the statements the pool sends.
func CountedPool(t testing.TB) (*pgxpool.Pool, *Counter) {
	t.Helper()
	counter := &Counter{}
	cfg := PoolConfig(t)
	cfg.ConnConfig.Tracer = counter
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool, counter
}
