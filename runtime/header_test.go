package runtime_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
)

// tokenHeader is the token header of these tests.
const tokenHeader = "Session-Token"

// headerModes are the two ways to carry the token in a header: beside the
// cookie, and instead of it.
var headerModes = []struct {
	name string
	opts []runtime.Option
}{
	{"beside the cookie", []runtime.Option{runtime.WithTokenHeader(tokenHeader)}},
	{"instead of the cookie", []runtime.Option{runtime.WithTokenHeader(tokenHeader), runtime.WithoutCookie()}},
}

// forEachHeaderMode runs f as a subtest for each header mode and store,
// with an env serving mux through a manager in that mode.
func forEachHeaderMode(t *testing.T, mux func() *http.ServeMux, f func(t *testing.T, e *env, cookieless bool)) {
	t.Helper()
	for _, mode := range headerModes {
		t.Run(mode.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, kind string) {
				f(t, newEnv(t, kind, mux(), mode.opts...), len(mode.opts) > 1)
			})
		})
	}
}

// headerRoutes adds to routes a sign-in.
func headerRoutes() *http.ServeMux {
	return routesWith("/signin", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).SignIn(r.FormValue("user"))
		io.WriteString(w, "signed in")
	})
}

// apiClient is an API client: it keeps no cookies, sends its token in the
// token header, and keeps the token a response's header sends, dropping it
// when the header comes back empty.
type apiClient struct {
	e     *env
	c     *http.Client
	token string
}

func newAPIClient(e *env) *apiClient {
	return &apiClient{e: e, c: &http.Client{Transport: e.srv.Client().Transport}}
}

// apiResult is one response to an apiClient.
type apiResult struct {
	status  int
	body    string
	header  []string     // the token header's values
	cookie  *http.Cookie // the session cookie set, or nil
	vary    []string
	control string // Cache-Control
}

// send requests path with the client's token in the header (empty when it
// has none), then edit's changes to the request, if any.
func (c *apiClient) send(path string, edit func(*http.Request)) apiResult {
	c.e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	if err != nil {
		c.e.t.Fatal(err)
	}
	req.Header.Set(tokenHeader, c.token)
	if edit != nil {
		edit(req)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.e.t.Fatal(err)
	}
	r := apiResult{
		status: resp.StatusCode, body: string(body), header: resp.Header.Values(tokenHeader),
		cookie: sessionCookie(resp), vary: resp.Header.Values("Vary"), control: resp.Header.Get("Cache-Control"),
	}
	if len(r.header) > 0 {
		c.token = r.header[0]
	}
	return r
}

// varies reports whether the Vary values name field.
func varies(vary []string, field string) bool {
	for _, v := range vary {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), field) {
				return true
			}
		}
	}
	return false
}

