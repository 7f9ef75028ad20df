package admin_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/webclient"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/admin"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

func TestNewRefusesAnOpenPage(t *testing.T) {
	t.Parallel()
	allow := func(*http.Request) bool { return true }
	tests := []struct {
		name    string
		cfg     admin.Config
		wantErr error
	}{
		{"no Authorize", admin.Config{Store: memstore.New()}, admin.ErrNoAuthorize},
		{"no Authorize nor Store", admin.Config{}, admin.ErrNoAuthorize},
		{"no Store", admin.Config{Authorize: allow}, nil},
	}
	for _, tt := range tests {
		h, err := admin.New(tt.cfg)
		if err == nil || h != nil {
			t.Errorf("%s: New = %v, %v; want an error", tt.name, h, err)
		}
		if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.wantErr)
		}
	}
}

func TestUnauthorizedRequestsAreRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		_, h := put(t, s, seed{user: "bob"})
		_, old := put(t, s, seed{expiresIn: -time.Hour})
		site := newSite(t, s, admin.Config{})
		token := site.csrf() // a token from an earlier, authorised visit
		site.staff = false
		form := func(extra ...string) url.Values {
			v := url.Values{"csrf": {token}}
			for i := 0; i+1 < len(extra); i += 2 {
				v.Set(extra[i], extra[i+1])
			}
			return v
		}
		tests := []struct {
			method, path string
			form         url.Values
		}{
			{"GET", "/admin/", nil},
			{"GET", "/admin/?user=bob", nil},
			{"GET", "/admin/session?id=" + h.String(), nil},
			{"GET", "/admin/style.css", nil},
			{"GET", "/admin/nowhere", nil},
			{"POST", "/admin/delete", form("id", h.String())},
			{"POST", "/admin/delete-expired", form()},
			{"POST", "/admin/signout-user", form("user", "bob")},
			{"POST", "/admin/find", form("token", h.String())},
		}
		for _, tt := range tests {
			r := site.do(tt.method, tt.path, tt.form, nil)
			if r.status != http.StatusForbidden {
				t.Errorf("%s %s without authorisation: status %d, want 403", tt.method, tt.path, r.status)
			}
			webclient.MustNotContain(t, tt.method+" "+tt.path, r.body, h.String()[:12], "bob")
			if r.header.Get("Set-Cookie") != "" {
				t.Errorf("%s %s without authorisation set a cookie: %s", tt.method, tt.path, r.header.Get("Set-Cookie"))
			}
		}
		if !exists(t, s, h) || !exists(t, s, old) {
			t.Fatal("a refused request changed the store")
		}
	})
}

func TestForbiddenHandler(t *testing.T) {
	t.Parallel()
	site := newSite(t, memstore.New(), admin.Config{
		Authorize: func(*http.Request) bool { return false },
		Forbidden: http.RedirectHandler("/signin", http.StatusFound),
	})
	r := site.do("GET", "/admin/", nil, nil)
	if r.status != http.StatusFound || r.header.Get("Location") != "/signin" {
		t.Fatalf("refused request: %d to %q, want the Forbidden handler's 302 to /signin", r.status, r.header.Get("Location"))
	}
}

func TestForgedPostsAreRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		site := newSite(t, s, admin.Config{})
		token := site.csrf()
		otherToken := strings.Repeat("A", len(token))
		tests := []struct {
			name    string
			csrf    *string // nil: no field
			headers map[string]string
			noJar   bool // send no cookie
		}{
			{name: "cross-site browser request", csrf: &token, headers: map[string]string{"Sec-Fetch-Site": "cross-site"}},
			{name: "same-site (sibling domain) request", csrf: &token, headers: map[string]string{"Sec-Fetch-Site": "same-site"}},
			{name: "foreign Origin, older browser", csrf: &token, headers: map[string]string{"Origin": "https://evil.example"}},
			{name: "no token", csrf: nil},
			{name: "empty token", csrf: new(string)},
			{name: "wrong token", csrf: &otherToken},
			{name: "token without its cookie", csrf: &token, noJar: true},
		}
		for _, tt := range tests {
			_, h := put(t, s, seed{user: "bob"})
			form := url.Values{"id": {h.String()}}
			if tt.csrf != nil {
				form.Set("csrf", *tt.csrf)
			}
			jar := site.client.HTTP.Jar
			if tt.noJar {
				site.client.HTTP.Jar = nil
			}
			r := site.do("POST", "/admin/delete", form, tt.headers)
			site.client.HTTP.Jar = jar
			if r.status != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", tt.name, r.status)
			}
			if !exists(t, s, h) {
				t.Errorf("%s: the forged POST deleted the session", tt.name)
			}
		}
		// The page's own form, from the same origin, goes through.
		_, h := put(t, s, seed{})
		r := site.do("POST", "/admin/delete", url.Values{"id": {h.String()}, "csrf": {token}},
			map[string]string{"Sec-Fetch-Site": "same-origin"})
		wantRedirect(t, "same-origin POST with the token", r, "./?done=deleted")
		if exists(t, s, h) {
			t.Fatal("the genuine POST did not delete the session")
		}
	})
}

func TestCSRFCookie(t *testing.T) {
	t.Parallel()
	site := newSite(t, memstore.New(), admin.Config{})
	r := site.get("/admin/", http.StatusOK)
	c := findCookie(r.header, "sessiongen_admin_csrf")
	if c == nil {
		t.Fatal("no anti-forgery cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin/" {
		t.Errorf("anti-forgery cookie %v: want HttpOnly, SameSite=Strict, Path=/admin/", c)
	}
	webclient.MustContain(t, "list", r.body, `name="csrf" value="`+c.Value+`"`)
	// The next page reuses it rather than setting a new one.
	r = site.get("/admin/", http.StatusOK)
	if findCookie(r.header, "sessiongen_admin_csrf") != nil {
		t.Error("a second page view replaced the token")
	}
	webclient.MustContain(t, "second view", r.body, `name="csrf" value="`+c.Value+`"`)
}

func findCookie(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	site := newSite(t, memstore.New(), admin.Config{})
	for _, path := range []string{"/admin/", "/admin/session?id=nothex"} {
		r := site.do("GET", path, nil, nil)
		want := map[string]string{
			"Cache-Control":   "no-store",
			"X-Frame-Options": "DENY",
		}
		for k, v := range want {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", path, k, got, v)
			}
		}
		csp := r.header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", path, csp, d)
			}
		}
	}
}

// rowIDs returns the ids of the session rows a list page shows, in order.
func rowIDs(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`<tr id="s-([0-9a-f]{12})"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestListPages(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		var want []string // newest first
		for i := range 7 {
			sd := seed{ua: "Agent/" + string(rune('A'+i))}
			if i == 2 {
				sd.expiresIn = -time.Minute
			}
			_, h := put(t, s, sd)
			want = append([]string{h.String()[:12]}, want...)
		}
		site := newSite(t, s, admin.Config{PageSize: 3})
		var got []string
		pages := []struct {
			path, count, prev, next string
		}{
			{"/admin/", "showing 1–3 · page 1 of 3", "", `href="./?page=2"`},
			{"/admin/?page=2", "showing 4–6 · page 2 of 3", `href="./"`, `href="./?page=3"`},
			{"/admin/?page=3", "showing 7–7 · page 3 of 3", `href="./?page=2"`, ""},
		}
		for _, p := range pages {
			r := site.get(p.path, http.StatusOK)
			webclient.MustContain(t, p.path, r.body, `<strong id="total">7</strong> sessions`, p.count)
			if p.prev != "" {
				webclient.MustContain(t, p.path, r.body, `id="prev" href="./`, p.prev)
			} else {
				webclient.MustNotContain(t, p.path, r.body, `id="prev"`)
			}
			if p.next != "" {
				webclient.MustContain(t, p.path, r.body, p.next)
			} else {
				webclient.MustNotContain(t, p.path, r.body, `id="next"`)
			}
			got = append(got, rowIDs(r.body)...)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("sessions over the pages:\n got %v\nwant %v (newest first)", got, want)
		}
		r := site.get("/admin/?page=2", http.StatusOK) // the third oldest expired
		webclient.MustContain(t, "expired row", r.body, `class="expired"`, `<span class="badge warn">expired</span>`)
		r = site.get("/admin/?page=9", http.StatusOK)
		webclient.MustContain(t, "past the end", r.body, `id="empty"`, `id="prev" href="./?page=3"`)
		for _, bad := range []string{"0", "-2", "x"} {
			r = site.get("/admin/?page="+bad, http.StatusOK)
			if ids := rowIDs(r.body); len(ids) != 3 || ids[0] != want[0] {
				t.Errorf("page=%s: rows %v, want the first page", bad, ids)
			}
		}
	})
}

