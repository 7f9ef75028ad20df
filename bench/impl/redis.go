package impl

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// DefaultRedisAddr is the Redis that the implementations over Redis use
// unless $BENCH_REDIS_ADDR names another.
const DefaultRedisAddr = "127.0.0.1:6379"

// RedisAddr returns the address of the Redis that the implementations
// over Redis use: $BENCH_REDIS_ADDR, else DefaultRedisAddr.
func RedisAddr() string {
	if addr := os.Getenv("BENCH_REDIS_ADDR"); addr != "" {
		return addr
	}
	return DefaultRedisAddr
}

// RedisTripsRoute answers, for an implementation over Redis, the Redis
// round trips its process has made so far, as a decimal number: benchrun
// reads it before and after the requests it counts. Other implementations
// do not serve it (404).
const RedisTripsRoute = "/redis-round-trips"

// countedHandler serves RedisTripsRoute with the count of trips, and
// every other route with h, so that the count is read without a session.
func countedHandler(h http.Handler, trips *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == RedisTripsRoute {
			_, _ = w.Write(strconv.AppendInt(nil, trips.Load(), 10))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// tripHook is a go-redis hook that counts the client's round trips to
// Redis in n: one for each command sent alone (each attempt of a script,
// EVALSHA and then EVAL if Redis lacks it, is one) and one for each
// pipeline or transaction, which goes out at once and is answered at once.
// The commands that set up a new connection count too, as they go through
// the same hooks; the warm-up that precedes a count opens the connections.
type tripHook struct{ n *atomic.Int64 }

func (h tripHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h tripHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h tripHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// redisPrefix returns the Redis key prefix of implementation name's
// sessions: "bench:", the name of the database cfg.DSN connects to, and
// name, so that the tests (database sessiongen_bench_test) and a run
// (sessiongen_bench) each have a keyspace of their own, as each has a
// database of its own.
func redisPrefix(cfg Config, name string) (string, error) {
	pc, err := pgx.ParseConfig(cfg.DSN)
	if err != nil {
		return "", fmt.Errorf("%s: the Redis key prefix names the database: %w", name, err)
	}
	return "bench:" + pc.Database + ":" + name + ":", nil
}

// emptyRedis deletes every key under prefix, with a client of its own so
// that no implementation counts the round trips.
func emptyRedis(ctx context.Context, prefix string) error {
	rdb := redis.NewClient(&redis.Options{Addr: RedisAddr(), ContextTimeoutEnabled: true})
	defer rdb.Close()
	iter := rdb.Scan(ctx, 0, globEscape(prefix)+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		if keys = append(keys, iter.Val()); len(keys) == 1000 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("empty %s*: %w", prefix, err)
			}
			keys = keys[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("empty %s*: %w", prefix, err)
	}
	if len(keys) > 0 {
		if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
			return fmt.Errorf("empty %s*: %w", prefix, err)
		}
	}
	return nil
}

// globEscape escapes the characters of s that a SCAN pattern would read as
// a glob.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
