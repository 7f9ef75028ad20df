package runtime_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		next string
		safe bool
	}{
		{"/account/delete", true},
		{"/account/delete?confirm=1&x=%2F", true},
		{"/", true},
		{"/a/b#top", true},
		{"", false},
		{"account", false},
		{"./account", false},
		{"https://evil.example/", false},
		{"http:/evil.example", false},
		{"//evil.example", false},
		{"//evil.example/account", false},
		{"///evil.example", false},
		{`/\evil.example`, false},
		{`\\evil.example`, false},
		{"/\t/evil.example", false},
		{"/\n/evil.example", false},
		{"/\r\nLocation: https://evil.example", false},
		{"javascript:alert(1)", false},
		{"/%2F/evil.example", false}, // decodes to a path that begins with //
		{"/" + string(make([]byte, 3000)), false},
	}
	for _, tt := range tests {
		want := "/fallback"
		if tt.safe {
			want = tt.next
		}
		if got := runtime.SafeNext(tt.next, "/fallback"); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", tt.next, got, want)
		}
	}
}

func TestSignInURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ signIn, next, want string }{
		{"/signin", "/account/delete?x=1", "/signin?next=%2Faccount%2Fdelete%3Fx%3D1"},
		{"/signin?lang=en&next=/old", "/a", "/signin?lang=en&next=%2Fa"},
		{"/signin", "//evil.example", "/signin"},
		{"/signin", "https://evil.example", "/signin"},
	}
	for _, tt := range tests {
		if got := runtime.SignInURL(tt.signIn, tt.next); got != tt.want {
			t.Errorf("SignInURL(%q, %q) = %q, want %q", tt.signIn, tt.next, got, tt.want)
		}
	}
}

// TestRequireRecentSignIn checks that only a sign-in of less than maxAge
// ago passes, and that the others go to the sign-in page with a way back.
func TestRequireRecentSignIn(t *testing.T) {
	const maxAge = 5 * time.Minute
	forEachStore(t, func(t *testing.T, kind string) {
		clock := newStepClock()
		e := newStoreEnv(t, kind)
		mgr := newManager(t, e.store, runtime.WithClock(clock.now))
		mux := http.NewServeMux()
		mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
			sess := runtime.FromRequest(r)
			runtime.Set(sess, "k", "v")
			sess.SignIn(r.URL.Query().Get("user"))
		})
		mux.HandleFunc("GET /signout", func(w http.ResponseWriter, r *http.Request) {
			runtime.FromRequest(r).Flush()
		})
		mux.Handle("GET /account/delete", mgr.RequireRecentSignIn(maxAge, "/signin")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("sure?"))
		})))
		mux.HandleFunc("GET /password", func(w http.ResponseWriter, r *http.Request) {
			if !runtime.CheckRecentSignIn(w, r, maxAge, "/signin") {
				return
			}
			_, _ = w.Write([]byte("new password?"))
		})
		e.srv = newTLSServer(t, mgr.Middleware(mux))
		e.client = e.newClient()
		e.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

		wantSignIn := func(path string) {
			t.Helper()
			resp, _ := e.get(path)
			want := "/signin?next=" + url.QueryEscape(path)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
				t.Errorf("GET %s: %d to %q, want %d to %q", path, resp.StatusCode, resp.Header.Get("Location"), http.StatusSeeOther, want)
			}
		}
		wantPass := func(path, body string) {
			t.Helper()
			if resp, got := e.get(path); resp.StatusCode != http.StatusOK || got != body {
				t.Errorf("GET %s: %d %q, want 200 %q", path, resp.StatusCode, got, body)
			}
		}

		wantSignIn("/account/delete?confirm=1") // never signed in
		e.get("/signin?user=ann")
		wantPass("/account/delete", "sure?")
		wantPass("/password", "new password?")
		clock.advance(maxAge - time.Second)
		wantPass("/account/delete", "sure?")
		clock.advance(time.Second)
		wantSignIn("/account/delete")
		wantSignIn("/password")
		e.get("/signin?user=ann") // signed in again: fresh
		wantPass("/password", "new password?")
		e.get("/signout")
		wantSignIn("/password")
	})
}

func TestLastSignIn(t *testing.T) {
	t.Parallel()
	clock := newStepClock()
	mgr := newManager(t, memstore.New(), runtime.WithClock(clock.now))
	var got time.Time
	var ok bool
	h := mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		if _, signed := sess.LastSignIn(); signed {
			t.Error("LastSignIn reports a sign-in before SignIn")
		}
		sess.SignIn("ann")
		got, ok = sess.LastSignIn()
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if !ok || !got.Equal(clock.now()) {
		t.Errorf("LastSignIn() = %v, %v after SignIn, want %v, true", got, ok, clock.now())
	}
}
