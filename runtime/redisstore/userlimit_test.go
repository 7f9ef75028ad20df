package redisstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// TestMaxUserSessionsNeedsOneServer checks that a Store over a client of
// several servers, a cluster's or a ring's, refuses a bind with a bound on
// the user's sessions, which its scripts cannot keep across slots, with
// an error wrapping errors.ErrUnsupported, before it sends Redis anything:
// the servers here do not exist.
func TestMaxUserSessionsNeedsOneServer(t *testing.T) {
	t.Parallel()
	addr := closedAddr(t)
	clients := map[string]redis.UniversalClient{
		"cluster": redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{addr}, MaxRedirects: -1, MaxRetries: -1}),
		"ring":    redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": addr}, MaxRetries: -1}),
	}
	for name, rdb := range clients {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Cleanup(func() { rdb.Close() })
			s := redisstore.New(rdb)
			u := "alice"
			c := runtime.Change{ExpiresAt: time.Now().Add(time.Hour), UserID: &u, MaxUserSessions: 2}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if err := s.Update(ctx, runtime.TokenHash{1}, c); !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("Update: %v, want an error wrapping errors.ErrUnsupported", err)
			}
			if err := s.Cycle(ctx, runtime.TokenHash{1}, runtime.TokenHash{2}, c); !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("Cycle: %v, want an error wrapping errors.ErrUnsupported", err)
			}
		})
	}
}

// closedAddr returns an address of 127.0.0.1 that nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestMaxUserSessionsAcrossInstances signs users in concurrently through
// two stores over two clients of one Redis, as two application instances
// are, with a bound of three sessions per user, by Update (a fresh
// session) or by Cycle (one that existed): each user is left with at most
// three live sessions, and every other was reported ended.
func TestMaxUserSessionsAcrossInstances(t *testing.T) {
	t.Parallel()
	const users, signIns, limit = 4, 24, 3
	prefix := newPrefix(t, newClient(t))
	stores := [2]*redisstore.Store{
		redisstore.New(newClient(t), redisstore.WithPrefix(prefix)),
		redisstore.New(newClient(t), redisstore.WithPrefix(prefix)),
	}
	ctx := context.Background()
	ids := make([]string, users)
	for i := range ids {
		ids[i] = "user-" + rand.Text()
	}
	var mu sync.Mutex
	ended := map[string]int{}
	var wg sync.WaitGroup
	for i := range users * signIns {
		u, s := ids[i%users], stores[i%2]
		wg.Go(func() {
			var h, to runtime.TokenHash
			rand.Read(h[:])
			rand.Read(to[:])
			c := runtime.Change{ExpiresAt: time.Now().Add(time.Hour), UserID: &u, MaxUserSessions: limit,
				Ended: func(hs []runtime.TokenHash) {
					mu.Lock()
					ended[u] += len(hs)
					mu.Unlock()
				}}
			err := s.Create(ctx, h, runtime.Record{ExpiresAt: time.Now().Add(time.Hour)})
			if err == nil && i%3 == 0 {
				err = s.Cycle(ctx, h, to, c)
			} else if err == nil {
				err = s.Update(ctx, h, c)
			}
			if err != nil {
				t.Errorf("sign-in %d of %s: %v", i, u, err)
			}
		})
	}
	wg.Wait()
	for _, u := range ids {
		infos, err := stores[0].UserSessions(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d sign-ins over 2 clients, %d live sessions left bound, %d ended by the bound of %d", u, signIns, len(infos), ended[u], limit)
		if len(infos) < 1 || len(infos) > limit {
			t.Errorf("%s has %d live sessions, want 1 to %d", u, len(infos), limit)
		}
		if len(infos)+ended[u] != signIns {
			t.Errorf("%s: %d live and %d reported ended, want %d in all", u, len(infos), ended[u], signIns)
		}
	}
}
