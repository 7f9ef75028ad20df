package runtime_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// storeKinds names the stores every middleware test runs against.
var storeKinds = []string{"memstore", "pgstore"}

// env is one test's server: the middleware over a real store, behind TLS,
// with a client that keeps cookies like a browser.
type env struct {
	t      *testing.T
	store  runtime.Store
	pool   *pgxpool.Pool // for pgstore
	srv    *httptest.Server
	client *http.Client
	logs   *syncbuf.Buffer

	// calls counts store calls: for pgstore, the SQL statements sent.
	calls *pgtest.Counter
}

// forEachStore runs f as a subtest against each store.
func forEachStore(t *testing.T, f func(t *testing.T, kind string)) {
	t.Helper()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, kind)
		})
	}
}

// forEachEnv runs f as a subtest against each store, with an env serving
// routes() over it: the setup most middleware tests share.
func forEachEnv(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	forEachStore(t, func(t *testing.T, kind string) {
		f(t, newEnv(t, kind, routes()))
	})
}

// newEnv starts a TLS server serving h through a Manager over a fresh store
// of the given kind.
func newEnv(t *testing.T, kind string, h http.Handler, opts ...runtime.Option) *env {
	t.Helper()
	e := newStoreEnv(t, kind)
	e.start(h, opts...)
	return e
}

// newStoreEnv returns an env with its store but no server yet, so a test
// can wrap the store before calling start.
func newStoreEnv(t *testing.T, kind string) *env {
	t.Helper()
	e := &env{t: t, logs: &syncbuf.Buffer{}, calls: &pgtest.Counter{}}
	e.store = e.newStore(kind)
	return e
}

// start serves h through a Manager over e.store. Cookies are Secure, as in
// production, which the TLS server and the jar honour.
func (e *env) start(h http.Handler, opts ...runtime.Option) {
	opts = append([]runtime.Option{runtime.WithCookieSecure(true), runtime.WithLogger(slogTo(e.logs))}, opts...)
	mgr := newManager(e.t, e.store, opts...)
	e.srv = newTLSServer(e.t, mgr.Middleware(h))
	e.client = e.newClient()
}

// newManager returns runtime.NewManager's Manager, failing tb on an error.
func newManager(tb testing.TB, store runtime.Store, opts ...runtime.Option) *runtime.Manager {
	tb.Helper()
	mgr, err := runtime.NewManager(store, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return mgr
}

func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func (e *env) newStore(kind string) runtime.Store {
	switch kind {
	case "memstore":
		return &countingStore{Store: memstore.New(), n: &e.calls.Int64}
	case "pgstore":
		pool, calls := pgtest.CountedPool(e.t)
		e.calls = calls
		if err := pgstore.Migrate(context.Background(), pool); err != nil {
			e.t.Fatal(err)
		}
		e.calls.Store(0) // count only what the middleware sends
		e.pool = pool
		return pgstore.New(pool)
	}
	e.t.Fatalf("unknown store %q", kind)
	return nil
}

// newClient returns a client with a cookie jar of its own, as a second
// browser would have. (httptest.Server.Client returns one shared client,
// so only its transport is reused.)
func (e *env) newClient() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Client{Transport: e.srv.Client().Transport, Jar: jar}
}

// do sends a request and returns the response with its body read.
func (e *env) do(c *http.Client, method, path string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(body)
}

// get sends GET path with the env's client.
func (e *env) get(path string) (*http.Response, string) {
	e.t.Helper()
	return e.do(e.client, http.MethodGet, path)
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// token returns the session token in the client's jar, or "".
func (e *env) token() string {
	e.t.Helper()
	for _, c := range e.client.Jar.Cookies(mustURL(e.t, e.srv.URL)) {
		if c.Name == runtime.DefaultCookieName {
			return c.Value
		}
	}
	return ""
}

// setToken puts a session cookie with value v in the client's jar.
func (e *env) setToken(v string) {
	e.client.Jar.SetCookies(mustURL(e.t, e.srv.URL), []*http.Cookie{{Name: runtime.DefaultCookieName, Value: v, Path: "/"}})
}

// stored loads the session of token straight from the store.
func (e *env) stored(token string) (runtime.Record, error) {
	e.t.Helper()
	h, ok := runtime.HashToken(token)
	if !ok {
		e.t.Fatalf("token %q is not of a token's shape", token)
	}
	return e.store.Load(context.Background(), h)
}

// load is stored for a session that must be there: it fails the test when
// it is not.
func (e *env) load(token string) runtime.Record {
	e.t.Helper()
	rec, err := e.stored(token)
	if err != nil {
		e.t.Fatalf("loading the stored session: %v", err)
	}
	return rec
}

// hold stops one request at a point of its handler until the test lets
// it go: the handler calls here, the test waits with reached until the
// request is there, does what must happen meanwhile, then calls release.
type hold struct{ at, released chan struct{} }

func newHold() *hold { return &hold{at: make(chan struct{}), released: make(chan struct{})} }

// here, called by the handler, says the request has reached the point and
// waits there until the test calls release.
func (h *hold) here() {
	close(h.at)
	<-h.released
}

// reached waits until the request has reached the point.
func (h *hold) reached() { <-h.at }

// release lets the request go on.
func (h *hold) release() { close(h.released) }

// countingStore counts the calls made to the store it wraps.
type countingStore struct {
	runtime.Store
	n      *atomic.Int64 // every call
	writes atomic.Int64  // Create, Update and Cycle
}

func (s *countingStore) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	s.n.Add(1)
	return s.Store.Load(ctx, h)
}

func (s *countingStore) Create(ctx context.Context, h runtime.TokenHash, rec runtime.Record) error {
	s.n.Add(1)
	s.writes.Add(1)
	return s.Store.Create(ctx, h, rec)
}

func (s *countingStore) Update(ctx context.Context, h runtime.TokenHash, c runtime.Change) error {
	s.n.Add(1)
	s.writes.Add(1)
	return s.Store.Update(ctx, h, c)
}

func (s *countingStore) Cycle(ctx context.Context, from, to runtime.TokenHash, c runtime.Change) error {
	s.n.Add(1)
	s.writes.Add(1)
	return s.Store.Cycle(ctx, from, to, c)
}

func (s *countingStore) Delete(ctx context.Context, h runtime.TokenHash) error {
	s.n.Add(1)
	return s.Store.Delete(ctx, h)
}
