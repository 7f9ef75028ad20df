package cachestore_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
)

// outageOptions make a store notice an outage and a recovery quickly.
func outageOptions() []cachestore.Option {
	return []cachestore.Option{
		cachestore.WithTimeout(300 * time.Millisecond),
		cachestore.WithRetryInterval(50 * time.Millisecond),
	}
}

// shop is a site behind the middleware: /set?v= stores v under "v", /get
// shows it.
func shop(t *testing.T, store runtime.Store) (get func() string, set func(v string)) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), "v", r.FormValue("v"))
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		v, _ := runtime.Get[string](runtime.FromRequest(r), "v")
		fmt.Fprint(w, v)
	})
	mgr, err := runtime.NewManager(store)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mgr.Middleware(mux))
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	do := func(path string) string {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s %v", path, resp.StatusCode, body, err)
		}
		return string(body)
	}
	return func() string { return do("/get") }, func(v string) { do("/set?v=" + v) }
}

// TestRedisStoppedMidTest keeps requests going through the middleware while
// a private Redis is stopped and started again: every request succeeds and
// reads its latest write; once Redis is back, warm reads cost PostgreSQL
// nothing again; and the outage is logged once.
func TestRedisStoppedMidTest(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	e := newEnvOn(t, redisClient(t, srv.addr()))
	store := e.store(outageOptions()...)
	get, set := shop(t, store)

	// queriesOf returns how many queries f sent to PostgreSQL.
	queriesOf := func(f func()) int64 {
		before := e.queries.Load()
		f()
		return e.queries.Load() - before
	}
	wantGet := func(want string) {
		t.Helper()
		if got := get(); got != want {
			t.Fatalf("GET /get = %q, want %q", got, want)
		}
	}

	set("1")
	wantGet("1") // fills the cache
	if n := queriesOf(func() { wantGet("1") }); n != 0 {
		t.Fatalf("a warm read sent %d queries, want 0", n)
	}

	srv.stop()
	for i := 2; i <= 20; i++ {
		set(strconv.Itoa(i))
		wantGet(strconv.Itoa(i))
	}
	if n := queriesOf(func() { wantGet("20") }); n != 1 {
		t.Errorf("a read with Redis down sent %d queries, want 1", n)
	}

	srv.start()
	eventually(t, "warm reads to cost no query once Redis is back", func() bool {
		return queriesOf(func() { wantGet("20") }) == 0
	})
	set("21")
	wantGet("21")
	if n := queriesOf(func() { wantGet("21") }); n != 0 {
		t.Errorf("a warm read after recovery sent %d queries, want 0", n)
	}
	if n := e.logs.count(slog.LevelWarn); n != 1 {
		t.Errorf("logged %d warnings for one outage, want 1 (at most one per interval)", n)
	}
	if n := e.logs.count(slog.LevelInfo); n != 1 {
		t.Errorf("logged %d recoveries, want 1", n)
	}
}

// TestFrozenRedisLeavesNoStaleEntry freezes Redis, so it keeps its data but
// answers nothing, writes meanwhile, and thaws it: the entries cached
// before the writes are stale, and must never be served.
func TestFrozenRedisLeavesNoStaleEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxPending int // of the store; 1 makes the two writes overflow it
		maxTTL     time.Duration
	}{
		{"Replay", 0, time.Hour},
		{"OverflowBypassesForMaxTTL", 1, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startRedis(t)
			e := newEnvOn(t, redisClient(t, srv.addr()))
			s := e.store(append(outageOptions(), cachestore.WithMaxPending(tt.maxPending), cachestore.WithMaxTTL(tt.maxTTL))...)
			ctx := context.Background()
			exp := time.Now().Add(time.Hour)
			hs := []runtime.TokenHash{
				create(t, s, data("a", "1"), runtime.Record{ExpiresAt: exp}),
				create(t, s, data("a", "1"), runtime.Record{ExpiresAt: exp}),
			}
			for _, h := range hs {
				wantData(t, s, h, data("a", "1")) // cached
			}

			srv.freeze()
			for _, h := range hs {
				if err := s.Update(ctx, h, runtime.Change{Set: data("a", "2"), ExpiresAt: exp}); err != nil {
					t.Fatal(err)
				}
				wantData(t, s, h, data("a", "2"))
			}
			srv.thaw()

			if tt.maxPending == 1 {
				// Redis still holds the stale entries: only the bypass
				// keeps them from being served.
				if !e.cached(t, s.Key(hs[1])) {
					t.Fatal("the stale entry is gone already; the case tests nothing")
				}
			}
			eventually(t, "the cache to be used again", func() bool {
				for _, h := range hs {
					wantData(t, s, h, data("a", "2"))
				}
				before := e.queries.Load()
				wantData(t, s, hs[0], data("a", "2"))
				return e.queries.Load() == before
			})
		})
	}
}
