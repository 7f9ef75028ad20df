package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/example/catalog"
	"github.com/sessiongen/sessiongen/example/session"
	"github.com/sessiongen/sessiongen/runtime/sessiontest"
)

// These tests run the shop's handlers one at a time with
// runtime/sessiontest: no server, no database, no cookies by hand.

// testShop returns the shop over the client's store.
func testShop(t *testing.T, c *sessiontest.Client) *shop {
	t.Helper()
	s, err := newShop(slog.New(slog.DiscardHandler), c.Store())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// postForm returns a POST request to path with form as its body, as a
// browser sends an HTML form.
func postForm(path, form string) *http.Request {
	req := httptest.NewRequest("POST", path, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestAddToCartHandler(t *testing.T) {
	c := sessiontest.New(t)
	shop := testShop(t, c)
	c.Seed(func(r *http.Request) {
		session.From(r).SetCart([]catalog.CartLine{{ProductID: "tea", Quantity: 1}})
	})

	resp := c.Do(http.HandlerFunc(shop.addToCart), postForm("/cart/add", "product=mug"))

	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", resp.StatusCode)
	}
	c.Read(func(r *http.Request) {
		sess := session.From(r)
		want := []catalog.CartLine{{ProductID: "tea", Quantity: 1}, {ProductID: "mug", Quantity: 1}}
		if got := sess.Cart(); !slices.Equal(got, want) {
			t.Errorf("cart %v, want %v", got, want)
		}
		if notice, _ := sess.PopNotice(); notice != "Stoneware mug added to your cart." {
			t.Errorf("notice %q", notice)
		}
	})
}

func TestSignInHandler(t *testing.T) {
	for _, tc := range []struct {
		name, form string
		status     int
		signedIn   bool
	}{
		{"right password", "name=alice&password=wonderland", http.StatusSeeOther, true},
		{"wrong password", "name=alice&password=guess", http.StatusUnauthorized, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sessiontest.New(t)
			shop := testShop(t, c)
			// What the sign-in form's GET leaves: the test cookie, and a cart.
			c.Seed(func(r *http.Request) {
				sess := session.From(r)
				sess.SetTestCookie()
				sess.SetCart([]catalog.CartLine{{ProductID: "tea", Quantity: 1}})
			})
			before := c.Token()

			resp := c.Do(http.HandlerFunc(shop.signIn), postForm("/signin", tc.form))

			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if c.Cycled() != tc.signedIn || c.Live(before) == tc.signedIn {
				t.Errorf("key cycled %v, old token live %v; want a new key only on a sign-in", c.Cycled(), c.Live(before))
			}
			c.Read(func(r *http.Request) {
				sess := session.From(r)
				user, _ := sess.BoundUser()
				if (user == "alice") != tc.signedIn || (sess.UserName() == "alice") != tc.signedIn {
					t.Errorf("bound user %q, user name %q", user, sess.UserName())
				}
				if len(sess.Cart()) != 1 {
					t.Errorf("cart %v: the sign-in dropped it", sess.Cart())
				}
			})
			// Without "remember me", the session ends with the browser.
			if ck := c.Cookie(); tc.signedIn && (ck == nil || ck.MaxAge != 0) {
				t.Errorf("session cookie %v, want one without Max-Age", ck)
			}
		})
	}
}

func TestSignOutHandler(t *testing.T) {
	c := sessiontest.New(t)
	shop := testShop(t, c)
	c.Seed(func(r *http.Request) {
		sess := session.From(r)
		sess.SignIn("alice")
		sess.SetUserName("alice")
	})
	before := c.Token()

	c.Do(http.HandlerFunc(shop.signOut), postForm("/signout", ""))

	if !c.Flushed() || c.Live(before) {
		t.Errorf("flushed %v, old token live %v: want the session deleted", c.Flushed(), c.Live(before))
	}
	c.Read(func(r *http.Request) {
		sess := session.From(r)
		if _, bound := sess.BoundUser(); bound || sess.UserName() != "" {
			t.Errorf("still signed in as %q", sess.UserName())
		}
		if notice, _ := sess.PopNotice(); notice != "You are signed out." {
			t.Errorf("notice %q", notice)
		}
	})
}
