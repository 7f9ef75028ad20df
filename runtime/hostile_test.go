package runtime_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
)

// hostileRoutes adds to routes the reads and writes the hostile-input tests
// need: typed reads of any key, raw JSON planted through the public API,
// and values JSON cannot encode.
func hostileRoutes() *http.ServeMux {
	mux := routes()
	mux.HandleFunc("/typed", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		k := r.FormValue("k")
		var out string
		for range 2 { // a value that does not decode is logged once per request
			out = readTyped(s, k, r.FormValue("t"))
		}
		if k2 := r.FormValue("k2"); k2 != "" {
			runtime.Set(s, k2, r.FormValue("v2"))
		}
		io.WriteString(w, out)
	})
	mux.HandleFunc("/pop-int", func(w http.ResponseWriter, r *http.Request) {
		v, ok := runtime.Pop[int64](runtime.FromRequest(r), r.FormValue("k"))
		fmt.Fprint(w, v, ok)
	})
	mux.HandleFunc("/plant", func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), r.FormValue("k"), json.RawMessage(r.FormValue("json")))
		io.WriteString(w, "planted")
	})
	mux.HandleFunc("/set-bad", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		runtime.Set(s, "good", "written with the bad one")
		runtime.Delete(s, "a")
		switch kind := r.FormValue("kind"); kind {
		case "nan":
			runtime.Set(s, "bad", math.NaN())
		case "inf":
			runtime.Set(s, "bad", []float64{1, math.Inf(-1)})
		case "chan":
			runtime.Set(s, "bad", withChannel{Name: "x", Updates: make(chan int)})
		case "func":
			runtime.Set(s, "bad", map[string]any{"f": func() {}})
		case "cycle":
			n := &node{}
			n.Next = n
			runtime.Set(s, "bad", n)
		case "mapkey":
			runtime.Set(s, "bad", map[[2]int]string{{1, 2}: "x"})
		case "marshaler":
			runtime.Set(s, "bad", failingMarshaler{})
		default:
			http.Error(w, "unknown kind "+kind, http.StatusBadRequest)
			return
		}
		io.WriteString(w, "handler response")
	})
	return mux
}

// withChannel is a named type JSON cannot encode: it holds a channel.
type withChannel struct {
	Name    string
	Updates chan int
}

type node struct{ Next *node }

type failingMarshaler struct{}

func (failingMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("refuses to marshal") }

// typedProbe is a named struct type, as sessions.yaml may declare.
type typedProbe struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

// readTyped reads key as the type named t and renders the result, "unset"
// when Get reports false.
func readTyped(s *runtime.Session, key, t string) string {
	show := func(v any, ok bool) string {
		if !ok {
			return "unset"
		}
		return fmt.Sprintf("%v", v)
	}
	switch t {
	case "string":
		return show(runtime.Get[string](s, key))
	case "int64":
		return show(runtime.Get[int64](s, key))
	case "uint8":
		return show(runtime.Get[uint8](s, key))
	case "float64":
		return show(runtime.Get[float64](s, key))
	case "bool":
		return show(runtime.Get[bool](s, key))
	case "[]int64":
		return show(runtime.Get[[]int64](s, key))
	case "map[string]string":
		return show(runtime.Get[map[string]string](s, key))
	case "time.Time":
		return show(runtime.Get[time.Time](s, key))
	case "time.Duration":
		return show(runtime.Get[time.Duration](s, key))
	case "struct":
		return show(runtime.Get[typedProbe](s, key))
	case "raw":
		return show(runtime.Get[json.RawMessage](s, key))
	}
	panic("readTyped: unknown type " + t)
}

// alias returns a string that decodes, leniently, to the same bytes as
// token but is not token: its unused low bits are set. A strict decoder
// refuses it.
func alias(token string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, token[len(token)-1])
	return token[:len(token)-1] + string(alphabet[last|1])
}

