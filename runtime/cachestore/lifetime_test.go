package cachestore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/lifetimetest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
)

// lifetimeSlack is how much longer than its session a Redis entry may
// live: the fill's TTL counts from when Redis ran it, a moment after the
// cache reckoned it, so the entry may outlive the session by that moment
// (it is not served then: a read checks the expiry it holds).
const lifetimeSlack = time.Second

// cacheChecker loads sessions through two cache instances, b then a, each
// with a Redis client and a pool of its own, on the same Redis prefix and
// session table; rdb is a client of that Redis, to look into it.
type cacheChecker struct {
	a, b *cachestore.Store
	rdb  *redis.Client
}

// Load loads the session under h through b, which caches it in Redis when
// it is not yet, checks that the entry does not outlive the session, then
// loads it through a, which must find the same.
func (c cacheChecker) Load(t *testing.T, h runtime.TokenHash) (runtime.Record, error) {
	t.Helper()
	ctx := context.Background()
	rec, err := c.b.Load(ctx, h)
	again, errA := c.a.Load(ctx, h)
	switch {
	case errors.Is(err, runtime.ErrNotFound) != errors.Is(errA, runtime.ErrNotFound):
		t.Errorf("the instances disagree: the second loads %+v, %v; the first %+v, %v", rec, err, again, errA)
	case err == nil && errA == nil && !again.ExpiresAt.Equal(rec.ExpiresAt):
		t.Errorf("Load through the first instance = %+v; want the second's %+v", again, rec)
	}
	if err != nil {
		return rec, err
	}
	// The PTTL is read after the fill: what is left of the entry's TTL is
	// about what is left of the session, not the cache's maximum TTL (ten
	// minutes). An entry may be missing only when it has just expired,
	// with its session.
	ttl, err := c.rdb.PTTL(ctx, c.b.Key(h)).Result()
	if err != nil {
		t.Fatal(err)
	}
	switch left := time.Until(rec.ExpiresAt); {
	case ttl < 0 && left > 100*time.Millisecond:
		t.Errorf("the Redis entry is missing (PTTL %v) after a load through the second instance, %v before the session's stored expiry", ttl, left)
	case ttl > left+lifetimeSlack:
		t.Errorf("the Redis entry has a TTL of %v, with %v left before the session's stored expiry: want no more than %v over", ttl, left, lifetimeSlack)
	}
	return rec, nil
}

// TestLifetime runs lifetimetest's real-time tests of the idle timeout
// and the absolute lifetime through a manager over one of two cache
// instances, loading each session through both after each request, so
// that it is served from Redis: no Redis entry outlives its session, and
// a session past a deadline is gone from both instances.
func TestLifetime(t *testing.T) {
	t.Parallel()
	app := newAppInstances(t)
	lifetimetest.Run(t, app.a, cacheChecker{a: app.a, b: app.b, rdb: app.rdb})
}
