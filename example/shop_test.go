package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sessiongen/sessiongen/example/catalog"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// browser is a client that keeps cookies and shows each response as it
// came, without following redirects by itself.
type browser struct {
	t      *testing.T
	srv    *httptest.Server
	store  runtime.AdminStore
	client *http.Client
	ua     string // the User-Agent it sends, when not ""
}

// forEachStore runs f against the shop over each store.
func forEachStore(t *testing.T, f func(t *testing.T, b *browser)) {
	for _, kind := range []string{"memstore", "pgstore"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, newBrowser(t, newStore(t, kind)))
		})
	}
}

func newStore(t *testing.T, kind string) runtime.AdminStore {
	if kind == "memstore" {
		return memstore.New()
	}
	pool := pgtest.Pool(t)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pgstore.New(pool)
}

func newBrowser(t *testing.T, st runtime.AdminStore) *browser {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	shop, err := newShop(log, st)
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := runtime.NewManager(st, runtime.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(shop.handler(mgr))
	t.Cleanup(srv.Close)
	b := &browser{t: t, srv: srv, store: st}
	b.client = b.newClient()
	return b
}

func (b *browser) newClient() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// get fetches a page and returns the response and its body.
func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.send(http.MethodGet, path, nil)
}

// post submits a form, checks that it redirects, and returns the
// response.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	return b.send(http.MethodPost, path, form)
}

func (b *browser) send(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.ua != "" {
		req.Header.Set("User-Agent", b.ua)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(page)
}

// token returns the session token the browser holds.
func (b *browser) token() string {
	u, _ := url.Parse(b.srv.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == runtime.DefaultCookieName {
			return c.Value
		}
	}
	return ""
}

// row loads the browser's session straight from the store.
func (b *browser) row() (runtime.Record, error) {
	h, ok := runtime.HashToken(b.token())
	if !ok {
		return runtime.Record{}, runtime.ErrNotFound
	}
	return b.store.Load(context.Background(), h)
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == runtime.DefaultCookieName {
			return c
		}
	}
	return nil
}

func mustContain(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Fatalf("%s: page lacks %q:\n%s", what, w, page)
		}
	}
}

func mustNotContain(t *testing.T, what, page string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(page, n) {
			t.Fatalf("%s: page has %q:\n%s", what, n, page)
		}
	}
}

func wantRedirect(t *testing.T, what string, resp *http.Response, to string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != to {
		t.Fatalf("%s: %d to %q, want 303 to %q", what, resp.StatusCode, resp.Header.Get("Location"), to)
	}
}

func TestVisitorGetsNoSessionUntilItWrites(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		resp, page := b.get("/")
		mustContain(t, "first visit", page, `data-theme="light"`, `<span id="cart-count">0</span>`, "Green tea")
		if c := sessionCookie(resp); c != nil {
			t.Fatalf("a page view set a session cookie: %v", c)
		}
	})
}

func TestCart(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		for _, id := range []string{"tea", "tea", "mug"} {
			resp, _ := b.post("/cart/add", url.Values{"product": {id}})
			wantRedirect(t, "add "+id, resp, "/")
		}
		_, page := b.get("/")
		mustContain(t, "after adding", page, `<span id="cart-count">3</span>`, "Stoneware mug added to your cart.")
		_, page = b.get("/")
		mustContain(t, "reload", page, `<span id="cart-count">3</span>`)
		mustNotContain(t, "reload: the notice is shown once", page, "added to your cart")

		_, page = b.get("/cart")
		mustContain(t, "cart page", page, `id="line-tea"`, `<td class="qty">2</td>`, `<th id="total">€21.00</th>`)

		token := b.token()
		rec, err := b.row()
		if err != nil {
			t.Fatal(err)
		}
		var stored []catalog.CartLine
		if err := json.Unmarshal(rec.Data["cart"], &stored); err != nil {
			t.Fatal(err)
		}
		want := []catalog.CartLine{{ProductID: "tea", Quantity: 2}, {ProductID: "mug", Quantity: 1}}
		if len(stored) != 2 || stored[0] != want[0] || stored[1] != want[1] {
			t.Fatalf("stored cart %+v, want %+v", stored, want)
		}

		for range 2 {
			b.post("/cart/remove", url.Values{"product": {"tea"}})
		}
		b.post("/cart/remove", url.Values{"product": {"mug"}})
		_, page = b.get("/cart")
		mustContain(t, "emptied cart", page, `id="empty-cart"`, `<span id="cart-count">0</span>`)
		// With the cart gone and the notice read, nothing is left: the
		// session ends, row and cookie.
		if b.token() != "" {
			t.Fatalf("browser still holds a cookie for an empty session")
		}
		h, _ := runtime.HashToken(token)
		if _, err := b.store.Load(context.Background(), h); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("empty session still stored: %v", err)
		}

		resp, _ := b.post("/cart/add", url.Values{"product": {"nope"}})
		wantRedirect(t, "unknown product", resp, "/")
		_, page = b.get("/")
		mustContain(t, "unknown product", page, "That product does not exist.")
	})
}