// randomToken returns a token of the right shape that no server issued.
func randomToken() string {
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

// TestHostileCookies sends session cookies that are too long, of the wrong
// alphabet, repeated, forged or derived from the stored hash. Malformed
// ones cost no store call; none gives access to a session but its own
// token; repeated cookies resolve to the first well-formed one.
func TestHostileCookies(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, hostileRoutes())
		rc := newRawClient(e)
		a := rc.newSessionWith("/set?k=marker&v=A")
		b := rc.newSessionWith("/set?k=marker&v=B")
		forged := randomToken()
		ha, _ := runtime.HashToken(a)
		hb, _ := runtime.HashToken(b)
		beforeA, errA := e.stored(a)
		beforeB, errB := e.stored(b)
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}

		tests := []struct {
			name   string
			header string // the Cookie header
			want   string // what /get?k=marker reads
			calls  int64  // store calls of that read
		}{
			{"too long", "sessionid=" + strings.Repeat("A", 8192), "<none>", 0},
			{"token with a tail", "sessionid=" + a + "AAAA", "<none>", 0},
			{"token cut short", "sessionid=" + a[:42], "<none>", 0},
			{"standard base64 alphabet", "sessionid=" + strings.NewReplacer("-", "+", "_", "/").Replace(a) + "+", "<none>", 0},
			{"padded", "sessionid=" + a[:42] + "=", "<none>", 0},
			{"dot in a token", "sessionid=" + a[:42] + ".", "<none>", 0},
			{"percent-encoded", "sessionid=%41" + a[3:], "<none>", 0},
			{"non-ASCII", "sessionid=" + a[:40] + "é", "<none>", 0},
			{"lenient alias of a real token", "sessionid=" + alias(a), "<none>", 0},
			{"hex of the stored hash", "sessionid=" + ha.String(), "<none>", 0},
			{"stored hash as a token", "sessionid=" + base64.RawURLEncoding.EncodeToString(ha[:]), "<none>", 1},
			{"SHA-256 of the hash as a token", "sessionid=" + base64.RawURLEncoding.EncodeToString(func() []byte { s := sha256.Sum256(ha[:]); return s[:] }()), "<none>", 1},
			{"forged, right shape", "sessionid=" + forged, "<none>", 1},
			{"other cookie name", "xsessionid=" + a + "; SESSIONID=" + a + "; session=" + a, "<none>", 0},
			{"quoted", `sessionid="` + a + `"`, "A", 1},
			{"bogus, then valid", "sessionid=bogus; sessionid=" + a, "A", 1},
			{"two valid: the first wins", "sessionid=" + a + "; sessionid=" + b, "A", 1},
			{"two valid, other order", "sessionid=" + b + "; sessionid=" + a, "B", 1},
			{"forged first shadows a valid one", "sessionid=" + forged + "; sessionid=" + a, "<none>", 1},
			{"many cookies, then valid", strings.Repeat("pad=xxxxxxxxxx; ", 200) + "sessionid=" + b, "B", 1},
		}
		for _, tt := range tests {
			req, err := http.NewRequest(http.MethodGet, rc.url+"/get?k=marker", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Cookie", tt.header)
			e.calls.Store(0)
			resp, err := rc.c.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != tt.want {
				t.Errorf("%s: %d %q, want 200 %q", tt.name, resp.StatusCode, body, tt.want)
			}
			if n := e.calls.Load(); n != tt.calls {
				t.Errorf("%s: %d store calls, want %d", tt.name, n, tt.calls)
			}
			// A read may expire a cookie that names no session, never
			// set one.
			if c := sessionCookie(resp); c != nil && (c.Value != "" || c.MaxAge >= 0) {
				t.Errorf("%s: a read set the cookie %v", tt.name, c)
			}
		}

		// Writing with any of them never adopts what the client sent and
		// never touches another session.
		for _, tt := range tests {
			if tt.want != "<none>" {
				continue
			}
			req, _ := http.NewRequest(http.MethodGet, rc.url+"/set?k=w&v=1", nil)
			req.Header.Set("Cookie", tt.header)
			resp, err := rc.c.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			resp.Body.Close()
			c := sessionCookie(resp)
			if resp.StatusCode != http.StatusOK || c == nil {
				t.Fatalf("%s: write: %d, cookie %v", tt.name, resp.StatusCode, c)
			}
			if strings.Contains(tt.header, c.Value) {
				t.Errorf("%s: the write adopted a token the client chose: %q", tt.name, c.Value)
			}
			if rec, err := e.stored(c.Value); err != nil || len(rec.Data) != 1 {
				t.Errorf("%s: the write's fresh session: %v %s", tt.name, err, rec.Data)
			}
		}
		if _, err := e.stored(forged); !errors.Is(err, runtime.ErrNotFound) {
			t.Errorf("a session was stored under the forged token: %v", err)
		}
		for i := range 20 {
			tok := randomToken()
			r := rc.send("/set?k=x&v=y", tok)
			if r.status != http.StatusOK || r.cookie == nil || r.cookie.Value == tok {
				t.Fatalf("forged token %d: %d, cookie %v: adopted or refused", i, r.status, r.cookie)
			}
			if _, err := e.stored(tok); !errors.Is(err, runtime.ErrNotFound) {
				t.Fatalf("forged token %d was stored: %v", i, err)
			}
		}
		afterA, errA := e.stored(a)
		afterB, errB := e.stored(b)
		if errA != nil || errB != nil || !sameData(beforeA.Data, afterA.Data) || !sameData(beforeB.Data, afterB.Data) {
			t.Errorf("hostile cookies changed the real sessions: %s → %s (%v), %s → %s (%v)",
				beforeA.Data, afterA.Data, errA, beforeB.Data, afterB.Data, errB)
		}
		_ = hb
	})
}

