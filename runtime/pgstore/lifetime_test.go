package pgstore_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/runtime"
)

// The settings of the lifetime tests: real time, so short, with margins a
// loaded machine cannot eat. Durations count in whole seconds.
const (
	lifetimeIdle     = 2 * time.Second         // WithIdleTimeout
	lifetimeAbsolute = 2 * time.Second         // WithAbsoluteLifetime
	lifetimePast     = 1500 * time.Millisecond // how long after a deadline a test looks again
	lifetimeBusy     = 300 * time.Millisecond  // the interval of a busy session's reads
)

// lifetimeApp serves the routes of the lifetime tests through a
// runtime.Manager over a real store, on an httptest server. Requests carry
// the session cookie by hand, not through a jar, so that a test can send a
// token after its cookie's Max-Age, as a client that ignores Max-Age (or an
// attacker holding the token) does: the server, not the client, must end
// the session.
type lifetimeApp struct {
	t     *testing.T
	store runtime.Store
	srv   *httptest.Server
}

// newLifetimeApp serves the lifetime routes through a manager over store
// built with opts.
func newLifetimeApp(t *testing.T, store runtime.Store, opts ...runtime.Option) *lifetimeApp {
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
	return &lifetimeApp{t: t, store: store, srv: srv}
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
func (a *lifetimeApp) get(path, token string) lifetimeReply {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
	}
	r := lifetimeReply{sent: time.Now()}
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
func (a *lifetimeApp) start() (string, runtime.TokenHash, lifetimeReply) {
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

// stored loads the session under h straight from the store, checks that
// its stored expiry passes neither of its deadlines, and returns both.
func (a *lifetimeApp) stored(h runtime.TokenHash) (runtime.Record, runtime.Lifetime) {
	a.t.Helper()
	return a.storedBefore(h, time.Time{})
}

// storedBefore is stored for a session that must live until live: one
// found gone once the load is past live passes, and reads as a zero
// Lifetime. The zero live is forever.
func (a *lifetimeApp) storedBefore(h runtime.TokenHash, live time.Time) (runtime.Record, runtime.Lifetime) {
	a.t.Helper()
	rec, err := a.store.Load(context.Background(), h)
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

// wantGone fails the test unless the store finds no live session under h.
func (a *lifetimeApp) wantGone(h runtime.TokenHash, why string) {
	a.t.Helper()
	if rec, err := a.store.Load(context.Background(), h); !errors.Is(err, runtime.ErrNotFound) {
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

// TestIdleTimeoutKeepsUsedSession checks over pgstore that with
// WithIdleTimeout(2s) a session read again within the timeout lives on,
// past the idle deadline it first had: each read refreshes the deadline
// (a second or more has passed since the last, over a tenth of the
// timeout), keeps the token, sends a cookie whose Max-Age does not exceed
// the timeout, and moves the stored expiry forward but never past the
// idle deadline.
func TestIdleTimeoutKeepsUsedSession(t *testing.T) {
	t.Parallel()
	s, _ := pgstoretest.New(t)
	testIdleTimeoutKeepsUsedSession(t, newLifetimeApp(t, s, runtime.WithIdleTimeout(lifetimeIdle)))
}

// testIdleTimeoutKeepsUsedSession is TestIdleTimeoutKeepsUsedSession over
// app's store.
func testIdleTimeoutKeepsUsedSession(t *testing.T, app *lifetimeApp) {
	t.Helper()
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

// TestIdleTimeoutEndsUnusedSession checks over pgstore that with
// WithIdleTimeout(2s) a session left unused for longer is gone: the
// store's own Load of its hash returns runtime.ErrNotFound (its stored
// expiry never passed the idle deadline), and a request carrying the old
// token finds nothing and starts a new session under a new token. A
// session of a manager without an idle timeout, saved at the same time
// over the same store, lives on: the control that the end is the idle
// timeout's.
func TestIdleTimeoutEndsUnusedSession(t *testing.T) {
	t.Parallel()
	s, _ := pgstoretest.New(t)
	testIdleTimeoutEndsUnusedSession(t, newLifetimeApp(t, s, runtime.WithIdleTimeout(lifetimeIdle)), newLifetimeApp(t, s))
}

// testIdleTimeoutEndsUnusedSession is TestIdleTimeoutEndsUnusedSession
// over the store of app, which has the idle timeout, and of control, which
// has none.
func testIdleTimeoutEndsUnusedSession(t *testing.T, app, control *lifetimeApp) {
	t.Helper()
	token, h, r := app.start()
	if r.cookie.MaxAge > int(lifetimeIdle/time.Second) {
		t.Errorf("the first save's cookie has Max-Age %d, over the idle timeout %v", r.cookie.MaxAge, lifetimeIdle)
	}
	_, l := app.stored(h)
	if l.IdleDeadline.IsZero() || l.IdleDeadline.After(r.received.Add(lifetimeIdle)) {
		t.Fatalf("idle deadline %v after a save by %v, want at most the timeout %v later", l.IdleDeadline, r.received, lifetimeIdle)
	}
	wantMaxAge(t, r.cookie, r.sent, l.IdleDeadline)
	controlToken, controlHash, _ := control.start()

	time.Sleep(time.Until(l.IdleDeadline) + lifetimePast)
	app.wantGone(h, "the store, past the idle deadline of a session unused since")
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

// TestAbsoluteLifetimeEndsBusySession checks over pgstore that with
// WithAbsoluteLifetime(2s) a session read every 300ms still ends at its
// absolute deadline: reads that came back before it find the session,
// reads sent after it find nothing, the store's Load of its hash returns
// runtime.ErrNotFound, and no cookie nor stored expiry passes the
// deadline. With an idle timeout too, each read refreshes the idle
// deadline, which would keep the session forever without the absolute
// one; its refreshes must stop at the absolute deadline, and may end the
// session within the last second, when the cookie's Max-Age would be 0.
func TestAbsoluteLifetimeEndsBusySession(t *testing.T) {
	t.Parallel()
	for _, tt := range lifetimeBusyCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := pgstoretest.New(t)
			testAbsoluteLifetimeEndsBusySession(t, newLifetimeApp(t, s, tt.opts...), tt.refresh)
		})
	}
}

// lifetimeBusyCases are the managers TestAbsoluteLifetimeEndsBusySession
// runs; refresh says whether each read refreshes an idle deadline.
var lifetimeBusyCases = []struct {
	name    string
	opts    []runtime.Option
	refresh bool
}{
	{"absolute", []runtime.Option{runtime.WithAbsoluteLifetime(lifetimeAbsolute)}, false},
	{"absolute+idle", []runtime.Option{runtime.WithAbsoluteLifetime(lifetimeAbsolute), runtime.WithIdleTimeout(lifetimeIdle)}, true},
}

// testAbsoluteLifetimeEndsBusySession is
// TestAbsoluteLifetimeEndsBusySession over app's store; refresh says that
// its manager has an idle timeout too.
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
			app.storedBefore(h, end) // its stored expiry passes neither deadline
		case r.sent.After(end):
			gone++
			if r.body != "" {
				t.Fatalf("a read sent at %v, after the absolute deadline %v, found %q, want nothing", r.sent, end, r.body)
			}
			if r.cookie != nil && r.cookie.Value == token {
				t.Fatalf("a read after the absolute deadline set cookie %v of the ended session", r.cookie)
			}
		}
		if r.sent.After(end.Add(lifetimePast / 3)) {
			break
		}
	}
	t.Logf("%d reads found the session before its deadline (%d refreshed it), %d after it found none", alive, refreshed, gone)
	if gone == 0 {
		t.Fatal("no read was sent after the absolute deadline")
	}
	app.wantGone(h, "the store, past the absolute deadline of a busy session")
}
