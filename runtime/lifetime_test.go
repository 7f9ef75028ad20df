package runtime_test

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// stepClock is a manager clock that stands still until a test moves it,
// so that deadlines can be compared exactly. It starts at the real time:
// the stores keep their own clock, and must find the sessions live.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func newStepClock() *stepClock {
	return &stepClock{t: time.Now().UTC().Truncate(time.Millisecond)}
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// lifetimeRoutes serves what the lifetime tests do with a session.
func lifetimeRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /set", func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), "k", r.URL.Query().Get("v"))
	})
	mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {
		v, _ := runtime.Get[string](runtime.FromRequest(r), "k")
		_, _ = w.Write([]byte(v))
	})
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).SignIn(r.URL.Query().Get("user"))
	})
	// remember is a "remember me" sign-in: a month, idle for two hours.
	mux.HandleFunc("GET /remember", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		sess.SignIn(r.URL.Query().Get("user"))
		sess.SetExpiry(runtime.ExpireAfter(30 * 24 * time.Hour))
		sess.SetIdleTimeout(2 * time.Hour)
		sess.SetAbsoluteLifetime(30 * 24 * time.Hour)
	})
	mux.HandleFunc("GET /forget", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		sess.SetIdleTimeout(0)
		sess.SetAbsoluteLifetime(0)
	})
	mux.HandleFunc("GET /expiry", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		_ = json.NewEncoder(w).Encode(struct {
			Date time.Time
			Age  time.Duration
		}{sess.ExpiryDate(), sess.ExpiryAge()})
	})
	mux.HandleFunc("GET /lifetime", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(runtime.FromRequest(r).Lifetime())
	})
	return mux
}

// lifetimeEnv is an env over a store whose writes are counted, with a
// manager on clock.
type lifetimeEnv struct {
	*env
	counted *countingStore // the store, its writes counted
	clock   *stepClock
}

func newLifetimeEnv(t *testing.T, kind string, opts ...runtime.Option) *lifetimeEnv {
	t.Helper()
	e := newStoreEnv(t, kind)
	le := &lifetimeEnv{env: e, counted: &countingStore{Store: e.store, n: new(atomic.Int64)}, clock: newStepClock()}
	e.store = le.counted
	e.start(lifetimeRoutes(), append([]runtime.Option{runtime.WithClock(le.clock.now)}, opts...)...)
	return le
}

// read returns what GET /read finds under "k".
func (e *lifetimeEnv) read() string {
	e.t.Helper()
	_, body := e.get("/read")
	return body
}

// lifetime returns the Lifetime the session reports.
func (e *lifetimeEnv) lifetime() runtime.Lifetime {
	e.t.Helper()
	_, body := e.get("/lifetime")
	var l runtime.Lifetime
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		e.t.Fatalf("GET /lifetime: %v in %q", err, body)
	}
	return l
}

func TestIdleTimeoutEndsUnusedSession(t *testing.T) {
	const idle = 30 * time.Minute
	forEachStore(t, func(t *testing.T, kind string) {
		e := newLifetimeEnv(t, kind, runtime.WithIdleTimeout(idle))
		start := e.clock.now()
		resp, _ := e.get("/set?v=x")
		// The cookie does not outlive the idle deadline, nor does the
		// stored expiry, which the store enforces by itself.
		if c := sessionCookie(resp); c == nil || c.MaxAge != int(idle/time.Second) {
			t.Fatalf("the cookie of the first save is %v, want Max-Age %d", c, int(idle/time.Second))
		}
		if got := e.load(e.token()).ExpiresAt; !got.Equal(start.Add(idle)) {
			t.Errorf("stored expiry %v, want the idle deadline %v", got, start.Add(idle))
		}
		if got := e.lifetime().IdleDeadline; !got.Equal(start.Add(idle)) {
			t.Errorf("Lifetime().IdleDeadline = %v, want %v", got, start.Add(idle))
		}

		e.clock.advance(idle - time.Minute)
		if got := e.read(); got != "x" {
			t.Fatalf("a minute before the idle deadline the session reads %q, want x", got)
		}
		// That read moved the deadline: idle from now.
		e.clock.advance(idle - time.Second)
		if got := e.read(); got != "x" {
			t.Fatalf("a read within the idle timeout of the last found %q, want x", got)
		}
		e.clock.advance(idle)
		if got := e.read(); got != "" {
			t.Fatalf("a session unused for the idle timeout reads %q, want it ended", got)
		}
	})
}

