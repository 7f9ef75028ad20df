package pgstore_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
)

// Phases of TestOutageUnderLoad, as the load sees them.
const (
	phaseUp        int32 = iota // the server runs
	phaseStopping               // pg_ctl stop is running
	phaseDown                   // the server is down
	phaseStarting               // pg_ctl start is running
	phaseRestarted              // the server runs again
)

const (
	outageWorkers   = 6
	outageWaitLimit = 60 * time.Second // bounds every wait; never asserted as a duration
)

// outageWorker is one browser of the load: it owns one session and writes
// a new key to it on every request, remembering which writes were
// acknowledged.
type outageWorker struct {
	id    int
	token string

	mu      sync.Mutex
	acked   map[string]int64 // key → value, for 200 responses
	tried   map[string]int64 // key → value, for writes that got an error response
	byPhase map[int32]map[int]int
	okAfter map[int32]int // 200 writes sent in a phase
	errs    []string
}

func (w *outageWorker) fail(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.errs) < 20 {
		w.errs = append(w.errs, fmt.Sprintf("worker %d: ", w.id)+fmt.Sprintf(format, args...))
	}
}

func (w *outageWorker) count(phase int32, status int, key string, v int64, write bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byPhase[phase] == nil {
		w.byPhase[phase] = map[int]int{}
	}
	w.byPhase[phase][status]++
	if !write {
		return
	}
	if status == http.StatusOK {
		w.acked[key] = v
		w.okAfter[phase]++
	} else {
		w.tried[key] = v
	}
}

func (w *outageWorker) oks(phase int32) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.okAfter[phase]
}

func (w *outageWorker) statuses(phase int32, status int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.byPhase[phase][status]
}

// outageRoutes is the application under load. /write behaves as a naive
// handler would with a session that looks new: it marks it "reborn". A
// failed load turned into an empty session would show as that key, or as
// a new token.
func outageRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/born", func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), "born", r.FormValue("id"))
		io.WriteString(w, "born")
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		if !runtime.Has(s, "born") {
			runtime.Set(s, "reborn", true)
		}
		v, _ := strconv.ParseInt(r.FormValue("v"), 10, 64)
		runtime.Set(s, r.FormValue("k"), v)
		w.Header().Set("X-Handler", "yes")
		io.WriteString(w, "handler response")
	})
	mux.HandleFunc("/nothing", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	return mux
}

