package cachestore_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// The settings of the lifetime tests: real time, so short, with margins a
// loaded machine cannot eat. Durations count in whole seconds.
const (
	lifetimeIdle     = 2 * time.Second         // WithIdleTimeout
	lifetimeAbsolute = 2 * time.Second         // WithAbsoluteLifetime
	lifetimePast     = 1500 * time.Millisecond // how long after a deadline a test looks again
	lifetimeBusy     = 300 * time.Millisecond  // the interval of a busy session's reads
	lifetimeSlack    = time.Second             // how much longer than its session a Redis entry may live
)

// lifetimeApp serves the routes of the lifetime tests through a
// runtime.Manager over cache instance a, on an httptest server; b is a
// second instance, with a Redis client and a pool of its own, on the same
// Redis prefix and session table, and rdb a client of that Redis, to look
// into it. Requests carry the session cookie by hand, not through a jar,
// so that a test can send a token after its cookie's Max-Age, as a client
// that ignores Max-Age (or an attacker holding the token) does: the
// server, not the client, must end the session.
type lifetimeApp struct {
	t    *testing.T
	a, b *cachestore.Store
	rdb  *redis.Client
	srv  *httptest.Server
}

// newLifetimeApp serves the lifetime routes through a manager built with
// opts over the first of two new cache instances.
func newLifetimeApp(t *testing.T, opts ...runtime.Option) *lifetimeApp {
	t.Helper()
	addr := sharedRedis(t).Options().Addr
	app := &lifetimeApp{t: t, rdb: redisClient(t, addr)}
	prefix := newPrefix(t, app.rdb)
	var stores [2]*cachestore.Store
	for i, p := range pgstoretest.Pools(t, 2) {
		stores[i] = cachestore.New(pgstore.New(p), redisClient(t, addr), cachestore.WithPrefix(prefix), cachestore.WithTimeout(5*time.Second))
	}
	app.a, app.b = stores[0], stores[1]
	app.serve(opts...)
	return app
}

// serve starts the server of app, through a manager over app.a built
// with opts.
func (app *lifetimeApp) serve(opts ...runtime.Option) {
	app.t.Helper()
	mgr, err := runtime.NewManager(app.a, opts...)
	if err != nil {
		app.t.Fatal(err)
	}
	mux := http.NewServeMux()
	// set stores v under "k" and answers what "k" held before.
	mux.HandleFunc("GET /set", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		old, _ := runtime.Get[string](sess, "k")
		runtime.Set(sess, "k", r.URL.Query().Get("v"))
		_, _ = io.WriteString(w, old)
	})
	// read answers what "k" holds, changing nothing.
	mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {
		v, _ := runtime.Get[string](runtime.FromRequest(r), "k")
		_, _ = io.WriteString(w, v)
	})
	app.srv = httptest.NewServer(mgr.Middleware(mux))
	app.t.Cleanup(app.srv.Close)
}

// controlApp returns an app of no idle timeout nor absolute lifetime over
// the same instances as app.
func (app *lifetimeApp) controlApp() *lifetimeApp {
	app.t.Helper()
	c := &lifetimeApp{t: app.t, a: app.a, b: app.b, rdb: app.rdb}
	c.serve()
	return c
}

// lifetimeReply is what one request of a lifetime test got back.
type lifetimeReply struct {
	body string
	// cookie is the session cookie the response set, or nil.
	cookie *http.Cookie
	// sent and received bound when the server handled the request: its
	// clock read no earlier than sent and no later than received.
	sent, received time.Time
}

// get sends GET path carrying token ("": none) as the session cookie.
func (app *lifetimeApp) get(path, token string) lifetimeReply {
	app.t.Helper()
	req, err := http.NewRequest(http.MethodGet, app.srv.URL+path, nil)
	if err != nil {
		app.t.Fatal(err)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
	}
	r := lifetimeReply{sent: time.Now()}
	resp, err := app.srv.Client().Do(req)
	if err != nil {
		app.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		app.t.Fatalf("GET %s: %v", path, err)
	}
	r.received = time.Now()
	if resp.StatusCode != http.StatusOK {
		app.t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
	}
	r.body = string(b)
	for _, c := range resp.Cookies() {
		if c.Name == runtime.DefaultCookieName {
			r.cookie = c
		}
	}
	return r
}

