// Package lifetimetest holds the real-time tests of runtime.WithIdleTimeout
// and runtime.WithAbsoluteLifetime over a real store, which pgstore and
// cachestore both run: a session used within its idle timeout lives on, one
// left unused ends, and a busy one still ends at its absolute deadline, with
// no cookie, stored expiry or cached copy outliving a deadline.
//
// The tests run in real time, as the stores keep their own clocks, so their
// durations are short with margins a loaded machine cannot eat; durations
// count in whole seconds. Requests carry the session cookie by hand, not
// through a jar, so that a test can send a token after its cookie's
// Max-Age, as a client that ignores Max-Age (or an attacker holding the
// token) does: the server, not the client, must end the session.
package lifetimetest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// The settings of the tests.
const (
	idleTimeout      = 2 * time.Second         // WithIdleTimeout
	absoluteLifetime = 2 * time.Second         // WithAbsoluteLifetime
	past             = 1500 * time.Millisecond // how long after a deadline a test looks again
	busy             = 300 * time.Millisecond  // the interval of a busy session's reads
)

// Checker looks into the store under test, through each instance a test
// has.
type Checker interface {
	// Load loads the session under h through each instance, failing t
	// when they disagree, or when what an instance keeps besides the
	// session (a cache's entry) outlives it, and returns what it found:
	// an error wrapping runtime.ErrNotFound when no instance finds it.
	Load(t *testing.T, h runtime.TokenHash) (runtime.Record, error)
}

// Run runs the tests, in parallel, through managers over store, checking
// what it keeps with chk.
func Run(t *testing.T, store runtime.Store, chk Checker) {
	t.Run("IdleTimeoutKeepsUsedSession", func(t *testing.T) {
		t.Parallel()
		idleTimeoutKeepsUsedSession(t, serve(t, store, chk, runtime.WithIdleTimeout(idleTimeout)))
	})
	t.Run("IdleTimeoutEndsUnusedSession", func(t *testing.T) {
		t.Parallel()
		idleTimeoutEndsUnusedSession(t, serve(t, store, chk, runtime.WithIdleTimeout(idleTimeout)), serve(t, store, chk))
	})
	for _, tt := range []struct {
		name    string
		opts    []runtime.Option
		refresh bool // each read refreshes an idle deadline
	}{
		{"absolute", []runtime.Option{runtime.WithAbsoluteLifetime(absoluteLifetime)}, false},
		{"absolute+idle", []runtime.Option{runtime.WithAbsoluteLifetime(absoluteLifetime), runtime.WithIdleTimeout(idleTimeout)}, true},
	} {
		t.Run("AbsoluteLifetimeEndsBusySession/"+tt.name, func(t *testing.T) {
			t.Parallel()
			absoluteLifetimeEndsBusySession(t, serve(t, store, chk, tt.opts...), tt.refresh)
		})
	}
}

// app serves the routes of the tests through a runtime.Manager over a
// store, on an httptest server.
type app struct {
	t   *testing.T
	chk Checker
	srv *httptest.Server
}