// TestTokenHeaderLifecycle takes a header client's session through its
// life: created, read, refreshed, cycled, signed in, flushed. Each step
// sends the token in the header only when the cookie would have been set,
// never a cookie, and the store holds what the steps wrote.
func TestTokenHeaderLifecycle(t *testing.T) {
	const (
		none    = "no header"
		fresh   = "a new token"
		same    = "the same token"
		cleared = "an empty header"
	)
	steps := []struct {
		path  string
		body  string
		token string // what the response's token header carries
		user  string // the stored session's user, after the step
	}{
		{"/get?k=a", "<none>", none, ""},
		{"/del?k=a", "deleted", none, ""},
		{"/set?k=a&v=1", "set", fresh, ""},
		{"/get?k=a", "1", none, ""},
		{"/touch", "", same, ""},
		{"/set?k=b&v=2", "set", same, ""},
		{"/cycle", "cycled", fresh, ""},
		{"/signin?user=alice", "signed in", fresh, "alice"},
		{"/get?k=b", "2", none, "alice"},
		{"/flush", "flushed", cleared, ""},
		{"/get?k=a", "<none>", none, ""},
		{"/set?k=a&v=3", "set", fresh, ""},
		{"/del?k=a", "deleted", cleared, ""},
	}
	forEachHeaderMode(t, headerRoutes, func(t *testing.T, e *env, cookieless bool) {
		c := newAPIClient(e)
		for i, st := range steps {
			before := c.token
			r := c.send(st.path, nil)
			what := fmt.Sprintf("step %d, %s", i, st.path)
			if r.status != http.StatusOK || r.body != st.body {
				t.Fatalf("%s: %d %q, want 200 %q", what, r.status, r.body, st.body)
			}
			if r.cookie != nil {
				t.Errorf("%s: a header client got the cookie %v", what, r.cookie)
			}
			if !varies(r.vary, tokenHeader) || varies(r.vary, "Cookie") == cookieless {
				t.Errorf("%s: Vary %q, want %s, with Cookie unless the cookie is off", what, r.vary, tokenHeader)
			}
			switch st.token {
			case none:
				if r.header != nil {
					t.Errorf("%s: token header %q, want none", what, r.header)
				}
			case cleared:
				if len(r.header) != 1 || r.header[0] != "" {
					t.Errorf("%s: token header %q, want one empty value", what, r.header)
				}
				if _, err := e.stored(before); !errors.Is(err, runtime.ErrNotFound) {
					t.Errorf("%s: the ended session is still stored: %v", what, err)
				}
			case fresh, same:
				if len(r.header) != 1 {
					t.Fatalf("%s: token header %q, want %s", what, r.header, st.token)
				}
				if _, ok := runtime.HashToken(c.token); !ok {
					t.Fatalf("%s: token header %q is not a token", what, c.token)
				}
				if (c.token == before) != (st.token == same) {
					t.Errorf("%s: token %q → %q, want %s", what, before, c.token, st.token)
				}
				if !strings.Contains(r.control, "private") {
					t.Errorf("%s: Cache-Control %q on a response sending a token, want private", what, r.control)
				}
				if rec := e.load(c.token); rec.UserID != st.user {
					t.Errorf("%s: stored user %q, want %q", what, rec.UserID, st.user)
				}
				if st.token == fresh && before != "" {
					if _, err := e.stored(before); !errors.Is(err, runtime.ErrNotFound) {
						t.Errorf("%s: the token before the cycle still works: %v", what, err)
					}
				}
			}
		}
	})
}

