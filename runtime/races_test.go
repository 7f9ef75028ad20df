package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sessiongen/sessiongen/runtime"
)

// rawClient sends requests with a cookie of the caller's choosing and no
// jar, so concurrent requests can carry the same or different tokens.
type rawClient struct {
	t   *testing.T
	url string
	c   *http.Client
}

// rawResult is one response, its body read.
type rawResult struct {
	status int
	body   string
	cookie *http.Cookie // the session cookie it set, or nil
	err    error
}

// newRawClient serves e's middleware on a second, plain-HTTP server as
// well, and returns a client of it: hundreds of concurrent TLS handshakes
// would cost more than the races under test.
func newRawClient(e *env) *rawClient {
	srv := httptest.NewServer(e.srv.Config.Handler)
	e.t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	e.t.Cleanup(tr.CloseIdleConnections)
	return &rawClient{t: e.t, url: srv.URL, c: &http.Client{Transport: tr}}
}

// send requests path with the given session cookies (none when empty).
func (rc *rawClient) send(path string, tokens ...string) rawResult {
	req, err := http.NewRequest(http.MethodGet, rc.url+path, nil)
	if err != nil {
		return rawResult{err: err}
	}
	for _, tok := range tokens {
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: tok})
	}
	resp, err := rc.c.Do(req)
	if err != nil {
		return rawResult{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return rawResult{status: resp.StatusCode, body: string(body), cookie: sessionCookie(resp), err: err}
}

// newSessionWith creates a session by requesting path and returns its
// token.
func (rc *rawClient) newSessionWith(path string) string {
	rc.t.Helper()
	r := rc.send(path)
	if r.err != nil || r.status != http.StatusOK || r.cookie == nil || r.cookie.Value == "" {
		rc.t.Fatalf("creating a session with %s: %d %v %v", path, r.status, r.cookie, r.err)
	}
	return r.cookie.Value
}

// raceRoutes adds to routes a write that reports which session it saw.
func raceRoutes() *http.ServeMux {
	return routesWith("/set-report", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		marker, ok := runtime.Get[string](s, "marker")
		if !ok {
			marker = "<none>"
		}
		runtime.Set(s, r.FormValue("k"), r.FormValue("v"))
		io.WriteString(w, marker)
	})
}

// sendTogether sends n requests on token's session at once, the ith for
// path(i), and returns their results in that order.
func (rc *rawClient) sendTogether(n int, token string, path func(i int) string) []rawResult {
	results := make([]rawResult, n)
	fs := make([]func(), n)
	for i := range n {
		fs[i] = func() { results[i] = rc.send(path(i), token) }
	}
	startTogether(fs...)
	return results
}

// startTogether runs each f in a goroutine of its own, releases them
// together and waits for them all.
func startTogether(fs ...func()) {
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Go(func() {
			<-gate
			f()
		})
	}
	close(gate)
	wg.Wait()
}

// TestRaceManyKeysOnOneSession sends 200 concurrent requests on one
// session, each setting a key of its own: all 200 must be there.
func TestRaceManyKeysOnOneSession(t *testing.T) {
	const n = 200
	forEachEnv(t, func(t *testing.T, e *env) {
		rc := newRawClient(e)
		token := rc.newSessionWith("/set?k=first&v=0")
		results := rc.sendTogether(n, token, func(i int) string { return fmt.Sprintf("/set?k=k%03d&v=%d", i, i) })
		for i, r := range results {
			if r.err != nil || r.status != http.StatusOK {
				t.Errorf("request %d: %d %v", i, r.status, r.err)
			} else if r.cookie == nil || r.cookie.Value != token {
				t.Errorf("request %d: session cookie %v, want the same token", i, r.cookie)
			}
		}
		rec := e.load(token)
		missing := 0
		for i := range n {
			if got, want := string(rec.Data[fmt.Sprintf("k%03d", i)]), fmt.Sprintf(`"%d"`, i); got != want {
				missing++
				if missing <= 5 {
					t.Errorf("key k%03d = %s, want %s", i, got, want)
				}
			}
		}
		if missing > 0 || len(rec.Data) != n+1 {
			t.Fatalf("%d of %d concurrent writes lost; %d keys stored, want %d", missing, n, len(rec.Data), n+1)
		}
	})
}