// TestConcurrentAddsAreAllKept adds to one cart from many requests at
// once, as a visitor clicking fast in several tabs does: addToCart's
// update is a compare-and-set, so every add counts.
func TestConcurrentAddsAreAllKept(t *testing.T) {
	const n = 20
	forEachStore(t, func(t *testing.T, b *browser) {
		b.post("/cart/add", url.Values{"product": {"tea"}})
		var wg sync.WaitGroup
		for i := range n {
			id := []string{"tea", "mug"}[i%2]
			wg.Go(func() {
				req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/cart/add", strings.NewReader("product="+id))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := b.client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusSeeOther {
					t.Errorf("add %s: status %d", id, resp.StatusCode)
				}
			})
		}
		wg.Wait()
		rec, err := b.row()
		if err != nil {
			t.Fatal(err)
		}
		var stored []catalog.CartLine
		if err := json.Unmarshal(rec.Data["cart"], &stored); err != nil {
			t.Fatal(err)
		}
		want := []catalog.CartLine{{ProductID: "tea", Quantity: 1 + n/2}, {ProductID: "mug", Quantity: n / 2}}
		if !slices.Equal(stored, want) {
			t.Errorf("after %d concurrent adds the cart is %+v, want %+v", n, stored, want)
		}
	})
}

func TestSignInCyclesKeyAndEndsWithBrowser(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.post("/cart/add", url.Values{"product": {"pot"}})
		b.get("/signin")
		before := b.token()

		resp, page := b.post("/signin", url.Values{"name": {"alice"}, "password": {"wrong"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: status %d", resp.StatusCode)
		}
		mustContain(t, "wrong password", page, "Wrong name or password.")

		resp, _ = b.post("/signin", url.Values{"name": {"alice"}, "password": {"wonderland"}})
		wantRedirect(t, "sign in", resp, "/")
		c := sessionCookie(resp)
		if c == nil || c.Value == before || c.MaxAge != 0 || !c.Expires.IsZero() {
			t.Fatalf("sign-in cookie %v: want a new token, ending with the browser", c)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Fatalf("sign-in cookie flags: %v", c)
		}
		_, page = b.get("/")
		mustContain(t, "signed in", page, `<strong id="user">alice</strong>`, "Welcome, alice.",
			`<dd id="browser-close">yes</dd>`, `<span id="cart-count">1</span>`)

		old, _ := runtime.HashToken(before)
		if _, err := b.store.Load(context.Background(), old); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("pre-sign-in token still valid: %v", err)
		}
		rec, err := b.row()
		if err != nil {
			t.Fatal(err)
		}
		if string(rec.Data["user_name"]) != `"alice"` || rec.Data["_testcookie"] != nil {
			t.Fatalf("stored after sign-in: %s", rec.Data)
		}
	})
}

func TestRememberMe(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.get("/signin")
		resp, _ := b.post("/signin", url.Values{"name": {"bob"}, "password": {"builder"}, "remember": {"1"}})
		c := sessionCookie(resp)
		if c == nil || c.MaxAge != 30*24*3600 {
			t.Fatalf("remember-me cookie %v, want Max-Age=2592000", c)
		}
		_, page := b.get("/")
		mustContain(t, "remembered", page, `<dd id="browser-close">no</dd>`, `<dd id="expiry-age">720h0m0s</dd>`)
	})
}

func TestSignInWithCookiesOff(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.client.Jar = nil
		b.get("/signin")
		resp, page := b.post("/signin", url.Values{"name": {"alice"}, "password": {"wonderland"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("sign-in without cookies: status %d, want 400", resp.StatusCode)
		}
		mustContain(t, "cookies off", page, "not accepting cookies")
	})
}

func TestSignOut(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.get("/signin")
		b.post("/signin", url.Values{"name": {"alice"}, "password": {"wonderland"}})
		signedIn := b.token()
		resp, _ := b.post("/signout", nil)
		wantRedirect(t, "sign out", resp, "/")
		_, page := b.get("/")
		mustContain(t, "signed out", page, "You are signed out.", `<a href="/signin">Sign in</a>`)
		mustNotContain(t, "signed out", page, "alice")
		h, _ := runtime.HashToken(signedIn)
		if _, err := b.store.Load(context.Background(), h); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("signed-out session still stored: %v", err)
		}
		if b.token() == signedIn {
			t.Fatal("browser still holds the signed-in token")
		}
	})
}

func TestThemeHasADefaultAndPersists(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		resp, _ := b.post("/theme", url.Values{"theme": {"dark"}, "next": {"https://evil.example/"}})
		wantRedirect(t, "theme with a foreign next", resp, "/")
		_, page := b.get("/")
		mustContain(t, "dark theme", page, `data-theme="dark"`, "Theme set to dark.")
		_, page = b.get("/cart")
		mustContain(t, "dark theme on another page", page, `data-theme="dark"`)
		b.post("/theme", url.Values{"theme": {"light"}})
		_, page = b.get("/")
		mustContain(t, "light again", page, `data-theme="light"`)
	})
}

func TestSessionPanel(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		_, page := b.get("/")
		mustContain(t, "panel", page, `<dd id="expiry-age">336h0m0s</dd>`, `<dd id="browser-close">no</dd>`, `id="expiry-date"`)
	})
}

func TestCrossOriginFormsAreRefused(t *testing.T) {
	b := newBrowser(t, memstore.New())
	req, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/cart/add", strings.NewReader("product=tea"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: status %d, want 403", resp.StatusCode)
	}
}
