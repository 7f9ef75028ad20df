package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// client is another browser on the shop, in plain net/http: it keeps
// cookies and shows each response as it came, without following
// redirects.
type client struct {
	t    *testing.T
	base *url.URL
	ua   string // the User-Agent it sends, when not ""
	http *http.Client
}

// newClient returns a client of the shop at base with a cookie jar of its
// own, sending ua as its User-Agent when ua is not "".
func newClient(t *testing.T, base, ua string) *client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: u, ua: ua, http: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// get fetches a page and returns the response and its body.
func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	return c.send(http.MethodGet, path, nil)
}

// post submits a form and fails the test unless the shop answers with a
// redirect (303), as it does to every form it accepts.
func (c *client) post(path string, form url.Values) {
	c.t.Helper()
	resp, page := c.send(http.MethodPost, path, form)
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("POST %s: status %d, want 303:\n%s", path, resp.StatusCode, page)
	}
}

func (c *client) send(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base.String()+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(page)
}

// signIn signs the client in as name, through the sign-in form (whose
// page sets the test cookie the form's handler checks).
func (c *client) signIn(name, password string) {
	c.t.Helper()
	c.get("/signin")
	c.post("/signin", url.Values{"name": {name}, "password": {password}})
}

// token returns the session token the client holds, or "".
func (c *client) token() string {
	for _, k := range c.http.Jar.Cookies(c.base) {
		if k.Name == runtime.DefaultCookieName {
			return k.Value
		}
	}
	return ""
}

// hash returns the hash under which the client's session is stored.
func (c *client) hash() runtime.TokenHash {
	c.t.Helper()
	h, ok := runtime.HashToken(c.token())
	if !ok {
		c.t.Fatal("the client holds no session token")
	}
	return h
}

// mustContain fails the test unless page contains each of wants.
func mustContain(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Fatalf("%s: page lacks %q:\n%s", what, w, page)
		}
	}
}
