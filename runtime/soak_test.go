package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goruntime "runtime"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
)

// The soak's knobs. SESSIONGEN_SOAK sets how long it runs (a Go duration,
// default 20s, 3s with -short); SESSIONGEN_SOAK_USERS how many browsers
// (default 8); SESSIONGEN_SOAK_RESULTS a file to write its figures to, as
// JSON. .ci/soak runs the long version.
const (
	soakEnv        = "SESSIONGEN_SOAK"
	soakUsersEnv   = "SESSIONGEN_SOAK_USERS"
	soakResultsEnv = "SESSIONGEN_SOAK_RESULTS"
	soakShortLife  = time.Second // the ExpireAfter of the expiry action
)

// soakKeys are the keys the soak's browsers write.
var soakKeys = func() []string {
	var ks []string
	for i := range 10 {
		ks = append(ks, fmt.Sprintf("k%d", i))
	}
	return ks
}()

// soakRoutes is the application under soak: routes, whose /flush signs
// out and /nothing leaves the session alone, with reads and writes of its
// own.
func soakRoutes() http.Handler {
	mux := routes()
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		out := map[string]any{}
		if v, ok := runtime.Get[string](s, "owner"); ok {
			out["owner"] = v
		}
		for _, k := range append([]string{"short"}, soakKeys...) {
			if v, ok := runtime.Get[int64](s, k); ok {
				out[k] = v
			}
		}
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		v, err := strconv.ParseInt(r.FormValue("v"), 10, 64)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		runtime.Set(runtime.FromRequest(r), r.FormValue("k"), v)
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/signin", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		s.CycleKey()
		runtime.Set(s, "owner", r.FormValue("u"))
		io.WriteString(w, "ok")
	})
	mux.HandleFunc("/expire", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		s.SetExpiry(runtime.ExpireAfter(soakShortLife))
		runtime.Set(s, "short", int64(1))
		io.WriteString(w, "ok")
	})
	return mux
}

// soakStats gathers the figures of all browsers.
type soakStats struct {
	mu        sync.Mutex
	requests  map[string]int // by action
	errors    map[string]int // by kind
	samples   []string       // the first few errors, in full
	latencies []time.Duration
}

func (s *soakStats) request(action string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[action]++
	s.latencies = append(s.latencies, d)
}

func (s *soakStats) fail(kind, format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors[kind]++
	if len(s.samples) < 20 {
		s.samples = append(s.samples, kind+": "+fmt.Sprintf(format, args...))
	}
}

// soakUser is one browser: it sends one request at a time and keeps a
// model of what its session must hold.
type soakUser struct {
	id     int
	rng    *rand.Rand
	base   string
	client *http.Client
	stats  *soakStats

	token string           // "" when it has no session
	data  map[string]int64 // acknowledged writes of the live session
	owner string
	seq   int64

	expiring []expiring // sessions set to expire, oldest first
	expired  []string   // tokens of sessions that expired, checked
}

type expiring struct {
	token string
	after time.Time
}

