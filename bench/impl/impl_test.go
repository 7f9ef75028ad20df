package impl_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/sessiongen/sessiongen/bench/impl"
	"github.com/sessiongen/sessiongen/bench/internal/benchdb"
	"github.com/sessiongen/sessiongen/bench/internal/countproxy"
	"github.com/sessiongen/sessiongen/bench/internal/loadgen"
)

// testDSN is a database of the tests' own, apart from the benchmark's.
var testDSN = benchdb.DSN("postgres://postgres@127.0.0.1:5432/sessiongen_bench_test?sslmode=disable")

// server is one implementation under test, behind a round-trip counter.
type server struct {
	t     testing.TB
	x     impl.Impl
	proxy *countproxy.Proxy
	url   string
}

func start(t testing.TB, name string) *server {
	t.Helper()
	ctx := context.Background()
	if err := benchdb.Ensure(ctx, testDSN); err != nil {
		t.Fatalf("PostgreSQL (set BENCH_DATABASE_URL to use another server): %v", err)
	}
	proxy, dsn, err := benchdb.Counted(testDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	x, err := impl.New(ctx, name, impl.Config{DSN: dsn, PoolSize: 4, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)
	if err := impl.Reset(ctx, x, testDSN); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // before Close: leave no keys in Redis
		if err := impl.Reset(ctx, x, testDSN); err != nil {
			t.Error(err)
		}
	})
	srv := httptest.NewServer(x.Handler())
	t.Cleanup(srv.Close)
	return &server{t: t, x: x, proxy: proxy, url: srv.URL}
}

// roundTrips returns the round trips the implementation has made so far:
// to PostgreSQL, counted by the proxy, and to Redis, counted by the
// implementation (impl.RedisTripsRoute).
func (s *server) roundTrips() int64 {
	s.t.Helper()
	n := s.proxy.RoundTrips()
	res, err := http.Get(s.url + impl.RedisTripsRoute)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusNotFound {
		return n
	}
	redis, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || res.StatusCode != http.StatusOK {
		s.t.Fatalf("%s: status %d: %q", impl.RedisTripsRoute, res.StatusCode, b)
	}
	return n + redis
}

// get requests path with the session cookie (none if empty) and returns
// the body, the new cookie value if one was set, and the round trips it
// cost, to PostgreSQL and to Redis.
func (s *server) get(path, cookie string) (body, newCookie string, trips int64) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: s.x.CookieName(), Value: cookie})
	}
	before := s.roundTrips()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	trips = s.roundTrips() - before
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("%s: status %d: %s", path, res.StatusCode, b)
	}
	for _, c := range res.Cookies() {
		if c.Name == s.x.CookieName() && c.Value != "" {
			newCookie = c.Value
		}
	}
	return string(b), newCookie, trips
}

// wantTrips are the round trips each implementation needs per route (the
// second request of the route, once statements are prepared): to
// PostgreSQL, or to Redis for sessiongen-redis and scs-redis; the file
// store makes none.
var wantTrips = map[string]map[string]int64{
	"sessiongen": {"/nosession": 0, "/read": 1, "/write": 2, "/read-large": 1, "/write-large": 2, "/login": 2},
	"bare":       {"/nosession": 0, "/read": 1, "/write": 2, "/read-large": 1, "/write-large": 2, "/login": 2},
	"scs":        {"/nosession": 1, "/read": 1, "/write": 2, "/read-large": 1, "/write-large": 2, "/login": 3},
	"gorilla":    {"/nosession": 0, "/read": 1, "/write": 3, "/read-large": 1, "/write-large": 3, "/login": 5},
	// A load runs one script; a save one more; /login's Cycle moves the
	// session in three steps (see redisstore's documentation).
	"sessiongen-redis": {"/nosession": 0, "/read": 1, "/write": 2, "/read-large": 1, "/write-large": 2, "/login": 4},
	// A GET, then MULTI SET PEXPIREAT EXEC in one go; RenewToken DELs.
	"scs-redis":       {"/nosession": 1, "/read": 1, "/write": 2, "/read-large": 1, "/write-large": 2, "/login": 3},
	"sessiongen-file": {"/nosession": 0, "/read": 0, "/write": 0, "/read-large": 0, "/write-large": 0, "/login": 0},
}

