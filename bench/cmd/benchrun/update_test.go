package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sessiongen/sessiongen/bench/impl"
	"github.com/sessiongen/sessiongen/bench/internal/benchdb"
	"github.com/sessiongen/sessiongen/bench/internal/loadgen"
)

// updateSchema keeps this test's sessions apart from those of impl's
// tests, which empty sessiongen's table while they run.
const updateSchema = "benchrun_update_test"

// TestUpdateRoute checks the route whose round trips countTrips counts for
// the update accessor's target: it increments count, and without a
// conflict it costs no more round trips than /write.
func TestUpdateRoute(t *testing.T) {
	ctx := context.Background()
	dsn := benchdb.DSN("postgres://postgres@127.0.0.1:5432/sessiongen_bench_test?sslmode=disable")
	if err := benchdb.Ensure(ctx, dsn); err != nil {
		t.Fatalf("PostgreSQL (set BENCH_DATABASE_URL to use another server): %v", err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+updateSchema)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", updateSchema)
	u.RawQuery = q.Encode()
	proxy, counted, err := benchdb.Counted(u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	x, err := impl.New(ctx, "sessiongen", impl.Config{DSN: counted, PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)
	srv := httptest.NewServer(x.Handler())
	t.Cleanup(srv.Close)

	cookie, err := impl.NewSession(x, "/seed-small")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{
		{updateRoute, "1"}, {"/write", "2"}, {updateRoute, "3"}, {"/read", "name=" + impl.SmallName + " count=3"},
	} {
		if got := get(t, srv.URL+c.path, x.CookieName(), cookie); got != c.want {
			t.Errorf("%s: %q, want %q", c.path, got, c.want)
		}
	}

	cookies, err := impl.Seed(x, "/seed-small", 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	trips := map[string]float64{}
	for _, route := range []string{"/write", updateRoute} {
		tg := loadgen.Target{Addr: strings.TrimPrefix(srv.URL, "http://"), Path: route, CookieName: x.CookieName(), Cookies: cookies}
		if _, err := loadgen.RunN(tg, 4, 0, 40); err != nil { // pgx prepares its statements
			t.Fatal(err)
		}
		before := proxy.RoundTrips()
		r, err := loadgen.RunN(tg, 4, 0, 200)
		if err != nil {
			t.Fatal(err)
		}
		if r.Errors != 0 || r.Requests != 200 {
			t.Fatalf("%s: %d requests, %d errors (%s)", route, r.Requests, r.Errors, r.FirstError)
		}
		trips[route] = float64(proxy.RoundTrips()-before) / float64(r.Requests)
	}
	t.Logf("round trips per request: %v", trips)
	if trips["/write"] == 0 || trips[updateRoute] > trips["/write"]+0.05 {
		t.Errorf("round trips per request: %s %.2f, /write %.2f; want no more than /write's", updateRoute, trips[updateRoute], trips["/write"])
	}
}

// get requests url with the session cookie and returns the body.
func get(t *testing.T, url, cookieName, cookie string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: cookieName, Value: cookie})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d: %s", url, res.StatusCode, b)
	}
	return string(b)
}
