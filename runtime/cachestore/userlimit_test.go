package cachestore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
)

// TestMaxUserSessionsAcrossInstances runs two instances, each a cache
// over pgstore with a pool and a Redis client of its own, and signs users
// in through both at once with a bound of three sessions per user. Each
// user's first sessions were read through both instances first, so Redis
// caches them: the sign-ins end them in PostgreSQL, and the instance that
// ended each must invalidate its entry, or a request would still be
// served the session it ended. Each user is left with at most three live
// sessions, and every session reported ended is gone through either
// instance.
func TestMaxUserSessionsAcrossInstances(t *testing.T) {
	t.Parallel()
	const users, signIns, limit = 4, 24, 3
	app := newAppInstances(t)
	stores, pool := [2]*cachestore.Store{app.a, app.b}, app.pool
	ctx := context.Background()
	ids := make([]string, users)
	var first []runtime.TokenHash
	for i := range ids {
		ids[i] = "user-" + rand.Text()
		for range limit {
			h := randomHash()
			if err := stores[0].Create(ctx, h, runtime.Record{ExpiresAt: time.Now().Add(time.Hour), UserID: ids[i]}); err != nil {
				t.Fatal(err)
			}
			first = append(first, h)
		}
	}
	loadAll(t, stores, first) // now cached
	var mu sync.Mutex
	ended := map[runtime.TokenHash]string{}
	var wg sync.WaitGroup
	for i := range users * signIns {
		u, s := ids[i%users], stores[i%2]
		wg.Go(func() {
			h, to := randomHash(), randomHash()
			err := s.Create(ctx, h, runtime.Record{ExpiresAt: time.Now().Add(time.Hour)})
			if err == nil {
				err = s.Cycle(ctx, h, to, runtime.Change{
					ExpiresAt: time.Now().Add(time.Hour), UserID: &u, MaxUserSessions: limit,
					Ended: func(hs []runtime.TokenHash) {
						mu.Lock()
						defer mu.Unlock()
						for _, h := range hs {
							ended[h] = u
						}
					},
				})
			}
			if err != nil {
				t.Errorf("sign-in %d of %s: %v", i, u, err)
			}
		})
	}
	wg.Wait()
	perUser := map[string]int{}
	for _, u := range ended {
		perUser[u]++
	}
	for _, u := range ids {
		var live int
		err := pool.QueryRow(ctx, "SELECT count(*) FROM sessiongen_sessions WHERE user_id = $1 AND expires_at > now()", u).Scan(&live)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d sign-ins over 2 instances, %d live sessions left bound, %d ended by the bound of %d", u, signIns, live, perUser[u], limit)
		if live < 1 || live > limit {
			t.Errorf("%s has %d live sessions, want 1 to %d", u, live, limit)
		}
		if live+perUser[u] != limit+signIns {
			t.Errorf("%s: %d live and %d reported ended, want %d in all", u, live, perUser[u], limit+signIns)
		}
	}
	for _, h := range first {
		if _, ok := ended[h]; !ok {
			t.Errorf("session %v, saved before every sign-in, was not ended", h)
		}
	}
	for h := range ended {
		for i, s := range stores {
			if _, err := s.Load(ctx, h); !errors.Is(err, runtime.ErrNotFound) {
				t.Errorf("instance %d loads the ended session %v: %v, want ErrNotFound", i, h, err)
			}
		}
	}
}

// loadAll loads each of hs through each of stores, which caches it.
func loadAll(t *testing.T, stores [2]*cachestore.Store, hs []runtime.TokenHash) {
	t.Helper()
	for _, s := range stores {
		for _, h := range hs {
			if _, err := s.Load(context.Background(), h); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// randomHash returns a random token hash.
func randomHash() runtime.TokenHash {
	var h runtime.TokenHash
	rand.Read(h[:])
	return h
}