// do sends one request with the user's session cookie (or token, when
// given) and returns status, body and the session cookie set.
func (u *soakUser) do(action, path string, token string) (int, string, *http.Cookie, bool) {
	req, err := http.NewRequest(http.MethodGet, u.base+path, nil)
	if err != nil {
		u.stats.fail("transport", "%v", err)
		return 0, "", nil, false
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
	}
	start := time.Now()
	resp, err := u.client.Do(req)
	if err != nil {
		u.stats.fail("transport", "user %d %s: %v", u.id, action, err)
		return 0, "", nil, false
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	u.stats.request(action, time.Since(start))
	if err != nil {
		u.stats.fail("transport", "user %d %s: %v", u.id, action, err)
		return 0, "", nil, false
	}
	if resp.StatusCode != http.StatusOK {
		u.stats.fail(fmt.Sprintf("status %d", resp.StatusCode), "user %d %s: %q", u.id, action, body)
		return resp.StatusCode, string(body), nil, false
	}
	return resp.StatusCode, string(body), sessionCookie(resp), true
}

// expect checks what a read of token returns against want.
func (u *soakUser) expect(action, token string, want map[string]any) {
	_, body, _, ok := u.do(action, "/read", token)
	if !ok {
		return
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		u.stats.fail("bad body", "user %d %s: %q", u.id, action, body)
		return
	}
	if !maps.EqualFunc(got, want, func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
		u.stats.fail("mismatch", "user %d %s: session holds %v, want %v (lost write or foreign data)", u.id, action, got, want)
	}
}

// model returns what the user's session must hold, as /read renders it.
func (u *soakUser) model() map[string]any {
	m := map[string]any{}
	for k, v := range u.data {
		m[k] = v
	}
	if u.owner != "" {
		m["owner"] = u.owner
	}
	return m
}

func (u *soakUser) reset() { u.token, u.data, u.owner = "", map[string]int64{}, "" }

// adopt takes the cookie a saving response set.
func (u *soakUser) adopt(action string, c *http.Cookie, wantNew bool) {
	switch {
	case c == nil || c.Value == "":
		u.stats.fail("cookie", "user %d %s: no session cookie: %v", u.id, action, c)
	case wantNew && c.Value == u.token:
		u.stats.fail("cookie", "user %d %s: the token did not change", u.id, action)
	case !wantNew && u.token != "" && c.Value != u.token:
		u.stats.fail("cookie", "user %d %s: the token changed", u.id, action)
	default:
		u.token = c.Value
	}
}

// checkExpired checks that the sessions due to have expired read as
// empty.
func (u *soakUser) checkExpired(now time.Time) {
	for len(u.expiring) > 0 && now.After(u.expiring[0].after) {
		tok := u.expiring[0].token
		u.expiring = u.expiring[1:]
		u.expect("read after expiry", tok, map[string]any{})
		u.expired = append(u.expired, tok)
	}
}

// step does one action at random.
func (u *soakUser) step() {
	u.checkExpired(time.Now())
	switch n := u.rng.IntN(100); {
	case n < 40:
		u.expect("read", u.token, u.model())
	case n < 72:
		u.seq++
		k := soakKeys[u.rng.IntN(len(soakKeys))]
		if _, _, c, ok := u.do("write", fmt.Sprintf("/write?k=%s&v=%d", k, u.seq), u.token); ok {
			u.adopt("write", c, false)
			u.data[k] = u.seq
		}
	case n < 80:
		if u.token == "" {
			return
		}
		old, owner := u.token, fmt.Sprintf("user-%d-%d", u.id, u.seq)
		if _, _, c, ok := u.do("sign-in", "/signin?u="+owner, u.token); ok {
			u.adopt("sign-in", c, true)
			u.owner = owner
			u.expect("old token after sign-in", old, map[string]any{})
		}
	case n < 87:
		if u.token == "" {
			return
		}
		old := u.token
		if _, _, c, ok := u.do("sign-out", "/flush", u.token); ok {
			if c == nil || c.MaxAge >= 0 {
				u.stats.fail("cookie", "user %d sign-out: cookie %v, want it expired", u.id, c)
			}
			u.reset()
			u.expect("old token after sign-out", old, map[string]any{})
		}
	case n < 90:
		if _, _, c, ok := u.do("expire", "/expire", u.token); ok {
			u.adopt("expire", c, false)
			if c.MaxAge != int(soakShortLife/time.Second) {
				u.stats.fail("cookie", "user %d expire: Max-Age %d", u.id, c.MaxAge)
			}
			// The browser drops the cookie when it runs out; the session
			// is checked once it has.
			u.expiring = append(u.expiring, expiring{u.token, time.Now().Add(soakShortLife + 100*time.Millisecond)})
			u.reset()
		}
	default:
		if _, _, c, ok := u.do("nothing", "/nothing", u.token); ok && c != nil {
			u.stats.fail("cookie", "user %d: a request that ignores the session set %v", u.id, c)
		}
	}
}

// soakDuration returns how long the soak runs.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv(soakEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("%s=%q: %v", soakEnv, v, err)
		}
		return d
	}
	if testing.Short() {
		return 3 * time.Second
	}
	return 20 * time.Second
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// TestSoak runs mixed traffic through the middleware against PostgreSQL:
// reads, writes, sign-ins (CycleKey), sign-outs (Flush), sessions expiring
// (ExpireAfter), and pgstore's DeleteExpired running as a janitor. Every
// request must succeed, every session must hold exactly its browser's
// acknowledged writes, the janitor must clear exactly the expired sessions,
// and nothing may be left running afterwards.
//
// Not parallel: it counts the process's goroutines.
func TestSoak(t *testing.T) {
	duration := soakDuration(t)
	users := 8
	if v := os.Getenv(soakUsersEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", soakUsersEnv, v)
		}
		users = n
	}
	ctx := context.Background()
	cfg := pgtest.PoolConfig(t) // sets the test database up first
	goruntime.GC()
	var memBefore goruntime.MemStats
	goruntime.ReadMemStats(&memBefore)

	logs := &syncbuf.Buffer{}
	srv := pgstoretest.Serve(t, cfg, soakRoutes(), runtime.WithLogger(slogTo(logs))) // counts the goroutines first
	pool, store := srv.Pool, srv.Store
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = users
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	stats := &soakStats{requests: map[string]int{}, errors: map[string]int{}}
	var janitorDeleted atomic.Int64
	stop := make(chan struct{})
	var janitor sync.WaitGroup
	janitor.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			n, err := store.DeleteExpired(ctx, 20)
			janitorDeleted.Add(n)
			if err != nil {
				stats.fail("janitor", "%v", err)
			}
		}
	})

	start := time.Now()
	deadline := start.Add(duration)
	all := make([]*soakUser, users)
	var wg sync.WaitGroup
	for i := range all {
		u := &soakUser{id: i, rng: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano()))),
			base: srv.URL, client: client, stats: stats}
		u.reset()
		all[i] = u
		wg.Go(func() {
			for time.Now().Before(deadline) {
				u.step()
			}
			// End with a live session to check, and with every expiry
			// checked.
			u.seq++
			if _, _, c, ok := u.do("write", fmt.Sprintf("/write?k=k0&v=%d", u.seq), u.token); ok {
				u.adopt("write", c, false)
				u.data["k0"] = u.seq
			}
			if len(u.expiring) > 0 {
				time.Sleep(time.Until(u.expiring[len(u.expiring)-1].after))
				u.checkExpired(time.Now())
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	janitor.Wait()

	// Every session holds exactly its browser's acknowledged writes, and
	// no other row is left once the expired ones are cleared.
	finalDeleted, err := store.DeleteExpired(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	expirations, live := 0, 0
	for _, u := range all {
		expirations += len(u.expired)
		for _, tok := range u.expired {
			h, _ := runtime.HashToken(tok)
			var n int
			if err := pool.QueryRow(ctx, "SELECT count(*) FROM sessiongen_sessions WHERE token_hash = $1", h[:]).Scan(&n); err != nil || n != 0 {
				t.Errorf("user %d: an expired session's row outlived the janitor (%d rows, %v)", u.id, n, err)
			}
		}
		if u.token == "" {
			continue
		}
		live++
		h, _ := runtime.HashToken(u.token)
		var data map[string]any
		if err := pool.QueryRow(ctx, "SELECT convert_from(data, 'UTF8')::jsonb FROM sessiongen_sessions WHERE token_hash = $1", h[:]).Scan(&data); err != nil {
			t.Errorf("user %d: its live session is not in the table: %v", u.id, err)
			continue
		}
		want := u.model()
		if !maps.EqualFunc(data, want, func(a, b any) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Errorf("user %d: the table holds %v, want %v: acknowledged writes lost", u.id, data, want)
		}
	}
	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM sessiongen_sessions").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != live {
		t.Errorf("%d rows in the table, want the %d live sessions: signed-out, cycled or expired sessions left behind", rows, live)
	}
	if deleted := janitorDeleted.Load() + finalDeleted; deleted != int64(expirations) {
		t.Errorf("the janitor deleted %d sessions (%d running, %d at the end), want the %d that expired",
			deleted, janitorDeleted.Load(), finalDeleted, expirations)
	}

	// Nothing is left running, net/http logged nothing (no handler
	// panicked), and the heap is back near where it was.
	goroutinesBefore, goroutinesAfter := srv.Shutdown(t, client)

	stats.mu.Lock()
	defer stats.mu.Unlock()
	slices.Sort(stats.latencies)
	total := len(stats.latencies)
	p50, p99, pmax := percentile(stats.latencies, 0.50), percentile(stats.latencies, 0.99), percentile(stats.latencies, 1)
	stats.latencies = nil // the test's own figures are not heap growth
	goruntime.GC()
	var memAfter goruntime.MemStats
	goruntime.ReadMemStats(&memAfter)
	errCount := 0
	for _, n := range stats.errors {
		errCount += n
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	results := map[string]any{
		"duration_s":         elapsed.Seconds(),
		"users":              users,
		"requests":           total,
		"requests_per_s":     float64(total) / elapsed.Seconds(),
		"requests_by_action": stats.requests,
		"errors":             errCount,
		"errors_by_kind":     stats.errors,
		"latency_ms":         map[string]float64{"p50": ms(p50), "p99": ms(p99), "max": ms(pmax)},
		"expirations":        expirations,
		"janitor_deleted":    janitorDeleted.Load() + finalDeleted,
		"live_sessions":      live,
		"goroutines":         map[string]int{"before": goroutinesBefore, "after": goroutinesAfter},
		"heap_alloc_bytes":   map[string]int64{"before": int64(memBefore.HeapAlloc), "after": int64(memAfter.HeapAlloc), "growth": int64(memAfter.HeapAlloc) - int64(memBefore.HeapAlloc)},
		"go":                 goruntime.Version(),
	}
	out, _ := json.MarshalIndent(results, "", "  ")
	t.Logf("soak figures:\n%s", out)
	if path := os.Getenv(soakResultsEnv); path != "" {
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Errorf("writing %s: %v", path, err)
		}
	}

	for _, s := range stats.samples {
		t.Error(s)
	}
	if errCount > 0 {
		t.Errorf("%d errors: %v", errCount, stats.errors)
	}
	if total < users {
		t.Errorf("only %d requests in %v", total, elapsed)
	}
	if expirations == 0 && duration >= 10*time.Second {
		t.Errorf("no session expired in %v: the soak did not exercise the janitor", elapsed)
	}
	if l := logs.String(); l != "" {
		t.Errorf("the session logger reported errors:\n%.2000s", l)
	}
}
