package runtime_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// TestNewManagerRefusesCookiesBrowsersDrop builds Managers with cookie
// settings that browsers would refuse: each fails at once, saying which
// setting is wrong; the settings browsers accept build.
func TestNewManagerRefusesCookiesBrowsersDrop(t *testing.T) {
	tests := []struct {
		name string
		opts []runtime.Option
		want string // in the error; "" for no error
	}{
		{"defaults", nil, ""},
		{"host preset", []runtime.Option{runtime.WithHostCookie()}, ""},
		{"host prefix by name", []runtime.Option{runtime.WithCookieName("__Host-id")}, ""},
		{"secure prefix", []runtime.Option{runtime.WithCookieName("__Secure-id"), runtime.WithCookieDomain("example.com")}, ""},
		{"partitioned", []runtime.Option{runtime.WithCookiePartitioned(true)}, ""},
		{"plain HTTP", []runtime.Option{runtime.WithCookieSecure(false)}, ""},
		{"one second", []runtime.Option{runtime.WithCookieAge(time.Second)}, ""},
		{"empty name", []runtime.Option{runtime.WithCookieName("")}, "invalid Cookie.Name"},
		{"space in name", []runtime.Option{runtime.WithCookieName("session id")}, "invalid Cookie.Name"},
		{"semicolon in name", []runtime.Option{runtime.WithCookieName("sid;")}, "invalid Cookie.Name"},
		{"bad domain", []runtime.Option{runtime.WithCookieDomain("exa mple.com")}, "invalid Cookie.Domain"},
		{"bad path", []runtime.Option{runtime.WithCookiePath("/a;b")}, "invalid byte"},
		{"relative path", []runtime.Option{runtime.WithCookiePath("app")}, `cookie path "app": must start with /`},
		{"host without secure", []runtime.Option{runtime.WithHostCookie(), runtime.WithCookieSecure(false)}, "a __Host- cookie needs Secure"},
		{"host with domain", []runtime.Option{runtime.WithHostCookie(), runtime.WithCookieDomain("example.com")}, "a __Host- cookie takes no Domain"},
		{"host with path", []runtime.Option{runtime.WithCookieName("__Host-id"), runtime.WithCookiePath("/app")}, `a __Host- cookie needs Path "/"`},
		{"secure prefix without secure", []runtime.Option{runtime.WithCookieName("__Secure-id"), runtime.WithCookieSecure(false)}, "a __Secure- cookie needs Secure"},
		{"SameSite=None without secure", []runtime.Option{runtime.WithCookieSameSite(http.SameSiteNoneMode), runtime.WithCookieSecure(false)}, "SameSite=None needs Secure"},
		{"partitioned without secure", []runtime.Option{runtime.WithCookiePartitioned(true), runtime.WithCookieSecure(false)}, "partitioned cookies must be set with Secure"},
		{"half a second", []runtime.Option{runtime.WithCookieAge(500 * time.Millisecond)}, "cookie age 500ms"},
		{"negative age", []runtime.Option{runtime.WithCookieAge(-time.Hour)}, "cookie age -1h0m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mgr, err := runtime.NewManager(memstore.New(), tt.opts...)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("NewManager: %v, want no error", err)
			case tt.want == "" && mgr == nil:
				t.Fatal("NewManager returned no Manager and no error")
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("NewManager: error %v, want one saying %q", err, tt.want)
			case tt.want != "" && !strings.HasPrefix(err.Error(), "runtime: NewManager: "):
				t.Errorf("error %q does not say where it comes from", err)
			}
		})
	}
	if _, err := runtime.NewManager(nil); err == nil {
		t.Error("NewManager(nil) built a Manager")
	}
}

// TestHostCookieAttributes checks the cookie that WithHostCookie sets, and
// that a partitioned cookie says so.
func TestHostCookieAttributes(t *testing.T) {
	mgr := newManager(t, memstore.New(), runtime.WithHostCookie(), runtime.WithCookiePartitioned(true))
	w := httptest.NewRecorder()
	mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), "k", "v")
	})).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://example.com/", nil))
	set := w.Header().Get("Set-Cookie")
	for _, want := range []string{"__Host-sessionid=", "; Path=/;", "; Secure", "; Partitioned"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie %q lacks %q", set, want)
		}
	}
	if strings.Contains(set, "Domain=") {
		t.Errorf("Set-Cookie %q has a Domain", set)
	}
}

// TestSecureByDefaultWorksOnLoopback serves the default, Secure cookie
// over plain HTTP on a loopback address and on localhost: net/http's
// cookie jar, like browsers, treats both as secure and sends the cookie
// back, so local development and httptest work as in production.
func TestSecureByDefaultWorksOnLoopback(t *testing.T) {
	mgr := newManager(t, memstore.New())
	srv := httptest.NewServer(mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		n, _ := runtime.Get[int](s, "n")
		runtime.Set(s, "n", n+1)
		io.WriteString(w, strings.Repeat("x", n+1))
	})))
	t.Cleanup(srv.Close)
	localhost := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, base := range []string{srv.URL, localhost} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		var got []string
		for range 3 {
			resp, err := c.Get(base + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if ck := sessionCookie(resp); ck != nil && !ck.Secure {
				t.Errorf("%s: cookie %v is not Secure by default", base, ck)
			}
			got = append(got, string(body))
		}
		if strings.Join(got, " ") != "x xx xxx" {
			t.Errorf("%s: the session did not come back over plain HTTP: %v", base, got)
		}
	}
}

// TestSessionCookieIsNeverPubliclyCacheable checks that a response that
// sets a session cookie is private to the browser, whatever the handler
// said about caching, unless it said private or no-store already; a
// response without a cookie keeps the handler's header.
func TestSessionCookieIsNeverPubliclyCacheable(t *testing.T) {
	tests := []struct {
		name, set  string // the handler's Cache-Control
		write      bool   // the handler changes the session
		want       string
		wantCookie bool
	}{
		{"new session", "", true, "private", true},
		{"public", "public, max-age=60", true, "private, max-age=60", true},
		{"shared-cache lifetime", "max-age=60, s-maxage=600", true, "private, max-age=60", true},
		{"public upper case", "Public", true, "private", true},
		{"private already", "private, max-age=10", true, "private, max-age=10", true},
		{"no-store", "no-store", true, "no-store", true},
		{"no-cache", "no-cache", true, "private, no-cache", true},
		{"read only", "public, max-age=60", false, "public, max-age=60", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mgr := newManager(t, memstore.New())
			w := httptest.NewRecorder()
			mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.set != "" {
					w.Header().Set("Cache-Control", tt.set)
				}
				s := runtime.FromRequest(r)
				if tt.write {
					runtime.Set(s, "k", "v")
				} else {
					runtime.Get[string](s, "k")
				}
				io.WriteString(w, "page")
			})).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if got := strings.Join(w.Header().Values("Cache-Control"), ", "); got != tt.want {
				t.Errorf("Cache-Control %q, want %q", got, tt.want)
			}
			if got := w.Header().Get("Set-Cookie") != ""; got != tt.wantCookie {
				t.Errorf("sets a cookie: %v, want %v", got, tt.wantCookie)
			}
		})
	}
}
