package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sessiongen/sessiongen/runtime"
)

// sessionCookie returns the session cookie a response sets, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == runtime.DefaultCookieName {
			return c
		}
	}
	return nil
}

func hasVaryCookie(resp *http.Response) bool {
	for _, v := range resp.Header.Values("Vary") {
		if strings.Contains(v, "Cookie") {
			return true
		}
	}
	return false
}

// wantBody fails the test unless body is want.
func wantBody(t *testing.T, what, body, want string) {
	t.Helper()
	if body != want {
		t.Fatalf("%s: body %q, want %q", what, body, want)
	}
}

func TestStoreCallsPerRequest(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.get("/set?k=a&v=1")
		if e.token() == "" {
			t.Fatal("no session cookie after a write")
		}
		tests := []struct {
			path string
			max  int64
			min  int64
		}{
			{"/nothing", 0, 0},
			{"/get?k=a", 1, 1},
			{"/set?k=b&v=2", 2, 1},
		}
		for _, tt := range tests {
			e.calls.Store(0)
			e.get(tt.path)
			if n := e.calls.Load(); n < tt.min || n > tt.max {
				t.Errorf("%s with a valid cookie: %d store calls, want %d to %d", tt.path, n, tt.min, tt.max)
			}
		}
	})
}

func TestMalformedCookieCostsNoStoreCall(t *testing.T) {
	bad := []string{
		"",
		"short",
		strings.Repeat("a", 42),
		strings.Repeat("a", 44),
		strings.Repeat("a", 42) + "!",
		strings.Repeat("a", 42) + "=",
		strings.Repeat("a", 4096),
	}
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, v := range bad {
			e.setToken(v)
			e.calls.Store(0)
			resp, body := e.get("/get?k=a")
			wantBody(t, "read with a malformed cookie", body, "<none>")
			if n := e.calls.Load(); n != 0 {
				t.Errorf("cookie %.20q: %d store calls, want 0", v, n)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("cookie %.20q: status %d", v, resp.StatusCode)
			}
		}
		// Writing replaces the malformed cookie with a fresh token.
		e.get("/set?k=a&v=1")
		if _, ok := runtime.HashToken(e.token()); !ok {
			t.Fatalf("token after a write is %q, not of a token's shape", e.token())
		}
	})
}

func TestForgedTokenIsNotAdopted(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		forged := strings.Repeat("A", 43)
		e.setToken(forged)
		e.wantNotAdopted(forged)
	})
}

func TestNoCookieUntilWritten(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		resp, _ := e.get("/nothing")
		if c := sessionCookie(resp); c != nil || hasVaryCookie(resp) {
			t.Fatalf("untouched session: cookie %v, Vary %q; want neither", c, resp.Header.Values("Vary"))
		}
		resp, _ = e.get("/get?k=a")
		if c := sessionCookie(resp); c != nil {
			t.Fatalf("read-only session got a cookie: %v", c)
		}
		if !hasVaryCookie(resp) {
			t.Fatalf("accessed session: Vary = %q, want Cookie", resp.Header.Values("Vary"))
		}
		resp, _ = e.get("/set?k=a&v=1")
		if sessionCookie(resp) == nil || !hasVaryCookie(resp) {
			t.Fatalf("written session: Set-Cookie %q, Vary %q", resp.Header.Values("Set-Cookie"), resp.Header.Values("Vary"))
		}
	})
}

func TestSavedOnlyWhenModified(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.get("/set?k=a&v=1")
		token := e.token()
		resp, body := e.get("/get?k=a")
		wantBody(t, "read after write", body, "1")
		if c := sessionCookie(resp); c != nil {
			t.Fatalf("a read re-sent the cookie: %v", c)
		}
		before := e.load(token)
		resp, _ = e.get("/touch")
		c := sessionCookie(resp)
		if c == nil || c.Value != token {
			t.Fatalf("MarkModified: cookie %v, want the same token re-sent", c)
		}
		after := e.load(token)
		if !after.ExpiresAt.After(before.ExpiresAt) {
			t.Fatalf("MarkModified did not move the expiry: %v then %v", before.ExpiresAt, after.ExpiresAt)
		}
	})
}

