// Package webtest serves an example app for its tests and visits it as a
// browser would, keeping the cookies it is given.
package webtest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

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

// VisitAndShop visits an example app served by h, as every router's test
// does: GET / counts visits and POST /cart/{item} adds to the cart. The
// first visit sets the session cookie, the count and the cart carry over
// from request to request, and a second browser has a session of its own.
func VisitAndShop(t testing.TB, h http.Handler) {
	t.Helper()
	b := New(t, h)
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