// serve serves the routes through a manager over store built with opts.
func serve(t *testing.T, store runtime.Store, chk Checker, opts ...runtime.Option) *app {
	t.Helper()
	mgr, err := runtime.NewManager(store, opts...)
	if err != nil {
		t.Fatal(err)
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
	srv := httptest.NewServer(mgr.Middleware(mux))
	t.Cleanup(srv.Close)
	return &app{t: t, chk: chk, srv: srv}
}

// reply is what one request got back.
type reply struct {
	body string
	// cookie is the session cookie the response set, or nil.
	cookie *http.Cookie
	// sent and received bound when the server handled the request: its
	// clock read no earlier than sent and no later than received.
	sent, received time.Time
}

// get sends GET path carrying token ("": none) as the session cookie.
func (a *app) get(path, token string) reply {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
	}
	r := reply{sent: time.Now()}
	resp, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	r.received = time.Now()
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
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
func (a *app) start() (string, runtime.TokenHash, reply) {
	a.t.Helper()
	r := a.get("/set?v=x", "")
	if r.cookie == nil || r.cookie.MaxAge <= 0 {
		a.t.Fatalf("the first save set cookie %v, want a session cookie with a Max-Age", r.cookie)
	}
	h, ok := runtime.HashToken(r.cookie.Value)
	if !ok {
		a.t.Fatalf("the session cookie %q holds no token", r.cookie.Value)
	}
	return r.cookie.Value, h, r
}

// stored loads the session under h through the Checker, checks that its
// stored expiry passes neither of its deadlines, and returns both.
func (a *app) stored(h runtime.TokenHash) (runtime.Record, runtime.Lifetime) {
	a.t.Helper()
	return a.storedBefore(h, time.Time{})
}

// storedBefore is stored for a session that must live until live: one
// found gone once the load is past live passes, and reads as a zero
// Lifetime. The zero live is forever.
func (a *app) storedBefore(h runtime.TokenHash, live time.Time) (runtime.Record, runtime.Lifetime) {
	a.t.Helper()
	rec, err := a.chk.Load(a.t, h)
	if errors.Is(err, runtime.ErrNotFound) && !live.IsZero() && !time.Now().Before(live) {
		return runtime.Record{}, runtime.Lifetime{}
	}
	if err != nil {
		a.t.Fatalf("Load of a session that must live: %v", err)
	}
	l := runtime.LifetimeOf(rec.Data)
	for _, d := range []time.Time{l.IdleDeadline, l.AbsoluteDeadline} {
		if !d.IsZero() && rec.ExpiresAt.After(d) {
			a.t.Errorf("stored expiry %v passes the deadline %v (lifetime %+v)", rec.ExpiresAt, d, l)
		}
	}
	return rec, l
}

// wantGone fails the test unless no instance finds a live session under h.
func (a *app) wantGone(h runtime.TokenHash, why string) {
	a.t.Helper()
	if rec, err := a.chk.Load(a.t, h); !errors.Is(err, runtime.ErrNotFound) {
		a.t.Errorf("%s: Load = %+v, %v; want ErrNotFound", why, rec, err)
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

// idleTimeoutKeepsUsedSession checks that with WithIdleTimeout(2s) a
// session read again within the timeout lives on, past the idle deadline
// it first had: each read refreshes the deadline (a second or more has
// passed since the last, over a tenth of the timeout), keeps the token,
// sends a cookie whose Max-Age does not exceed the timeout, and moves the
// stored expiry forward but never past the idle deadline.
func idleTimeoutKeepsUsedSession(t *testing.T, app *app) {
	token, h, r := app.start()
	if r.cookie.MaxAge > int(idleTimeout/time.Second) {
		t.Errorf("the first save's cookie has Max-Age %d, over the idle timeout %v", r.cookie.MaxAge, idleTimeout)
	}
	_, l := app.stored(h)
	if l.IdleDeadline.IsZero() || l.IdleDeadline.After(r.received.Add(idleTimeout)) {
		t.Fatalf("idle deadline %v after a save by %v, want at most the timeout %v later", l.IdleDeadline, r.received, idleTimeout)
	}
	first := l.IdleDeadline
	for i := range 2 {
		time.Sleep(idleTimeout * 6 / 10)
		deadline := l.IdleDeadline
		r = app.get("/read", token)
		if !r.received.Before(deadline) {
			t.Skipf("read %d came back at %v, not before the idle deadline %v: the machine is too slow for this test", i, r.received, deadline)
		}
		if r.body != "x" {
			t.Fatalf("read %d, within the idle timeout, found %q, want x", i, r.body)
		}
		if r.cookie == nil || r.cookie.Value != token {
			t.Fatalf("read %d, %v after the last, set cookie %v, want a refresh of the same token", i, idleTimeout*6/10, r.cookie)
		}
		if r.cookie.MaxAge > int(idleTimeout/time.Second) {
			t.Errorf("read %d set Max-Age %d, over the idle timeout %v", i, r.cookie.MaxAge, idleTimeout)
		}
		_, now := app.stored(h)
		if !now.IdleDeadline.After(deadline) || now.IdleDeadline.After(r.received.Add(idleTimeout)) {
			t.Errorf("read %d moved the idle deadline from %v to %v, want forward, to at most %v", i, deadline, now.IdleDeadline, r.received.Add(idleTimeout))
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

// idleTimeoutEndsUnusedSession checks that with WithIdleTimeout(2s) a
// session left unused for longer is gone, though it was loaded (and so
// cached, by a cache) before: past the deadline no instance finds it (its
// stored expiry never passed the idle deadline), and a request carrying
// the old token finds nothing and starts a new session under a new token.
// A session of control, a manager without an idle timeout, saved at the
// same time over the same store, lives on: the control that the end is
// the idle timeout's.
func idleTimeoutEndsUnusedSession(t *testing.T, app, control *app) {
	token, h, r := app.start()
	if r.cookie.MaxAge > int(idleTimeout/time.Second) {
		t.Errorf("the first save's cookie has Max-Age %d, over the idle timeout %v", r.cookie.MaxAge, idleTimeout)
	}
	_, l := app.stored(h)
	if l.IdleDeadline.IsZero() || l.IdleDeadline.After(r.received.Add(idleTimeout)) {
		t.Fatalf("idle deadline %v after a save by %v, want at most the timeout %v later", l.IdleDeadline, r.received, idleTimeout)
	}
	wantMaxAge(t, r.cookie, r.sent, l.IdleDeadline)
	controlToken, controlHash, _ := control.start()
	control.stored(controlHash)

	time.Sleep(time.Until(l.IdleDeadline) + past)
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
	if r.cookie.MaxAge > int(idleTimeout/time.Second) {
		t.Errorf("the new session's cookie has Max-Age %d, over the idle timeout %v", r.cookie.MaxAge, idleTimeout)
	}
	app.wantGone(h, "the old session, after a request with its token")
	if got := app.get("/read", r.cookie.Value).body; got != "y" {
		t.Errorf("the new session reads %q, want y", got)
	}
}

// absoluteLifetimeEndsBusySession checks that with
// WithAbsoluteLifetime(2s) a session read every 300ms, and loaded through
// the Checker after each read, still ends at its absolute deadline: reads
// that came back before it find the session, reads sent after it find
// nothing, no instance finds it, and no cookie, stored expiry nor cached
// copy passes the deadline. With an idle timeout too (refresh), each read
// refreshes the idle deadline, which would keep the session forever
// without the absolute one; its refreshes must stop at the absolute
// deadline, and may end the session within the last second, when the
// cookie's Max-Age would be 0.
func absoluteLifetimeEndsBusySession(t *testing.T, app *app, refresh bool) {
	token, h, r := app.start()
	_, l := app.stored(h)
	end := l.AbsoluteDeadline
	if end.IsZero() || end.After(r.received.Add(absoluteLifetime)) {
		t.Fatalf("absolute deadline %v of a session saved by %v, want at most %v later", end, r.received, absoluteLifetime)
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
		time.Sleep(busy)
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
					t.Fatalf("a read %v after the last set cookie %v, want a refresh of the same token", busy, r.cookie)
				}
				refreshed++
			}
			app.storedBefore(h, end) // loaded (cached) again; no deadline passed
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
		if r.sent.After(end.Add(past / 3)) {
			break
		}
	}
	t.Logf("%d reads found the session before its deadline (%d refreshed it), %d after it found none", alive, refreshed, gone)
	if gone == 0 {
		t.Fatal("no read was sent after the absolute deadline")
	}
}