func TestSaveEveryRequest(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, routes(), runtime.WithSaveEveryRequest(true))
		resp, _ := e.get("/nothing")
		if c := sessionCookie(resp); c != nil {
			t.Fatalf("no session yet, but a cookie was set: %v", c)
		}
		e.get("/set?k=a&v=1")
		token := e.token()
		before := e.load(token)
		resp, _ = e.get("/nothing")
		c := sessionCookie(resp)
		if c == nil || c.Value != token || c.MaxAge != 1209600 {
			t.Fatalf("untouched request with save-every-request: cookie %v, want the token re-sent for two weeks", c)
		}
		after := e.load(token)
		if !after.ExpiresAt.After(before.ExpiresAt) {
			t.Fatalf("expiry did not slide: %v then %v", before.ExpiresAt, after.ExpiresAt)
		}
	})
}

func TestNoSaveOn5xx(t *testing.T) {
	for _, code := range []int{500, 503} {
		forEachStore(t, func(t *testing.T, kind string) {
			e := newEnv(t, kind, routes())
			resp, _ := e.get(fmt.Sprintf("/set-then-fail?k=a&v=1&code=%d", code))
			if c := sessionCookie(resp); c != nil {
				t.Fatalf("%d response set a cookie: %v", code, c)
			}
			e.get("/set?k=a&v=1")
			e.get(fmt.Sprintf("/set-then-fail?k=a&v=2&code=%d", code))
			_, body := e.get("/get?k=a")
			wantBody(t, fmt.Sprintf("value after a %d", code), body, "1")
		})
	}
}

func TestEmptiedSessionIsDeleted(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.get("/set?k=a&v=1")
		token := e.token()
		resp, _ := e.get("/del?k=a")
		c := sessionCookie(resp)
		if c == nil || c.MaxAge != -1 || c.Value != "" {
			t.Fatalf("emptied session: cookie %v, want it expired", c)
		}
		if _, err := e.stored(token); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("emptied session still stored: err = %v", err)
		}
		if e.token() != "" {
			t.Fatalf("client kept cookie %q", e.token())
		}
	})
}

func TestFlush(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {

		resp, _ := e.get("/flush")
		if c := sessionCookie(resp); c != nil || !hasVaryCookie(resp) {
			t.Fatalf("flush without a cookie: cookie %v, Vary %q; want no cookie and Vary", c, resp.Header.Values("Vary"))
		}

		e.get("/set?k=a&v=1")
		token := e.token()
		resp, _ = e.get("/flush")
		raw := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
		for _, want := range []string{"sessionid=;", "Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT", "Path=/", "SameSite=Lax"} {
			if !strings.Contains(raw, want) {
				t.Errorf("flush: Set-Cookie %q lacks %q", raw, want)
			}
		}
		if _, err := e.stored(token); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("flushed session still stored: err = %v", err)
		}
		_, body := e.get("/get?k=a")
		wantBody(t, "read after flush", body, "<none>")
	})
}

func TestFlushOn5xxStillEndsTheSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, routesWith("/flush-fail", func(w http.ResponseWriter, r *http.Request) {
			runtime.FromRequest(r).Flush()
			http.Error(w, "boom", http.StatusInternalServerError)
		}))
		e.get("/set?k=a&v=1")
		token := e.token()
		resp, _ := e.get("/flush-fail")
		if c := sessionCookie(resp); c == nil || c.MaxAge != -1 {
			t.Fatalf("flush on a 500: cookie %v, want it expired", c)
		}
		if _, err := e.stored(token); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("session flushed on a 500 still stored: err = %v", err)
		}
	})
}

