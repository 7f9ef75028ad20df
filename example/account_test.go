package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
)

// ageSignIn makes the store hold that b's session signed in ago before
// now, as if that long had passed.
func (b *browser) ageSignIn(ago time.Duration) {
	b.t.Helper()
	raw, err := json.Marshal(time.Now().Add(-ago).UTC())
	if err != nil {
		b.t.Fatal(err)
	}
	c := runtime.Change{Set: map[string]json.RawMessage{"_signed_in": raw}, ExpiresAt: time.Now().Add(time.Hour)}
	if err := b.store.Update(context.Background(), b.Hash(), c); err != nil {
		b.t.Fatal(err)
	}
}

// TestDeleteAccountNeedsRecentSignIn walks the flow of a page that needs a
// recent sign-in: to the sign-in page, and back once signed in.
func TestDeleteAccountNeedsRecentSignIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, b *browser) {
		const back = "/signin?next=%2Faccount%2Fdelete"

		// Not signed in: to the sign-in page, which keeps the way back.
		resp, _ := b.Get("/account/delete")
		wantRedirect(t, "signed out", resp, back)
		_, page := b.Get(back)
		webclient.MustContain(t, "sign-in form", page, `id="sign-in-again"`, `<input type="hidden" name="next" value="/account/delete">`)
		resp = b.Submit("/signin", url.Values{"name": {"bob"}, "password": {"builder"}, "next": {"/account/delete"}})
		wantRedirect(t, "sign-in", resp, "/account/delete")
		_, page = b.Get("/account/delete")
		webclient.MustContain(t, "fresh", page, `id="delete-account"`)

		// Ten minutes later: sign in again first.
		b.ageSignIn(10 * time.Minute)
		resp, _ = b.Get("/account/delete")
		wantRedirect(t, "stale", resp, back)
		resp, _ = b.Post("/account/delete", nil)
		wantRedirect(t, "stale, posting", resp, back)
		if rec, err := b.row(); err != nil || rec.UserID != "bob" {
			t.Fatalf("a stale delete touched the session: %+v, %v", rec, err)
		}
		b.Get(back)
		resp = b.Submit("/signin", url.Values{"name": {"bob"}, "password": {"builder"}, "next": {"/account/delete"}})
		wantRedirect(t, "sign-in again", resp, "/account/delete")
		signedIn := b.Hash()
		resp = b.Submit("/account/delete", nil)
		wantRedirect(t, "delete", resp, "/")
		if _, err := b.store.Load(context.Background(), signedIn); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("the deleted account's session: %v, want it gone", err)
		}
		if user, err := b.store.UserSessions(context.Background(), "bob"); err != nil || len(user) != 0 {
			t.Fatalf("bob's sessions after the deletion: %v, %v; want none", user, err)
		}
	})
}

// TestSignInRefusesForeignNext checks that the sign-in page never sends
// the user to another site, whatever next a crafted link carries.
func TestSignInRefusesForeignNext(t *testing.T) {
	for _, next := range []string{"https://evil.example/", "//evil.example", `/\evil.example`, "javascript:alert(1)"} {
		t.Run(next, func(t *testing.T) {
			b := newBrowser(t, newStore(t, "memstore"))
			_, page := b.Get("/signin?next=" + url.QueryEscape(next))
			webclient.MustNotContain(t, "sign-in form", page, `id="sign-in-again"`, "evil")
			resp := b.Submit("/signin", url.Values{"name": {"bob"}, "password": {"builder"}, "next": {next}})
			wantRedirect(t, "sign-in", resp, "/")
		})
	}
}
