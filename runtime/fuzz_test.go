package runtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// fuzzPool returns a migrated pool on a schema of f's own, counting its
// statements.
func fuzzPool(f *testing.F) (*pgxpool.Pool, *pgtest.Counter) {
	f.Helper()
	pool, count := pgtest.CountedPool(f)
	if err := pgstore.Migrate(context.Background(), pool); err != nil {
		f.Fatal(err)
	}
	return pool, count
}

// serve runs one request through h in-process, so that a panic fails the
// fuzz input instead of being recovered by net/http.
func serve(h http.Handler, path, cookie string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != "" {
		req.Header["Cookie"] = []string{cookie}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// readAllTypes reads key k as every kind of type a schema may declare.
func readAllTypes(w http.ResponseWriter, r *http.Request) {
	s := runtime.FromRequest(r)
	for _, typ := range []string{"string", "int64", "uint8", "float64", "bool", "[]int64",
		"map[string]string", "time.Time", "time.Duration", "struct"} {
		readTyped(s, "k", typ)
	}
	runtime.Get[[]map[string][]float64](s, "k")
	runtime.Get[*typedProbe](s, "k")
	runtime.Get[any](s, "k")
	runtime.Has(s, "k")
	other, _ := runtime.Get[string](s, "other")
	raw, _ := runtime.Get[json.RawMessage](s, "k")
	fmt.Fprintf(w, "other=%s raw=%s", other, raw)
}

// FuzzGet stores arbitrary bytes as a session value, in PostgreSQL behind
// the library's back and through the public API into memstore, and reads
// it through the middleware as many types: nothing panics, the request
// succeeds, the other key reads as stored, and reading changes nothing.
func FuzzGet(f *testing.F) {
	pool, _ := fuzzPool(f)
	ctx := context.Background()
	quiet := runtime.WithLogger(slogTo(io.Discard))
	read := http.HandlerFunc(readAllTypes)
	pg := newManager(f, pgstore.New(pool), quiet).Middleware(read)
	mux := http.NewServeMux()
	mux.HandleFunc("/plant", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		runtime.Set(s, "k", json.RawMessage(r.Header.Get("X-Raw")))
		runtime.Set(s, "other", "kept")
	})
	mux.HandleFunc("/read", readAllTypes)
	mem := newManager(f, memstore.New(), quiet).Middleware(mux)

	token := randomToken()
	h, _ := runtime.HashToken(token)
	cookie := runtime.DefaultCookieName + "=" + token

	for _, seed := range []string{
		`"x"`, `1`, `-0`, `1e400`, `-1e-400`, `123456789012345678901234567890`, `3.5`, `true`, `null`,
		`[1,2]`, `[1,"2"]`, `{"name":"a","count":1,"tags":["x"]}`, `{"a":{"b":[{}]}}`,
		`"2024-01-02T03:04:05Z"`, `"2024-13-45T99:99:99Z"`, `3600000000000`, `"\u00e9\ud83d\ude00"`,
		`"\ud800"`, `"\u0000"`, `{`, `"unterminated`, ``, ` `, `[` + strings.Repeat(`[`, 2000) + strings.Repeat(`]`, 2001),
		"\xff\xfe", `{"a":1,"a":2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// Stored behind the library's back.
		_, err := pool.Exec(ctx, `
			INSERT INTO sessiongen_sessions (token_hash, data, expires_at)
			VALUES ($1, convert_to(jsonb_build_object('k', $2::text::jsonb, 'other', 'kept'::text)::text, 'UTF8'), now() + interval '1 hour')
			ON CONFLICT (token_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
			h[:], string(raw))
		if err == nil { // else PostgreSQL refused it as jsonb: nothing to read
			var before, after string
			q := "SELECT convert_from(data, 'UTF8') FROM sessiongen_sessions WHERE token_hash = $1"
			if err := pool.QueryRow(ctx, q, h[:]).Scan(&before); err != nil {
				t.Fatal(err)
			}
			rec := serve(pg, "/", cookie)
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "other=kept ") {
				t.Fatalf("pgstore, stored %q: %d %q", raw, rec.Code, rec.Body)
			}
			if err := pool.QueryRow(ctx, q, h[:]).Scan(&after); err != nil {
				t.Fatal(err)
			}
			if before != after {
				t.Fatalf("pgstore, stored %q: reading changed the row from %s to %s", raw, before, after)
			}
		}

		// Set through the API as json.RawMessage, then read.
		if bytes.ContainsAny(raw, "\r\n") || !utf8Header(raw) {
			return // not sendable in a header
		}
		req := httptest.NewRequest(http.MethodGet, "/plant", nil)
		req.Header.Set("X-Raw", string(raw))
		planted := httptest.NewRecorder()
		mem.ServeHTTP(planted, req)
		var c *http.Cookie
		for _, ck := range planted.Result().Cookies() {
			c = ck
		}
		// What net/http hands the handler: surrounding blanks trimmed.
		sent := []byte(req.Header.Get("X-Raw"))
		if !json.Valid(sent) {
			if planted.Code != http.StatusInternalServerError || c != nil {
				t.Fatalf("memstore: invalid JSON %q was accepted: %d %v", sent, planted.Code, c)
			}
			return
		}
		// Every store refuses alike what PostgreSQL's jsonb cannot hold
		// (U+0000, a lone surrogate), as ErrInvalidValue.
		_, pgErr := pool.Exec(ctx, "SELECT $1::text::jsonb", string(sent))
		storable := pgErr == nil
		if planted.Code != http.StatusOK {
			if planted.Code == http.StatusInternalServerError && !storable {
				return
			}
			t.Fatalf("memstore: valid JSON %q refused: %d", sent, planted.Code)
		}
		if !storable {
			t.Fatalf("memstore: kept %q, which PostgreSQL refuses (%v): the stores disagree", sent, pgErr)
		}
		if c == nil {
			t.Fatalf("memstore: %q planted without a cookie", sent)
		}
		rec := serve(mem, "/read", runtime.DefaultCookieName+"="+c.Value)
		enc, _ := json.Marshal(json.RawMessage(sent)) // compacted, as Set stores it
		if want := "other=kept raw=" + string(enc); rec.Code != http.StatusOK || rec.Body.String() != want {
			t.Fatalf("memstore, set %q: %d %q, want %q", sent, rec.Code, rec.Body, want)
		}
	})
}

