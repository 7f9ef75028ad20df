package session_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"example.com/app/apptest"
	"example.com/app/session"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/admin"
	"github.com/sessiongen/sessiongen/runtime/keyring"
)

// ttl is the ttl of one_time_code and notice in sessions.yaml.
const ttl = time.Second

// secret is the API token the tests store: it must show nowhere.
const secret = "tok_S3cr3t-of-the-user"

// ring returns a key ring of one key.
func ring(t *testing.T, b byte) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(bytes.Repeat([]byte{b}, keyring.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// routes serves the accessors the tests use.
func routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/send", func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		sess.SetOneTimeCode("4242")
		sess.SetNotice("sent")
	})
	mux.HandleFunc("/code", func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		code, ok := sess.LookupOneTimeCode()
		notice, _ := sess.PopNotice()
		fmt.Fprintf(w, "%s %v %s", code, ok, notice)
	})
	mux.HandleFunc("/resend", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).UpdateOneTimeCode(func(code string) string { return code + "+" })
	})
	mux.HandleFunc("/fill", func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		sess.SetWizardStep(3)
		sess.SetCart([]string{"tea"})
		sess.SetAPIToken(secret)
		runtime.Set(runtime.FromRequest(r), "basket", []string{"mug"}) // guest_cart under its former name
	})
	mux.HandleFunc("/guest-cart", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).SetGuestCart([]string{"pot"})
	})
	mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) { session.From(r).SignIn("alice") })
	mux.HandleFunc("/cycle", func(w http.ResponseWriter, r *http.Request) { session.From(r).CycleKey() })
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		sess := session.From(r)
		_, hasStep := sess.LookupWizardStep()
		guest, hasGuest := sess.LookupGuestCart()
		fmt.Fprintf(w, "step %d %v, guest %v %v, cart %v, token %s", sess.WizardStep(), hasStep, guest, hasGuest, sess.Cart(), sess.APIToken())
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		session.From(r).SetAPIToken(secret)
	})
	return mux
}

// stored returns what store holds for the session in the jar of c.
func stored(t *testing.T, store runtime.Store, c *http.Client, base string) (runtime.TokenHash, runtime.Record) {
	t.Helper()
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if h, ok := runtime.HashToken(ck.Value); ok && ck.Name == runtime.DefaultCookieName {
			rec, err := store.Load(context.Background(), h)
			if err != nil {
				t.Fatal(err)
			}
			return h, rec
		}
	}
	t.Fatal("no session cookie")
	return runtime.TokenHash{}, runtime.Record{}
}

func TestTTL(t *testing.T) {
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			base := apptest.Serve(t, store, routes(), runtime.WithKeyRing(ring(t, 1)))
			c := apptest.NewClient(t)
			apptest.Get(t, c, base+"/fill")
			apptest.Get(t, c, base+"/send")
			if got := apptest.Body(t, c, base+"/code"); got != "4242 true sent" {
				t.Fatalf("at once: %q", got)
			}
			apptest.Get(t, c, base+"/send")
			time.Sleep(ttl + 100*time.Millisecond)
			if got := apptest.Body(t, c, base+"/code"); got != " false " {
				t.Errorf("after the ttl: %q, want neither the code nor the notice", got)
			}
			apptest.Get(t, c, base+"/resend")
			if got := apptest.Body(t, c, base+"/code"); got != "+ true " {
				t.Errorf("an update after the ttl: %q, want it to start from unset", got)
			}
			time.Sleep(ttl + 100*time.Millisecond)
			apptest.Get(t, c, base+"/guest-cart") // a save removes what ended
			_, rec := stored(t, store, c, base)
			for _, k := range []string{"one_time_code", "_ttl.one_time_code", "notice", "_ttl.notice"} {
				if _, ok := rec.Data[k]; ok {
					t.Errorf("the save after the ttl left %s: %s", k, rec.Data)
				}
			}
		})
	}
}