func TestFindByToken(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		token, h := put(t, s, seed{user: "bob"})
		expiredToken, expired := put(t, s, seed{expiresIn: -time.Hour})
		unknown, _ := newToken(t)
		site := newSite(t, s, admin.Config{})
		tests := []struct {
			name, input string
			status      int
			to, says    string
		}{
			{"token", token, http.StatusSeeOther, "session?id=" + h.String(), ""},
			{"token with spaces around", "  " + token + "\n", http.StatusSeeOther, "session?id=" + h.String(), ""},
			{"hash", h.String(), http.StatusSeeOther, "session?id=" + h.String(), ""},
			{"expired session's token", expiredToken, http.StatusSeeOther, "session?id=" + expired.String(), ""},
			{"unknown token", unknown, http.StatusNotFound, "", "No session is stored under that token."},
			{"garbage", "not a token", http.StatusBadRequest, "", "neither a session token"},
			{"empty", "", http.StatusBadRequest, "", "neither a session token"},
		}
		for _, tt := range tests {
			r := site.post("/admin/find", url.Values{"token": {tt.input}})
			if r.status != tt.status || r.header.Get("Location") != tt.to {
				t.Errorf("%s: %d to %q, want %d to %q", tt.name, r.status, r.header.Get("Location"), tt.status, tt.to)
			}
			if tt.says != "" {
				webclient.MustContain(t, tt.name, r.body, tt.says)
			}
			// The token never comes back in the page.
			if tt.input != "" && strings.Contains(r.body, strings.TrimSpace(tt.input)) && tt.name != "hash" {
				t.Errorf("%s: the page repeats the token", tt.name)
			}
		}
		// GET cannot search by token: tokens stay out of URLs.
		r := site.do("GET", "/admin/find?token="+token, nil, nil)
		if r.status == http.StatusSeeOther || strings.Contains(r.body, h.String()) {
			t.Errorf("GET find answered %d; tokens must not be searchable by URL", r.status)
		}
	})
}

func TestFindByUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		var bobs []string
		for range 3 {
			_, h := put(t, s, seed{user: "bob", ua: "BobBrowser"})
			bobs = append([]string{h.String()[:12]}, bobs...)
		}
		_, alice := put(t, s, seed{user: "alice", ua: "AliceBrowser"})
		_, anon := put(t, s, seed{ua: "Visitor"})
		site := newSite(t, s, admin.Config{})
		r := site.get("/admin/?user=bob", http.StatusOK)
		webclient.MustContain(t, "bob's sessions", r.body, "Sessions of bob", `<strong id="total">3</strong> sessions`,
			`value="bob"`, `id="signout-user">Sign bob out everywhere`)
		webclient.MustNotContain(t, "bob's sessions", r.body, alice.String()[:12], anon.String()[:12], "AliceBrowser")
		if got := rowIDs(r.body); strings.Join(got, " ") != strings.Join(bobs, " ") {
			t.Errorf("bob's rows %v, want %v", got, bobs)
		}
		r = site.get("/admin/?user=nobody", http.StatusOK)
		webclient.MustContain(t, "unknown user", r.body, `<strong id="total">0</strong> sessions`, `id="empty"`)
		// The whole list links each user to their sessions.
		r = site.get("/admin/", http.StatusOK)
		webclient.MustContain(t, "all", r.body, `<a href="./?user=bob">bob</a>`, `<strong id="total">5</strong>`)
	})
}

