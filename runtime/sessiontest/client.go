package sessiontest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// TB is what a Client needs of a test: *testing.T, *testing.B and
// *testing.F have it. Fatalf must stop the test, as theirs do.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

// Client is a test's visitor of the handlers under test: a
// runtime.Manager over a memstore.Store, with the cookies of the
// responses it got. Build it with New. It is not safe for concurrent use.
type Client struct {
	t     TB
	store *memstore.Store
	rec   *recorder // the store the manager writes to
	mgr   *runtime.Manager
	view  *runtime.Manager // for Read: over a store that writes nothing

	jar  map[string]*http.Cookie // by name, in the order first set
	keys []string
	name string // of the session cookie, once a response set one

	// What the request being served reported.
	handlerErr error    // given to the error handler
	logged     []string // session errors logged
	replaced   bool     // the error handler wrote the response

	// What the last Seed, Do or Try did to the session it carried.
	flushed, cycled bool
}

// New returns a Client over an empty memstore.Store, with a manager built
// with opts (see the package documentation for the error handler and the
// logger it installs first). It fails the test if NewManager refuses opts.
func New(t TB, opts ...runtime.Option) *Client {
	t.Helper()
	c := &Client{t: t, store: memstore.New(), jar: map[string]*http.Cookie{}}
	c.rec = &recorder{Store: c.store}
	own := []runtime.Option{runtime.WithErrorHandler(c.errorHandler), runtime.WithLogger(c.logger())}
	mgr, err := runtime.NewManager(c.rec, append(own, opts...)...)
	if err != nil {
		t.Fatalf("sessiontest.New: %v", err)
	}
	// Read's manager reports nothing to the application's metrics: a
	// test's look at the session is not an event of the application.
	view, err := runtime.NewManager(readOnly{c.store}, append(append(own, opts...), runtime.WithMetrics(nil))...)
	if err != nil {
		t.Fatalf("sessiontest.New: %v", err)
	}
	c.mgr, c.view = mgr, view
	return c
}

// errorHandler records err and answers as runtime.DefaultErrorHandler.
func (c *Client) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	c.handlerErr = err
	runtime.DefaultErrorHandler(w, r, err)
}

// Manager returns the client's manager, to serve a handler another way
// (an httptest.Server, say) over the same sessions.
func (c *Client) Manager() *runtime.Manager { return c.mgr }

// Store returns the client's store, for what the application builds on
// it (a "your devices" page, the admin page) and for raw checks. Writes
// made through it directly are not seen by Flushed and Cycled.
func (c *Client) Store() *memstore.Store { return c.store }

// Seed runs fn as the handler of a request to "/" that carries the
// client's cookies, behind the middleware, and keeps the cookie of its
// response: what fn sets through the generated accessors (or runtime.Set)
// is stored as a real request would store it. fn may also call SignIn,
// SetExpiry, Flush or PopX. As on any request, a session left without
// data is not stored, even one a SignIn bound to a user: seed a value
// too. Seed fails the test if the session could not be saved.
func (c *Client) Seed(fn func(r *http.Request)) {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, err := c.serve(c.mgr, handlerOf(fn), req, true); err != nil {
		c.t.Fatalf("sessiontest: Seed: %v", err)
	}
}

// Do runs h behind the middleware on req, with the client's cookies
// added to those req carries, and returns the response. It keeps the
// cookies the response sets, and drops those it expires. req is not
// changed: Do sends a copy. Do fails the test if the session could not be
// loaded or saved (the error handler replaced the response) or if the
// middleware logged a session error; Try returns the error instead.
func (c *Client) Do(h http.Handler, req *http.Request) *http.Response {
	c.t.Helper()
	resp, err := c.serve(c.mgr, h, req, true)
	if err != nil {
		c.t.Fatalf("sessiontest: Do %s %s: %v", req.Method, req.URL.RequestURI(), err)
	}
	return resp
}

// Try is Do for a test that expects the session to fail: it returns the
// response, which is the error handler's when the error replaced it, and
// the error, instead of failing the test. The error is the one the error
// handler received (wrapping runtime.ErrInvalidValue, runtime.ErrTooLarge,
// ...), the one the middleware logged, or, when an error handler of the
// application's replaced the response, one wrapping
// runtime.ErrResponseReplaced; nil when the session worked.
func (c *Client) Try(h http.Handler, req *http.Request) (*http.Response, error) {
	c.t.Helper()
	return c.serve(c.mgr, h, req, true)
}

// Read runs fn on a request that carries the client's cookies, behind a
// manager with the same settings over the same store that writes nothing:
// fn reads the session as the next request would, through the generated
// getters, and whatever it changes is dropped. A PopX in fn returns the
// flash value and leaves it stored. Read changes neither the store nor the
// client's cookies, nor what Flushed and Cycled report.
func (c *Client) Read(fn func(r *http.Request)) {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, err := c.serve(c.view, handlerOf(fn), req, false); err != nil {
		c.t.Fatalf("sessiontest: Read: %v", err)
	}
}

// handlerOf returns a handler that runs fn and writes nothing.
func handlerOf(fn func(r *http.Request)) http.Handler {
	return http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { fn(r) })
}