// TestCookieWithControlBytes sends what net/http's client refuses to: the
// middleware must cope with whatever a raw connection delivers.
func TestCookieWithControlBytes(t *testing.T) {
	e := newEnv(t, "memstore", hostileRoutes())
	rc := newRawClient(e)
	a := rc.newSessionWith("/set?k=marker&v=A")
	for _, header := range []string{
		"sessionid=" + a + "\x00",
		"sessionid=\x00" + a,
		"sessionid=" + a[:20] + "\x7f" + a[21:],
		"sessionid=" + a[:20] + "\xff" + a[21:],
		";;;=;sessionid;=sessionid=;" + a,
	} {
		req := httptest.NewRequest(http.MethodGet, "/get?k=marker", nil)
		req.Header["Cookie"] = []string{header}
		rec := httptest.NewRecorder()
		e.calls.Store(0)
		e.srv.Config.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Body.String() != "<none>" || e.calls.Load() != 0 {
			t.Errorf("cookie %q: %d %q with %d store calls; want 200 <none> with none", header, rec.Code, rec.Body, e.calls.Load())
		}
	}
}

// sameData reports whether two stored data maps hold the same JSON.
func sameData(a, b map[string]json.RawMessage) bool {
	return maps.EqualFunc(a, b, func(x, y json.RawMessage) bool { return string(x) == string(y) })
}