// TestRaceSignOutWithWrites races a sign-out (Flush) with writes on the
// same session, many times: the session stays deleted, every write either
// landed before the sign-out, was refused (409), or started a new session
// that holds nothing of the old one.
func TestRaceSignOutWithWrites(t *testing.T) {
	const rounds, writers = 15, 20
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, raceRoutes())
		rc := newRawClient(e)
		outcomes := map[string]int{}
		for round := range rounds {
			token := rc.newSessionWith(fmt.Sprintf("/set?k=marker&v=old%d", round))
			var flush rawResult
			results := make([]rawResult, writers)
			fs := []func(){func() { flush = rc.send("/flush", token) }}
			for i := range writers {
				fs = append(fs, func() { results[i] = rc.send(fmt.Sprintf("/set-report?k=w%d&v=%d", i, i), token) })
			}
			startTogether(fs...)

			if flush.err != nil || flush.status != http.StatusOK || flush.cookie == nil || flush.cookie.MaxAge != -1 {
				t.Fatalf("round %d: sign-out: %d %v %v; want 200 and the cookie expired", round, flush.status, flush.cookie, flush.err)
			}
			if rec, err := e.stored(token); !errors.Is(err, runtime.ErrNotFound) {
				t.Fatalf("round %d: the signed-out session is back: %v %s", round, err, rec.Data)
			}
			for i, r := range results {
				key := fmt.Sprintf("w%d", i)
				switch {
				case r.err != nil:
					t.Errorf("round %d, write %d: %v", round, i, r.err)
				case r.status == http.StatusConflict:
					outcomes["refused (409)"]++
					if r.cookie != nil {
						t.Errorf("round %d, write %d: 409 with a cookie %v: a stale token's response must leave the cookie alone", round, i, r.cookie)
					}
				case r.status != http.StatusOK:
					t.Errorf("round %d, write %d: status %d %q", round, i, r.status, r.body)
				case r.cookie == nil:
					t.Errorf("round %d, write %d: 200 without a session cookie", round, i)
				case r.cookie.Value == token:
					outcomes["saved before the sign-out"]++
					if r.body != fmt.Sprintf("old%d", round) {
						t.Errorf("round %d, write %d: saw marker %q in its own session", round, i, r.body)
					}
				default:
					// Loaded after the sign-out: a brand-new session.
					outcomes["new session after the sign-out"]++
					if r.body != "<none>" {
						t.Errorf("round %d, write %d: a session started after the sign-out saw %q", round, i, r.body)
					}
					rec, err := e.stored(r.cookie.Value)
					if err != nil {
						t.Errorf("round %d, write %d: acknowledged new session missing: %v", round, i, err)
						continue
					}
					if len(rec.Data) != 1 || string(rec.Data[key]) != fmt.Sprintf(`"%d"`, i) {
						t.Errorf("round %d, write %d: new session holds %s, want only its own key", round, i, rec.Data)
					}
				}
			}
		}
		t.Logf("outcomes of %d writes racing %d sign-outs: %v", rounds*writers, rounds, outcomes)
		if e.pool != nil {
			var n int
			if err := e.pool.QueryRow(context.Background(),
				"SELECT count(*) FROM sessiongen_sessions WHERE convert_from(data, 'UTF8')::jsonb ? 'marker'").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatalf("%d signed-out sessions still in the table", n)
			}
		}
	})
}