// start creates a session holding "x" and returns its token and hash,
// checking the cookie it got.
func (app *lifetimeApp) start() (string, runtime.TokenHash, lifetimeReply) {
	app.t.Helper()
	r := app.get("/set?v=x", "")
	if r.cookie == nil || r.cookie.MaxAge <= 0 {
		app.t.Fatalf("the first save set cookie %v, want a session cookie with a Max-Age", r.cookie)
	}
	h, ok := runtime.HashToken(r.cookie.Value)
	if !ok {
		app.t.Fatalf("the session cookie %q holds no token", r.cookie.Value)
	}
	return r.cookie.Value, h, r
}

// stored loads the session under h through the second instance, which
// caches it in Redis when it is not yet, then through the first, which
// must find the same; checks that its stored expiry passes neither of its
// deadlines, nor its Redis entry the stored expiry; and returns both.
func (app *lifetimeApp) stored(h runtime.TokenHash) (runtime.Record, runtime.Lifetime) {
	app.t.Helper()
	return app.storedBefore(h, time.Time{})
}

// storedBefore is stored for a session that must live until live: one
// found gone once the load is past live passes, and reads as a zero
// Lifetime. The zero live is forever.
func (app *lifetimeApp) storedBefore(h runtime.TokenHash, live time.Time) (runtime.Record, runtime.Lifetime) {
	app.t.Helper()
	ctx := context.Background()
	rec, err := app.b.Load(ctx, h)
	if errors.Is(err, runtime.ErrNotFound) && !live.IsZero() && !time.Now().Before(live) {
		return runtime.Record{}, runtime.Lifetime{}
	}
	if err != nil {
		app.t.Fatalf("Load through the second instance of a session that must live: %v", err)
	}
	l := runtime.LifetimeOf(rec.Data)
	for _, d := range []time.Time{l.IdleDeadline, l.AbsoluteDeadline} {
		if !d.IsZero() && rec.ExpiresAt.After(d) {
			app.t.Errorf("stored expiry %v passes the deadline %v (lifetime %+v)", rec.ExpiresAt, d, l)
		}
	}
	// The PTTL is read after the fill: what is left of the entry's TTL is
	// about what is left of the session, not the cache's maximum TTL (ten
	// minutes). The fill's TTL counts from when Redis ran it, a moment
	// after the cache reckoned it, so the entry may outlive the session by
	// that moment (it is not served then: a read checks the expiry it
	// holds); lifetimeSlack allows for it on a loaded machine. An entry may
	// be missing only when it has just expired, with its session.
	ttl, err := app.rdb.PTTL(ctx, app.b.Key(h)).Result()
	if err != nil {
		app.t.Fatal(err)
	}
	switch left := time.Until(rec.ExpiresAt); {
	case ttl < 0 && left > 100*time.Millisecond:
		app.t.Errorf("the Redis entry is missing (PTTL %v) after a load through the second instance, %v before the session's stored expiry", ttl, left)
	case ttl > left+lifetimeSlack:
		app.t.Errorf("the Redis entry has a TTL of %v, with %v left before the session's stored expiry: want no more than %v over", ttl, left, lifetimeSlack)
	}
	again, err := app.a.Load(ctx, h)
	if errors.Is(err, runtime.ErrNotFound) && !live.IsZero() && !time.Now().Before(live) {
		return rec, l
	}
	if err != nil || !again.ExpiresAt.Equal(rec.ExpiresAt) {
		app.t.Errorf("Load through the first instance = %+v, %v; want the second's %+v", again, err, rec)
	}
	return rec, l
}

// wantGone fails the test unless neither instance finds a live session
// under h: the second first, which reads Redis before PostgreSQL.
func (app *lifetimeApp) wantGone(h runtime.TokenHash, why string) {
	app.t.Helper()
	for i, s := range []*cachestore.Store{app.b, app.a} {
		if rec, err := s.Load(context.Background(), h); !errors.Is(err, runtime.ErrNotFound) {
			app.t.Errorf("%s: Load through instance %d = %+v, %v; want ErrNotFound", why, 2-i, rec, err)
		}
	}
}

// wantMaxAge fails the test when c, if any, lets the browser keep the
// session past deadline: Max-Age, in whole seconds, counts from when the
// server wrote it, which is no earlier than sent.
func wantMaxAge(t *testing.T, c *http.Cookie, sent, deadline time.Time) {
	t.Helper()
	if c == nil || c.MaxAge < 0 {
		return
	}
	if age := time.Duration(c.MaxAge) * time.Second; sent.Add(age).After(deadline) {
		t.Errorf("cookie Max-Age %d, sent at %v, outlives the deadline %v", c.MaxAge, sent, deadline)
	}
}