// TestWrongTypedStoredValues plants values of the wrong type for the key
// through the public API and reads them as their declared types: each
// reads as unset, is logged once per request, and stays in the row as it
// was, even when the same request writes another key or pops it.
func TestWrongTypedStoredValues(t *testing.T) {
	deep := strings.Repeat("[", 500) + strings.Repeat("]", 500)
	tests := []struct{ json, as string }{
		{`"hello"`, "int64"},
		{`3.5`, "int64"},
		{`1e400`, "float64"},
		{`300`, "uint8"},
		{`-1`, "uint8"},
		{`{"x":1}`, "[]int64"},
		{`[1,"two"]`, "[]int64"},
		{`[1,2]`, "map[string]string"},
		{`{"a":1}`, "map[string]string"},
		{`"yesterday"`, "time.Time"},
		{`"1h"`, "time.Duration"},
		{`"true"`, "bool"},
		{`0`, "bool"},
		{`{"name":5}`, "struct"},
		{`["name"]`, "struct"},
		{`12`, "string"},
		{deep, "[]int64"},
	}
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, hostileRoutes())
		e.get("/set?k=keep&v=kept")
		token := e.token()
		for i, tt := range tests {
			key := fmt.Sprintf("bad%d", i)
			resp, _ := e.get("/plant?k=" + key + "&json=" + urlEscape(tt.json))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("planting %s: status %d", tt.json, resp.StatusCode)
			}
		}
		before := e.load(token)
		for i, tt := range tests {
			key := fmt.Sprintf("bad%d", i)
			logsBefore := strings.Count(e.logs.String(), "key="+key+" ")
			resp, body := e.get("/typed?k=" + key + "&t=" + urlEscape(tt.as) + "&k2=other&v2=" + key)
			if resp.StatusCode != http.StatusOK || body != "unset" {
				t.Errorf("%s read as %s: %d %q, want 200 unset", tt.json, tt.as, resp.StatusCode, body)
			}
			if n := strings.Count(e.logs.String(), "key="+key+" ") - logsBefore; n != 1 {
				t.Errorf("%s read twice as %s: logged %d times, want once", tt.json, tt.as, n)
			}
			if tt.as == "int64" {
				resp, body = e.get("/pop-int?k=" + key)
				if resp.StatusCode != http.StatusOK || body != "0 false" {
					t.Errorf("Pop of %s as int64: %d %q, want it refused", tt.json, resp.StatusCode, body)
				}
			}
		}
		after := e.load(token)
		for i := range tests {
			key := fmt.Sprintf("bad%d", i)
			if string(after.Data[key]) != string(before.Data[key]) {
				t.Errorf("%s changed from %s to %s", key, before.Data[key], after.Data[key])
			}
		}
		if string(after.Data["keep"]) != `"kept"` || !strings.HasPrefix(string(after.Data["other"]), `"bad`) {
			t.Errorf("the other keys were not kept and written: %s %s", after.Data["keep"], after.Data["other"])
		}
	})
}

// urlEscape escapes s for a query string.
func urlEscape(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", "#", "%23", " ", "%20", "=", "%3D").Replace(s)
}

// TestRowsCorruptedInTheTable changes stored rows behind the library's
// back, as an operator or another program might: values of the wrong type,
// numbers out of range, a damaged expiry. The session keeps working: each
// bad value reads as unset and stays, the rest reads as stored.
func TestRowsCorruptedInTheTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "pgstore", hostileRoutes())
	e.get("/set?k=keep&v=kept")
	h, _ := runtime.HashToken(e.token())
	ctx := context.Background()
	corrupt := map[string]string{
		"n":       `"not a number"`,
		"big":     `1` + strings.Repeat("0", 400),
		"list":    `{"not": "a list"}`,
		"when":    `"not a time"`,
		"_expiry": `"not an expiry"`,
	}
	for k, v := range corrupt {
		if _, err := e.pool.Exec(ctx,
			"UPDATE sessiongen_sessions SET data = convert_to((convert_from(data, 'UTF8')::jsonb || jsonb_build_object($1::text, $2::jsonb))::text, 'UTF8') WHERE token_hash = $3",
			k, v, h[:]); err != nil {
			t.Fatal(err)
		}
	}
	var before string
	if err := e.pool.QueryRow(ctx, "SELECT convert_from(data, 'UTF8') FROM sessiongen_sessions WHERE token_hash = $1", h[:]).Scan(&before); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ k, as string }{{"n", "int64"}, {"big", "int64"}, {"big", "float64"}, {"list", "[]int64"}, {"when", "time.Time"}} {
		resp, body := e.get("/typed?k=" + c.k + "&t=" + c.as)
		if resp.StatusCode != http.StatusOK || body != "unset" {
			t.Errorf("corrupt %s read as %s: %d %q, want 200 unset", c.k, c.as, resp.StatusCode, body)
		}
	}
	_, body := e.get("/get?k=keep")
	wantBody(t, "an intact key beside corrupt ones", body, "kept")
	var after string
	if err := e.pool.QueryRow(ctx, "SELECT convert_from(data, 'UTF8') FROM sessiongen_sessions WHERE token_hash = $1", h[:]).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("reading corrupt values changed the row:\n%s\n%s", before, after)
	}
	// A write keeps every corrupt value as it was.
	e.get("/set?k=new&v=1")
	rec, err := e.stored(e.token())
	if err != nil {
		t.Fatal(err)
	}
	for k := range corrupt {
		var want json.RawMessage
		if err := e.pool.QueryRow(ctx, "SELECT $1::jsonb::text", corrupt[k]).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if string(rec.Data[k]) != string(want) {
			t.Errorf("after a write, %s = %s, want %s", k, rec.Data[k], want)
		}
	}
}

