package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
)

// TestFailover runs an application on a primary and a streaming standby
// (pgtest.StartReplicated), connected with a connection string that lists
// both and accepts only the one that takes writes, kills the primary with
// SIGKILL under a load of session writes and sign-outs, promotes the
// standby, and measures: the requests that failed during the switch and
// their status (the error handler's 503, and nothing else), the time until
// requests succeed again in the same process, the acknowledged writes that
// the promoted standby lacks, and the sessions it serves though their
// sign-out was acknowledged. With synchronous replication both must be 0;
// with asynchronous replication the test reports them. It runs with
// SESSIONGEN_DISTRIBUTED=1 (.ci/distributed); -short runs a shorter load.
func TestFailover(t *testing.T) {
	for _, sync := range []bool{true, false} {
		name := map[bool]string{true: "synchronous", false: "asynchronous"}[sync]
		t.Run(name, func(t *testing.T) { failover(t, sync) })
	}
}

// failoverRoutes is the application under load: /create starts a session
// named id, /write sets one key (and marks a session that was not created
// by /create "reborn", as a naive handler would), /flush signs out, /get
// shows the session.
func failoverRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /create", func(w http.ResponseWriter, r *http.Request) {
		runtime.Set(runtime.FromRequest(r), "born", r.FormValue("id"))
		io.WriteString(w, "created")
	})
	mux.HandleFunc("POST /write", func(w http.ResponseWriter, r *http.Request) {
		s := runtime.FromRequest(r)
		if !runtime.Has(s, "born") {
			runtime.Set(s, "reborn", true)
		}
		v, _ := strconv.ParseInt(r.FormValue("v"), 10, 64)
		runtime.Set(s, r.FormValue("k"), v)
		io.WriteString(w, "written")
	})
	mux.HandleFunc("POST /flush", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).Flush()
		io.WriteString(w, "flushed")
	})
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		born, ok := runtime.Get[string](runtime.FromRequest(r), "born")
		if !ok {
			born = "-"
		}
		io.WriteString(w, born)
	})
	return mux
}

// failoverSession is a session a worker created, and what the servers
// acknowledged of it.
type failoverSession struct {
	id, token string
	acked     map[string]int64 // keys written with a 200
	flushed   bool             // its sign-out was acknowledged
	replaced  bool             // a response gave the worker another session: this one was lost
}

// response is one answer the load got.
type response struct {
	at     time.Time
	status string // "200", "503", or "transport error"
	write  bool   // an acknowledged write
}

// failoverLoad is the workers' record.
type failoverLoad struct {
	mu        sync.Mutex
	responses []response
	sessions  []*failoverSession
	killed    time.Time         // when the primary's processes were all gone
	okSince   map[int]time.Time // each worker's first 200 after killed
	errs      []string
}

// record notes a response to worker.
func (f *failoverLoad) record(worker int, status string, write bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.responses = append(f.responses, response{at: now, status: status, write: write})
	if _, ok := f.okSince[worker]; !ok && status == "200" && !f.killed.IsZero() {
		f.okSince[worker] = now
	}
}

// markKilled starts the wait for every worker to succeed again.
func (f *failoverLoad) markKilled() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.killed = time.Now()
}

func (f *failoverLoad) fail(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.errs) < 20 {
		f.errs = append(f.errs, fmt.Sprintf(format, args...))
	}
}

// recovered reports whether each of n workers has had a 200 since the
// kill.
func (f *failoverLoad) recovered(n int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.okSince) == n
}

// window is what the load got between two times.
type window struct {
	statuses map[string]int
	writes   int       // acknowledged
	firstOK  time.Time // the first 200, if any
}

// between tallies the responses answered in [from, to).
func (f *failoverLoad) between(from, to time.Time) window {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := window{statuses: map[string]int{}}
	for _, r := range f.responses {
		if r.at.Before(from) || !r.at.Before(to) {
			continue
		}
		w.statuses[r.status]++
		if r.write {
			w.writes++
		}
		if r.status == "200" && w.firstOK.IsZero() {
			w.firstOK = r.at
		}
	}
	return w
}

// failoverSize returns the workers and the seconds of load before the
// kill and after the recovery: less with -short.
func failoverSize() (workers int, before, after time.Duration) {
	if testing.Short() {
		return 4, 2 * time.Second, time.Second
	}
	return 8, 10 * time.Second, 5 * time.Second
}

// promoteDelay is how long the test leaves the primary dead before it
// promotes the standby: a stand-in for failure detection, which a
// deployment's tooling (pg_auto_failover, Patroni) takes seconds to do.
const promoteDelay = time.Second

