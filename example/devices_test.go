package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// otherBrowser returns a second browser on b's shop: another device.
func (b *browser) otherBrowser(ua string) *browser {
	o := &browser{t: b.t, srv: b.srv, store: b.store, ua: ua}
	o.client = o.newClient()
	return o
}

// signIn signs b in as name.
func (b *browser) signIn(name, password string) {
	b.t.Helper()
	b.get("/signin")
	resp, page := b.post("/signin", url.Values{"name": {name}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: status %d:\n%s", name, resp.StatusCode, page)
	}
}

// hash returns the hash of b's session token.
func (b *browser) hash() runtime.TokenHash {
	b.t.Helper()
	h, ok := runtime.HashToken(b.token())
	if !ok {
		b.t.Fatal("the browser holds no session token")
	}
	return h
}

func TestSignInBindsTheSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.signIn("bob", "builder")
		rec, err := b.row()
		if err != nil {
			t.Fatal(err)
		}
		if rec.UserID != "bob" {
			t.Fatalf("signed-in session bound to %q, want bob", rec.UserID)
		}
		_, page := b.get("/")
		mustContain(t, "header", page, `<a href="/devices" id="devices-link">Your devices</a>`)
		mustNotContain(t, "header for bob", page, `id="admin-link"`)
	})
}

func TestDevicesSignOutOthers(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.ua = "Laptop/1.0 <Firefox>"
		phone := b.otherBrowser("Phone/2.0")
		b.signIn("alice", "wonderland")
		phone.signIn("alice", "wonderland")
		stranger := b.otherBrowser("Stranger/3.0")
		stranger.signIn("bob", "builder")

		_, page := b.get("/devices")
		if n := strings.Count(page, `<li class="device`); n != 2 {
			t.Fatalf("devices page lists %d sessions, want 2:\n%s", n, page)
		}
		if n := strings.Count(page, `id="this-device"`); n != 1 {
			t.Fatalf("%d sessions marked as this device, want 1", n)
		}
		mustContain(t, "devices", page, "Laptop/1.0 &lt;Firefox&gt;", "Phone/2.0", "You are signed in on 2 devices.")
		mustNotContain(t, "devices", page, "Stranger/3.0")
		current := page[strings.Index(page, `<li class="device current">`):]
		current = current[:strings.Index(current, "</li>")]
		mustContain(t, "the current device", current, "Laptop/1.0", `id="this-device"`)

		phoneToken := phone.token()
		resp, _ := b.post("/devices/signout-others", nil)
		wantRedirect(t, "sign out others", resp, "/devices")
		_, page = b.get("/devices")
		mustContain(t, "after", page, "Signed out 1 other device.", "You are signed in on 1 device.", `id="this-device"`, "Laptop/1.0")
		mustNotContain(t, "after", page, "Phone/2.0")

		// The phone's next request is signed out, and its row is gone.
		_, page = phone.get("/")
		mustContain(t, "phone after", page, `<a href="/signin">Sign in</a>`)
		mustNotContain(t, "phone after", page, `id="user"`)
		h, _ := runtime.HashToken(phoneToken)
		if _, err := b.store.Load(context.Background(), h); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("the phone's session is still stored: %v", err)
		}
		infos, err := b.store.UserSessions(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != 1 || infos[0].Hash != b.hash() {
			t.Fatalf("alice's sessions: %+v, want only the laptop's", infos)
		}
		// Other users are untouched.
		_, page = stranger.get("/")
		mustContain(t, "bob", page, `<strong id="user">bob</strong>`)
	})
}

func TestDevicesSignOutEverywhere(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		phone := b.otherBrowser("Phone/2.0")
		b.signIn("bob", "builder")
		phone.signIn("bob", "builder")
		resp, _ := b.post("/devices/signout-everywhere", nil)
		wantRedirect(t, "sign out everywhere", resp, "/")
		_, page := b.get("/")
		mustContain(t, "this device", page, "Signed out 2 devices.", `<a href="/signin">Sign in</a>`)
		_, page = phone.get("/")
		mustContain(t, "other device", page, `<a href="/signin">Sign in</a>`)
		if infos, err := b.store.UserSessions(context.Background(), "bob"); err != nil || len(infos) != 0 {
			t.Fatalf("bob's sessions after signing out everywhere: %v, %v", infos, err)
		}
	})
}

func TestDevicesNeedSignIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		resp, _ := b.get("/devices")
		wantRedirect(t, "devices of a visitor", resp, "/signin")
		resp, _ = b.post("/devices/signout-others", nil)
		wantRedirect(t, "sign out others as a visitor", resp, "/signin")
		_, page := b.get("/signin")
		mustContain(t, "sign-in page", page, "Sign in to see your devices.", "alice is an admin")
	})
}

func TestAdminIsForAliceOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		resp, _ := b.get("/admin/")
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("visitor: status %d, want 403", resp.StatusCode)
		}
		bob := b.otherBrowser("BobAgent")
		bob.signIn("bob", "builder")
		if resp, _ := bob.get("/admin/"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("bob: status %d, want 403", resp.StatusCode)
		}
		b.signIn("alice", "wonderland")
		_, page := b.get("/")
		mustContain(t, "alice's header", page, `<a href="/admin/" id="admin-link">Session admin</a>`)
		resp, page = b.get("/admin/?user=bob")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("alice: status %d, want 200", resp.StatusCode)
		}
		mustContain(t, "admin", page, "Sessions of bob", `<strong id="total">1</strong> session`, "BobAgent")

		// alice signs bob out everywhere from the admin page.
		u, _ := url.Parse(b.srv.URL + "/admin/")
		var csrf string
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == "sessiongen_admin_csrf" {
				csrf = c.Value
			}
		}
		resp, _ = b.post("/admin/signout-user", url.Values{"user": {"bob"}, "csrf": {csrf}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign bob out: status %d", resp.StatusCode)
		}
		_, page = bob.get("/")
		mustContain(t, "bob after", page, `<a href="/signin">Sign in</a>`)
		// A forged form, without the token, is refused.
		resp, _ = b.post("/admin/delete-expired", url.Values{})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("POST without the token: status %d, want 403", resp.StatusCode)
		}
	})
}