// TestTokenHeaderPrecedence sends the cookie and the header together, in
// every combination: a request that carries the header is read from the
// header alone, so a cookie planted in an API client can never choose its
// session, and a header that names no session is not made up for by the
// cookie. A request without the header is a cookie client's, whose
// responses never carry the token header (that would show an HttpOnly
// cookie's token to page scripts); with the cookie off, the cookie is
// never read.
func TestTokenHeaderPrecedence(t *testing.T) {
	forEachHeaderMode(t, headerRoutes, func(t *testing.T, e *env, cookieless bool) {
		// A is a cookie session, made by a cookie client with the cookie on,
		// and planted in the store otherwise; B a header session.
		var a string
		if cookieless {
			plant := newAPIClient(e)
			plant.send("/set?k=marker&v=A", nil)
			a = plant.token
		} else {
			resp, _ := e.get("/set?k=marker&v=A")
			if got := resp.Header.Values(tokenHeader); got != nil {
				t.Errorf("a cookie client's write sent the token header %q", got)
			}
			if !varies(resp.Header.Values("Vary"), tokenHeader) || !varies(resp.Header.Values("Vary"), "Cookie") {
				t.Errorf("a cookie client's response varies on %q, want Cookie and %s", resp.Header.Values("Vary"), tokenHeader)
			}
			a = e.token()
		}
		api := newAPIClient(e)
		api.send("/set?k=marker&v=B", nil)
		b := api.token
		forged := randomToken()
		beforeA := e.load(a)

		// Without the header, a request reads the cookie's session, unless
		// the cookie is off.
		cookieRead := func(marker string) string {
			if cookieless {
				return "<none>"
			}
			return marker
		}
		tests := []struct {
			name     string
			header   string // the token header, unless noHeader
			noHeader bool   // the request sends no token header
			cookie   string // the session cookie, if any
			want     string // what /get?k=marker reads
		}{
			{"header alone", b, false, "", "B"},
			{"cookie and header", b, false, a, "B"},
			{"cookie and empty header", "", false, a, "<none>"},
			{"cookie and malformed header", "bogus", false, a, "<none>"},
			{"cookie and forged header", forged, false, a, "<none>"},
			{"cookie and the cookie's token twice in the header", a, false, a, "<none>"},
			{"cookie alone", "", true, a, cookieRead("A")},
			{"the header's token as a cookie", "", true, b, cookieRead("B")},
		}
		for _, tt := range tests {
			edit := func(r *http.Request) {
				switch {
				case tt.noHeader:
					r.Header.Del(tokenHeader)
				case strings.Contains(tt.name, "twice"):
					r.Header.Add(tokenHeader, tt.header)
				}
				if tt.cookie != "" {
					r.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: tt.cookie})
				}
			}
			c := &apiClient{e: e, c: api.c, token: tt.header}
			r := c.send("/get?k=marker", edit)
			if r.status != http.StatusOK || r.body != tt.want || r.header != nil || r.cookie != nil {
				t.Errorf("%s: read %d %q, token header %q, cookie %v; want 200 %q and neither", tt.name, r.status, r.body, r.header, r.cookie, tt.want)
			}
			if tt.want != "<none>" {
				continue
			}
			// A write starts a fresh session, answered on the carrier the
			// request used, and adopts nothing the client sent.
			c.token = tt.header
			r = c.send("/set?k=w&v=1", edit)
			got := c.token
			if tt.noHeader && !cookieless {
				if r.cookie == nil {
					t.Fatalf("%s: write: no cookie", tt.name)
				}
				got = r.cookie.Value
			} else if r.cookie != nil {
				t.Errorf("%s: a header client's write set the cookie %v", tt.name, r.cookie)
			}
			if r.status != http.StatusOK || got == a || got == b || got == forged || got == tt.header {
				t.Fatalf("%s: write %d, token %q: adopted a token the client sent", tt.name, r.status, got)
			}
			if rec := e.load(got); len(rec.Data) != 1 {
				t.Errorf("%s: the write's fresh session holds %s", tt.name, rec.Data)
			}
		}
		if after := e.load(a); !sameData(beforeA.Data, after.Data) {
			t.Errorf("the cookie's session changed: %s → %s", beforeA.Data, after.Data)
		}
		if rec := e.load(b); len(rec.Data) != 1 {
			t.Errorf("the header's session changed: %s", rec.Data)
		}
		if _, err := e.stored(forged); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("a session was stored under the forged token: %v", err)
		}
	})
}