// TestDeeplyNestedValueInTheTable stores, behind the library's back, a
// value nested more deeply than encoding/json decodes (10,000 levels;
// PostgreSQL's jsonb takes it). Like any value that does not decode, it
// must read as unset without breaking the rest of the session: a row that
// fails to load answers 503 on every request of that user until the
// session expires.
func TestDeeplyNestedValueInTheTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "pgstore", hostileRoutes())
	e.get("/set?k=keep&v=kept")
	h, _ := runtime.HashToken(e.token())
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	if _, err := e.pool.Exec(context.Background(),
		"UPDATE sessiongen_sessions SET data = convert_to((convert_from(data, 'UTF8')::jsonb || jsonb_build_object('deep', $1::jsonb))::text, 'UTF8') WHERE token_hash = $2",
		deep, h[:]); err != nil {
		t.Fatal(err)
	}
	resp, body := e.get("/get?k=keep")
	if resp.StatusCode != http.StatusOK || body != "kept" {
		t.Errorf("a session holding one undecodable value: %d %q, want 200 %q", resp.StatusCode, body, "kept")
	}
	resp, body = e.get("/typed?k=deep&t=[]int64")
	if resp.StatusCode != http.StatusOK || body != "unset" {
		t.Errorf("the undecodable value: %d %q, want 200 unset", resp.StatusCode, body)
	}
}

