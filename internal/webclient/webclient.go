// Package webclient provides a browser for tests, in plain net/http: a
// Client keeps cookies in a jar of its own, sends forms as a browser does,
// and shows each response as it came, without following redirects, with
// its body read. The example shop's tests, the admin page's and the
// end-to-end tests drive their servers through it.
package webclient

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// AdminCSRFCookie names the cookie in which the session admin
// (runtime/admin) keeps a browser's anti-forgery token.
const AdminCSRFCookie = "sessiongen_admin_csrf"

// Client is one browser on one server. Every method fails its test on an
// error of its own (a bad URL, a broken connection), never on the
// server's answer, which it returns for the test to judge.
type Client struct {
	// HTTP sends the requests. Its Jar holds the cookies: a nil Jar is a
	// browser that refuses them. Its CheckRedirect stops at each redirect;
	// a test may set its Transport (a TLS server's, say).
	HTTP *http.Client
	// Header is sent with every request: a User-Agent, say.
	Header http.Header

	t    testing.TB
	base string
}

// New returns a client of the server at base (a URL such as
// http://127.0.0.1:8080, without a trailing slash), with an empty cookie
// jar of its own, as a second browser has.
func New(t testing.TB, base string) *Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{
		HTTP: &http.Client{
			Jar:           jar,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Header: http.Header{},
		t:      t,
		base:   base,
	}
}

// URL returns the absolute URL of path (which starts with "/") on the
// client's server.
func (c *Client) URL(path string) string { return c.base + path }

// NewRequest returns a request for path carrying c.Header and, when form
// is not nil, form as its URL-encoded body, as an HTML form sends it.
func (c *Client) NewRequest(method, path string, form url.Values) *http.Request {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.URL(path), body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

// Do sends req and returns the response, with its body read and closed.
func (c *Client) Do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL.Path, err)
	}
	return resp, string(body)
}

// Get fetches path and returns the response and its body.
func (c *Client) Get(path string) (*http.Response, string) {
	c.t.Helper()
	return c.Do(c.NewRequest(http.MethodGet, path, nil))
}

// Post submits form (nil: an empty body) to path and returns the response
// and its body.
func (c *Client) Post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	return c.Do(c.NewRequest(http.MethodPost, path, form))
}

// Submit posts form to path and fails the test unless the server answers
// 303 See Other, as an application answers a form it accepts.
func (c *Client) Submit(path string, form url.Values) *http.Response {
	c.t.Helper()
	resp, body := c.Post(path, form)
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("POST %s: status %d, want 303:\n%s", path, resp.StatusCode, body)
	}
	return resp
}

// Cookie returns the value of the cookie called name that the client
// would send with a request for path, or "" if it holds none.
func (c *Client) Cookie(path, name string) string {
	c.t.Helper()
	if c.HTTP.Jar == nil {
		return ""
	}
	u, err := url.Parse(c.URL(path))
	if err != nil {
		c.t.Fatal(err)
	}
	for _, k := range c.HTTP.Jar.Cookies(u) {
		if k.Name == name {
			return k.Value
		}
	}
	return ""
}

// Token returns the session token the client holds (the value of the
// cookie runtime.DefaultCookieName), or "".
func (c *Client) Token() string {
	c.t.Helper()
	return c.Cookie("/", runtime.DefaultCookieName)
}

// Hash returns the hash under which the client's session is stored, and
// fails the test if the client holds no session token.
func (c *Client) Hash() runtime.TokenHash {
	c.t.Helper()
	h, ok := runtime.HashToken(c.Token())
	if !ok {
		c.t.Fatal("the client holds no session token")
	}
	return h
}

// AdminCSRF returns the anti-forgery token that the session admin mounted
// at mount (its list's path, such as "/admin/") gave the client, or "" if
// it gave none yet.
func (c *Client) AdminCSRF(mount string) string {
	c.t.Helper()
	return c.Cookie(mount, AdminCSRFCookie)
}

// MustContain fails the test unless page contains each of wants; what
// names the page in the message.
func MustContain(t testing.TB, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Fatalf("%s: page lacks %q:\n%s", what, w, page)
		}
	}
}

// MustNotContain fails the test if page contains any of nots; what names
// the page in the message.
func MustNotContain(t testing.TB, what, page string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(page, n) {
			t.Fatalf("%s: page has %q:\n%s", what, n, page)
		}
	}
}