// TestHostileTokenHeaders sends header tokens that are too long, of the
// wrong alphabet, repeated, forged or derived from the stored hash, as
// TestHostileCookies does with cookies: malformed ones cost no store call,
// none gives access to a session but its own token's, and none is adopted
// by a write.
func TestHostileTokenHeaders(t *testing.T) {
	forEachHeaderMode(t, hostileRoutes, func(t *testing.T, e *env, _ bool) {
		api := newAPIClient(e)
		api.send("/set?k=marker&v=A", nil)
		a := api.token
		api.token = ""
		api.send("/set?k=marker&v=B", nil)
		b := api.token
		forged := randomToken()
		ha, _ := runtime.HashToken(a)
		beforeA, beforeB := e.load(a), e.load(b)

		tests := []struct {
			name   string
			values []string // the token header's lines
			want   string   // what /get?k=marker reads
			calls  int64    // store calls of that read
		}{
			{"too long", []string{strings.Repeat("A", 8192)}, "<none>", 0},
			{"token with a tail", []string{a + "AAAA"}, "<none>", 0},
			{"token cut short", []string{a[:42]}, "<none>", 0},
			{"standard base64 alphabet", []string{strings.NewReplacer("-", "+", "_", "/").Replace(a) + "+"}, "<none>", 0},
			{"padded", []string{a[:42] + "="}, "<none>", 0},
			{"percent-encoded", []string{"%41" + a[3:]}, "<none>", 0},
			{"non-ASCII", []string{a[:40] + "é"}, "<none>", 0},
			{"lenient alias of a real token", []string{alias(a)}, "<none>", 0},
			{"hex of the stored hash", []string{ha.String()}, "<none>", 0},
			{"stored hash as a token", []string{base64.RawURLEncoding.EncodeToString(ha[:])}, "<none>", 1},
			{"forged, right shape", []string{forged}, "<none>", 1},
			{"quoted", []string{`"` + a + `"`}, "<none>", 0},
			{"bearer scheme", []string{"Bearer " + a}, "<none>", 0},
			{"cookie syntax", []string{"sessionid=" + a}, "<none>", 0},
			{"two lines of one token", []string{a, a}, "<none>", 0},
			{"two tokens", []string{a, b}, "<none>", 0},
			{"bogus, then valid", []string{"bogus", a}, "<none>", 0},
			{"two tokens in one line", []string{a + ", " + b}, "<none>", 0},
			{"spaces around the token", []string{"  " + a + "\t"}, "A", 1},
			{"the token", []string{b}, "B", 1},
		}
		for _, tt := range tests {
			edit := func(r *http.Request) { r.Header[tokenHeader] = tt.values }
			e.calls.Store(0)
			r := api.send("/get?k=marker", edit)
			if r.status != http.StatusOK || r.body != tt.want || r.header != nil || r.cookie != nil {
				t.Errorf("%s: %d %q, token header %q, cookie %v; want 200 %q and neither", tt.name, r.status, r.body, r.header, r.cookie, tt.want)
			}
			if n := e.calls.Load(); n != tt.calls {
				t.Errorf("%s: %d store calls, want %d", tt.name, n, tt.calls)
			}
			if tt.want != "<none>" {
				continue
			}
			api.token = ""
			r = api.send("/set?k=w&v=1", edit)
			if r.status != http.StatusOK || len(r.header) != 1 || strings.Contains(strings.Join(tt.values, "\n"), api.token) {
				t.Fatalf("%s: write %d, token header %q: refused, or adopted a token the client sent", tt.name, r.status, r.header)
			}
			if rec := e.load(api.token); len(rec.Data) != 1 {
				t.Errorf("%s: the write's fresh session holds %s", tt.name, rec.Data)
			}
		}
		if _, err := e.stored(forged); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("a session was stored under the forged token: %v", err)
		}
		if afterA, afterB := e.load(a), e.load(b); !sameData(beforeA.Data, afterA.Data) || !sameData(beforeB.Data, afterB.Data) {
			t.Errorf("hostile headers changed the real sessions: %s → %s, %s → %s", beforeA.Data, afterA.Data, beforeB.Data, afterB.Data)
		}
	})
}

// TestTokenHeaderStaleAfterSignIn signs in while another request with the
// token from before, which loaded the session before the sign-in, is still
// being served: its write is refused (409) and its response sends no token
// header, so the client keeps the signed-in token.
func TestTokenHeaderStaleAfterSignIn(t *testing.T) {
	for _, mode := range headerModes {
		t.Run(mode.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, kind string) {
				h := newHold()
				mux := routesWith("/slow", func(w http.ResponseWriter, r *http.Request) {
					s := runtime.FromRequest(r)
					runtime.Get[string](s, "cart") // loaded before the sign-in
					h.here()
					runtime.Set(s, "seen", "yes")
				})
				mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
					runtime.FromRequest(r).SignIn("alice")
				})
				e := newEnv(t, kind, mux, mode.opts...)
				api := newAPIClient(e)
				api.send("/set?k=cart&v=tea", nil)
				stale := &apiClient{e: e, c: api.c, token: api.token}
				slow := make(chan apiResult, 1)
				go func() { slow <- stale.send("/slow", nil) }()
				h.reached()
				before := api.token
				if r := api.send("/signin", nil); r.status != http.StatusOK || api.token == before || api.token == "" {
					t.Fatalf("sign-in: %d, token %q → %q, want a new one", r.status, before, api.token)
				}
				h.release()
				r := <-slow
				if r.status != http.StatusConflict || r.header != nil || r.cookie != nil {
					t.Errorf("the stale write: %d, token header %q, cookie %v; want 409 and neither", r.status, r.header, r.cookie)
				}
				if r := api.send("/get?k=cart", nil); r.body != "tea" {
					t.Errorf("the cart reads %q after sign-in, want tea", r.body)
				}
				if _, err := e.stored(before); !errors.Is(err, runtime.ErrNotFound) {
					t.Errorf("the token from before the sign-in still works: %v", err)
				}
			})
		})
	}
}

