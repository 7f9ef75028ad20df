package impl

import (
	"context"
	"crypto/rand"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// sessiongenCachedImpl is sessiongenImpl with a Redis read-through cache
// (runtime/cachestore) in front of pgstore: the same routes and settings,
// with reads of a warm session served from Redis and writes going to
// PostgreSQL and then invalidating the cached copy. Its keys carry a prefix
// of the process's own, deleted by Close. It counts its Redis round trips
// (RedisTripsRoute).
type sessiongenCachedImpl struct {
	pooled
	rdb    *redis.Client
	prefix string
	trips  atomic.Int64
}

func newSessiongenCached(ctx context.Context, cfg Config) (*sessiongenCachedImpl, error) {
	// A schema of its own: the table name is pgstore's, and sessiongen's
	// impl truncates its own table while this one runs beside it.
	pool, err := newPool(ctx, cfg, cachedSchema, migrate)
	if err != nil {
		return nil, err
	}
	rdb := redis.NewClient(&redis.Options{Addr: RedisAddr(), ContextTimeoutEnabled: true, PoolSize: int(cfg.PoolSize) * 2})
	if err := rdb.Ping(ctx).Err(); err != nil {
		pool.Close()
		rdb.Close()
		return nil, err
	}
	x := &sessiongenCachedImpl{rdb: rdb, prefix: "sessiongen-bench:" + rand.Text()[:10] + ":"}
	rdb.AddHook(tripHook{&x.trips})
	h, err := sessiongenHandler(cachestore.New(pgstore.New(pool), rdb, cachestore.WithPrefix(x.prefix)))
	if err != nil {
		pool.Close()
		rdb.Close()
		return nil, err
	}
	x.pooled = pooled{pool, countedHandler(h, &x.trips)}
	return x, nil
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
