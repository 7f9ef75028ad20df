package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sessiongen/sessiongen/example/catalog"
	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/filestore"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// browser is a visitor's browser on the shop: a webclient.Client, with
// the shop's store at hand to check what the shop keeps.
type browser struct {
	*webclient.Client
	t     *testing.T
	srv   *httptest.Server
	store runtime.AdminStore
}

// forEachStore runs f against the shop over each store.
func forEachStore(t *testing.T, f func(t *testing.T, b *browser)) {
	for _, kind := range []string{"memstore", "pgstore", "filestore"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f(t, newBrowser(t, newStore(t, kind)))
		})
	}
}

// newStore returns an empty store of the given kind.
func newStore(t *testing.T, kind string) runtime.AdminStore {
	t.Helper()
	switch kind {
	case "memstore":
		return memstore.New()
	case "filestore":
		s, err := filestore.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// With lifecycle events, on a channel of the test's own: tests share
	// the database, and channels are per database.
	_, pool := pgstoretest.New(t)
	return pgstore.New(pool, pgstore.WithEventChannel("example_"+strings.ToLower(rand.Text())))
}

// newBrowser serves the shop over st and returns a browser on it.
func newBrowser(t *testing.T, st runtime.AdminStore) *browser {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	shop, err := newShop(log, st)
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := newManager(st, runtime.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(shop.handler(mgr))
	t.Cleanup(srv.Close)
	return &browser{Client: webclient.New(t, srv.URL), t: t, srv: srv, store: st}
}

// row loads the browser's session straight from the store.
func (b *browser) row() (runtime.Record, error) {
	h, ok := runtime.HashToken(b.Token())
	if !ok {
		return runtime.Record{}, runtime.ErrNotFound
	}
	return b.store.Load(context.Background(), h)
}

// storedCart returns the cart stored in the browser's session, failing
// the test if the session is not stored.
func (b *browser) storedCart() []catalog.CartLine {
	b.t.Helper()
	rec, err := b.row()
	if err != nil {
		b.t.Fatal(err)
	}
	var stored []catalog.CartLine
	if err := json.Unmarshal(rec.Data["cart"], &stored); err != nil {
		b.t.Fatal(err)
	}
	return stored
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == runtime.DefaultCookieName {
			return c
		}
	}
	return nil
}

func wantRedirect(t *testing.T, what string, resp *http.Response, to string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != to {
		t.Fatalf("%s: %d to %q, want 303 to %q", what, resp.StatusCode, resp.Header.Get("Location"), to)
	}
}

func TestVisitorGetsNoSessionUntilItWrites(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		resp, page := b.Get("/")
		webclient.MustContain(t, "first visit", page, `data-theme="light"`, `<span id="cart-count">0</span>`, "Green tea")
		if c := sessionCookie(resp); c != nil {
			t.Fatalf("a page view set a session cookie: %v", c)
		}
	})
}

func TestCart(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		for _, id := range []string{"tea", "tea", "mug"} {
			resp, _ := b.Post("/cart/add", url.Values{"product": {id}})
			wantRedirect(t, "add "+id, resp, "/")
		}
		_, page := b.Get("/")
		webclient.MustContain(t, "after adding", page, `<span id="cart-count">3</span>`, "Stoneware mug added to your cart.")
		_, page = b.Get("/")
		webclient.MustContain(t, "reload", page, `<span id="cart-count">3</span>`)
		webclient.MustNotContain(t, "reload: the notice is shown once", page, "added to your cart")

		_, page = b.Get("/cart")
		webclient.MustContain(t, "cart page", page, `id="line-tea"`, `<td class="qty">2</td>`, `<th id="total">€21.00</th>`)

		token := b.Token()
		stored := b.storedCart()
		want := []catalog.CartLine{{ProductID: "tea", Quantity: 2}, {ProductID: "mug", Quantity: 1}}
		if len(stored) != 2 || stored[0] != want[0] || stored[1] != want[1] {
			t.Fatalf("stored cart %+v, want %+v", stored, want)
		}

		for range 2 {
			b.Post("/cart/remove", url.Values{"product": {"tea"}})
		}
		b.Post("/cart/remove", url.Values{"product": {"mug"}})
		_, page = b.Get("/cart")
		webclient.MustContain(t, "emptied cart", page, `id="empty-cart"`, `<span id="cart-count">0</span>`)
		// With the cart gone and the notice read, nothing is left: the
		// session ends, row and cookie.
		if b.Token() != "" {
			t.Fatalf("browser still holds a cookie for an empty session")
		}
		h, _ := runtime.HashToken(token)
		if _, err := b.store.Load(context.Background(), h); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("empty session still stored: %v", err)
		}

		resp, _ := b.Post("/cart/add", url.Values{"product": {"nope"}})
		wantRedirect(t, "unknown product", resp, "/")
		_, page = b.Get("/")
		webclient.MustContain(t, "unknown product", page, "That product does not exist.")
	})
}