func TestCycleKey(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.get("/set?k=a&v=1")
		old := e.token()
		e.calls.Store(0)
		e.get("/cycle")
		if n := e.calls.Load(); n != 2 {
			t.Errorf("cycle: %d store calls, want 2 (load, then one cycle statement)", n)
		}
		now := e.token()
		if now == "" || now == old {
			t.Fatalf("token after cycle = %q, old %q", now, old)
		}
		if _, err := e.stored(old); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("old token still stored after cycle: err = %v", err)
		}
		_, body := e.get("/get?k=a")
		wantBody(t, "read after cycle", body, "1")

		// The old token no longer reaches the data.
		thief := e.newClient()
		thief.Jar.SetCookies(mustURL(t, e.srv.URL), []*http.Cookie{{Name: runtime.DefaultCookieName, Value: old}})
		_, body = e.do(thief, http.MethodGet, "/get?k=a")
		wantBody(t, "read with the pre-cycle token", body, "<none>")
	})
}

func TestCycleKeyOfNewSession(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, routesWith("/set-cycle", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			runtime.Set(s, "a", "1")
			s.CycleKey()
		}))
		e.get("/set-cycle")
		_, body := e.get("/get?k=a")
		wantBody(t, "read after set and cycle of a new session", body, "1")
	})
}

func TestTestCookie(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		_, body := e.get("/testcookie/check")
		wantBody(t, "before set", body, "false")
		e.get("/testcookie/set")
		_, body = e.get("/testcookie/check")
		wantBody(t, "after set", body, "true")
		_, body = e.get("/empty")
		wantBody(t, "IsEmpty with a test cookie", body, "false")
		e.get("/testcookie/delete")
		_, body = e.get("/testcookie/check")
		wantBody(t, "after delete", body, "false")
	})
}

func TestNoResurrectionAfterConcurrentFlush(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		loaded := newHold()
		e := newEnv(t, kind, routesWith("/slow-set", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			runtime.Get[string](s, "a") // load before the sign-out
			loaded.here()
			runtime.Set(s, "cart", "full")
			fmt.Fprint(w, "saved?")
		}))
		e.get("/set?k=a&v=1")
		token := e.token()

		type result struct {
			resp *http.Response
			body string
		}
		done := make(chan result)
		slow := e.newClient()
		slow.Jar.SetCookies(mustURL(t, e.srv.URL), []*http.Cookie{{Name: runtime.DefaultCookieName, Value: token}})
		go func() {
			resp, body := e.do(slow, http.MethodGet, "/slow-set")
			done <- result{resp, body}
		}()
		loaded.reached()
		e.get("/flush")
		loaded.release()
		r := <-done

		if r.resp.StatusCode != http.StatusConflict {
			t.Errorf("write racing a sign-out: status %d, want 409 from the error handler", r.resp.StatusCode)
		}
		if strings.Contains(r.body, "saved?") {
			t.Errorf("the handler's response went out though its session write was refused: %q", r.body)
		}
		if c := sessionCookie(r.resp); c != nil {
			t.Errorf("write racing a sign-out: cookie %v, want the cookie left alone", c)
		}
		if _, err := e.stored(token); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("signed-out session came back: err = %v", err)
		}
		if !strings.Contains(e.logs.String(), "deleted by a concurrent request") {
			t.Errorf("refused write not logged; logs:\n%s", e.logs)
		}
	})
}

func TestConcurrentWritesToDifferentKeys(t *testing.T) {
	const n = 50
	forEachEnv(t, func(t *testing.T, e *env) {
		e.get("/set?k=first&v=0")
		token := e.token()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := e.client.Get(fmt.Sprintf("%s/set?k=k%d&v=%d", e.srv.URL, i, i))
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("request %d: status %d", i, resp.StatusCode)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		rec := e.load(token)
		for i := range n {
			if got, want := string(rec.Data[fmt.Sprintf("k%d", i)]), fmt.Sprintf(`"%d"`, i); got != want {
				t.Errorf("key k%d = %s, want %s", i, got, want)
			}
		}
		if string(rec.Data["first"]) != `"0"` {
			t.Errorf("key first = %s, want \"0\"", rec.Data["first"])
		}
	})
}