func TestRoutes(t *testing.T) {
	for _, name := range impl.Names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := start(t, name)
			small, err := impl.NewSession(s.x, "/seed-small")
			if err != nil {
				t.Fatal(err)
			}
			large, err := impl.NewSession(s.x, "/seed-large")
			if err != nil {
				t.Fatal(err)
			}
			trips := map[string]int64{}
			check := func(path, cookie, want string) string {
				t.Helper()
				body, newCookie, n := s.get(path, cookie)
				if body != want {
					t.Errorf("%s: got %.80q, want %.80q", path, body, want)
				}
				trips[path] = n
				return newCookie
			}
			for range 2 { // the second time, pgx's statements are prepared
				check("/nosession", small, "ok")
				check("/read", small, "name=alice count=0")
			}
			check("/write", small, "1")
			check("/write", small, "2")
			check("/read", small, "name=alice count=2")

			check("/read-large", large, impl.LargeValue(0)+"|"+impl.LargeValue(49))
			for range 2 {
				body, _, n := s.get("/write-large", large)
				checkNewLargeValue(t, body)
				trips["/write-large"] = n
				check("/read-large", large, body+"|"+impl.LargeValue(49))
			}

			login, err := impl.NewSession(s.x, "/seed-small")
			if err != nil {
				t.Fatal(err)
			}
			check("/write", login, "1")
			signedIn := check("/login", login, "ok")
			if signedIn == "" || signedIn == login {
				t.Fatalf("/login: session cookie %q, want a new one", signedIn)
			}
			check("/read", signedIn, "name=alice count=1")
			check("/read", login, "name= count=0") // the old token is dead
			again := check("/login", signedIn, "ok")
			check("/read", again, "name=alice count=1")

			for path, want := range wantTrips[name] {
				if trips[path] != want {
					t.Errorf("%s: %d database round trips, want %d", path, trips[path], want)
				}
			}
		})
	}
}

// checkNewLargeValue checks that a /write-large answer is a new value of
// the right length.
func checkNewLargeValue(t *testing.T, body string) {
	t.Helper()
	if len(body) != impl.LargeValueLen || !strings.HasPrefix(body, "new ") {
		t.Errorf("/write-large: answer %.40q (%d bytes), want a new value of %d bytes", body, len(body), impl.LargeValueLen)
	}
}

// TestLoad drives each route of one implementation with the load generator
// for a moment, following /login's new cookies.
func TestLoad(t *testing.T) {
	for _, name := range impl.Names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := start(t, name)
			small, err := impl.Seed(s.x, "/seed-small", 8, 4)
			if err != nil {
				t.Fatal(err)
			}
			large, err := impl.Seed(s.x, "/seed-large", 8, 4)
			if err != nil {
				t.Fatal(err)
			}
			addr := strings.TrimPrefix(s.url, "http://")
			for _, route := range impl.Routes {
				cookies := small
				if strings.HasSuffix(route, "-large") {
					cookies = large
				}
				before := s.roundTrips()
				res, err := loadgen.RunN(loadgen.Target{
					Addr: addr, Path: route, CookieName: s.x.CookieName(), Cookies: cookies, Follow: route == "/login",
				}, 4, 0, 40)
				if err != nil {
					t.Fatal(err)
				}
				if res.Errors != 0 || res.Requests != 40 {
					t.Errorf("%s: %d requests, %d errors (%s)", route, res.Requests, res.Errors, res.FirstError)
				}
				trips := s.roundTrips() - before
				switch {
				case name == "sessiongen-file":
					if trips != 0 {
						t.Errorf("%s: %d round trips for 40 requests, want none", route, trips)
					}
				case name == "scs" || name == "scs-redis": // they load the session before the handler, /nosession too
					if trips == 0 {
						t.Errorf("%s: no round trips for 40 requests", route)
					}
				case (route == "/nosession") != (trips == 0):
					t.Errorf("%s: %d round trips for 40 requests", route, trips)
				}
			}
		})
	}
}

// TestReadResponse checks the load generator's parser on chunked bodies
// and cookies, which the routes do not exercise.
func TestReadResponse(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nSet-Cookie: sid=old; Path=/\r\nSet-Cookie: sid=; Max-Age=0\r\nSet-Cookie: sid=new; Path=/\r\n" +
		"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n" +
		"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno"
	r := bufio.NewReader(strings.NewReader(raw))
	res, err := loadgen.ReadResponse(r, "sid", nil)
	if err != nil || res.Status != 200 || string(res.Body) != "abcde" || res.Cookie != "new" {
		t.Errorf("first response: %+v, %v", res, err)
	}
	res, err = loadgen.ReadResponse(r, "sid", nil)
	if err != nil || res.Status != 404 || string(res.Body) != "no" || !res.Close {
		t.Errorf("second response: %+v, %v", res, err)
	}
}