func TestIdleRefreshWritesOncePerFraction(t *testing.T) {
	const idle = 30 * time.Minute
	step := idle / runtime.IdleRefreshDivisor
	forEachStore(t, func(t *testing.T, kind string) {
		e := newLifetimeEnv(t, kind, runtime.WithIdleTimeout(idle))
		e.get("/set?v=x")
		before := e.counted.writes.Load()
		for range 19 {
			e.clock.advance(step / 20)
			if got := e.read(); got != "x" {
				t.Fatalf("read %q, want x", got)
			}
		}
		if n := e.counted.writes.Load() - before; n != 0 {
			t.Fatalf("%d writes for reads within %v of the save, want none", n, step)
		}
		deadline := e.load(e.token()).ExpiresAt
		e.clock.advance(step / 20) // the fraction has passed: the deadline is refreshed
		resp, _ := e.get("/read")
		if n := e.counted.writes.Load() - before; n != 1 {
			t.Fatalf("%d writes for the read %v after the save, want 1", n, step)
		}
		if c := sessionCookie(resp); c == nil || c.MaxAge != int(idle/time.Second) {
			t.Errorf("the refresh sent cookie %v, want Max-Age %d", c, int(idle/time.Second))
		}
		if got, want := e.load(e.token()).ExpiresAt, e.clock.now().Add(idle); !got.Equal(want) || !got.After(deadline) {
			t.Errorf("stored expiry after the refresh %v, want %v", got, want)
		}
		e.read()
		if n := e.counted.writes.Load() - before; n != 1 {
			t.Errorf("%d writes after a read just after the refresh, want still 1", n)
		}
	})
}

func TestAbsoluteLifetimeEndsActiveSession(t *testing.T) {
	const life = time.Hour
	forEachStore(t, func(t *testing.T, kind string) {
		e := newLifetimeEnv(t, kind, runtime.WithAbsoluteLifetime(life), runtime.WithSaveEveryRequest(true))
		start := e.clock.now()
		e.get("/set?v=x")
		for range 5 {
			e.clock.advance(10 * time.Minute)
			resp, _ := e.get("/set?v=x")
			// However active, the session keeps its deadline, and the
			// cookie never passes it.
			left := start.Add(life).Sub(e.clock.now())
			if c := sessionCookie(resp); c == nil || c.MaxAge != int(left/time.Second) {
				t.Fatalf("cookie %v, want Max-Age %d", c, int(left/time.Second))
			}
			if got := e.load(e.token()).ExpiresAt; !got.Equal(start.Add(life)) {
				t.Fatalf("stored expiry %v, want the absolute deadline %v", got, start.Add(life))
			}
		}
		// ExpiryDate and ExpiryAge reckon as the save does.
		var exp struct {
			Date time.Time
			Age  time.Duration
		}
		if _, body := e.get("/expiry"); json.Unmarshal([]byte(body), &exp) != nil ||
			!exp.Date.Equal(start.Add(life)) || exp.Age != start.Add(life).Sub(e.clock.now()) {
			t.Fatalf("GET /expiry = %s, want the absolute deadline %v, %v from now", body, start.Add(life), start.Add(life).Sub(e.clock.now()))
		}
		e.clock.advance(10*time.Minute - time.Second)
		if got := e.read(); got != "x" {
			t.Fatalf("just before the absolute deadline the session reads %q, want x", got)
		}
		e.clock.advance(time.Second)
		if got := e.read(); got != "" {
			t.Fatalf("at the absolute deadline the session reads %q, want it ended", got)
		}
	})
}

func TestSignInRestartsAbsoluteLifetime(t *testing.T) {
	const life = time.Hour
	forEachStore(t, func(t *testing.T, kind string) {
		e := newLifetimeEnv(t, kind, runtime.WithAbsoluteLifetime(life))
		e.get("/set?v=x")
		e.clock.advance(50 * time.Minute)
		signedIn := e.clock.now()
		e.get("/signin?user=ann")
		l := e.lifetime()
		if !l.SignedInAt.Equal(signedIn) || !l.AbsoluteDeadline.Equal(signedIn.Add(life)) {
			t.Fatalf("after the sign-in Lifetime() = %+v, want signed in at %v, ending at %v", l, signedIn, signedIn.Add(life))
		}
		if got := e.load(e.token()).ExpiresAt; !got.Equal(signedIn.Add(life)) {
			t.Errorf("stored expiry %v, want %v", got, signedIn.Add(life))
		}
		e.clock.advance(20 * time.Minute) // 70 minutes after creation
		if got := e.read(); got != "x" {
			t.Fatalf("an hour after creation, 20 minutes after sign-in, the session reads %q, want x", got)
		}
		e.clock.advance(40 * time.Minute)
		if got := e.read(); got != "" {
			t.Fatalf("an hour after the sign-in the session reads %q, want it ended", got)
		}
	})
}