func TestChangeAfterResponseStarted(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {

		// A new session needs a cookie that can no longer be sent.
		resp, _ := e.get("/set-late?k=a&v=1")
		if c := sessionCookie(resp); c != nil {
			t.Fatalf("cookie set after the body: %v", c)
		}
		if !strings.Contains(e.logs.String(), "after the response was written") {
			t.Fatalf("late change of a new session not logged; logs:\n%s", e.logs)
		}

		// A stored session keeps its cookie: the change is saved.
		e.get("/set?k=a&v=1")
		_, body := e.get("/set-late?k=a&v=2")
		wantBody(t, "late write response", body, "written first")
		_, body = e.get("/get?k=a")
		wantBody(t, "read after a late write", body, "2")
	})
}

func TestResponseControllerFlush(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		resp, body := e.get("/set-flush?k=a&v=1")
		wantBody(t, "flushed response", body, "flushed")
		if sessionCookie(resp) == nil {
			t.Fatal("flushing the response lost the session cookie")
		}
		_, body = e.get("/get?k=a")
		wantBody(t, "read after flush", body, "1")
	})
}

func TestDecodeFailureReadsAsUnset(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.get("/set?k=a&v=hello")
		_, body := e.get("/getint?k=a")
		wantBody(t, "string read as int64", body, "<none>")
		if n := strings.Count(e.logs.String(), "does not decode"); n != 1 {
			t.Errorf("decode failure logged %d times in one request, want 1; logs:\n%s", n, e.logs)
		}
		if strings.Contains(e.logs.String(), "hello") {
			t.Errorf("a stored value reached the log:\n%s", e.logs)
		}
		rec, err := e.stored(e.token())
		if err != nil || string(rec.Data["a"]) != `"hello"` {
			t.Fatalf("undecodable value not left in place: %s, %v", rec.Data["a"], err)
		}
	})
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		name string
		opts []runtime.Option
		want []string
		not  []string
	}{
		{"defaults", nil,
			[]string{"sessionid=", "Path=/", "Max-Age=1209600", "HttpOnly", "Secure", "SameSite=Lax", "Expires="},
			[]string{"Domain="}},
		{"custom", []runtime.Option{
			runtime.WithCookieName("sid"), runtime.WithCookieDomain("example.com"), runtime.WithCookiePath("/app"),
			runtime.WithCookieHTTPOnly(false), runtime.WithCookieSameSite(http.SameSiteStrictMode),
			runtime.WithCookieAge(time.Hour), runtime.WithCookieSecure(false)},
			[]string{"sid=", "Domain=example.com", "Path=/app", "Max-Age=3600", "SameSite=Strict"},
			[]string{"HttpOnly", "Secure"}},
		{"browser session", []runtime.Option{runtime.WithExpireAtBrowserClose(true)},
			[]string{"sessionid="},
			[]string{"Max-Age", "Expires"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "memstore", routes(), tt.opts...)
			resp, _ := e.do(e.srv.Client(), http.MethodGet, "/set?k=a&v=1")
			raw := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
			for _, w := range tt.want {
				if !strings.Contains(raw, w) {
					t.Errorf("Set-Cookie %q lacks %q", raw, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(raw, n) {
					t.Errorf("Set-Cookie %q has %q", raw, n)
				}
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	const twoWeeks, noCookie = 1209600, -2
	tests := []struct {
		name        string
		opts        []runtime.Option
		query       string
		body        string
		maxAge      int // 0: no Max-Age (browser session); noCookie: none sent
		storedAfter int // seconds from now the row expires
	}{
		{"default", nil, "mode=none", "1209600 false", twoWeeks, twoWeeks},
		{"duration", nil, "mode=after&s=2592000", "2592000 false", 2592000, 2592000},
		{"absolute", nil, "mode=at&s=3600", "3600 false", 3600, 3600},
		{"browser close", nil, "mode=browser", "1209600 true", 0, twoWeeks},
		{"back to default", nil, "mode=default", "1209600 false", twoWeeks, twoWeeks},
		{"setting: browser close", []runtime.Option{runtime.WithExpireAtBrowserClose(true)}, "mode=none", "1209600 true", 0, twoWeeks},
		{"setting: browser close, duration", []runtime.Option{runtime.WithExpireAtBrowserClose(true)}, "mode=after&s=60", "60 false", 60, 60},
		{"setting: browser close, back to default", []runtime.Option{runtime.WithExpireAtBrowserClose(true)}, "mode=default", "1209600 true", 0, twoWeeks},
		{"under a second: rounded up", nil, "mode=after&ms=300", "1 false", 1, 1},
		// A new session that ends at once is never stored, and gets no
		// cookie (TestExpiryInThePastEndsTheSession ends a stored one).
		{"in the past", nil, "mode=after&s=-10", "-10 false", noCookie, 0},
	}
	for _, tt := range tests {
		forEachStore(t, func(t *testing.T, kind string) {
			t.Log(tt.name)
			e := newEnv(t, kind, routes(), tt.opts...)
			resp, body := e.do(e.srv.Client(), http.MethodGet, "/expiry?"+tt.query)
			wantBody(t, tt.name+": age and browser-close", body, tt.body)
			c := sessionCookie(resp)
			if tt.maxAge == noCookie {
				if c != nil {
					t.Errorf("%s: cookie %v for a session that ended at once", tt.name, c)
				}
				return
			}
			if c == nil {
				t.Fatalf("%s: no cookie", tt.name)
			}
			if abs(c.MaxAge-tt.maxAge) > 2 {
				t.Errorf("%s: Max-Age %d, want %d", tt.name, c.MaxAge, tt.maxAge)
			}
			if tt.maxAge > 0 && abs(int(time.Until(c.Expires).Seconds())-tt.maxAge) > 2 {
				t.Errorf("%s: Expires %v, want in %ds", tt.name, c.Expires, tt.maxAge)
			}
			if tt.maxAge == 0 && !c.Expires.IsZero() {
				t.Errorf("%s: browser-session cookie has Expires %v", tt.name, c.Expires)
			}
			rec, err := e.stored(c.Value)
			if err != nil {
				t.Fatalf("%s: stored row: %v", tt.name, err)
			}
			if d := int(time.Until(rec.ExpiresAt).Seconds()); abs(d-tt.storedAfter) > 2 {
				t.Errorf("%s: row expires in %ds, want %ds", tt.name, d, tt.storedAfter)
			}
		})
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestFromRequestWithoutMiddlewarePanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "Middleware") {
			t.Fatalf("recover() = %v, want a panic naming the middleware", r)
		}
	}()
	runtime.FromRequest(httptest.NewRequest(http.MethodGet, "/", nil))
}

func TestFromContext(t *testing.T) {
	if _, ok := runtime.FromContext(context.Background()); ok {
		t.Fatal("FromContext found a session in an empty context")
	}
}

func TestExpiredTokenIsNotAdopted(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		e.get("/set?k=a&v=1")
		token := e.token()
		h, _ := runtime.HashToken(token)
		// Let the session run out, as time would.
		err := e.store.Update(context.Background(), h, runtime.Change{ExpiresAt: time.Now().Add(-time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		e.wantNotAdopted(token)
	})
}

// wantNotAdopted checks that old, the client's token, which names no
// session the store holds (any more), is not adopted: a read finds
// nothing, and a write starts a fresh session, under a new token, that
// holds only what it wrote.
func (e *env) wantNotAdopted(old string) {
	e.t.Helper()
	_, body := e.get("/get?k=a")
	wantBody(e.t, "read with a token of no session", body, "<none>")
	e.get("/set?k=b&v=2")
	if got := e.token(); got == old || got == "" {
		e.t.Fatalf("token after a write = %q; want a fresh token, not %q", got, old)
	}
	if _, err := e.stored(old); !errors.Is(err, runtime.ErrNotFound) {
		e.t.Fatalf("a session is stored under the old token: err = %v", err)
	}
	rec, err := e.stored(e.token())
	if err != nil || rec.Data["a"] != nil || string(rec.Data["b"]) != `"2"` {
		e.t.Fatalf("stored under the fresh token: %s, %v; want only b", rec.Data, err)
	}
}

func TestSignInBindsUserAndCyclesKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		mux := routes()
		mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
			runtime.FromRequest(r).SignIn(r.FormValue("user"))
		})
		mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			u, ok := s.BoundUser()
			_, stored := s.Hash()
			fmt.Fprintf(w, "%s %v %v", u, ok, stored)
		})
		e := newEnv(t, kind, mux)
		_, body := e.get("/whoami")
		wantBody(t, "before sign-in", body, " false false")
		e.get("/set?k=cart&v=tea")
		anonymous := e.token()
		e.get("/signin?user=alice")
		if e.token() == anonymous || e.token() == "" {
			t.Fatalf("SignIn kept the token %q", anonymous)
		}
		_, body = e.get("/whoami")
		wantBody(t, "after sign-in", body, "alice true true")
		rec, err := e.stored(e.token())
		if err != nil {
			t.Fatal(err)
		}
		if rec.UserID != "alice" || string(rec.Data["cart"]) != `"tea"` {
			t.Fatalf("stored after sign-in: user %q, data %s", rec.UserID, rec.Data)
		}
		if !strings.HasPrefix(rec.UserAgent, "Go-http-client") {
			t.Errorf("stored user agent %q, want the client's", rec.UserAgent)
		}
		if _, err := e.stored(anonymous); !errors.Is(err, runtime.ErrNotFound) {
			t.Fatalf("pre-sign-in token still stored: %v", err)
		}
		e.get("/flush")
		_, body = e.get("/whoami")
		wantBody(t, "after sign-out", body, " false false")
	})
}

