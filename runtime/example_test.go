package runtime_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// The middleware gives each request its session. Applications reach it
// through the accessors sessiongen generates (sess.SetVisits(n)); this
// example uses the runtime's helpers that those accessors call.
func Example() {
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		fmt.Println(err)
		return
	}

	srv := httptest.NewServer(mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		n, _ := runtime.Get[int](sess, "visits")
		runtime.Set(sess, "visits", n+1)
		fmt.Fprintf(w, "visit %d", n+1)
	})))
	defer srv.Close()

	browser := newBrowser()
	for range 3 {
		_, body := get(browser, srv.URL)
		fmt.Println(body)
	}
	// Output:
	// visit 1
	// visit 2
	// visit 3
}

// NewManager takes the store and Django's settings as options; anything not
// given keeps the default. It fails on settings browsers would refuse.
func ExampleNewManager() {
	mgr, err := runtime.NewManager(memstore.New(),
		runtime.WithCookieSameSite(http.SameSiteStrictMode), // default Lax
		runtime.WithCookieAge(7*24*time.Hour),               // default two weeks
	)
	if err != nil {
		fmt.Println(err)
		return
	}

	srv := httptest.NewServer(mgr.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), "seen", true)
	})))
	defer srv.Close()
	resp, _ := get(http.DefaultClient, srv.URL)
	c := resp.Cookies()[0]
	fmt.Println(c.Name, c.MaxAge, c.Secure, c.HttpOnly, c.SameSite == http.SameSiteStrictMode)
	// Output: sessionid 604800 true true true
}

// The middleware saves the session before the headers go out and only when
// it changed: a read sends no cookie, and a response that never touches the
// session costs nothing.
func ExampleManager_Middleware() {
	mgr, err := runtime.NewManager(memstore.New())
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), "theme", "dark")
	})
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		theme, _ := runtime.Get[string](runtime.FromRequest(r), "theme")
		io.WriteString(w, theme)
	})
	mux.HandleFunc("/static", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "no session here")
	})
	srv := httptest.NewServer(mgr.Middleware(mux))
	defer srv.Close()

	browser := newBrowser()
	for _, path := range []string{"/write", "/read", "/static"} {
		resp, body := get(browser, srv.URL+path)
		fmt.Printf("%s: body %q, sets cookie %v, Vary %q\n", path, body, len(resp.Cookies()) > 0, resp.Header.Get("Vary"))
	}
	// Output:
	// /write: body "", sets cookie true, Vary "Cookie"
	// /read: body "dark", sets cookie false, Vary "Cookie"
	// /static: body "no session here", sets cookie false, Vary ""
}

// A cookie that browsers would drop is refused when the Manager is built,
// not discovered when no session ever sticks.
func ExampleNewManager_refused() {
	_, err := runtime.NewManager(memstore.New(), runtime.WithHostCookie(), runtime.WithCookieDomain("example.com"))
	fmt.Println(err)
	// Output: runtime: NewManager: cookie "__Host-sessionid": a __Host- cookie takes no Domain (have "example.com")
}

// newBrowser returns a client that keeps cookies, as a browser does.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// get fetches url with client and returns the response and its body.
func get(client *http.Client, url string) (*http.Response, string) {
	resp, err := client.Get(url)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}