// TestRaceCycleKeyWithReadsAndWrites cycles the keys of two sessions while
// readers and writers use whatever token is current: no request sees the
// other session's data, no session forks into two, and every write is
// either in the session its response named or answered with an error.
func TestRaceCycleKeyWithReadsAndWrites(t *testing.T) {
	const cyclers, cycles, writers, writes, readers, reads = 3, 8, 4, 12, 4, 12
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, raceRoutes())
		rc := newRawClient(e)

		type write struct {
			tok, key, val string
			res           rawResult
		}
		type sess struct {
			marker string
			first  string
			cur    atomic.Pointer[string]

			mu     sync.Mutex
			next   map[string][]string // token → the tokens a cycle moved it to
			writes []write
		}
		sessions := []*sess{{marker: "one"}, {marker: "two"}}
		var fs []func()
		var errsMu sync.Mutex
		var errs []string
		fail := func(format string, args ...any) {
			errsMu.Lock()
			defer errsMu.Unlock()
			errs = append(errs, fmt.Sprintf(format, args...))
		}
		for _, s := range sessions {
			s.first = rc.newSessionWith("/set?k=marker&v=" + s.marker)
			s.cur.Store(&s.first)
			s.next = map[string][]string{}
			for range cyclers {
				fs = append(fs, func() {
					for range cycles {
						tok := *s.cur.Load()
						r := rc.send("/cycle", tok)
						switch {
						case r.err != nil || (r.status != http.StatusOK && r.status != http.StatusConflict):
							fail("%s: cycle: %d %v", s.marker, r.status, r.err)
						case r.status == http.StatusOK && r.cookie != nil && r.cookie.MaxAge > 0:
							s.mu.Lock()
							s.next[tok] = append(s.next[tok], r.cookie.Value)
							s.mu.Unlock()
							s.cur.Store(&r.cookie.Value)
						}
					}
				})
			}
			for wi := range writers {
				fs = append(fs, func() {
					for i := range writes {
						tok := *s.cur.Load()
						w := write{tok: tok, key: fmt.Sprintf("w%d_%d", wi, i), val: fmt.Sprintf("%s-%d-%d", s.marker, wi, i)}
						w.res = rc.send("/set-report?k="+w.key+"&v="+w.val, tok)
						if w.res.err == nil && w.res.body != s.marker && w.res.body != "<none>" && w.res.status == http.StatusOK {
							fail("%s: a write saw %q", s.marker, w.res.body)
						}
						s.mu.Lock()
						s.writes = append(s.writes, w)
						s.mu.Unlock()
					}
				})
			}
			for range readers {
				fs = append(fs, func() {
					for range reads {
						r := rc.send("/get?k=marker", *s.cur.Load())
						if r.err != nil || r.status != http.StatusOK {
							fail("%s: read: %d %v", s.marker, r.status, r.err)
						} else if r.body != s.marker && r.body != "<none>" {
							fail("%s: a read saw %q: another session's data", s.marker, r.body)
						}
					}
				})
			}
		}
		startTogether(fs...)
		for _, err := range errs {
			t.Error(err)
		}

		outcomes := map[string]int{}
		chain := map[string]*sess{} // every token a session had → the session
		final := map[*sess]runtime.Record{}
		for _, s := range sessions {
			tok := s.first
			for {
				chain[tok] = s
				next := s.next[tok]
				if len(next) > 1 {
					t.Fatalf("%s: token cycled to %d new tokens at once: the session forked", s.marker, len(next))
				}
				if len(next) == 0 {
					break
				}
				if _, err := e.stored(tok); !errors.Is(err, runtime.ErrNotFound) {
					t.Errorf("%s: a cycled-away token still loads: %v", s.marker, err)
				}
				tok = next[0]
			}
			if len(s.next) == 0 {
				t.Errorf("%s: no cycle succeeded: the test raced nothing", s.marker)
			}
			rec, err := e.stored(tok)
			if err != nil {
				t.Fatalf("%s: the session's last token does not load: %v", s.marker, err)
			}
			if string(rec.Data["marker"]) != `"`+s.marker+`"` {
				t.Fatalf("%s: marker is %s", s.marker, rec.Data["marker"])
			}
			final[s] = rec
		}
		for _, s := range sessions {
			for _, w := range s.writes {
				r := w.res
				switch {
				case r.err != nil:
					t.Errorf("%s: write %s: %v", s.marker, w.key, r.err)
				case r.status == http.StatusConflict:
					outcomes["refused (409)"]++ // reported, not silent
				case r.status != http.StatusOK || r.cookie == nil:
					t.Errorf("%s: write %s: status %d, cookie %v", s.marker, w.key, r.status, r.cookie)
				case chain[r.cookie.Value] != nil:
					outcomes["saved in the session"]++
					owner := chain[r.cookie.Value]
					if owner != s {
						t.Errorf("%s: write %s was saved in session %s", s.marker, w.key, owner.marker)
					}
					if got := string(final[owner].Data[w.key]); got != `"`+w.val+`"` {
						t.Errorf("%s: acknowledged write %s=%s lost: %s", s.marker, w.key, w.val, got)
					}
				default:
					// The token was cycled away before the load: a new
					// session, which must hold this write and nothing else.
					outcomes["new session"]++
					rec, err := e.stored(r.cookie.Value)
					if err != nil {
						t.Errorf("%s: write %s acknowledged in a new session that does not load: %v", s.marker, w.key, err)
					} else if len(rec.Data) != 1 || string(rec.Data[w.key]) != `"`+w.val+`"` {
						t.Errorf("%s: write %s: its new session holds %s", s.marker, w.key, rec.Data)
					}
				}
			}
		}
		t.Logf("outcomes of %d writes racing key cycling: %v", 2*writers*writes, outcomes)
	})
}