// TestSizeLimitWritesNothingPartly grows a session past the limit, by a
// big value and by many small ones, on a stored session, a new one and a
// cycled one: the request fails with 500 and a clear log line, and nothing
// of it is written: neither its other keys nor its deletions.
func TestSizeLimitWritesNothingPartly(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		mux := hostileRoutes()
		mux.HandleFunc("/grow", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			runtime.Set(s, "small", "changed")
			runtime.Delete(s, "a")
			runtime.Set(s, r.FormValue("k"), strings.Repeat("x", 100))
			if r.FormValue("cycle") != "" {
				s.CycleKey()
			}
			io.WriteString(w, "handler response")
		})
		e := newEnv(t, kind, mux, runtime.WithMaxSize(1000))
		rc := newRawClient(e)

		// A new session over the limit: no row, no cookie.
		r := rc.send("/set?k=big&v=" + strings.Repeat("x", 1000))
		if r.status != http.StatusInternalServerError || r.cookie != nil || strings.Contains(r.body, "set") {
			t.Errorf("new oversized session: %d, cookie %v, body %q; want 500, no cookie", r.status, r.cookie, r.body)
		}
		if e.pool != nil {
			var n int
			if err := e.pool.QueryRow(context.Background(), "SELECT count(*) FROM sessiongen_sessions").Scan(&n); err != nil || n != 0 {
				t.Errorf("an oversized new session was stored: %d rows, %v", n, err)
			}
		}

		token := rc.newSessionWith("/set?k=a&v=1")
		if r := rc.send("/set?k=small&v=orig", token); r.status != http.StatusOK {
			t.Fatal(r.status)
		}
		acked := 0
		for i := 0; ; i++ {
			before := e.load(token)
			cycle := ""
			if i%2 == 1 {
				cycle = "&cycle=1"
			}
			r := rc.send(fmt.Sprintf("/grow?k=g%02d%s", i, cycle), token)
			if r.status == http.StatusOK {
				acked++
				if r.cookie == nil {
					t.Fatalf("grow %d: no cookie", i)
				}
				token = r.cookie.Value
				// Put back what /grow changed, to see the next failure
				// write nothing of it.
				rc.send("/set?k=small&v=orig", token)
				rc.send("/set?k=a&v=1", token)
				continue
			}
			if r.status != http.StatusInternalServerError || r.body == "handler response" || r.cookie != nil {
				t.Fatalf("grow %d past the limit: %d %q, cookie %v; want the error handler's 500 and no cookie", i, r.status, r.body, r.cookie)
			}
			after, err := e.stored(token)
			if err != nil {
				t.Fatalf("grow %d past the limit (cycle %v): the session is gone: %v", i, cycle != "", err)
			}
			if !sameData(before.Data, after.Data) {
				t.Fatalf("grow %d past the limit wrote part of itself:\n%s\n%s", i, before.Data, after.Data)
			}
			break
		}
		if acked < 3 {
			t.Errorf("only %d writes fitted under the limit", acked)
		}
		if !strings.Contains(e.logs.String(), "over the limit of 1000") || !strings.Contains(e.logs.String(), "session too large") {
			t.Errorf("size error not logged clearly:\n%s", e.logs)
		}
	})
}

// TestDefaultSizeLimit checks that a limit applies without WithMaxSize and
// with a size of zero or less, which means the default as in every
// option, and that NoMaxSize lifts it.
func TestDefaultSizeLimit(t *testing.T) {
	big := strings.Repeat("x", runtime.DefaultMaxSize)
	for _, tc := range []struct {
		name   string
		opts   []runtime.Option
		status int
	}{
		{"no option", nil, http.StatusInternalServerError},
		{"zero", []runtime.Option{runtime.WithMaxSize(0)}, http.StatusInternalServerError},
		{"negative", []runtime.Option{runtime.WithMaxSize(-1)}, http.StatusInternalServerError},
		{"NoMaxSize", []runtime.Option{runtime.WithMaxSize(runtime.NoMaxSize)}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, kind string) {
				e := newEnv(t, kind, hostileRoutes(), tc.opts...)
				e.get("/set?k=a&v=1")
				resp, _ := e.get("/set?k=big&v=" + big)
				if resp.StatusCode != tc.status {
					t.Fatalf("a session past DefaultMaxSize: status %d, want %d", resp.StatusCode, tc.status)
				}
				rec, err := e.stored(e.token())
				if stored := rec.Data["big"] != nil; err != nil || stored != (tc.status == http.StatusOK) {
					t.Fatalf("past DefaultMaxSize: %v, big stored: %v", err, stored)
				}
			})
		})
	}
}

