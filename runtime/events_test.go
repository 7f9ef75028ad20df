package runtime_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// eventsServer serves routes that create, save, cycle, sign in and sign
// out a session, through a manager publishing on store.
func eventsServer(t *testing.T, store *memstore.Store, opts ...runtime.Option) (*httptest.Server, *runtime.Manager) {
	t.Helper()
	mgr, err := runtime.NewManager(store, append([]runtime.Option{runtime.WithEventBus(store), runtime.WithCookieSecure(false)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { runtime.Set(runtime.FromRequest(r), "a", r.URL.RawQuery) })
	mux.HandleFunc("/cycle", func(w http.ResponseWriter, r *http.Request) { runtime.FromRequest(r).CycleKey() })
	mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		runtime.Set(s, "cart", 1) // a session holding nothing is not stored
		s.SignIn("alice")
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) { runtime.FromRequest(r).Flush() })
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { runtime.Delete(runtime.FromRequest(r), "a") })
	srv := httptest.NewServer(mgr.Middleware(mux))
	t.Cleanup(srv.Close)
	return srv, mgr
}

func eventClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func eventGet(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
}

// received returns the kinds and reasons of what w receives until it has
// been quiet for a while.
func received(w *storetest.Watcher) []runtime.Lifecycle {
	var got []runtime.Lifecycle
	for e, ok := w.Within(200 * time.Millisecond); ok; e, ok = w.Within(200 * time.Millisecond) {
		got = append(got, e)
	}
	return got
}

type wantEvent struct {
	kind   runtime.LifecycleKind
	reason runtime.EndReason
	user   string
}

func TestMiddlewarePublishesLifecycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		paths []string
		want  []wantEvent
	}{
		{"create", []string{"/set?1"}, []wantEvent{{kind: runtime.LifecycleCreated}}},
		{"save publishes nothing", []string{"/set?1", "/set?2", "/set?3"}, []wantEvent{{kind: runtime.LifecycleCreated}}},
		{"cycle", []string{"/set?1", "/cycle"}, []wantEvent{{kind: runtime.LifecycleCreated}, {kind: runtime.LifecycleCycled}}},
		{"sign in", []string{"/set?1", "/signin"}, []wantEvent{{kind: runtime.LifecycleCreated}, {kind: runtime.LifecycleCycled, user: "alice"}}},
		{"sign in of a new session creates", []string{"/signin"}, []wantEvent{{kind: runtime.LifecycleCreated, user: "alice"}}},
		{"flush", []string{"/set?1", "/flush"}, []wantEvent{{kind: runtime.LifecycleCreated}, {kind: runtime.LifecycleEnded, reason: runtime.EndSignedOut}}},
		{"emptied", []string{"/set?1", "/empty"}, []wantEvent{{kind: runtime.LifecycleCreated}, {kind: runtime.LifecycleEnded, reason: runtime.EndSignedOut}}},
		{"flush of no session", []string{"/flush"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store := memstore.New()
			w := storetest.Listen(t, store)
			srv, _ := eventsServer(t, store)
			c := eventClient(t)
			for _, p := range tt.paths {
				eventGet(t, c, srv.URL+p)
			}
			got := received(w)
			if len(got) != len(tt.want) {
				t.Fatalf("received %+v, want %d events %+v", got, len(tt.want), tt.want)
			}
			for i, e := range got {
				if w := tt.want[i]; e.Kind != w.kind || e.Reason != w.reason || e.UserID != w.user {
					t.Errorf("event %d = %+v, want %+v", i, e, w)
				}
			}
			for i := 1; i < len(got); i++ {
				prev, e := got[i-1], got[i]
				if e.Kind == runtime.LifecycleCycled && e.From != prev.Hash {
					t.Errorf("cycle from %x, want from the created %x", e.From, prev.Hash)
				}
				if e.Kind == runtime.LifecycleEnded && e.Hash != prev.Hash {
					t.Errorf("end of %x, want of %x", e.Hash, prev.Hash)
				}
			}
		})
	}
}