func TestDetail(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		_, h := put(t, s, seed{
			user: "bob", ua: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
			data: map[string]string{
				"user_name":   `"bob"`,
				"cart":        `[{"product_id":"tea","quantity":2}]`,
				"notice":      `"Welcome"`,
				"api_token":   `"sk_live_SECRET42"`,
				"old_key":     `{"kept":   true}`,
				"_expiry":     `{"kind":1,"age":3600000000000}`,
				"_testcookie": `"worked"`,
				"_future":     `1`,
			},
		})
		site := newSite(t, s, admin.Config{})
		r := site.get("/admin/session?id="+h.String(), http.StatusOK)
		body := r.body
		rec, err := s.FindSession(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		webclient.MustContain(t, "detail", body,
			`<code class="hash" id="hash">`+h.String()+`</code>`,
			`<dd id="created"><time datetime="`+rec.CreatedAt.UTC().Format(time.RFC3339)+`">`,
			`<dd id="updated"><time datetime="`+rec.UpdatedAt.UTC().Format(time.RFC3339)+`">`,
			`<dd id="expires"><time datetime="`+rec.ExpiresAt.UTC().Format(time.RFC3339)+`">`,
			`<a href="./?user=bob">bob</a>`,
			"Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
			// Declared keys, with type and doc.
			`<code class="name">user_name</code>`, `<code class="type">string</code>`, "Name of the signed-in user.",
			`<code class="type">[]example.com/shop/catalog.CartLine</code>`, "Products in the cart.",
			"&#34;product_id&#34;: &#34;tea&#34;",
			`<span class="badge">flash</span>`,
			// Sensitive: labelled, not shown.
			`<code class="name">api_token</code>`, "Token for the partner API.", "Redacted: marked sensitive",
			// Unknown: raw, as stored, and marked.
			`<code class="name">old_key</code>`, "not in the schema", `<pre class="value">{&#34;kept&#34;:`,
			// The runtime's own keys.
			`<code class="name">_expiry</code>`, "the session&#39;s own expiry", `<code class="name">_testcookie</code>`,
			`<code class="name">_future</code>`, "reserved for the runtime",
			// Declared but unset.
			"Declared keys not set", `<li><code>theme</code>`,
			`id="delete"`, `id="signout-user">Sign bob out everywhere`,
		)
		webclient.MustNotContain(t, "detail", body, "SECRET42", "sk_live")
		// Declared keys first, in declaration order, then the runtime's,
		// then unknown ones.
		order := []string{"user_name", "cart", "notice", "api_token", "_expiry", "_future", "_testcookie", "old_key"}
		last := -1
		for _, k := range order {
			i := strings.Index(body, `<code class="name">`+k+`</code>`)
			if i < last {
				t.Errorf("key %s is out of order", k)
			}
			last = i
		}

		_, old := put(t, s, seed{expiresIn: -time.Hour})
		r = site.get("/admin/session?id="+old.String(), http.StatusOK)
		webclient.MustContain(t, "expired session", r.body, "(expired)", `id="no-data"`, "not bound to a user")

		_, missing := newToken(t)
		r = site.get("/admin/session?id="+missing.String(), http.StatusNotFound)
		webclient.MustContain(t, "missing session", r.body, "No such session")
		site.get("/admin/session?id=xyz", http.StatusBadRequest)
		site.get("/admin/session", http.StatusBadRequest)
	})
}

// TestDetailShowsARowNestedPastEncodingJSON stores, behind the library's
// back, a value nested more deeply than encoding/json decodes: the detail
// page decodes the row as Load does and shows it, the deep value raw,
// instead of failing.
func TestDetailShowsARowNestedPastEncodingJSON(t *testing.T) {
	t.Parallel()
	s, pool := pgstoretest.New(t)
	_, h := put(t, s, seed{data: map[string]string{"theme": `"dark"`}})
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	if _, err := pool.Exec(context.Background(),
		"UPDATE sessiongen_sessions SET data = convert_to((convert_from(data, 'UTF8')::jsonb || jsonb_build_object('deep', $1::jsonb))::text, 'UTF8') WHERE token_hash = $2",
		deep, h[:]); err != nil {
		t.Fatal(err)
	}
	site := newSite(t, s, admin.Config{Keys: keys})
	r := site.get("/admin/session?id="+h.String(), http.StatusOK)
	webclient.MustContain(t, "detail of a deeply nested row", r.body, "dark", "deep")
}

func TestDeleteSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		_, h := put(t, s, seed{user: "bob"})
		_, other := put(t, s, seed{user: "bob"})
		site := newSite(t, s, admin.Config{})
		r := site.post("/admin/delete", url.Values{"id": {h.String()}})
		wantRedirect(t, "delete", r, "./?done=deleted")
		if exists(t, s, h) || !exists(t, s, other) {
			t.Fatal("delete removed the wrong sessions")
		}
		r = site.get("/admin/?done=deleted", http.StatusOK)
		webclient.MustContain(t, "after delete", r.body, `<p class="notice" id="notice" role="status">Session deleted.</p>`)
		// Deleting it again is not an error; a bad id is.
		wantRedirect(t, "delete again", site.post("/admin/delete", url.Values{"id": {h.String()}}), "./?done=deleted")
		if r := site.post("/admin/delete", url.Values{"id": {"abc"}}); r.status != http.StatusBadRequest {
			t.Errorf("delete of a bad id: status %d, want 400", r.status)
		}
		if r := site.do("GET", "/admin/delete?id="+other.String(), nil, nil); r.status == http.StatusSeeOther || !exists(t, s, other) {
			t.Errorf("GET deleted a session (status %d)", r.status)
		}
	})
}

func TestDeleteExpired(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		var expired, live []runtime.TokenHash
		for range 3 {
			_, h := put(t, s, seed{expiresIn: -time.Minute})
			expired = append(expired, h)
		}
		for range 2 {
			_, h := put(t, s, seed{})
			live = append(live, h)
		}
		site := newSite(t, s, admin.Config{})
		r := site.post("/admin/delete-expired", nil)
		wantRedirect(t, "delete expired", r, "./?done=expired&n=3")
		for _, h := range expired {
			if exists(t, s, h) {
				t.Error("an expired session is left")
			}
		}
		for _, h := range live {
			if !exists(t, s, h) {
				t.Error("a live session was deleted")
			}
		}
		r = site.get("/admin/?done=expired&n=3", http.StatusOK)
		webclient.MustContain(t, "after", r.body, "3 expired sessions deleted.", `<strong id="total">2</strong> sessions`)
		wantRedirect(t, "again", site.post("/admin/delete-expired", nil), "./?done=expired&n=0")
		r = site.get("/admin/?done=expired&n=1", http.StatusOK)
		webclient.MustContain(t, "one", r.body, "1 expired session deleted.")
	})
}

func TestSignOutUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		var bobs []runtime.TokenHash
		for range 3 {
			_, h := put(t, s, seed{user: "bob"})
			bobs = append(bobs, h)
		}
		_, expiredBob := put(t, s, seed{user: "bob", expiresIn: -time.Minute})
		_, alice := put(t, s, seed{user: "alice"})
		site := newSite(t, s, admin.Config{})
		r := site.post("/admin/signout-user", url.Values{"user": {"bob"}})
		wantRedirect(t, "sign out bob", r, "./?done=signedout&n=4&user=bob")
		for _, h := range append(bobs, expiredBob) {
			if exists(t, s, h) {
				t.Error("a session of bob is left")
			}
		}
		if !exists(t, s, alice) {
			t.Error("alice was signed out too")
		}
		r = site.get("/admin/?done=signedout&n=4&user=bob", http.StatusOK)
		webclient.MustContain(t, "after", r.body, "4 sessions deleted: the user is signed out everywhere.", `<strong id="total">0</strong>`)
		if r := site.post("/admin/signout-user", url.Values{"user": {""}}); r.status != http.StatusBadRequest {
			t.Errorf("sign out of no user: status %d, want 400", r.status)
		}
		if !exists(t, s, alice) {
			t.Error("signing out no user signed out alice")
		}
	})
}

func TestHostileContentIsEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		_, h := put(t, s, seed{
			user: evil, ua: `"><img src=x onerror=alert(1)>` + evil,
			data: map[string]string{
				evil:        `"` + `<script>alert(2)</script>` + `"`,
				"theme":     `"</pre><script>alert(3)</script>"`,
				"_" + evil:  `{"` + evil + `": 1}`,
				"user_name": `"x\u003cscript\u003ealert(4)\u003c/script\u003e"`,
			},
		})
		site := newSite(t, s, admin.Config{Keys: append(keys, runtime.KeyInfo{Name: "weird", GoType: evil, Doc: evil})})
		pages := map[string]string{
			"list":        site.get("/admin/", http.StatusOK).body,
			"user list":   site.get("/admin/?user="+url.QueryEscape(evil), http.StatusOK).body,
			"detail":      site.get("/admin/session?id="+h.String(), http.StatusOK).body,
			"signed-out":  site.get("/admin/?done=signedout&n=1&user="+url.QueryEscape(evil), http.StatusOK).body,
			"not-a-token": site.post("/admin/find", url.Values{"token": {evil}}).body,
		}
		for name, body := range pages {
			webclient.MustNotContain(t, name, body, "<script", "<img", "<pre><script")
		}
		// A link can make the notice say only what the admin page says:
		// no text from the query string goes into it.
		spoof := site.get("/admin/?"+url.Values{"done": {"signedout"}, "n": {"3"}, "user": {"Your account is locked. Call +1 555 0100"}}.Encode(), http.StatusOK).body
		webclient.MustContain(t, "spoofed notice", spoof, `<p class="notice" id="notice" role="status">3 sessions deleted: the user is signed out everywhere.</p>`)
		webclient.MustContain(t, "detail", pages["detail"], "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;/pre&gt;&lt;script&gt;alert(3)")
		webclient.MustContain(t, "list", pages["list"], "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;")
		webclient.MustContain(t, "user list", pages["user list"], `<strong id="total">1</strong>`)
		// Links to the hostile user id are encoded as URLs.
		webclient.MustContain(t, "list", pages["list"], `href="./?user=%3cscript%3ealert%281%29%3c%2fscript%3e"`)
		r := site.post("/admin/signout-user", url.Values{"user": {evil}})
		wantRedirect(t, "sign out hostile user", r, "./?"+url.Values{"done": {"signedout"}, "n": {"1"}, "user": {evil}}.Encode())
	})
}

func TestMountedAtAnyPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pattern string
		handler       func(http.Handler) http.Handler
		list          string // the list's URL path
		cookiePath    string
	}{
		{"StripPrefix without slash", "/admin/", func(h http.Handler) http.Handler { return http.StripPrefix("/admin", h) }, "/admin/", "/admin/"},
		{"StripPrefix with slash", "/ops/sessions/", func(h http.Handler) http.Handler { return http.StripPrefix("/ops/sessions/", h) }, "/ops/sessions/", "/ops/sessions/"},
		{"at the root", "/", func(h http.Handler) http.Handler { return h }, "/", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := memstore.New()
			token, h := put(t, s, seed{user: "bob"})
			adm, err := admin.New(admin.Config{Store: s, Authorize: func(*http.Request) bool { return true }})
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle(tt.pattern, tt.handler(adm))
			server := httptest.NewServer(mux)
			t.Cleanup(server.Close)
			srv := &site{t: t, client: webclient.New(t, server.URL), base: tt.list}
			list := srv.get(tt.list, http.StatusOK)
			c := findCookie(list.header, "sessiongen_admin_csrf")
			if c == nil || c.Path != tt.cookiePath {
				t.Fatalf("anti-forgery cookie %v, want path %s", c, tt.cookiePath)
			}
			// Follow the page's own links and forms, resolved as a
			// browser does.
			base, _ := url.Parse(srv.client.URL(tt.list))
			style := resolve(t, base, attr(t, list.body, `<link rel="stylesheet" href="`))
			if r := srv.get(style.Path, http.StatusOK); !strings.Contains(r.body, ".sessions") {
				t.Fatalf("stylesheet at %s is not the stylesheet", style.Path)
			}
			findURL := resolve(t, base, attr(t, list.body, `<form method="post" action="`))
			r := srv.post(findURL.Path, url.Values{"token": {token}})
			detailURL := resolve(t, findURL, r.header.Get("Location"))
			if detailURL.Path != tt.list+"session" {
				t.Fatalf("find redirected to %s, want %ssession", detailURL, tt.list)
			}
			detail := srv.get(detailURL.RequestURI(), http.StatusOK)
			webclient.MustContain(t, "detail", detail.body, h.String())
			del := resolve(t, detailURL, attr(t, detail.body, `<form method="post" action="`))
			r = srv.post(del.Path, url.Values{"id": {h.String()}})
			back := resolve(t, del, r.header.Get("Location"))
			if back.Path != tt.list {
				t.Fatalf("delete redirected to %s, want the list at %s", back, tt.list)
			}
			if exists(t, s, h) {
				t.Fatal("the session was not deleted")
			}
			webclient.MustContain(t, "back", srv.get(back.RequestURI(), http.StatusOK).body, "Session deleted.")
		})
	}
}

