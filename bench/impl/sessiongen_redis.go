package impl

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// sessiongenRedisImpl serves the routes as sessiongenImpl does, with the
// same generated accessors and the runtime's defaults, over Redis alone
// (runtime/redisstore, its defaults) on a go-redis client of cfg.PoolSize
// connections, under a key prefix of its own (redisPrefix). It counts its
// Redis round trips (RedisTripsRoute) with a hook on the client.
type sessiongenRedisImpl struct {
	h      http.Handler
	rdb    *redis.Client
	prefix string
	trips  atomic.Int64
}

func newSessiongenRedis(ctx context.Context, cfg Config) (*sessiongenRedisImpl, error) {
	prefix, err := redisPrefix(cfg, "sessiongen-redis")
	if err != nil {
		return nil, err
	}
	x := &sessiongenRedisImpl{prefix: prefix}
	x.rdb = redis.NewClient(&redis.Options{Addr: RedisAddr(), ContextTimeoutEnabled: true, PoolSize: int(cfg.PoolSize)})
	if err := x.rdb.Ping(ctx).Err(); err != nil {
		x.rdb.Close()
		return nil, fmt.Errorf("sessiongen-redis: Redis at %s: %w", RedisAddr(), err)
	}
	x.rdb.AddHook(tripHook{&x.trips})
	h, err := sessiongenHandler(redisstore.New(x.rdb, redisstore.WithPrefix(prefix)))
	if err != nil {
		x.rdb.Close()
		return nil, err
	}
	x.h = countedHandler(h, &x.trips)
	return x, nil
}

func (x *sessiongenRedisImpl) Handler() http.Handler { return x.h }
func (x *sessiongenRedisImpl) CookieName() string    { return runtime.DefaultCookieName }
func (x *sessiongenRedisImpl) Table() string         { return "" }
func (x *sessiongenRedisImpl) Close()                { x.rdb.Close() }

// empty deletes the sessions, and the users' sets, under the prefix.
func (x *sessiongenRedisImpl) empty(ctx context.Context) error { return emptyRedis(ctx, x.prefix) }
