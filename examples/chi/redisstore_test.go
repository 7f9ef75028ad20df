package main

import (
	"context"
	"crypto/rand"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/examples/internal/webtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// TestSessionsInRedis serves the shop's routes from two instances, each
// with a manager over a Redis client and a redisstore.Store of its own,
// sharing one Redis, as a deployment behind a load balancer does. One
// browser's requests alternate between them: the visits and the cart carry
// over from one instance to the other, and a second browser has a session
// of its own.
func TestSessionsInRedis(t *testing.T) {
	addr := redisAddr(t)
	prefix := "sessiongen-example-test:" + rand.Text()[:12] + ":"
	newStore := func() *redisstore.Store {
		rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
		t.Cleanup(func() { rdb.Close() })
		return redisstore.New(rdb, redisstore.WithPrefix(prefix))
	}
	var browsers []*webtest.Browser
	for range 2 {
		mgr, err := runtime.NewManager(newStore())
		if err != nil {
			t.Fatal(err)
		}
		browsers = append(browsers, webtest.New(t, newRouter(mgr)))
	}
	store := newStore()
	t.Cleanup(func() { deleteKeys(t, addr, prefix) })

	steps := []struct {
		method, path, want string
	}{
		{"GET", "/", "visit 1\n"},
		{"GET", "/", "visit 2\n"},
		{"POST", "/cart/tea", "cart: tea\n"},
		{"POST", "/cart/jam", "cart: tea, jam\n"},
		{"GET", "/", "visit 3\n"},
	}
	for i, st := range steps {
		b := browsers[i%2]
		b.Do(st.method, st.path, http.StatusOK, st.want)
		// The browser's cookie goes to the other instance with the next
		// request, as it would through a load balancer.
		if c, ok := b.Cookie(runtime.DefaultCookieName); ok {
			browsers[(i+1)%2].SetCookie(c)
		}
	}
	browsers[1].Another().Get("/", http.StatusOK, "visit 1\n")

	c, ok := browsers[0].Cookie(runtime.DefaultCookieName)
	if !ok {
		t.Fatal("the browser holds no session cookie")
	}
	h, _ := runtime.HashToken(c.Value)
	rec, err := store.Load(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.Data["visits"]) != "3" || string(rec.Data["cart"]) != `["tea","jam"]` {
		t.Errorf("Redis holds visits %s, cart %s; want 3, [\"tea\",\"jam\"]", rec.Data["visits"], rec.Data["cart"])
	}
}

// redisAddr returns the address of the machine's Redis,
// $SESSIONGEN_REDIS_ADDR or 127.0.0.1:6379. When none answers there, t is
// skipped, saying how to run it, unless CI=true, where it fails.
func redisAddr(t *testing.T) string {
	t.Helper()
	addr := "127.0.0.1:6379"
	if a := os.Getenv("SESSIONGEN_REDIS_ADDR"); a != "" {
		addr = a
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		msg := "no Redis at " + addr + " ($SESSIONGEN_REDIS_ADDR): " + err.Error() +
			"; start one (apt-get install redis-server), as .ci/run does"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: failing rather than skipping)")
		}
		t.Skip(msg)
	}
	return addr
}

// deleteKeys deletes the keys under prefix of the Redis at addr.
func deleteKeys(t *testing.T, addr, prefix string) {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Logf("deleting the test's keys: %v", err)
	}
}