// serve runs h behind m on a copy of req with the client's cookies, and
// returns the response and the session's error. When keep is set, it
// keeps the response's cookies and records what the request did to the
// session it carried.
func (c *Client) serve(m *runtime.Manager, h http.Handler, req *http.Request, keep bool) (*http.Response, error) {
	c.t.Helper()
	req = req.Clone(req.Context())
	for _, name := range c.keys {
		if _, err := req.Cookie(name); err != nil {
			req.AddCookie(&http.Cookie{Name: name, Value: c.jar[name].Value})
		}
	}
	carried, wasLive := c.hashOf(c.Token())
	wasLive = wasLive && c.live(carried)
	c.handlerErr, c.logged, c.replaced = nil, nil, false
	if keep {
		c.rec.ops = nil
	}

	w := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		// Writing nothing sends the headers, saving the session, if the
		// handler did not; the middleware's writer then tells whether the
		// error handler replaced the response, whichever handler it is.
		if _, err := w.Write(nil); errors.Is(err, runtime.ErrResponseReplaced) {
			c.replaced = true
		}
	})).ServeHTTP(w, req)
	resp := w.Result()

	if keep {
		c.keepCookies(resp.Cookies())
		c.flushed = wasLive && slices.ContainsFunc(c.rec.ops, func(o op) bool { return o.kind == opDelete && o.from == carried })
		c.cycled = wasLive && slices.ContainsFunc(c.rec.ops, func(o op) bool { return o.kind == opCycle && o.from == carried })
	}
	return resp, c.sessionErr(resp)
}

// sessionErr returns the error of the request just served, or nil.
func (c *Client) sessionErr(resp *http.Response) error {
	switch {
	case c.handlerErr != nil:
		return fmt.Errorf("the session failed and the error handler replaced the response (%s): %w", resp.Status, c.handlerErr)
	case c.replaced:
		return fmt.Errorf("the session failed and the application's error handler replaced the response (%s); "+
			"it received the error: %w", resp.Status, runtime.ErrResponseReplaced)
	case len(c.logged) > 0:
		return fmt.Errorf("the middleware logged a session error: %s", strings.Join(c.logged, "; "))
	}
	return nil
}

// keepCookies stores the cookies a response set in the jar, and drops
// those it expired. It learns the session cookie's name from the first
// cookie that carries the token of a session the request stored.
func (c *Client) keepCookies(set []*http.Cookie) {
	for _, ck := range set {
		if c.name == "" {
			if h, ok := runtime.HashToken(ck.Value); ok && slices.ContainsFunc(c.rec.ops, func(o op) bool {
				return o.to == h && (o.kind == opCreate || o.kind == opCycle)
			}) {
				c.name = ck.Name
			}
		}
		if ck.MaxAge < 0 {
			delete(c.jar, ck.Name)
			c.keys = slices.DeleteFunc(c.keys, func(k string) bool { return k == ck.Name })
			continue
		}
		if _, ok := c.jar[ck.Name]; !ok {
			c.keys = append(c.keys, ck.Name)
		}
		c.jar[ck.Name] = ck
	}
}

// Token returns the token of the session cookie the client holds, or ""
// when it holds none: no response set one yet, or the last one expired
// it.
func (c *Client) Token() string {
	if ck := c.Cookie(); ck != nil {
		return ck.Value
	}
	return ""
}

// Cookie returns a copy of the session cookie as the last response that
// set it sent it, with its Max-Age, Expires and attributes, or nil when
// the client holds none.
func (c *Client) Cookie() *http.Cookie {
	ck, ok := c.jar[c.name]
	if c.name == "" || !ok {
		return nil
	}
	cp := *ck
	return &cp
}

// Live reports whether token names a live session in the store: after a
// sign-in or a sign-out, the old token must not.
func (c *Client) Live(token string) bool {
	h, ok := c.hashOf(token)
	return ok && c.live(h)
}

// Stored reports whether the client's session cookie names a live
// session: Live(Token()).
func (c *Client) Stored() bool { return c.Live(c.Token()) }

// Record returns the stored row of the client's session, as the store
// keeps it (data as JSON, expiry, bound user, user agent), and whether
// there is a live one.
func (c *Client) Record() (runtime.Record, bool) {
	h, ok := c.hashOf(c.Token())
	if !ok {
		return runtime.Record{}, false
	}
	rec, err := c.store.Load(context.Background(), h)
	return rec, err == nil
}

// Flushed reports whether the last Seed, Do or Try deleted the live
// session its request carried: a Flush (the application may have started
// a new session after it, under a new token), or a handler that emptied
// the session.
func (c *Client) Flushed() bool { return c.flushed }

// Cycled reports whether the last Seed, Do or Try moved the live session
// its request carried to a new token, keeping its data: a SignIn or a
// CycleKey. A SignIn on a request without a stored session creates one
// instead, and Cycled reports false.
func (c *Client) Cycled() bool { return c.cycled }

// hashOf returns the hash of token, and whether it is of a token's shape.
func (c *Client) hashOf(token string) (runtime.TokenHash, bool) {
	if token == "" {
		return runtime.TokenHash{}, false
	}
	return runtime.HashToken(token)
}

// live reports whether a live session is stored under h.
func (c *Client) live(h runtime.TokenHash) bool {
	_, err := c.store.Load(context.Background(), h)
	return err == nil
}