// TestIdleTimeoutKeepsUsedSession checks over two cache instances that
// with WithIdleTimeout(2s) a session read again within the timeout lives
// on, past the idle deadline it first had: each read refreshes the
// deadline (a second or more has passed since the last, over a tenth of
// the timeout), keeps the token, sends a cookie whose Max-Age does not
// exceed the timeout, and moves the stored expiry forward but never past
// the idle deadline; the Redis entry each instance serves never outlives
// the stored expiry.
func TestIdleTimeoutKeepsUsedSession(t *testing.T) {
	t.Parallel()
	app := newLifetimeApp(t, runtime.WithIdleTimeout(lifetimeIdle))
	token, h, r := app.start()
	if r.cookie.MaxAge > int(lifetimeIdle/time.Second) {
		t.Errorf("the first save's cookie has Max-Age %d, over the idle timeout %v", r.cookie.MaxAge, lifetimeIdle)
	}
	_, l := app.stored(h)
	if l.IdleDeadline.IsZero() || l.IdleDeadline.After(r.received.Add(lifetimeIdle)) {
		t.Fatalf("idle deadline %v after a save by %v, want at most the timeout %v later", l.IdleDeadline, r.received, lifetimeIdle)
	}
	first := l.IdleDeadline
	for i := range 2 {
		time.Sleep(lifetimeIdle * 6 / 10)
		deadline := l.IdleDeadline
		r = app.get("/read", token)
		if !r.received.Before(deadline) {
			t.Skipf("read %d came back at %v, not before the idle deadline %v: the machine is too slow for this test", i, r.received, deadline)
		}
		if r.body != "x" {
			t.Fatalf("read %d, within the idle timeout, found %q, want x", i, r.body)
		}
		if r.cookie == nil || r.cookie.Value != token {
			t.Fatalf("read %d, %v after the last, set cookie %v, want a refresh of the same token", i, lifetimeIdle*6/10, r.cookie)
		}
		if r.cookie.MaxAge > int(lifetimeIdle/time.Second) {
			t.Errorf("read %d set Max-Age %d, over the idle timeout %v", i, r.cookie.MaxAge, lifetimeIdle)
		}
		var now runtime.Lifetime
		_, now = app.stored(h)
		if !now.IdleDeadline.After(deadline) || now.IdleDeadline.After(r.received.Add(lifetimeIdle)) {
			t.Errorf("read %d moved the idle deadline from %v to %v, want forward, to at most %v", i, deadline, now.IdleDeadline, r.received.Add(lifetimeIdle))
		}
		wantMaxAge(t, r.cookie, r.sent, now.IdleDeadline)
		l = now
	}
	// The reads slept 2.4s in all since the first save: the last came
	// after the idle deadline the session first had, which it outlived.
	if !r.sent.After(first) {
		t.Errorf("the last read was sent at %v, not after the first idle deadline %v", r.sent, first)
	}
}

// TestIdleTimeoutEndsUnusedSession checks over two cache instances that
// with WithIdleTimeout(2s) a session left unused for longer is gone,
// though both instances read it, and so cached it in Redis, before: past
// the deadline, the second instance's Load of its hash, which reads Redis
// first, returns runtime.ErrNotFound, as does the first's (the stored
// expiry, and the cached copy's, never passed the idle deadline), and a
// request carrying the old token finds nothing and starts a new session
// under a new token. A session of a manager without an idle timeout,
// saved at the same time over the same instances, lives on: the control
// that the end is the idle timeout's.
func TestIdleTimeoutEndsUnusedSession(t *testing.T) {
	t.Parallel()
	app := newLifetimeApp(t, runtime.WithIdleTimeout(lifetimeIdle))
	control := app.controlApp()
	token, h, r := app.start()
	if r.cookie.MaxAge > int(lifetimeIdle/time.Second) {
		t.Errorf("the first save's cookie has Max-Age %d, over the idle timeout %v", r.cookie.MaxAge, lifetimeIdle)
	}
	_, l := app.stored(h) // now cached
	if l.IdleDeadline.IsZero() || l.IdleDeadline.After(r.received.Add(lifetimeIdle)) {
		t.Fatalf("idle deadline %v after a save by %v, want at most the timeout %v later", l.IdleDeadline, r.received, lifetimeIdle)
	}
	wantMaxAge(t, r.cookie, r.sent, l.IdleDeadline)
	controlToken, controlHash, _ := control.start()
	control.stored(controlHash)

	time.Sleep(time.Until(l.IdleDeadline) + lifetimePast)
	app.wantGone(h, "past the idle deadline of a session unused since")
	if _, l := control.stored(controlHash); !l.IdleDeadline.IsZero() {
		t.Errorf("the control session has an idle deadline %v", l.IdleDeadline)
	}
	if got := control.get("/read", controlToken).body; got != "x" {
		t.Errorf("the control session, of no idle timeout, reads %q, want x", got)
	}

	r = app.get("/set?v=y", token)
	if r.body != "" {
		t.Errorf("a request with the token of a session idle past its timeout found %q, want nothing", r.body)
	}
	if r.cookie == nil || r.cookie.Value == token || r.cookie.MaxAge <= 0 {
		t.Fatalf("its save set cookie %v, want a new session's under a new token", r.cookie)
	}
	if r.cookie.MaxAge > int(lifetimeIdle/time.Second) {
		t.Errorf("the new session's cookie has Max-Age %d, over the idle timeout %v", r.cookie.MaxAge, lifetimeIdle)
	}
	app.wantGone(h, "the old session, after a request with its token")
	if got := app.get("/read", r.cookie.Value).body; got != "y" {
		t.Errorf("the new session reads %q, want y", got)
	}
}