// waitFor polls cond until it holds, failing t after outageWaitLimit.
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(outageWaitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting for %s", outageWaitLimit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// TestOutageUnderLoad stops the PostgreSQL server under a load of session
// writes, keeps the load going, and starts the server again, once with a
// crash ("immediate") and once with a clean shutdown ("fast"). Requests
// during the outage get the error handler's 503, never the handler's
// response, a panic or a new (empty) session; the same process recovers by
// itself; every acknowledged write is in the table; no goroutine is left
// behind. The cluster is the test's own: the shared server is never
// stopped.
//
// Not parallel: it counts the process's goroutines.
func TestOutageUnderLoad(t *testing.T) {
	cluster := pgtest.StartCluster(t)
	ctx := context.Background()

	cfg, err := pgxpool.ParseConfig(cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	cfg.MaxConns = 4
	logs := &syncbuf.Buffer{}
	srv := pgstoretest.Serve(t, cfg, outageRoutes(),
		runtime.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
		runtime.WithMaxSize(runtime.NoMaxSize)) // the test grows sessions by one key per request
	client := srv.Client()
	client.Timeout = 30 * time.Second

	// send makes one request with token as the session cookie.
	send := func(token, path string) (int, http.Header, string, []*http.Cookie, error) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			return 0, nil, "", nil, err
		}
		if token != "" {
			req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, "", nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(body), resp.Cookies(), err
	}

	workers := make([]*outageWorker, outageWorkers)
	for i := range workers {
		w := &outageWorker{id: i, acked: map[string]int64{}, tried: map[string]int64{},
			byPhase: map[int32]map[int]int{}, okAfter: map[int32]int{}}
		status, _, _, cookies, err := send("", fmt.Sprintf("/born?id=%d", i))
		if err != nil || status != http.StatusOK || len(cookies) != 1 {
			t.Fatalf("creating session %d: %d %v %v", i, status, cookies, err)
		}
		w.token = cookies[0].Value
		workers[i] = w
	}

	var phase atomic.Int32
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for seq := int64(1); ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				p := phase.Load()
				if seq%5 == 0 {
					// A handler that ignores the session works throughout.
					status, _, body, _, err := send(w.token, "/nothing")
					if err != nil || status != http.StatusOK || body != "ok" {
						w.fail("/nothing in phase %d: %d %q %v", p, status, body, err)
					}
					continue
				}
				key := fmt.Sprintf("w%d", seq)
				status, header, body, cookies, err := send(w.token, fmt.Sprintf("/write?k=%s&v=%d", key, seq))
				if err != nil {
					w.fail("write %s in phase %d: %v (a panic or a hang in the server?)", key, p, err)
					continue
				}
				w.count(p, status, key, seq, true)
				switch status {
				case http.StatusOK:
					if body != "handler response" {
						w.fail("write %s: 200 with body %q", key, body)
					}
					if p == phaseDown {
						w.fail("write %s acknowledged while the server was down", key)
					}
				case http.StatusServiceUnavailable:
					if header.Get("X-Handler") != "" || strings.Contains(body, "handler response") {
						w.fail("write %s: the handler's response went out with a 503: %q", key, body)
					}
				default:
					w.fail("write %s in phase %d: status %d %q, want 200 or 503", key, p, status, body)
				}
				for _, c := range cookies {
					if c.Name == runtime.DefaultCookieName && c.Value != w.token {
						w.fail("write %s (status %d, phase %d) replaced the session cookie: %v", key, status, p, c)
					}
				}
			}
		})
	}
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad()

	allWorkers := func(cond func(w *outageWorker) bool) func() bool {
		return func() bool {
			for _, w := range workers {
				if !cond(w) {
					return false
				}
			}
			return true
		}
	}

	waitFor(t, "acknowledged writes before the outage", allWorkers(func(w *outageWorker) bool { return w.oks(phaseUp) >= 10 }))
	for cycle, mode := range []string{"immediate", "fast"} {
		phase.Store(phaseStopping)
		cluster.Stop(t, mode)
		phase.Store(phaseDown)
		waitFor(t, "503 responses during the outage",
			allWorkers(func(w *outageWorker) bool { return w.statuses(phaseDown, http.StatusServiceUnavailable) >= 3 }))
		phase.Store(phaseStarting)
		cluster.Start(t)
		phase.Store(phaseRestarted)
		took := waitFor(t, "the process to recover after the restart (writes acknowledged again)",
			allWorkers(func(w *outageWorker) bool { return w.oks(phaseRestarted) >= 5 }))
		t.Logf("outage %d (stop -m %s): every worker's writes acknowledged again %v after the restart", cycle+1, mode, took.Round(time.Millisecond))
		// The next cycle's "before" figures start from here.
		for _, w := range workers {
			w.mu.Lock()
			w.okAfter = map[int32]int{}
			w.byPhase = map[int32]map[int]int{}
			w.mu.Unlock()
		}
		phase.Store(phaseUp)
		waitFor(t, "writes after the restart", allWorkers(func(w *outageWorker) bool { return w.oks(phaseUp) >= 5 }))
	}
	stopLoad()

	for _, w := range workers {
		for _, e := range w.errs {
			t.Error(e)
		}
	}
	if !strings.Contains(logs.String(), "session error") {
		t.Error("the outage was not logged as a session error")
	}

	// Every acknowledged write is in the table; nothing but the workers'
	// sessions was created.
	conn, err := pgx.Connect(ctx, cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM sessiongen_sessions").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(workers) {
		t.Errorf("%d sessions in the table, want the %d the workers created: an outage created sessions", rows, len(workers))
	}
	acked, ambiguous := 0, 0
	for _, w := range workers {
		h, _ := runtime.HashToken(w.token)
		var data map[string]any
		if err := conn.QueryRow(ctx, "SELECT convert_from(data, 'UTF8')::jsonb FROM sessiongen_sessions WHERE token_hash = $1", h[:]).Scan(&data); err != nil {
			t.Errorf("worker %d: its session is gone: %v", w.id, err)
			continue
		}
		if data["born"] != strconv.Itoa(w.id) {
			t.Errorf("worker %d: born = %v, want %q", w.id, data["born"], strconv.Itoa(w.id))
		}
		if _, ok := data["reborn"]; ok {
			t.Errorf("worker %d: a failed load was saved as an empty session (reborn is set)", w.id)
		}
		lost := 0
		for k, v := range w.acked {
			acked++
			if got, ok := data[k].(float64); !ok || int64(got) != v {
				lost++
				if lost <= 5 {
					t.Errorf("worker %d: acknowledged write %s=%d lost: %v", w.id, k, v, data[k])
				}
			}
		}
		if lost > 5 {
			t.Errorf("worker %d: %d acknowledged writes lost in all", w.id, lost)
		}
		for k := range w.tried {
			if _, ok := data[k]; ok {
				ambiguous++ // committed, but the answer was lost: allowed
			}
		}
		for k := range data {
			if _, ok := w.acked[k]; !ok && k != "born" {
				if _, ok := w.tried[k]; !ok {
					t.Errorf("worker %d: key %s in the table was never written", w.id, k)
				}
			}
		}
	}
	t.Logf("%d acknowledged writes checked; %d writes answered 503 were committed all the same", acked, ambiguous)
	if t.Failed() {
		t.Logf("server log:\n%s", cluster.Log())
	}

	// Nothing of the load is left running once it is shut down, and
	// net/http logged nothing (no handler panicked).
	conn.Close(ctx)
	srv.Shutdown(t, client)
}
