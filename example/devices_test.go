package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
)

// otherBrowser returns a second browser on b's shop, another device,
// whose User-Agent is ua.
func (b *browser) otherBrowser(ua string) *browser {
	o := &browser{Client: webclient.New(b.t, b.srv.URL), t: b.t, srv: b.srv, store: b.store}
	o.Header.Set("User-Agent", ua)
	return o
}

// signIn signs b in as name.
func (b *browser) signIn(name, password string) {
	b.t.Helper()
	b.Get("/signin")
	b.Submit("/signin", url.Values{"name": {name}, "password": {password}})
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
		_, page := b.Get("/")
		webclient.MustContain(t, "header", page, `<a href="/devices" id="devices-link">Your devices</a>`)
		webclient.MustNotContain(t, "header for bob", page, `id="admin-link"`)
	})
}

func TestDevicesSignOutOthers(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		b.Header.Set("User-Agent", "Laptop/1.0 <Firefox>")
		phone := b.otherBrowser("Phone/2.0")
		b.signIn("alice", "wonderland")
		phone.signIn("alice", "wonderland")
		stranger := b.otherBrowser("Stranger/3.0")
		stranger.signIn("bob", "builder")

		_, page := b.Get("/devices")
		if n := strings.Count(page, `<li class="device`); n != 2 {
			t.Fatalf("devices page lists %d sessions, want 2:\n%s", n, page)
		}
		if n := strings.Count(page, `id="this-device"`); n != 1 {
			t.Fatalf("%d sessions marked as this device, want 1", n)
		}
		webclient.MustContain(t, "devices", page, "Laptop/1.0 &lt;Firefox&gt;", "Phone/2.0", "You are signed in on 2 devices.")
		webclient.MustNotContain(t, "devices", page, "Stranger/3.0")
		current := page[strings.Index(page, `<li class="device current">`):]
		current = current[:strings.Index(current, "</li>")]
		webclient.MustContain(t, "the current device", current, "Laptop/1.0", `id="this-device"`)

		phoneToken := phone.Token()
		resp, _ := b.Post("/devices/signout-others", nil)
		wantRedirect(t, "sign out others", resp, "/devices")
		_, page = b.Get("/devices")
		webclient.MustContain(t, "after", page, "Signed out 1 other device.", "You are signed in on 1 device.", `id="this-device"`, "Laptop/1.0")
		webclient.MustNotContain(t, "after", page, "Phone/2.0")

		// The phone's next request is signed out, and its row is gone.
		_, page = phone.Get("/")
		webclient.MustContain(t, "phone after", page, `<a href="/signin">Sign in</a>`)
		webclient.MustNotContain(t, "phone after", page, `id="user"`)
		h, _ := runtime.HashToken(phoneToken)
		if _, err := b.store.Load(context.Background(), h); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("the phone's session is still stored: %v", err)
		}
		infos, err := b.store.UserSessions(context.Background(), "alice")
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != 1 || infos[0].Hash != b.Hash() {
			t.Fatalf("alice's sessions: %+v, want only the laptop's", infos)
		}
		// Other users are untouched.
		_, page = stranger.Get("/")
		webclient.MustContain(t, "bob", page, `<strong id="user">bob</strong>`)
	})
}

func TestDevicesSignOutEverywhere(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		phone := b.otherBrowser("Phone/2.0")
		b.signIn("bob", "builder")
		phone.signIn("bob", "builder")
		resp, _ := b.Post("/devices/signout-everywhere", nil)
		wantRedirect(t, "sign out everywhere", resp, "/")
		_, page := b.Get("/")
		webclient.MustContain(t, "this device", page, "Signed out 2 devices.", `<a href="/signin">Sign in</a>`)
		_, page = phone.Get("/")
		webclient.MustContain(t, "other device", page, `<a href="/signin">Sign in</a>`)
		if infos, err := b.store.UserSessions(context.Background(), "bob"); err != nil || len(infos) != 0 {
			t.Fatalf("bob's sessions after signing out everywhere: %v, %v", infos, err)
		}
	})
}

func TestDevicesNeedSignIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		resp, _ := b.Get("/devices")
		wantRedirect(t, "devices of a visitor", resp, "/signin")
		resp, _ = b.Post("/devices/signout-others", nil)
		wantRedirect(t, "sign out others as a visitor", resp, "/signin")
		_, page := b.Get("/signin")
		webclient.MustContain(t, "sign-in page", page, "Sign in to see your devices.", "alice is an admin")
	})
}

func TestAdminIsForAliceOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		resp, _ := b.Get("/admin/")
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("visitor: status %d, want 403", resp.StatusCode)
		}
		bob := b.otherBrowser("BobAgent")
		bob.signIn("bob", "builder")
		if resp, _ := bob.Get("/admin/"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("bob: status %d, want 403", resp.StatusCode)
		}
		b.signIn("alice", "wonderland")
		_, page := b.Get("/")
		webclient.MustContain(t, "alice's header", page, `<a href="/admin/" id="admin-link">Session admin</a>`)
		resp, page = b.Get("/admin/?user=bob")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("alice: status %d, want 200", resp.StatusCode)
		}
		webclient.MustContain(t, "admin", page, "Sessions of bob", `<strong id="total">1</strong> session`, "BobAgent")

		// alice signs bob out everywhere from the admin page.
		resp, _ = b.Post("/admin/signout-user", url.Values{"user": {"bob"}, "csrf": {b.AdminCSRF("/admin/")}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign bob out: status %d", resp.StatusCode)
		}
		_, page = bob.Get("/")
		webclient.MustContain(t, "bob after", page, `<a href="/signin">Sign in</a>`)
		// A forged form, without the token, is refused.
		resp, _ = b.Post("/admin/delete-expired", url.Values{})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("POST without the token: status %d, want 403", resp.StatusCode)
		}
	})
}
