package admin_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/admin"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// storeKinds are the stores every test runs against.
var storeKinds = []string{"memstore", "pgstore"}

// newStore returns an empty store of the given kind. memstore's clock
// moves a millisecond each time it is read, so sessions created one after
// another have distinct creation times, as in PostgreSQL.
func newStore(t *testing.T, kind string) runtime.AdminStore {
	t.Helper()
	if kind == "memstore" {
		var ticks atomic.Int64
		start := time.Now()
		return memstore.New(memstore.WithClock(func() time.Time {
			return start.Add(time.Duration(ticks.Add(1)) * time.Millisecond)
		}))
	}
	s, _ := pgstoretest.New(t)
	return s
}

// forEachStore runs f as a parallel subtest against each store.
func forEachStore(t *testing.T, f func(t *testing.T, s runtime.AdminStore)) {
	t.Helper()
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, newStore(t, kind))
		})
	}
}

// newToken returns a fresh session token and its hash.
func newToken(t *testing.T) (string, runtime.TokenHash) {
	t.Helper()
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	h, ok := runtime.HashToken(token)
	if !ok {
		t.Fatalf("token %q has not a token's shape", token)
	}
	return token, h
}

// seed is a session to store.
type seed struct {
	data      map[string]string // key → JSON
	user, ua  string
	expiresIn time.Duration // negative: expired
}

// put stores sd under a new token and returns the token and its hash.
func put(t *testing.T, s runtime.AdminStore, sd seed) (string, runtime.TokenHash) {
	t.Helper()
	token, h := newToken(t)
	data := map[string]json.RawMessage{}
	for k, v := range sd.data {
		data[k] = json.RawMessage(v)
	}
	if sd.expiresIn == 0 {
		sd.expiresIn = time.Hour
	}
	rec := runtime.Record{Data: data, ExpiresAt: time.Now().Add(sd.expiresIn), UserID: sd.user, UserAgent: sd.ua}
	if err := s.Create(context.Background(), h, rec); err != nil {
		t.Fatal(err)
	}
	return token, h
}

// exists reports whether a row, live or expired, is stored under h.
func exists(t *testing.T, s runtime.AdminStore, h runtime.TokenHash) bool {
	t.Helper()
	_, err := s.FindSession(context.Background(), h)
	if err != nil && err != runtime.ErrNotFound {
		t.Fatal(err)
	}
	return err == nil
}

// staffHeader marks the requests the tests' Authorize lets in.
const staffHeader = "X-Test-Staff"

// keys is the schema the tests' admin page knows.
var keys = []runtime.KeyInfo{
	{Name: "user_name", GoType: "string", Doc: "Name of the signed-in user."},
	{Name: "cart", GoType: "[]example.com/shop/catalog.CartLine", Doc: "Products in the cart."},
	{Name: "notice", GoType: "string", Doc: "One-time message.", Flash: true},
	{Name: "api_token", GoType: "string", Doc: "Token for the partner API.", Sensitive: true},
	{Name: "theme", GoType: "string", Doc: "Colour theme."},
}

// site is the admin page mounted under /admin/ of a test server, and a
// client for it.
type site struct {
	t      *testing.T
	client *webclient.Client
	staff  bool   // send the header that Authorize lets in
	base   string // the list's path: where the page is mounted
}

// newSite mounts the admin page over s under /admin/ with
// http.StripPrefix, as an application would, and returns a staff client.
func newSite(t *testing.T, s runtime.AdminStore, cfg admin.Config) *site {
	t.Helper()
	cfg.Store = s
	if cfg.Authorize == nil {
		cfg.Authorize = func(r *http.Request) bool { return r.Header.Get(staffHeader) == "yes" }
	}
	if cfg.Keys == nil {
		cfg.Keys = keys
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	h, err := admin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/", http.StripPrefix("/admin", h))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "the application") })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &site{t: t, client: webclient.New(t, srv.URL), staff: true, base: "/admin/"}
}

// response is what a request got.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request to path (relative to the server) with the given
// headers and form, and returns the response.
func (s *site) do(method, path string, form url.Values, headers map[string]string) response {
	s.t.Helper()
	req := s.client.NewRequest(method, path, form)
	if s.staff {
		req.Header.Set(staffHeader, "yes")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, body := s.client.Do(req)
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// get fetches path and fails the test unless it answers want.
func (s *site) get(path string, want int) response {
	s.t.Helper()
	r := s.do(http.MethodGet, path, nil, nil)
	if r.status != want {
		s.t.Fatalf("GET %s: status %d, want %d:\n%s", path, r.status, want, r.body)
	}
	return r
}

// csrf returns the anti-forgery token the admin page gave the client,
// fetching the list first if it has none yet.
func (s *site) csrf() string {
	s.t.Helper()
	for range 2 {
		if token := s.client.AdminCSRF(s.base); token != "" {
			return token
		}
		s.get(s.base, http.StatusOK)
	}
	s.t.Fatal("the admin page set no anti-forgery cookie")
	return ""
}

// post submits form to path with the page's anti-forgery token, as the
// page's own forms do, and returns the response.
func (s *site) post(path string, form url.Values) response {
	s.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", s.csrf())
	return s.do(http.MethodPost, path, form, nil)
}

// wantRedirect fails the test unless r is a 303 to the admin-relative
// location to.
func wantRedirect(t *testing.T, what string, r response, to string) {
	t.Helper()
	if r.status != http.StatusSeeOther || r.header.Get("Location") != to {
		t.Fatalf("%s: %d to %q, want 303 to %q:\n%s", what, r.status, r.header.Get("Location"), to, r.body)
	}
}