// TestDropOnSignIn checks that SignIn and CycleKey remove the keys marked
// on_sign_in: drop, with a value left under a former name, and keep the
// others, under a new token.
func TestDropOnSignIn(t *testing.T) {
	for name, store := range apptest.Stores(t) {
		for _, how := range []string{"/signin", "/cycle"} {
			t.Run(name+how, func(t *testing.T) {
				base := apptest.Serve(t, store, routes(), runtime.WithKeyRing(ring(t, 1)))
				c := apptest.NewClient(t)
				apptest.Get(t, c, base+"/fill")
				if got, want := apptest.Body(t, c, base+"/read"), "step 3 true, guest [mug] true, cart [tea], token "+secret; got != want {
					t.Fatalf("before: %q, want %q", got, want)
				}
				before, _ := stored(t, store, c, base)
				apptest.Get(t, c, base+how)
				after, rec := stored(t, store, c, base)
				if before == after {
					t.Errorf("%s kept the token", how)
				}
				if got, want := apptest.Body(t, c, base+"/read"), "step 1 false, guest [] false, cart [tea], token "+secret; got != want {
					t.Errorf("after %s: %q, want %q", how, got, want)
				}
				for _, k := range []string{"wizard_step", "_ttl.wizard_step", "guest_cart", "basket"} {
					if _, ok := rec.Data[k]; ok {
						t.Errorf("after %s the store holds %s: %s", how, k, rec.Data)
					}
				}
				apptest.Get(t, c, base+"/guest-cart") // set after signing in: kept
				if got := apptest.Body(t, c, base+"/read"); !strings.Contains(got, "guest [pot] true") {
					t.Errorf("a guest cart set after %s: %q", how, got)
				}
			})
		}
	}
}

// TestEncrypted checks what the store and the admin page hold of an
// encrypted key: a sealed value, which the admin page redacts, and shows
// as stored when it does not know the schema; and that without a key ring
// the request fails and nothing is stored.
func TestEncrypted(t *testing.T) {
	for name, store := range apptest.Stores(t) {
		t.Run(name, func(t *testing.T) {
			base := apptest.Serve(t, store, routes(), runtime.WithKeyRing(ring(t, 1)))
			c := apptest.NewClient(t)
			apptest.Get(t, c, base+"/token")
			h, rec := stored(t, store, c, base)
			var text string
			if err := json.Unmarshal(rec.Data["api_token"], &text); err != nil || !strings.HasPrefix(text, "sealed1:") || strings.Contains(text, "S3cr3t") {
				t.Fatalf("api_token is stored as %s", rec.Data["api_token"])
			}
			if got := apptest.Body(t, c, base+"/read"); !strings.HasSuffix(got, "token "+secret) {
				t.Errorf("read back: %q", got)
			}

			for _, keys := range [][]runtime.KeyInfo{session.Keys(), nil} {
				adm, err := admin.New(admin.Config{Store: store.(runtime.AdminStore), Keys: keys, Authorize: func(*http.Request) bool { return true }})
				if err != nil {
					t.Fatal(err)
				}
				rr := httptest.NewRecorder()
				adm.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/session?id="+h.String(), nil))
				page, _ := io.ReadAll(rr.Body)
				switch {
				case rr.Code != http.StatusOK:
					t.Fatalf("admin detail: %d\n%s", rr.Code, page)
				case bytes.Contains(page, []byte("S3cr3t")):
					t.Errorf("the admin page (keys %v) shows the token", keys != nil)
				case keys != nil && (bytes.Contains(page, []byte("sealed1:")) || !bytes.Contains(page, []byte("Redacted"))):
					t.Errorf("the admin page with the schema does not redact api_token:\n%s", page)
				case keys == nil && !bytes.Contains(page, []byte(text)):
					t.Errorf("the admin page without the schema does not show the value as stored:\n%s", page)
				}
			}

			noRing := apptest.Serve(t, store, routes())
			c = apptest.NewClient(t)
			resp, err := c.Get(noRing + "/token")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			u, _ := url.Parse(noRing)
			if resp.StatusCode != http.StatusInternalServerError || len(c.Jar.Cookies(u)) != 0 {
				t.Errorf("an encrypted key without a key ring: %s, cookies %v; want 500 and nothing stored", resp.Status, c.Jar.Cookies(u))
			}
		})
	}
}