// attr returns the attribute value that follows prefix in body.
func attr(t *testing.T, body, prefix string) string {
	t.Helper()
	i := strings.Index(body, prefix)
	if i < 0 {
		t.Fatalf("page lacks %q:\n%s", prefix, body)
	}
	rest := body[i+len(prefix):]
	return rest[:strings.IndexByte(rest, '"')]
}

// resolve resolves ref against base, as a browser does.
func resolve(t *testing.T, base *url.URL, ref string) *url.URL {
	t.Helper()
	u, err := base.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestStoreFailure(t *testing.T) {
	t.Parallel()
	s, pool := pgstoretest.New(t)
	_, h := put(t, s, seed{user: "bob"})
	var logged bytes.Buffer
	site := newSite(t, s, admin.Config{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	site.csrf()
	pool.Close() // every query fails from now on
	for _, r := range []response{
		site.do("GET", "/admin/", nil, nil),
		site.do("GET", "/admin/session?id="+h.String(), nil, nil),
		site.post("/admin/delete", url.Values{"id": {h.String()}}),
		site.post("/admin/delete-expired", nil),
		site.post("/admin/signout-user", url.Values{"user": {"bob"}}),
	} {
		if r.status != http.StatusInternalServerError {
			t.Errorf("status %d with the database gone, want 500", r.status)
		}
		webclient.MustContain(t, "store failure", r.body, "The session store failed")
		webclient.MustNotContain(t, "store failure", r.body, "closed pool")
	}
	if !strings.Contains(logged.String(), "closed pool") {
		t.Errorf("the store's error was not logged:\n%s", logged.String())
	}
}

// TestDeleteExpiredStopsWithinItsBudget is not parallel: it changes the
// package's time budget.
func TestDeleteExpiredStopsWithinItsBudget(t *testing.T) {
	t.Cleanup(admin.SetExpiredBudget(time.Nanosecond))
	forEachStore(t, func(t *testing.T, s runtime.AdminStore) {
		var expired []runtime.TokenHash
		for range 3 {
			_, h := put(t, s, seed{expiresIn: -time.Minute})
			expired = append(expired, h)
		}
		site := newSite(t, s, admin.Config{})
		r := site.post("/admin/delete-expired", nil)
		wantRedirect(t, "delete expired out of time", r, "./?done=expired-partial&n=0")
		for _, h := range expired {
			if !exists(t, s, h) {
				t.Error("an expired session was deleted after the budget ran out")
			}
		}
		r = site.get("/admin/?done=expired-partial&n=0", http.StatusOK)
		webclient.MustContain(t, "partial", r.body, "0 expired sessions deleted; more remain. Press the button again, or run sessiongen clearsessions.")
	})
}