// TestConcurrentAddsAreAllKept adds to one cart from many requests at
// once, as a visitor clicking fast in several tabs does: addToCart's
// update is a compare-and-set, so every add counts.
func TestConcurrentAddsAreAllKept(t *testing.T) {
	const n = 20
	forEachStore(t, func(t *testing.T, b *browser) {
		b.Post("/cart/add", url.Values{"product": {"tea"}})
		var wg sync.WaitGroup
		for i := range n {
			id := []string{"tea", "mug"}[i%2]
			wg.Go(func() {
				req, err := http.NewRequest(http.MethodPost, b.URL("/cart/add"), strings.NewReader("product="+id))
				if err != nil {
					t.Error(err)
					return
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := b.HTTP.Do(req)
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
		stored := b.storedCart()
		want := []catalog.CartLine{{ProductID: "tea", Quantity: 1 + n/2}, {ProductID: "mug", Quantity: n / 2}}
		if !slices.Equal(stored, want) {
			t.Errorf("after %d concurrent adds the cart is %+v, want %+v", n, stored, want)
		}
	})
}

func TestSignInCyclesKeyAndEndsWithBrowser(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.Post("/cart/add", url.Values{"product": {"pot"}})
		b.Get("/signin")
		before := b.Token()

		resp, page := b.Post("/signin", url.Values{"name": {"alice"}, "password": {"wrong"}})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: status %d", resp.StatusCode)
		}
		webclient.MustContain(t, "wrong password", page, "Wrong name or password.")

		resp, _ = b.Post("/signin", url.Values{"name": {"alice"}, "password": {"wonderland"}})
		wantRedirect(t, "sign in", resp, "/")
		c := sessionCookie(resp)
		if c == nil || c.Value == before || c.MaxAge != 0 || !c.Expires.IsZero() {
			t.Fatalf("sign-in cookie %v: want a new token, ending with the browser", c)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Fatalf("sign-in cookie flags: %v", c)
		}
		_, page = b.Get("/")
		webclient.MustContain(t, "signed in", page, `<strong id="user">alice</strong>`, "Welcome, alice.",
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
		b.Get("/signin")
		resp, _ := b.Post("/signin", url.Values{"name": {"bob"}, "password": {"builder"}, "remember": {"1"}})
		c := sessionCookie(resp)
		if c == nil || c.MaxAge != 30*24*3600 {
			t.Fatalf("remember-me cookie %v, want Max-Age=2592000", c)
		}
		_, page := b.Get("/")
		webclient.MustContain(t, "remembered", page, `<dd id="browser-close">no</dd>`, `<dd id="expiry-age">720h0m0s</dd>`)
	})
}

func TestSignInWithCookiesOff(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.HTTP.Jar = nil
		b.Get("/signin")
		resp, page := b.Post("/signin", url.Values{"name": {"alice"}, "password": {"wonderland"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("sign-in without cookies: status %d, want 400", resp.StatusCode)
		}
		webclient.MustContain(t, "cookies off", page, "not accepting cookies")
	})
}

func TestSignOut(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.Get("/signin")
		b.Post("/signin", url.Values{"name": {"alice"}, "password": {"wonderland"}})
		signedIn := b.Token()
		resp, _ := b.Post("/signout", nil)
		wantRedirect(t, "sign out", resp, "/")
		_, page := b.Get("/")
		webclient.MustContain(t, "signed out", page, "You are signed out.", `<a href="/signin">Sign in</a>`)
		webclient.MustNotContain(t, "signed out", page, "alice")
		h, _ := runtime.HashToken(signedIn)
		if _, err := b.store.Load(context.Background(), h); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("signed-out session still stored: %v", err)
		}
		if b.Token() == signedIn {
			t.Fatal("browser still holds the signed-in token")
		}
	})
}

func TestThemeHasADefaultAndPersists(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		resp, _ := b.Post("/theme", url.Values{"theme": {"dark"}, "next": {"https://evil.example/"}})
		wantRedirect(t, "theme with a foreign next", resp, "/")
		_, page := b.Get("/")
		webclient.MustContain(t, "dark theme", page, `data-theme="dark"`, "Theme set to dark.")
		_, page = b.Get("/cart")
		webclient.MustContain(t, "dark theme on another page", page, `data-theme="dark"`)
		b.Post("/theme", url.Values{"theme": {"light"}})
		_, page = b.Get("/")
		webclient.MustContain(t, "light again", page, `data-theme="light"`)
	})
}

func TestSessionPanel(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		_, page := b.Get("/")
		webclient.MustContain(t, "panel", page, `<dd id="expiry-age">336h0m0s</dd>`, `<dd id="browser-close">no</dd>`, `id="expiry-date"`)
	})
}

func TestCrossOriginFormsAreRefused(t *testing.T) {
	b := newBrowser(t, memstore.New())
	req := b.NewRequest(http.MethodPost, "/cart/add", url.Values{"product": {"tea"}})
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := b.Do(req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: status %d, want 403", resp.StatusCode)
	}
}