func TestUserLimitPublishesEnds(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	w := storetest.Listen(t, store)
	srv, _ := eventsServer(t, store, runtime.WithMaxSessionsPerUser(1))
	first := eventClient(t)
	eventGet(t, first, srv.URL+"/signin")
	signedIn := w.Next(t, func(e runtime.Lifecycle) bool { return e.Kind == runtime.LifecycleCreated })
	eventGet(t, eventClient(t), srv.URL+"/signin")
	e := w.Next(t, func(e runtime.Lifecycle) bool { return e.Kind == runtime.LifecycleEnded })
	if e.Hash != signedIn.Hash || e.Reason != runtime.EndUserLimit {
		t.Errorf("end %+v, want the first sign-in's %x by EndUserLimit", e, signedIn.Hash)
	}
}

func TestEndedWaitsForTheSessionsEnd(t *testing.T) {
	t.Parallel()
	store := memstore.New()
	srv, mgr := eventsServer(t, store)
	c := eventClient(t)
	eventGet(t, c, srv.URL+"/signin")
	infos, err := store.UserSessions(context.Background(), "alice")
	if err != nil || len(infos) != 1 {
		t.Fatalf("UserSessions = %v, %v", infos, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ended, err := mgr.Ended(ctx, infos[0].Hash)
	if err != nil {
		t.Fatal(err)
	}
	other, err := mgr.Ended(ctx, runtime.TokenHash{1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.DeleteUserSessions(context.Background(), "alice", runtime.TokenHash{}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ended:
		if e.Reason != runtime.EndUserSignedOut {
			t.Errorf("ended by %v, want EndUserSignedOut", e.Reason)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Ended's channel received nothing within 30s")
	}
	select {
	case e := <-other:
		t.Errorf("another session's waiter received %+v", e)
	default:
	}
}

func TestEndedWithoutBus(t *testing.T) {
	t.Parallel()
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mgr.Ended(context.Background(), runtime.TokenHash{}); err != runtime.ErrNoEventBus {
		t.Errorf("Ended without a bus = %v, want ErrNoEventBus", err)
	}
}

// flakyBus is a memstore whose first Subscribe fails at once, as a bus
// that cannot listen does (cachestore over a store without events).
type flakyBus struct {
	*memstore.Store
	failed atomic.Bool
}

var errCannotListen = errors.New("cannot listen")

func (b *flakyBus) Subscribe(ctx context.Context, ready func(), fn func(runtime.Lifecycle)) error {
	if b.failed.CompareAndSwap(false, true) {
		return errCannotListen
	}
	return b.Store.Subscribe(ctx, ready, fn)
}

// TestEndedReturnsTheSubscriptionsFailure checks that Ended returns the
// error of a subscription that fails before it listens, rather than
// waiting for its context, and that the next Ended subscribes again and
// then receives the session's end.
func TestEndedReturnsTheSubscriptionsFailure(t *testing.T) {
	t.Parallel()
	bus := &flakyBus{Store: memstore.New()}
	mgr, err := runtime.NewManager(bus, runtime.WithEventBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h := runtime.TokenHash{7}
	if _, err := mgr.Ended(ctx, h); !errors.Is(err, errCannotListen) || ctx.Err() != nil {
		t.Fatalf("Ended over a failing subscription = %v (context: %v), want %v at once", err, ctx.Err(), errCannotListen)
	}
	ended, err := mgr.Ended(ctx, h)
	if err != nil {
		t.Fatalf("Ended after the failure = %v, want it to subscribe again", err)
	}
	if err := bus.Publish(ctx, []runtime.Lifecycle{{Kind: runtime.LifecycleEnded, Hash: h, Reason: runtime.EndSignedOut}}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ended:
		if e.Reason != runtime.EndSignedOut {
			t.Errorf("ended by %v, want EndSignedOut", e.Reason)
		}
	case <-ctx.Done():
		t.Fatal("the second Ended's channel received nothing within 30s")
	}
}