// utf8Header reports whether b can travel in a header value as is.
func utf8Header(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzCookieHeader sends arbitrary Cookie headers to the middleware next to
// a real session: nothing panics, a read never fails, the session's data
// comes back only to a header holding its token, a store call happens only
// for a header holding a token-shaped value, and never more than one.
func FuzzCookieHeader(f *testing.F) {
	pool, count := fuzzPool(f)
	h := newManager(f, pgstore.New(pool), runtime.WithLogger(slogTo(io.Discard))).Middleware(routes())
	rec := serve(h, "/set?k=marker&v=the-marker", "")
	var token string
	for _, c := range rec.Result().Cookies() {
		token = c.Value
	}
	if rec.Code != http.StatusOK || token == "" {
		f.Fatalf("creating the session: %d", rec.Code)
	}
	name := runtime.DefaultCookieName
	for _, seed := range []string{
		"", name + "=" + token, name + `="` + token + `"`, name + "=x; " + name + "=" + token,
		name + "=" + randomToken() + "; " + name + "=" + token, name + "=" + alias(token),
		name + "=" + token + "x", name + "=" + token[:42], "a=b;" + name + "=" + token + ";c=d",
		name + "=" + strings.Repeat("A", 43), name + "=" + strings.Repeat("A", 5000), ";;; ;=;" + name,
		name + "=" + token + "\x00", name + " = " + token, "\t" + name + "=" + token + "\t",
		strings.ToUpper(name) + "=" + token,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		count.Store(0)
		rec := serve(h, "/get?k=marker", header)
		calls := count.Load()
		body := rec.Body.String()
		if rec.Code != http.StatusOK || (body != "<none>" && body != "the-marker") {
			t.Fatalf("Cookie %q: %d %q", header, rec.Code, body)
		}
		if body == "the-marker" && !strings.Contains(header, token) {
			t.Fatalf("Cookie %q: the session's data without its token", header)
		}
		if calls > 1 {
			t.Fatalf("Cookie %q: %d store calls for one read", header, calls)
		}
		if calls == 1 && !hasTokenShape(header) {
			t.Fatalf("Cookie %q: a store call though no value has a token's shape", header)
		}
		for _, c := range rec.Result().Cookies() {
			if c.Value != "" {
				t.Fatalf("Cookie %q: a read set the cookie %v", header, c)
			}
		}
	})
}

// hasTokenShape reports whether any 43 bytes of s have a token's shape.
func hasTokenShape(s string) bool {
	for i := 0; i+43 <= len(s); i++ {
		if _, ok := runtime.HashToken(s[i : i+43]); ok {
			return true
		}
	}
	return false
}
