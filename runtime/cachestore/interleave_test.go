package cachestore_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
)

// interposer is a go-redis hook that runs a test's function once, right
// after the client's first command of a given name and key has answered,
// so that a concurrent step of another instance lands exactly there. It can
// also make the client's calls fail.
type interposer struct {
	mu      sync.Mutex
	name    string // of the command, as go-redis spells it: "get", "del"
	key     string
	fn      func(err error)
	matched chan struct{} // closed once fn has run

	broken atomic.Bool // every call fails without reaching Redis
}

var errInjected = errors.New("injected redis failure")

// after arms ip: fn runs after the next command name of key, alone or in a
// pipeline, has answered.
func (ip *interposer) after(name, key string, fn func(err error)) <-chan struct{} {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	ip.name, ip.key, ip.fn, ip.matched = name, key, fn, make(chan struct{})
	return ip.matched
}

// take returns the armed function, disarming it, if one of cmds is the
// awaited command.
func (ip *interposer) take(cmds ...redis.Cmder) (func(error), chan struct{}) {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	if ip.fn == nil {
		return nil, nil
	}
	for _, cmd := range cmds {
		if args := cmd.Args(); cmd.Name() == ip.name && len(args) >= 2 && args[1] == ip.key {
			fn := ip.fn
			ip.fn = nil
			return fn, ip.matched
		}
	}
	return nil, nil
}

func (*interposer) DialHook(next redis.DialHook) redis.DialHook { return next }

func (ip *interposer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if ip.broken.Load() {
			cmd.SetErr(errInjected)
			return errInjected
		}
		err := next(ctx, cmd)
		if fn, done := ip.take(cmd); fn != nil {
			fn(err)
			close(done)
		}
		return err
	}
}

func (ip *interposer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if ip.broken.Load() {
			for _, c := range cmds {
				c.SetErr(errInjected)
			}
			return errInjected
		}
		err := next(ctx, cmds)
		if fn, done := ip.take(cmds...); fn != nil {
			fn(err)
			close(done)
		}
		return err
	}
}

// hookedStore returns a store of e over its own client of e's Redis, with an
// interposer on that client.
func hookedStore(t *testing.T, e *env, opts ...cachestore.Option) (*cachestore.Store, *interposer) {
	t.Helper()
	rdb := redisClient(t, e.rdb.Options().Addr)
	ip := &interposer{}
	rdb.AddHook(ip)
	s := cachestore.New(e.pg, rdb, append([]cachestore.Option{
		cachestore.WithPrefix(e.prefix), cachestore.WithTimeout(5 * time.Second),
		cachestore.WithLogger(slog.New(e.logs)), cachestore.WithLogInterval(time.Nanosecond),
	}, opts...)...)
	return s, ip
}

// TestFillBetweenMissAndScriptIsAHit makes another instance fill the cache
// just after this one's GET missed, so that the read script finds the entry:
// that is a hit, served as such, and says nothing about Redis being down.
// It is the interleaving behind "redis unavailable ... error=redis: nil"
// under parallel reads: taken for a failure, it made the instance stop
// invalidating, so that the other served stale sessions.
func TestFillBetweenMissAndScriptIsAHit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	other := e.store()
	s, ip := hookedStore(t, e)
	h := create(t, s, data("a", "1"), runtime.Record{ExpiresAt: exp})

	filled := false
	ip.after("get", s.Key(h), func(err error) {
		if errors.Is(err, redis.Nil) {
			wantData(t, other, h, data("a", "1")) // misses too, and fills
			filled = e.cached(t, s.Key(h))
		}
	})
	before := e.queries.Load()
	wantData(t, s, h, data("a", "1"))
	if !filled {
		t.Fatal("the other instance did not fill between the miss and the script; the case tests nothing")
	}
	if n := e.queries.Load() - before; n != 1 {
		t.Errorf("the read sent %d queries (the other instance's fill: 1), want 1: the entry found by the script was not served", n)
	}
	if n := e.logs.count(slog.LevelWarn); n != 0 {
		t.Errorf("a hit in the read script logged %d warnings, want 0", n)
	}
	// The instance must still invalidate: the other one then reads the write.
	if err := s.Update(ctx, h, runtime.Change{Set: data("a", "2"), ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	wantData(t, other, h, data("a", "2"))
}

// TestWriteDuringReplayIsInvalidated lets an instance recover from an
// outage, and, just after its replay invalidated a session, has another
// instance cache that session and the recovering instance write it. The
// write's invalidation must not be lost with the replayed one, or the other
// instance serves the session as it was before the write until the entry
// expires.
func TestWriteDuringReplayIsInvalidated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	other := e.store()
	s, ip := hookedStore(t, e, cachestore.WithRetryInterval(10*time.Millisecond))
	h := create(t, other, data("a", "1"), runtime.Record{ExpiresAt: exp})

	ip.broken.Store(true)
	if err := s.Update(ctx, h, runtime.Change{Set: data("a", "2"), ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if e.logs.count(slog.LevelWarn) == 0 {
		t.Fatal("the failed invalidation was not noticed; the case tests nothing")
	}
	// The replay deletes the entry; the other instance caches the session
	// again, as it is before the next write, which follows at once. This
	// runs in the health check's goroutine, where t may not stop the test.
	recached := false
	replayed := ip.after("del", s.Key(h), func(error) {
		if rec, err := other.Load(ctx, h); err != nil || show(rec.Data) != `{"a":2}` {
			t.Errorf("the other instance read %s, %v; want {\"a\":2}", show(rec.Data), err)
		}
		n, err := e.rdb.Exists(ctx, s.Key(h)).Result()
		recached = err == nil && n == 1
		if err := s.Update(ctx, h, runtime.Change{Set: data("a", "3"), ExpiresAt: exp}); err != nil {
			t.Error(err)
		}
	})
	ip.broken.Store(false)
	eventually(t, "the instance to replay its invalidations", func() bool {
		load(t, s, h) // starts the health check
		select {
		case <-replayed:
			return true
		default:
			return false
		}
	})
	if !recached {
		t.Fatal("the other instance did not cache the session during the replay; the case tests nothing")
	}
	eventually(t, "the instance to use the cache again", func() bool {
		return e.logs.count(slog.LevelInfo) > 0
	})
	for _, st := range []*cachestore.Store{other, s} {
		wantData(t, st, h, data("a", "3"))
	}
}