// TestAbsoluteLifetimeEndsBusySession checks over two cache instances
// that with WithAbsoluteLifetime(2s) a session read every 300ms, each
// time through both instances too, so served from Redis, still ends at
// its absolute deadline: reads that came back before it find the
// session, reads sent after it find nothing, neither instance's Load of
// its hash finds it, and no cookie, stored expiry nor Redis entry passes
// the deadline. With an idle timeout too, each read refreshes the idle
// deadline, which would keep the session forever without the absolute
// one; its refreshes must stop at the absolute deadline, and may end the
// session within the last second, when the cookie's Max-Age would be 0.
func TestAbsoluteLifetimeEndsBusySession(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		opts    []runtime.Option
		refresh bool // each read refreshes an idle deadline
	}{
		{"absolute", []runtime.Option{runtime.WithAbsoluteLifetime(lifetimeAbsolute)}, false},
		{"absolute+idle", []runtime.Option{runtime.WithAbsoluteLifetime(lifetimeAbsolute), runtime.WithIdleTimeout(lifetimeIdle)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testAbsoluteLifetimeEndsBusySession(t, newLifetimeApp(t, tt.opts...), tt.refresh)
		})
	}
}

// testAbsoluteLifetimeEndsBusySession is
// TestAbsoluteLifetimeEndsBusySession over app; refresh says that its
// manager has an idle timeout too.
func testAbsoluteLifetimeEndsBusySession(t *testing.T, app *lifetimeApp, refresh bool) {
	t.Helper()
	token, h, r := app.start()
	_, l := app.stored(h)
	end := l.AbsoluteDeadline
	if end.IsZero() || end.After(r.received.Add(lifetimeAbsolute)) {
		t.Fatalf("absolute deadline %v of a session saved by %v, want at most %v later", end, r.received, lifetimeAbsolute)
	}
	wantMaxAge(t, r.cookie, r.sent, end)
	// A save within the last second ends the session: it would store a
	// cookie of Max-Age 0. Reads save only to refresh an idle deadline.
	live := end
	if refresh {
		live = end.Add(-time.Second)
	}
	var alive, gone, refreshed int
	for {
		time.Sleep(lifetimeBusy)
		r = app.get("/read", token)
		wantMaxAge(t, r.cookie, r.sent, end)
		switch {
		case r.received.Before(live):
			alive++
			if r.body != "x" {
				t.Fatalf("a read at %v, before the absolute deadline %v, found %q, want x", r.received, end, r.body)
			}
			if refresh {
				// Over a tenth of the idle timeout passed since the last
				// save: the read refreshed the idle deadline.
				if r.cookie == nil || r.cookie.Value != token {
					t.Fatalf("a read %v after the last set cookie %v, want a refresh of the same token", lifetimeBusy, r.cookie)
				}
				refreshed++
			}
			app.storedBefore(h, end) // cached again; no deadline passed
		case r.sent.After(end):
			gone++
			if r.body != "" {
				t.Fatalf("a read sent at %v, after the absolute deadline %v, found %q, want nothing", r.sent, end, r.body)
			}
			if r.cookie != nil && r.cookie.Value == token {
				t.Fatalf("a read after the absolute deadline set cookie %v of the ended session", r.cookie)
			}
			app.wantGone(h, "past the absolute deadline of a busy session")
		}
		if r.sent.After(end.Add(lifetimePast / 3)) {
			break
		}
	}
	t.Logf("%d reads found the session before its deadline (%d refreshed it), %d after it found none", alive, refreshed, gone)
	if gone == 0 {
		t.Fatal("no read was sent after the absolute deadline")
	}
}
