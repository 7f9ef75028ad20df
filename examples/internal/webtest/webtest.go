// Package webtest serves an example app for its tests and visits it as a
// browser would, keeping the cookies it is given. It holds the scripts
// that every router's example runs against its own handler: VisitAndShop
// for the app as main serves it, RouteLevel for the session middleware on
// some routes only.
package webtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/sessiongen/sessiongen/examples/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// NewManager returns a Manager over a new memstore, and the store.
func NewManager(t testing.TB) (*runtime.Manager, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	mgr, err := runtime.NewManager(store)
	if err != nil {
		t.Fatal(err)
	}
	return mgr, store
}

// VisitAndShop visits the example app that routes returns for a new
// manager, as every router's test does: GET / counts visits and POST
// /cart/{item} adds to the cart. The first visit sets the session cookie,
// the count and the cart carry over from request to request, and a second
// browser has a session of its own.
func VisitAndShop[H http.Handler](t testing.TB, routes func(*runtime.Manager) H) {
	t.Helper()
	mgr, _ := NewManager(t)
	b := New(t, routes(mgr))
	resp := b.Get("/", http.StatusOK, "visit 1\n")
	if !SetCookieHeader(resp, runtime.DefaultCookieName) {
		t.Fatal("the first visit set no session cookie")
	}
	b.Get("/", http.StatusOK, "visit 2\n")
	b.Post("/cart/tea", http.StatusOK, "cart: tea\n")
	b.Post("/cart/jam", http.StatusOK, "cart: tea, jam\n")
	b.Get("/", http.StatusOK, "visit 3\n")

	b.Another().Get("/", http.StatusOK, "visit 1\n")
	b.Get("/", http.StatusOK, "visit 4\n")
}

// RouteLevel visits h, which has the session middleware on some routes
// only: GET path, behind it, counts visits, and GET /healthz, served by
// NoSession without it, has no session and sets no cookie. It returns the
// browser, to visit the other routes behind the middleware.
func RouteLevel(t testing.TB, h http.Handler, path string) *Browser {
	t.Helper()
	b := New(t, h)
	b.Get(path, http.StatusOK, "visit 1\n")
	b.Get(path, http.StatusOK, "visit 2\n")
	resp := b.Get("/healthz", http.StatusOK, "session: false\n")
	if SetCookieHeader(resp, runtime.DefaultCookieName) {
		t.Fatal("a route without the session middleware set a session cookie")
	}
	b.Get(path, http.StatusOK, "visit 3\n")
	return b
}

// NoSession says whether its request has a session, for a route outside
// the session middleware.
func NoSession(w http.ResponseWriter, r *http.Request) {
	_, ok := session.FromContext(r.Context())
	fmt.Fprintf(w, "session: %t\n", ok)
}

// AddVisits adds n to the visits of r's session, as a handler does that
// changes the session before it fails.
func AddVisits(r *http.Request, n int) {
	sess := session.From(r)
	sess.SetVisits(sess.Visits() + n)
}

// Browser is an HTTP client with a cookie jar, visiting one test server.
type Browser struct {
	t      testing.TB
	srv    *httptest.Server
	url    *url.URL
	client *http.Client
}

// New serves h until the test ends and returns a Browser visiting it. The
// server speaks HTTPS, as in production, where the session cookie is
// Secure (the default).
func New(t testing.TB, h http.Handler) *Browser {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return newBrowser(t, srv, u)
}

// Another returns a second browser, with cookies of its own, visiting the
// same server.
func (b *Browser) Another() *Browser {
	b.t.Helper()
	return newBrowser(b.t, b.srv, b.url)
}

func newBrowser(t testing.TB, srv *httptest.Server, u *url.URL) *Browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A copy: srv.Client returns the same client each time. The copy
	// shares its transport, which trusts the server's certificate.
	client := *srv.Client()
	client.Jar = jar
	return &Browser{t: t, srv: srv, url: u, client: &client}
}

// Get requests path and fails the test unless the response has status
// want and exactly body wantBody. It returns the response, its body read.
func (b *Browser) Get(path string, want int, wantBody string) *http.Response {
	b.t.Helper()
	return b.Do(http.MethodGet, path, want, wantBody)
}

// Post is Get with method POST and no request body.
func (b *Browser) Post(path string, want int, wantBody string) *http.Response {
	b.t.Helper()
	return b.Do(http.MethodPost, path, want, wantBody)
}

// Do is Get with the given method.
func (b *Browser) Do(method, path string, want int, wantBody string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.url.String()+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	if resp.StatusCode != want || string(body) != wantBody {
		b.t.Fatalf("%s %s = %d %q, want %d %q", method, path, resp.StatusCode, body, want, wantBody)
	}
	return resp
}

// Cookie returns the cookie named name that the browser holds for the
// server, and whether it holds one.
func (b *Browser) Cookie(name string) (*http.Cookie, bool) {
	for _, c := range b.client.Jar.Cookies(b.url) {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// SetCookie puts c in the browser's jar for the server, as a replayed or
// forged cookie would arrive.
func (b *Browser) SetCookie(c *http.Cookie) {
	b.client.Jar.SetCookies(b.url, []*http.Cookie{c})
}

// SetCookieHeader reports whether resp set a cookie named name, to tell a
// response that started a session from one that did not.
func SetCookieHeader(resp *http.Response, name string) bool {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return true
		}
	}
	return false
}
