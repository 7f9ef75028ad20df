package cachestore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// eventCaches returns two instances of one application (newAppInstances)
// on one NOTIFY channel of the test's own (channels are per database, and
// tests share one). rdb is a third client of that Redis, for the test to
// look into it.
func eventCaches(t *testing.T) (a, b *cachestore.Store, rdb *redis.Client) {
	t.Helper()
	app := newAppInstances(t, pgstore.WithEventChannel("sessiongen_test_"+strings.ToLower(rand.Text())))
	return app.a, app.b, app.rdb
}

// TestEventsAcrossCacheInstances runs the lifecycle events contract
// (storetest.RunEvents) through two cache instances over pgstores with
// events: what one publishes, and the ends its DeleteUserSessions and
// DeleteExpired make, reach a subscriber of the other, none lost or
// duplicated under concurrent publishing.
func TestEventsAcrossCacheInstances(t *testing.T) {
	t.Parallel()
	a, b, _ := eventCaches(t)
	d := storetest.RunEvents(t, a, b)
	t.Logf("delivery under concurrent publishing: %+v", d)
}

// TestEventsNeedAnEventBus checks that a cache over a store that is no
// runtime.EventBus fails Publish and Subscribe with an error wrapping
// errors.ErrUnsupported, Subscribe at once, without calling ready or fn;
// that over a pgstore without events both fail with pgstore.ErrNoEvents;
// and, the control, that over memstore, an EventBus, an event published
// reaches a subscriber.
func TestEventsNeedAnEventBus(t *testing.T) {
	t.Parallel()
	rdb := sharedRedis(t)
	prefix := newPrefix(t, rdb)
	events := []runtime.Lifecycle{{Kind: runtime.LifecycleCreated, Hash: newHash(t), At: time.Now()}}

	t.Run("NoEventBus", func(t *testing.T) {
		s := cachestore.New(onlyStore{memstore.New()}, rdb, cachestore.WithPrefix(prefix))
		wantEventsFail(t, s, events, errors.ErrUnsupported)
	})
	t.Run("PgstoreWithoutEvents", func(t *testing.T) {
		pg, _ := pgstoretest.New(t)
		s := cachestore.New(pg, rdb, cachestore.WithPrefix(prefix))
		wantEventsFail(t, s, events, pgstore.ErrNoEvents)
	})
	t.Run("Memstore", func(t *testing.T) {
		s := cachestore.New(memstore.New(), rdb, cachestore.WithPrefix(prefix))
		w := storetest.Listen(t, s)
		if err := s.Publish(context.Background(), events); err != nil {
			t.Fatalf("Publish over memstore: %v", err)
		}
		if got := w.Next(t, func(runtime.Lifecycle) bool { return true }); got.Hash != events[0].Hash || got.Kind != events[0].Kind {
			t.Errorf("received %+v, want %+v", got, events[0])
		}
	})
}

// wantEventsFail checks that Publish and Subscribe of s fail with an error
// wrapping want, Subscribe without listening: it must not call ready nor
// fn, and must return before its context ends; and that Manager.Ended over
// s returns that error too, rather than waiting for its context.
func wantEventsFail(t *testing.T, s *cachestore.Store, events []runtime.Lifecycle, want error) {
	t.Helper()
	if err := s.Publish(context.Background(), events); !errors.Is(err, want) {
		t.Errorf("Publish = %v, want an error wrapping %v", err, want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	called := false
	err := s.Subscribe(ctx, func() { called = true }, func(runtime.Lifecycle) { called = true })
	if ctx.Err() != nil {
		t.Fatalf("Subscribe waited for its context to end, then returned %v; want it to fail at once", err)
	}
	if !errors.Is(err, want) {
		t.Errorf("Subscribe = %v, want an error wrapping %v", err, want)
	}
	if called {
		t.Error("Subscribe called ready or fn without an event bus")
	}
	mgr, err := runtime.NewManager(s, runtime.WithEventBus(s))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.Ended(ctx, newHash(t)); ctx.Err() != nil || !errors.Is(err, want) {
		t.Errorf("Manager.Ended = %v (context: %v), want an error wrapping %v at once", err, ctx.Err(), want)
	}
}

// TestEventsEndedAcrossCacheInstances checks the "sign out everywhere"
// path end to end over two cache instances: a session signed in, and read
// (so cached in Redis), through a runtime.Manager over instance B with
// runtime.WithEventBus(b), is ended by a DeleteUserSessions made through
// instance A; the Manager.Ended waiter for it on B receives the end, by
// EndUserSignedOut of its user, while the waiter for a session of another
// user receives nothing; and B serves the session no more, from Redis or
// PostgreSQL.
func TestEventsEndedAcrossCacheInstances(t *testing.T) {
	t.Parallel()
	a, b, rdb := eventCaches(t)
	mgr, err := runtime.NewManager(b, runtime.WithEventBus(b))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		sess.SignIn(r.URL.Query().Get("user"))
		runtime.Set(sess, "k", "x")
	})
	mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {
		v, _ := runtime.Get[string](runtime.FromRequest(r), "k")
		_, _ = io.WriteString(w, v)
	})
	srv := httptest.NewServer(mgr.Middleware(mux))
	t.Cleanup(srv.Close)
	get := func(path, token string) (body, setToken string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s, %v: %s", path, resp.Status, err, raw)
		}
		for _, c := range resp.Cookies() {
			if c.Name == runtime.DefaultCookieName {
				setToken = c.Value
			}
		}
		return string(raw), setToken
	}
	signIn := func(user string) (string, runtime.TokenHash) {
		t.Helper()
		_, token := get("/signin?user="+user, "")
		h, ok := runtime.HashToken(token)
		if !ok {
			t.Fatalf("the sign-in of %s set no session cookie (%q)", user, token)
		}
		if got, _ := get("/read", token); got != "x" {
			t.Fatalf("the session of %s reads %q, want x", user, got)
		}
		return token, h
	}
	user, other := "ann-"+rand.Text(), "bob-"+rand.Text()
	token, h := signIn(user)
	_, otherHash := signIn(other)
	if n, err := rdb.Exists(context.Background(), b.Key(h)).Result(); err != nil || n != 1 {
		t.Fatalf("the session read through B is not cached in Redis: %d, %v", n, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ended, err := mgr.Ended(ctx, h)
	if err != nil {
		t.Fatalf("Ended: %v", err)
	}
	untouched, err := mgr.Ended(ctx, otherHash)
	if err != nil {
		t.Fatalf("Ended: %v", err)
	}
	hs, err := a.DeleteUserSessions(context.Background(), user, runtime.TokenHash{})
	if err != nil || len(hs) != 1 || hs[0] != h {
		t.Fatalf("DeleteUserSessions through A = %v, %v; want [%v]", hs, err, h)
	}
	select {
	case e := <-ended:
		if e.Kind != runtime.LifecycleEnded || e.Hash != h || e.Reason != runtime.EndUserSignedOut || e.UserID != user {
			t.Errorf("the waiter on B received %+v, want the end of %v by EndUserSignedOut of %s", e, h, user)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiter on B received no end within 30s of DeleteUserSessions through A")
	}
	select {
	case e := <-untouched:
		t.Errorf("the waiter for another user's session received %+v", e)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := b.Load(context.Background(), h); !errors.Is(err, runtime.ErrNotFound) {
		t.Errorf("B loads the session A ended: %v, want ErrNotFound", err)
	}
	if got, _ := get("/read", token); got != "" {
		t.Errorf("B's manager serves the session A ended: it reads %q", got)
	}
}