func TestUserAgentIsBounded(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/set?k=a&v=1", nil)
		req.Header.Set("User-Agent", strings.Repeat("é", 600)) // 1200 bytes, cut mid-rune at 512
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		rec, err := e.stored(e.token())
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.UserAgent) > 512 || !utf8.ValidString(rec.UserAgent) || !strings.HasPrefix(rec.UserAgent, "éé") {
			t.Fatalf("stored user agent of %d bytes, valid UTF-8 %v", len(rec.UserAgent), utf8.ValidString(rec.UserAgent))
		}
	})
}

func TestStaticFilesThroughTheMiddleware(t *testing.T) {
	dir := t.TempDir()
	content := strings.Repeat("static content\n", 1000)
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	mux := routes()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir(dir))))
	e := newEnv(t, "memstore", mux)
	resp, body := e.get("/static/a.txt")
	if resp.StatusCode != http.StatusOK || body != content {
		t.Fatalf("static file: %d, %d bytes; want 200, %d bytes", resp.StatusCode, len(body), len(content))
	}
	if e.calls.Load() != 0 || hasVaryCookie(resp) {
		t.Fatalf("a static file touched the session: %d store calls", e.calls.Load())
	}
}

func TestHijackedConnection(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, routesWith("/upgrade", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			user, _ := runtime.Get[string](s, "a")
			hj, ok := w.(http.Hijacker)
			if !ok {
				http.Error(w, "no hijacker", http.StatusInternalServerError)
				return
			}
			conn, rw, err := hj.Hijack()
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			defer conn.Close()
			fmt.Fprintf(rw, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(user), user)
			rw.Flush()
			runtime.Set(s, "b", "after hijack") // a stored session: saved when the handler returns
		}))
		e.get("/set?k=a&v=alice")
		resp, body := e.get("/upgrade")
		if resp.StatusCode != http.StatusOK || body != "alice" {
			t.Fatalf("hijacked response: %d %q", resp.StatusCode, body)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			rec, err := e.stored(e.token())
			if err == nil && string(rec.Data["b"]) == `"after hijack"` {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("change after hijack not saved: %s, %v", rec.Data, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