func failover(t *testing.T, synchronous bool) {
	r := pgtest.StartReplicated(t, synchronous)
	cfg, err := pgxpool.ParseConfig(r.URL())
	if err != nil {
		t.Fatal(err)
	}
	workers, loadBefore, loadAfter := failoverSize()
	cfg.MaxConns = int32(workers)
	srv := pgstoretest.Serve(t, cfg, failoverRoutes(), runtime.WithLogger(slog.New(slog.DiscardHandler)))
	client := srv.Client()
	client.Timeout = 30 * time.Second

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	f := &failoverLoad{okSince: map[int]time.Time{}}
	var stop atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Go(func() { f.worker(ctx, client, srv.URL, w, &stop) })
	}
	stopLoad := sync.OnceFunc(func() { stop.Store(true); wg.Wait() })
	defer stopLoad()

	lag := sampleLag(t, r, loadBefore)
	killing := time.Now()
	r.Primary.Kill(t)
	f.markKilled()
	time.Sleep(promoteDelay)
	promoting := time.Now()
	r.Standby.Promote(t)
	promoted := time.Now()
	for deadline := time.Now().Add(time.Minute); !f.recovered(workers); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not every worker succeeded within a minute of the promotion: %v", f.between(killing, time.Now()).statuses)
		}
	}
	recovered := time.Now()
	time.Sleep(loadAfter)
	stopLoad()
	end := time.Now()
	if ctx.Err() != nil {
		t.Fatal("the load ran past its deadline")
	}

	mode := map[bool]string{true: "synchronous", false: "asynchronous"}[synchronous]
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	t.Logf("%s replication, %d workers: primary killed (SIGKILL, every process; took %v) after %v of load; pg_ctl promote %v later took %v",
		mode, workers, ms(f.killed.Sub(killing)), ms(killing.Sub(start)), promoteDelay, ms(promoted.Sub(promoting)))
	windows := []struct {
		name     string
		from, to time.Time
	}{
		{"before the kill", start, killing},
		{"killing, until promoting", killing, promoting},
		{"promoting, until every worker succeeded", promoting, recovered},
		{"after", recovered, end},
	}
	for _, w := range windows {
		got := f.between(w.from, w.to)
		t.Logf("  %s (%v): %d writes acknowledged; responses %v", w.name, ms(w.to.Sub(w.from)), got.writes, got.statuses)
		for status := range got.statuses {
			if status != "200" && status != "503" {
				t.Errorf("%s: responses %q, want only 200 and the error handler's 503", w.name, status)
			}
		}
	}
	before := f.between(start, killing)
	again := f.between(f.killed, end)
	t.Logf("acknowledged writes before the kill: %.0f/s; the standby's flush behind the primary's, sampled every 100 ms: at most %d bytes of WAL, flush_lag at most %v",
		float64(before.writes)/killing.Sub(start).Seconds(), lag.bytes, lag.flush)
	t.Logf("requests succeed again: the first %v after the kill (%v after pg_ctl promote began), every worker's %v after it (%v)",
		ms(again.firstOK.Sub(killing)), ms(again.firstOK.Sub(promoting)), ms(recovered.Sub(killing)), ms(recovered.Sub(promoting)))
	for _, e := range f.errs {
		t.Error(e)
	}

	lost, resurrected, lostSessions, checked := f.check(t, r.Standby.URL())
	t.Logf("on the promoted standby: %d acknowledged writes checked, %d lost; %d sessions lost; %d signed-out sessions back",
		checked, lost, lostSessions, resurrected)
	if synchronous && lost+resurrected+lostSessions != 0 {
		t.Errorf("synchronous replication lost %d acknowledged writes and %d sessions, and brought back %d signed-out sessions; want 0",
			lost, lostSessions, resurrected)
	}
}

// replicationLag is the most the standby was seen behind the primary.
type replicationLag struct {
	bytes int64         // WAL flushed on the primary, not yet on the standby
	flush time.Duration // pg_stat_replication.flush_lag
}

// sampleLag samples the primary's pg_stat_replication every 100 ms for
// the time before, and returns the most the standby was behind.
func sampleLag(t *testing.T, r *pgtest.Replicated, before time.Duration) replicationLag {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), before+time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, r.Primary.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var most replicationLag
	for end := time.Now().Add(before); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		var bytes int64
		var flush time.Duration
		err := conn.QueryRow(ctx, `SELECT coalesce(pg_wal_lsn_diff(pg_current_wal_flush_lsn(), flush_lsn)::bigint, 0), coalesce(flush_lag, '0')
			FROM pg_stat_replication`).Scan(&bytes, &flush)
		if err != nil {
			t.Fatalf("sampling replication lag: %v", err)
		}
		most.bytes, most.flush = max(most.bytes, bytes), max(most.flush, flush)
	}
	return most
}