// TestTokenHeaderConcurrentUpdates sends concurrent increments of one key
// through the header: none is lost, as with the cookie.
func TestTokenHeaderConcurrentUpdates(t *testing.T) {
	const n = 30
	mux := func() *http.ServeMux {
		return routesWith("/incr", func(w http.ResponseWriter, r *http.Request) {
			runtime.Update(runtime.FromRequest(r), "n", func(v int, _ bool) int { return v + 1 })
		})
	}
	forEachHeaderMode(t, mux, func(t *testing.T, e *env, _ bool) {
		api := newAPIClient(e)
		api.send("/set?k=first&v=0", nil)
		token := api.token
		statuses := make([]int, n)
		fs := make([]func(), n)
		for i := range n {
			fs[i] = func() {
				c := &apiClient{e: e, c: api.c, token: token}
				r := c.send("/incr", nil)
				statuses[i] = r.status
				if r.status == http.StatusOK && (len(r.header) != 1 || r.header[0] != token) {
					t.Errorf("increment %d: token header %q, want the session's token re-sent", i, r.header)
				}
			}
		}
		startTogether(fs...)
		ok := 0
		for _, s := range statuses {
			if s == http.StatusOK {
				ok++
			} else if s != http.StatusConflict {
				t.Errorf("an increment got %d", s)
			}
		}
		var got int
		if err := json.Unmarshal(e.load(token).Data["n"], &got); err != nil || got != ok {
			t.Errorf("n = %d (%v) after %d successful increments", got, err, ok)
		}
		if ok == 0 {
			t.Error("no increment succeeded")
		}
	})
}

// TestTokenHeaderTestCookie: with the cookie off, the test cookie tells
// whether the client sent the token back in the header.
func TestTokenHeaderTestCookie(t *testing.T) {
	forEachHeaderMode(t, routes, func(t *testing.T, e *env, _ bool) {
		api := newAPIClient(e)
		api.send("/testcookie/set", nil)
		if r := api.send("/testcookie/check", nil); r.body != "true" {
			t.Errorf("with the token sent back: TestCookieWorked %s, want true", r.body)
		}
		forgetful := newAPIClient(e)
		if r := forgetful.send("/testcookie/check", nil); r.body != "false" {
			t.Errorf("without the token: TestCookieWorked %s, want false", r.body)
		}
	})
}

// TestTokenHeaderAfterFirstByte: a header, like a cookie, cannot follow the
// first byte. A new session made then is reported and not sent; a Flush
// then still deletes the session.
func TestTokenHeaderAfterFirstByte(t *testing.T) {
	forEachHeaderMode(t, routes, func(t *testing.T, e *env, _ bool) {
		api := newAPIClient(e)
		if r := api.send("/set-late?k=a&v=1", nil); r.header != nil || r.body != "written first" {
			t.Errorf("late new session: %q, token header %q; want no header", r.body, r.header)
		}
		if !strings.Contains(e.logs.String(), "session changed after the response was written") {
			t.Errorf("the late change was not logged:\n%s", e.logs)
		}
		api.send("/set?k=a&v=1", nil)
		token := api.token
		if r := api.send("/set-late?k=a&v=2", nil); r.header != nil {
			t.Errorf("late change needing no new token: token header %q, want none", r.header)
		}
		if r := api.send("/get?k=a", nil); r.body != "2" {
			t.Errorf("the late change needing no new token was lost: %q", r.body)
		}
		if _, err := e.stored(token); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTokenHeaderSettings checks NewManager's verdict on token header
// settings.
func TestTokenHeaderSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts []runtime.Option
		err  string // in NewManager's error; "" for none
	}{
		{[]runtime.Option{runtime.WithTokenHeader("Session-Token")}, ""},
		{[]runtime.Option{runtime.WithTokenHeader("x-session_token.v2"), runtime.WithoutCookie()}, ""},
		{[]runtime.Option{runtime.WithTokenHeader("")}, ""},
		{[]runtime.Option{runtime.WithoutCookie()}, "WithoutCookie needs WithTokenHeader"},
		{[]runtime.Option{runtime.WithTokenHeader(""), runtime.WithoutCookie()}, "WithoutCookie needs WithTokenHeader"},
		{[]runtime.Option{runtime.WithTokenHeader("Session Token")}, `token header "Session Token": not a header name`},
		{[]runtime.Option{runtime.WithTokenHeader("Session-Token:")}, "not a header name"},
		{[]runtime.Option{runtime.WithTokenHeader("Sessión")}, "not a header name"},
		{[]runtime.Option{runtime.WithTokenHeader("Session\r\nX: y")}, "not a header name"},
		{[]runtime.Option{runtime.WithTokenHeader("authorization")}, `token header "authorization": HTTP or the middleware gives Authorization a meaning of its own`},
		{[]runtime.Option{runtime.WithTokenHeader("Cookie")}, "a meaning of its own"},
		{[]runtime.Option{runtime.WithTokenHeader("set-cookie")}, "a meaning of its own"},
		{[]runtime.Option{runtime.WithTokenHeader("Vary")}, "a meaning of its own"},
		{[]runtime.Option{runtime.WithTokenHeader("Connection")}, "a meaning of its own"},
	}
	for _, tt := range tests {
		_, err := runtime.NewManager(memstore.New(), tt.opts...)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: %v, want no error", tt.err, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "runtime: NewManager: ")):
			t.Errorf("error %v, want runtime: NewManager: ...%s", err, tt.err)
		}
	}
}

