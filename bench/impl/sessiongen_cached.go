package impl

import (
	"context"
	"crypto/rand"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// DefaultRedisAddr is the Redis that sessiongen-cached uses unless
// $BENCH_REDIS_ADDR names another.
const DefaultRedisAddr = "127.0.0.1:6379"

// sessiongenCachedImpl is sessiongenImpl with a Redis read-through cache
// (runtime/cachestore) in front of pgstore: the same routes and settings,
// with reads of a warm session served from Redis and writes going to
// PostgreSQL and then invalidating the cached copy. Its keys carry a prefix
// of the process's own, deleted by Close.
type sessiongenCachedImpl struct {
	pooled
	rdb    *redis.Client
	prefix string
}

func newSessiongenCached(ctx context.Context, cfg Config) (*sessiongenCachedImpl, error) {
	// A schema of its own: the table name is pgstore's, and sessiongen's
	// impl truncates its own table while this one runs beside it.
	pool, err := newPool(ctx, cfg, cachedSchema, migrate)
	if err != nil {
		return nil, err
	}
	addr := os.Getenv("BENCH_REDIS_ADDR")
	if addr == "" {
		addr = DefaultRedisAddr
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, PoolSize: int(cfg.PoolSize) * 2})
	if err := rdb.Ping(ctx).Err(); err != nil {
		pool.Close()
		rdb.Close()
		return nil, err
	}
	prefix := "sessiongen-bench:" + rand.Text()[:10] + ":"
	h, err := sessiongenHandler(cachestore.New(pgstore.New(pool), rdb, cachestore.WithPrefix(prefix)))
	if err != nil {
		pool.Close()
		rdb.Close()
		return nil, err
	}
	return &sessiongenCachedImpl{pooled{pool, h}, rdb, prefix}, nil
}

func (x *sessiongenCachedImpl) CookieName() string { return runtime.DefaultCookieName }
func (x *sessiongenCachedImpl) Table() string      { return cachedSchema + ".sessiongen_sessions" }

// cachedSchema holds sessiongen-cached's table.
const cachedSchema = "sessiongen_cached"

// Close deletes the process's keys from Redis and closes the connections.
func (x *sessiongenCachedImpl) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := x.rdb.Scan(ctx, 0, x.prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		x.rdb.Del(ctx, iter.Val())
	}
	x.rdb.Close()
	x.pool.Close()
}