// worker drives one browser. An even worker is a writer: it keeps one
// session and writes a new key to it on each request, so that every write
// it had acknowledged is checked at the end. An odd one signs in and out:
// it creates a session, writes to it and signs out, again and again, so
// that many acknowledged sign-outs are checked.
func (f *failoverLoad) worker(ctx context.Context, client *http.Client, base string, w int, stop *atomic.Bool) {
	var s *failoverSession
	for seq := int64(1); !stop.Load() && ctx.Err() == nil; seq++ {
		switch {
		case s == nil:
			id := fmt.Sprintf("w%d-%d", w, seq)
			status, token := f.send(ctx, client, base+"/create?id="+id, "", w, false)
			if status == http.StatusOK && token != "" {
				s = &failoverSession{id: id, token: token, acked: map[string]int64{}}
				f.add(s)
			}
		case w%2 == 1 && len(s.acked) > 0:
			if status, _ := f.send(ctx, client, base+"/flush", s.token, w, false); status == http.StatusOK {
				f.mu.Lock()
				s.flushed = true
				f.mu.Unlock()
				s = nil
			}
		default:
			key := "k" + strconv.FormatInt(seq, 10)
			status, token := f.send(ctx, client, fmt.Sprintf("%s/write?k=%s&v=%d", base, key, seq), s.token, w, true)
			if status != http.StatusOK {
				continue
			}
			f.mu.Lock()
			if token != "" && token != s.token {
				// The session was not found: the write went to a new one.
				s.replaced = true
				s = nil
			} else {
				s.acked[key] = seq
			}
			f.mu.Unlock()
		}
	}
}

func (f *failoverLoad) add(s *failoverSession) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions = append(f.sessions, s)
}

// send posts to url with token as the session cookie and records the
// outcome (a write's, when write); it returns the status (0 for a
// transport error) and the session cookie the response set, if any.
func (f *failoverLoad) send(ctx context.Context, client *http.Client, url, token string, w int, write bool) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		f.fail("%v", err)
		return 0, ""
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			f.record(w, "transport error", false)
			f.fail("POST %s: %v", url, err)
		}
		return 0, ""
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	f.record(w, strconv.Itoa(resp.StatusCode), write && resp.StatusCode == http.StatusOK)
	for _, c := range resp.Cookies() {
		if c.Name == runtime.DefaultCookieName && c.MaxAge >= 0 {
			return resp.StatusCode, c.Value
		}
	}
	return resp.StatusCode, ""
}

// check reads every session the workers created from the server at url and
// counts the acknowledged writes it lacks, the signed-out sessions it
// holds, and the sessions lost (missing, or replaced by a new one during
// the load).
func (f *failoverLoad) check(t *testing.T, url string) (lost, resurrected, lostSessions, checked int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range f.sessions {
		h, _ := runtime.HashToken(s.token)
		var raw []byte
		err := conn.QueryRow(ctx, "SELECT convert_from(data, 'UTF8') FROM sessiongen_sessions WHERE token_hash = $1 AND expires_at > now()", h[:]).Scan(&raw)
		switch {
		case s.flushed:
			if err == nil {
				resurrected++
			} else if err != pgx.ErrNoRows {
				t.Fatal(err)
			}
			continue
		case err == pgx.ErrNoRows || s.replaced:
			lostSessions++
			lost += len(s.acked)
			checked += len(s.acked)
			continue
		case err != nil:
			t.Fatal(err)
		}
		var data map[string]any
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Fatal(err)
		}
		if _, ok := data["reborn"]; ok {
			t.Errorf("session %s: a write landed in a session that /create did not make", s.id)
		}
		for _, k := range slices.Sorted(maps.Keys(s.acked)) {
			checked++
			if got, ok := data[k].(float64); !ok || int64(got) != s.acked[k] {
				lost++
				if lost <= 5 {
					t.Logf("session %s: acknowledged %s=%d, stored %v", s.id, k, s.acked[k], data[k])
				}
			}
		}
	}
	if n := len(f.sessions); n == 0 || checked == 0 {
		t.Fatalf("%d sessions, %d acknowledged writes: the load wrote nothing to check", n, checked)
	}
	return lost, resurrected, lostSessions, checked
}