// TestTokenHeaderNameIsCanonical: a name given in any case is the header
// of that name in any case, as HTTP has it.
func TestTokenHeaderNameIsCanonical(t *testing.T) {
	e := newEnv(t, "memstore", routes(), runtime.WithTokenHeader("session-TOKEN"))
	api := newAPIClient(e)
	r := api.send("/set?k=a&v=1", func(r *http.Request) {
		r.Header.Del(tokenHeader)
		r.Header["SESSION-token"] = []string{""} // sent as it is; the server canonicalizes
	})
	if len(r.header) != 1 || !strings.Contains(strings.Join(r.vary, ","), tokenHeader) {
		t.Fatalf("write: token header %q, Vary %q; want the header named %s", r.header, r.vary, tokenHeader)
	}
	if r := api.send("/get?k=a", nil); r.body != "1" {
		t.Errorf("read: %q, want 1", r.body)
	}
}

// TestTokenHeaderFlushSurvivesPanic has the handler panic after Flush: the
// sign-out is written, and the recovering middleware's 500 carries the
// empty token header, as it would the expired cookie.
func TestTokenHeaderFlushSurvivesPanic(t *testing.T) {
	for _, mode := range headerModes {
		t.Run(mode.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, kind string) {
				e := newStoreEnv(t, kind)
				mux := routesWith("/flush-then-panic", func(w http.ResponseWriter, r *http.Request) {
					runtime.FromRequest(r).Flush()
					panic("boom after sign-out")
				})
				mgr := newManager(t, e.store, append([]runtime.Option{runtime.WithLogger(slogTo(e.logs))}, mode.opts...)...)
				h := mgr.Middleware(mux)
				recovering := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					defer func() {
						if recover() != nil {
							http.Error(w, "recovered", http.StatusInternalServerError)
						}
					}()
					h.ServeHTTP(w, r)
				})
				serve := func(path, token string) *httptest.ResponseRecorder {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.Header.Set(tokenHeader, token)
					rec := httptest.NewRecorder()
					recovering.ServeHTTP(rec, req)
					return rec
				}
				token := serve("/set?k=user&v=alice", "").Header().Get(tokenHeader)
				if _, ok := runtime.HashToken(token); !ok {
					t.Fatalf("no token after a write: %q", token)
				}
				rec := serve("/flush-then-panic", token)
				if got := rec.Header().Values(tokenHeader); rec.Code != http.StatusInternalServerError || len(got) != 1 || got[0] != "" {
					t.Errorf("flush then panic: %d, token header %q; want 500 and one empty value", rec.Code, got)
				}
				if rec.Header().Get("Set-Cookie") != "" {
					t.Errorf("flush then panic: a header client got Set-Cookie %q", rec.Header().Get("Set-Cookie"))
				}
				if _, err := e.stored(token); !errors.Is(err, runtime.ErrNotFound) {
					t.Errorf("the handler panicked after Flush and the session is still there: %v", err)
				}
			})
		})
	}
}