func TestLifetimeOverrides(t *testing.T) {
	opts := []runtime.Option{runtime.WithIdleTimeout(30 * time.Minute), runtime.WithAbsoluteLifetime(12 * time.Hour)}
	forEachStore(t, func(t *testing.T, kind string) {
		t.Run("remember me outlasts the settings", func(t *testing.T) {
			e := newLifetimeEnv(t, kind, opts...)
			e.get("/set?v=x")
			start := e.clock.now()
			resp, _ := e.get("/remember?user=ann")
			if c := sessionCookie(resp); c == nil || c.MaxAge != int(2*time.Hour/time.Second) {
				t.Fatalf("cookie %v, want Max-Age of the session's own idle timeout", c)
			}
			l := e.lifetime()
			if !l.IdleDeadline.Equal(start.Add(2*time.Hour)) || !l.AbsoluteDeadline.Equal(start.Add(30*24*time.Hour)) {
				t.Fatalf("Lifetime() = %+v, want idle 2h and absolute 30 days from %v", l, start)
			}
			// Used every 90 minutes, past the manager's 30 minutes, for
			// longer than its 12 hours.
			for range 12 {
				e.clock.advance(90 * time.Minute)
				if got := e.read(); got != "x" {
					t.Fatalf("%v after a remembered sign-in the session reads %q, want x", e.clock.now().Sub(start), got)
				}
			}
			e.clock.advance(2 * time.Hour)
			if got := e.read(); got != "" {
				t.Fatalf("unused for its own idle timeout the session reads %q, want it ended", got)
			}
		})
		t.Run("the settings come back", func(t *testing.T) {
			e := newLifetimeEnv(t, kind, opts...)
			e.get("/set?v=x")
			e.get("/remember?user=ann")
			e.get("/forget")
			e.clock.advance(31 * time.Minute)
			if got := e.read(); got != "" {
				t.Fatalf("back on the manager's idle timeout, the session unused for longer reads %q", got)
			}
		})
	})
}

// TestLifetimeKeysAloneAreEmpty checks that a session holding nothing but
// the runtime's keys of its lifetime is no session to keep.
func TestLifetimeKeysAloneAreEmpty(t *testing.T) {
	e := newLifetimeEnv(t, "memstore", runtime.WithIdleTimeout(time.Hour))
	resp, _ := e.get("/signin?user=ann")
	if c := sessionCookie(resp); c != nil {
		t.Fatalf("a sign-in alone set cookie %v, as it did not before", c)
	}
	if n := e.counted.writes.Load(); n != 0 {
		t.Fatalf("%d writes, want none", n)
	}
}

func TestLifetimeOfStoredData(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	raw, _ := json.Marshal(at)
	tests := []struct {
		name string
		data map[string]json.RawMessage
		want runtime.Lifetime
	}{
		{"none", map[string]json.RawMessage{"k": raw}, runtime.Lifetime{}},
		{"all", map[string]json.RawMessage{"_signed_in": raw, "_idle_until": raw, "_absolute_until": raw},
			runtime.Lifetime{SignedInAt: at, IdleDeadline: at, AbsoluteDeadline: at}},
		{"damaged", map[string]json.RawMessage{"_idle_until": json.RawMessage(`"soon"`)}, runtime.Lifetime{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runtime.LifetimeOf(tt.data); !sameLifetime(got, tt.want) {
				t.Errorf("LifetimeOf = %+v, want %+v", got, tt.want)
			}
		})
	}
	for _, name := range []string{"_signed_in", "_idle_until", "_absolute_until", "_idle_timeout", "_absolute_lifetime"} {
		if _, ok := runtime.ReservedKeyDoc(name); !ok {
			t.Errorf("%s is not among ReservedKeys", name)
		}
	}
}

func TestManagerLifetimeOfListedSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		clock := newStepClock()
		e := newStoreEnv(t, kind)
		mgr := newManager(t, e.store, runtime.WithClock(clock.now), runtime.WithIdleTimeout(time.Hour), runtime.WithAbsoluteLifetime(4*time.Hour))
		e.srv = newTLSServer(t, mgr.Middleware(lifetimeRoutes()))
		e.client = e.newClient()
		e.get("/set?v=x")
		e.get("/signin?user=ann")
		h, _ := runtime.HashToken(e.token())
		l, err := mgr.Lifetime(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		now := clock.now()
		if want := (runtime.Lifetime{SignedInAt: now, IdleDeadline: now.Add(time.Hour), AbsoluteDeadline: now.Add(4 * time.Hour)}); !sameLifetime(l, want) {
			t.Errorf("Lifetime = %+v, want %+v", l, want)
		}
		if _, err := mgr.Lifetime(context.Background(), runtime.TokenHash{1}); err == nil {
			t.Error("the Lifetime of no session: no error")
		}
	})
}

// sameLifetime reports whether a and b hold the same instants.
func sameLifetime(a, b runtime.Lifetime) bool {
	return a.SignedInAt.Equal(b.SignedInAt) && a.IdleDeadline.Equal(b.IdleDeadline) && a.AbsoluteDeadline.Equal(b.AbsoluteDeadline)
}
