package cachestore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
)

// BenchmarkRedisMemoryPerSession caches b.N sessions in a private Redis,
// each created through the cache and read once (as a request after
// sign-in does), and reports the Redis memory they take: used_memory's
// growth per session, which counts the entry, its generation key, their
// expiries and Redis's per-key overhead, and MEMORY USAGE of one entry and
// one generation key. The sizes are those of the bench's small session
// (a CSRF token, a theme, a cart, a last-seen time, a notice: about 300
// bytes of JSON) and its large one (50 keys, 8 KB). ns/op is the cost of
// a PostgreSQL create and load, not of Redis.
//
//	go test -run '^$' -bench RedisMemoryPerSession -benchtime 5000x ./  # in runtime/cachestore
func BenchmarkRedisMemoryPerSession(b *testing.B) {
	small := data(
		"_csrf", `"`+strings.Repeat("x", 43)+`"`, "theme", `"dark"`,
		"cart", `[{"sku":"A-1001","qty":2},{"sku":"B-2002","qty":1},{"sku":"C-3003","qty":5}]`,
		"last_seen", `"2026-01-02T15:04:05Z"`, "notice", `"Your order has been placed. Thank you for shopping with us!"`,
		"user_id", `"user-123456"`,
	)
	large := map[string]json.RawMessage{}
	for i := range 50 {
		large[fmt.Sprintf("k%02d", i)] = json.RawMessage(`"` + strings.Repeat("v", 158) + `"`)
	}
	for _, bb := range []struct {
		name string
		data map[string]json.RawMessage
	}{{"small", small}, {"large", large}} {
		b.Run(bb.name, func(b *testing.B) {
			srv := startRedis(b)
			rdb := redisClient(b, srv.addr())
			e := newEnvOn(b, rdb)
			// The default prefix, so that the keys are as long as a
			// deployment's.
			s := e.store(cachestore.WithPrefix(cachestore.DefaultPrefix))
			ctx := context.Background()
			before := usedMemory(b, rdb)
			var h runtime.TokenHash
			for b.Loop() {
				h = create(b, s, bb.data, runtime.Record{ExpiresAt: time.Now().Add(time.Hour)})
				if _, err := s.Load(ctx, h); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if !e.cached(b, s.Key(h)) {
				b.Fatal("the last session is not cached: the figures would be of nothing")
			}
			b.ReportMetric(float64(usedMemory(b, rdb)-before)/float64(b.N), "used_memory_B/session")
			b.ReportMetric(float64(memoryUsage(b, rdb, s.Key(h))), "entry_B")
			b.ReportMetric(float64(memoryUsage(b, rdb, s.Key(h)+":gen")), "gen_key_B")
			raw, err := rdb.Get(ctx, s.Key(h)).Bytes()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(raw)), "entry_value_B")
		})
	}
}

// usedMemory returns Redis's used_memory.
func usedMemory(b *testing.B, rdb *redis.Client) int64 {
	b.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatalf("no used_memory in INFO memory:\n%s", info)
	return 0
}

// memoryUsage returns MEMORY USAGE of key, sampling all of it.
func memoryUsage(b *testing.B, rdb *redis.Client, key string) int64 {
	b.Helper()
	n, err := rdb.MemoryUsage(context.Background(), key, 0).Result()
	if err != nil {
		b.Fatal(err)
	}
	return n
}
