package webclient_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
)

// newServer returns a server whose POST /form sets a session cookie
// holding the form's token and an admin anti-forgery cookie, then
// redirects to /echo, which describes the request it gets.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: runtime.DefaultCookieName, Value: r.FormValue("token"), Path: "/"})
		http.SetCookie(w, &http.Cookie{Name: webclient.AdminCSRFCookie, Value: "csrf", Path: "/admin/"})
		http.Redirect(w, r, "/echo", http.StatusSeeOther)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Cookie(runtime.DefaultCookieName)
		fmt.Fprintf(w, "%s %s %v %s", r.Method, r.UserAgent(), c, r.Header.Get("Content-Type"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestClient checks that the client sends its header and forms, keeps
// cookies by path, and stops at redirects.
func TestClient(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := webclient.New(t, srv.URL)
	c.Header.Set("User-Agent", "Test/1.0")
	_, page := c.Get("/echo")
	if want := "GET Test/1.0  "; page != want {
		t.Errorf("first GET: %q, want %q", page, want)
	}
	token := "Q2hlY2tpbmcgdGhlIHRva2VuJ3Mgc2hhcGUgb25seS4"
	resp := c.Submit("/form", url.Values{"token": {token}})
	if got := resp.Header.Get("Location"); got != "/echo" {
		t.Errorf("Submit followed or lost the redirect: Location %q", got)
	}
	if c.Token() != token || c.AdminCSRF("/admin/") != "csrf" || c.Cookie("/", webclient.AdminCSRFCookie) != "" {
		t.Errorf("cookies: token %q, admin's %q; want %q, csrf, kept to /admin/", c.Token(), c.AdminCSRF("/admin/"), token)
	}
	if want, _ := runtime.HashToken(token); c.Hash() != want {
		t.Errorf("Hash = %v, want %v", c.Hash(), want)
	}
	_, page = c.Post("/echo", url.Values{})
	if want := "POST Test/1.0 " + runtime.DefaultCookieName + "=" + token + " application/x-www-form-urlencoded"; page != want {
		t.Errorf("POST: %q, want %q", page, want)
	}
	webclient.MustContain(t, "echo", page, "POST", token)
	webclient.MustNotContain(t, "echo", page, "GET")

	c.HTTP.Jar = nil
	if _, page = c.Get("/echo"); c.Token() != "" || page != "GET Test/1.0  " {
		t.Errorf("without a jar: token %q, page %q", c.Token(), page)
	}
}
