package runtime_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// TestParallelRequestKeepsSignIn signs in while another request of the
// same browser, sent with the token from before, is still being served
// and is answered last, as a tab that is still loading is: the browser
// must keep the new cookie. The parallel request reads with the stale
// token, or loaded the session before the sign-in and writes after it: the
// write is refused (409) and leaves the cookie alone.
func TestParallelRequestKeepsSignIn(t *testing.T) {
	const signIns = 10
	for _, parallel := range []string{"read", "write"} {
		t.Run(parallel, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, kind string) {
				entered := make(chan struct{})
				release := make(chan struct{})
				mux := routes()
				mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
					runtime.FromRequest(r).SignIn("alice")
				})
				mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
					s := runtime.FromRequest(r)
					if parallel == "write" {
						runtime.Get[string](s, "cart") // loaded before the sign-in
					}
					entered <- struct{}{}
					<-release // the sign-in has been answered: this token is stale
					v, _ := runtime.Get[string](s, "cart")
					if parallel == "write" {
						runtime.Set(s, "seen", "yes")
					}
					io.WriteString(w, v)
				})
				e := newEnv(t, kind, mux)
				e.get("/set?k=cart&v=tea")
				for i := range signIns {
					slow := make(chan *http.Response, 1)
					go func() {
						resp, _ := e.do(e.client, http.MethodGet, "/slow")
						slow <- resp
					}()
					<-entered
					before := e.token()
					e.get("/signin")
					signedIn := e.token()
					if signedIn == before || signedIn == "" {
						t.Fatalf("sign-in %d: token %q → %q, want a new one", i, before, signedIn)
					}
					release <- struct{}{}
					resp := <-slow

					c := sessionCookie(resp)
					switch {
					case parallel == "read" && resp.StatusCode != http.StatusOK:
						t.Errorf("sign-in %d: the parallel read got %d", i, resp.StatusCode)
					case parallel == "write" && resp.StatusCode != http.StatusConflict:
						t.Errorf("sign-in %d: the parallel write with the stale token got %d, want 409", i, resp.StatusCode)
					case c != nil:
						t.Errorf("sign-in %d: the stale request's response sets cookie %v", i, c)
					}
					if got := e.token(); got != signedIn {
						t.Fatalf("sign-in %d: the browser's cookie is %q after the stale response, want the signed-in %q", i, got, signedIn)
					}
					if _, body := e.get("/get?k=cart"); body != "tea" {
						t.Fatalf("sign-in %d: the cart reads %q after sign-in, want tea", i, body)
					}
				}
			})
		})
	}
}

// TestUnknownTokenGetsNoDeletingCookie sends a well-formed token that names
// no session: reading it, and emptying the session it does not have, send
// no cookie.
func TestUnknownTokenGetsNoDeletingCookie(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		rc := newRawClient(e)
		for _, path := range []string{"/get?k=a", "/empty", "/del?k=a"} {
			r := rc.send(path, randomToken())
			if r.err != nil || r.status != http.StatusOK || r.cookie != nil {
				t.Errorf("%s with an unknown token: %d %v, cookie %v; want 200 and no cookie", path, r.status, r.err, r.cookie)
			}
		}
		// Emptying a live session is this request ending it: the cookie
		// goes, as after Flush.
		token := rc.newSessionWith("/set?k=a&v=1")
		if r := rc.send("/del?k=a", token); r.cookie == nil || r.cookie.MaxAge != -1 {
			t.Errorf("emptying a live session: cookie %v, want it expired", r.cookie)
		}
		token = rc.newSessionWith("/set?k=a&v=1")
		if r := rc.send("/flush", token); r.cookie == nil || r.cookie.MaxAge != -1 {
			t.Errorf("flushing a live session: cookie %v, want it expired", r.cookie)
		}
	})
}
