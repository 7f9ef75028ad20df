package runtime_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// failingLoads makes Load fail while on is set, over a real store.
type failingLoads struct {
	runtime.Store
	on atomic.Bool
}

var errStoreDown = errors.New("store is down")

func (s *failingLoads) Load(ctx context.Context, h runtime.TokenHash) (runtime.Record, error) {
	if s.on.Load() {
		return runtime.Record{}, errStoreDown
	}
	return s.Store.Load(ctx, h)
}

func TestLoadFailureNeverBecomesAnEmptySession(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		mux := routesWith("/overwrite", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			if _, ok := runtime.Get[string](s, "a"); !ok {
				// What a handler would do with what looks like a new
				// session: start it afresh.
				runtime.Set(s, "b", "fresh")
				runtime.Delete(s, "a")
			}
			w.Header().Set("X-Handler", "yes")
			w.Write([]byte("handler response"))
		})
		e := newStoreEnv(t, kind)
		fl := &failingLoads{Store: e.store}
		e.store = fl
		e.start(mux)

		e.get("/set?k=a&v=1")
		token := e.token()
		fl.on.Store(true)
		resp, body := e.get("/overwrite")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("store down: status %d, want 503", resp.StatusCode)
		}
		if strings.Contains(body, "handler response") || resp.Header.Get("X-Handler") != "" {
			t.Errorf("store down: the handler's response went out: %q %v", body, resp.Header)
		}
		if c := sessionCookie(resp); c != nil {
			t.Errorf("store down: cookie %v was set", c)
		}
		fl.on.Store(false)
		rec := e.load(token)
		if string(rec.Data["a"]) != `"1"` || rec.Data["b"] != nil {
			t.Fatalf("stored session changed during the outage: %s", rec.Data)
		}
	})
}

func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig("postgres://sessiongen@127.0.0.1:1/none?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	logs := &syncbuf.Buffer{}
	e := &env{t: t, logs: logs}
	mgr := newManager(t, pgstore.New(pool), runtime.WithLogger(slogTo(logs)))
	e.srv = newTLSServer(t, mgr.Middleware(routes()))
	e.client = e.newClient()

	for _, path := range []string{"/get?k=a", "/set?k=a&v=1"} {
		e.setToken(strings.Repeat("A", 43)) // well-formed, unknown
		resp, _ := e.get(path)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s with the database unreachable: status %d, want 503", path, resp.StatusCode)
		}
	}
	resp, body := e.get("/nothing")
	if resp.StatusCode != http.StatusOK || body != "ok" {
		t.Errorf("a handler that ignores the session failed with the database down: %d %q", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "session error") {
		t.Errorf("outage not logged:\n%s", logs)
	}
}

func TestInvalidValueFailsTheSave(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, routesWith("/nan", func(w http.ResponseWriter, r *http.Request) {
			s := runtime.FromRequest(r)
			runtime.Set(s, "ok", "fine")
			runtime.Set(s, "bad", func() {})
		}))
		e.get("/set?k=a&v=1")
		token := e.token()
		resp, _ := e.get("/nan")
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("unencodable value: status %d, want 500", resp.StatusCode)
		}
		if !strings.Contains(e.logs.String(), `set session key \"bad\"`) {
			t.Errorf("error does not name the key; logs:\n%s", e.logs)
		}
		rec := e.load(token)
		if rec.Data["ok"] != nil {
			t.Fatalf("part of a failed save was written: %s", rec.Data)
		}
	})
}

func TestDumpHoldsNoToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "pgstore", routes())
	var tokens []string
	for range 5 {
		c := e.newClient()
		e.do(c, http.MethodGet, "/set?k=a&v=1")
		e.client = c
		tokens = append(tokens, e.token())
	}
	rows, err := e.pool.Query(context.Background(), "SELECT row_to_json(s)::text FROM sessiongen_sessions s")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var dump strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		dump.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Count(dump.String(), "\n") != len(tokens) {
		t.Fatalf("dump has %d rows, want %d", strings.Count(dump.String(), "\n"), len(tokens))
	}
	for _, tok := range tokens {
		if tok == "" || strings.Contains(dump.String(), tok) {
			t.Fatalf("token %q appears in the dump:\n%s", tok, dump.String())
		}
		h, _ := runtime.HashToken(tok)
		if !strings.Contains(dump.String(), h.String()) {
			t.Fatalf("hash of a token missing from the dump: the test reads the wrong table?\n%s", dump.String())
		}
	}
}

func TestSizeLimit(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		e := newEnv(t, kind, routes(), runtime.WithMaxSize(1000))
		e.get("/set?k=a&v=small")
		token := e.token()
		resp, _ := e.get("/set?k=big&v=" + strings.Repeat("x", 1000))
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("oversized session: status %d, want 500", resp.StatusCode)
		}
		if !strings.Contains(e.logs.String(), "over the limit of 1000") {
			t.Errorf("size error not logged clearly; logs:\n%s", e.logs)
		}
		rec := e.load(token)
		if rec.Data["big"] != nil || string(rec.Data["a"]) != `"small"` {
			t.Fatalf("an oversized save was partly written: %s", rec.Data)
		}
		resp, _ = e.get("/set?k=b&v=" + strings.Repeat("y", 900))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("a session under the limit was refused: %d", resp.StatusCode)
		}
	})
}

func TestNULIsRefusedAlike(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		resp, _ := e.get("/set?k=a&v=x%00y")
		if resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("NUL in a value: status %d, want 500 from every store", resp.StatusCode)
		}
		if !strings.Contains(e.logs.String(), "NUL") {
			t.Errorf("NUL refusal not explained; logs:\n%s", e.logs)
		}
	})
}