// TestOverLimitSessionCanShrinkAndRefresh builds a session that is over
// the size limit without any request growing it past it: two requests
// each add half of the room left, concurrently, and the store merges both
// (per-key writes). The limit refuses saves that would grow the session
// past it (WithMaxSize); saves that do not grow it (a refresh of the
// expiry, a deletion that shrinks it) must still succeed, or the user is
// stuck with 500 on every change, and on every request with
// WithSaveEveryRequest.
func TestOverLimitSessionCanShrinkAndRefresh(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, hostileRoutes(), runtime.WithMaxSize(1000))
		rc := newRawClient(e)
		token := rc.newSessionWith("/set?k=a&v=1")
		rc.send("/set?k=b&v=2", token)
		// The limit was lowered after these were saved (concurrent writes
		// can no longer pass it together: the store checks it too).
		unbounded := newManager(t, e.store, runtime.WithMaxSize(runtime.NoMaxSize)).Middleware(hostileRoutes())
		for _, k := range []string{"x1", "x2"} {
			req := httptest.NewRequest(http.MethodGet, "/set?k="+k+"&v="+strings.Repeat("x", 600), nil)
			req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
			w := httptest.NewRecorder()
			unbounded.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				t.Fatalf("saving %s without a limit: %d", k, w.Code)
			}
		}
		rec, err := e.stored(token)
		if err != nil || rec.Data["x1"] == nil || rec.Data["x2"] == nil {
			t.Fatalf("both writes stored? %v %v", err, rec.Data)
		}

		if r := rc.send("/set?k=c&v=3", token); r.status != http.StatusInternalServerError {
			t.Errorf("growing an over-limit session: %d, want 500", r.status)
		}
		if r := rc.send("/touch", token); r.status != http.StatusOK {
			t.Errorf("refreshing an over-limit session without growing it: %d, want 200", r.status)
		}
		if r := rc.send("/del?k=a", token); r.status != http.StatusOK {
			t.Errorf("shrinking an over-limit session: %d, want 200", r.status)
		}
		every := newManager(t, e.store, runtime.WithMaxSize(1000), runtime.WithSaveEveryRequest(true),
			runtime.WithLogger(slogTo(io.Discard)))
		req := httptest.NewRequest(http.MethodGet, "/nothing", nil)
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
		w := httptest.NewRecorder()
		every.Middleware(hostileRoutes()).ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Errorf("with WithSaveEveryRequest, a request that ignores an over-limit session: %d, want 200", w.Code)
		}
		if r := rc.send("/flush", token); r.status != http.StatusOK {
			t.Errorf("signing out of an over-limit session: %d, want 200", r.status)
		}
	})
}

// TestUnencodableValues sets values JSON cannot encode next to good ones:
// the save fails with 500 and a log line naming the key, and nothing of
// the request is written, on a stored session or a new one.
func TestUnencodableValues(t *testing.T) {
	kinds := []string{"nan", "inf", "chan", "func", "cycle", "mapkey", "marshaler"}
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, hostileRoutes())
		rc := newRawClient(e)
		token := rc.newSessionWith("/set?k=a&v=1")
		before := e.load(token)
		for _, k := range kinds {
			r := rc.send("/set-bad?kind="+k, token)
			if r.status != http.StatusInternalServerError || r.body == "handler response" || r.cookie != nil {
				t.Errorf("%s on a stored session: %d %q, cookie %v; want the error handler's 500", k, r.status, r.body, r.cookie)
			}
			after, err := e.stored(token)
			if err != nil || !sameData(before.Data, after.Data) {
				t.Errorf("%s: the failed save wrote something: %v %s", k, err, after.Data)
			}
			r = rc.send("/set-bad?kind=" + k)
			if r.status != http.StatusInternalServerError || r.cookie != nil {
				t.Errorf("%s on a new session: %d, cookie %v; want 500 and no session", k, r.status, r.cookie)
			}
		}
		logs := e.logs.String()
		if n := strings.Count(logs, `set session key \"bad\"`); n != 2*len(kinds) {
			t.Errorf("%d log lines name the key, want %d:\n%s", n, 2*len(kinds), logs)
		}
		if n := strings.Count(logs, "value cannot be stored as JSON"); n != 2*len(kinds) {
			t.Errorf("%d log lines say why, want %d:\n%s", n, 2*len(kinds), logs)
		}
		if e.pool != nil {
			var n int
			if err := e.pool.QueryRow(context.Background(), "SELECT count(*) FROM sessiongen_sessions").Scan(&n); err != nil || n != 1 {
				t.Errorf("%d sessions stored, want only the first: %v", n, err)
			}
		}
	})
}
