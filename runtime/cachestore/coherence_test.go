package cachestore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/syncbuf"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// This file runs app instances side by side, as a deployment does: each
// with a pool, a Redis client, a cachestore.Store, a manager and an HTTP
// server of its own, all over one PostgreSQL table and one Redis under one
// prefix. Clients go through the servers, and check what they read against
// what the servers acknowledged.

// lineLog is an instance's log output.
type lineLog struct{ syncbuf.Buffer }

// lines returns the logged lines that contain s.
func (l *lineLog) lines(s string) []string {
	var out []string
	for line := range strings.Lines(l.String()) {
		if strings.Contains(line, s) {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// instance is one app instance of a cluster.
type instance struct {
	url  string
	logs *lineLog
}

// cluster is app instances over one table and one Redis.
type cluster struct {
	pg        *pgstore.Store // the table, read behind the caches' backs
	instances []*instance
	client    *http.Client
}

// newCluster starts n instances, closed when t ends.
func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	addr := sharedRedis(t).Options().Addr
	prefix := newPrefix(t, redisClient(t, addr))
	cfg := pgtest.PoolConfig(t) // one schema, so one table, for all
	c := &cluster{client: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64},
	}}
	t.Cleanup(c.client.CloseIdleConnections)
	for i := range n {
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg.Copy())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		pg := pgstore.New(pool)
		if i == 0 {
			if err := pgstore.Migrate(context.Background(), pool); err != nil {
				t.Fatal(err)
			}
			c.pg = pg
		}
		logs := &lineLog{}
		logger := slog.New(slog.NewTextHandler(logs, nil))
		// The timeout is generous so that a slow, loaded CI machine does not
		// read as Redis being down: here, Redis never is. The short retry
		// interval brings an instance that took it for down back within
		// the test's span, while the other may be up: the case where one
		// instance skips invalidations and the other serves the entries.
		store := cachestore.New(pg, redisClient(t, addr), cachestore.WithPrefix(prefix),
			cachestore.WithTimeout(5*time.Second), cachestore.WithRetryInterval(20*time.Millisecond),
			cachestore.WithLogger(logger), cachestore.WithLogInterval(time.Nanosecond))
		mgr, err := runtime.NewManager(store, runtime.WithLogger(logger))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(mgr.Middleware(app(store)))
		t.Cleanup(srv.Close)
		c.instances = append(c.instances, &instance{url: srv.URL, logs: logs})
	}
	return c
}

// view is what a response says of the session, as its handler saw it.
type view struct {
	Found   bool   `json:"found"`   // the session holds data
	ID      string `json:"id"`      // names the session, across cycles
	A       int    `json:"a"`       // a counter written with Get and Set
	B       int    `json:"b"`       // a counter written with Update
	Deleted int64  `json:"deleted"` // sessions a sign-out everywhere ended
}

// app is an instance's handlers. Each write derives its value from what it
// read, as a cart does: a stale read makes it undo an acknowledged write.
func app(store *cachestore.Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /inc", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		a, _ := runtime.Get[int](sess, "a")
		runtime.Set(sess, "a", a+1)
		name(sess, r)
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /upd", func(w http.ResponseWriter, r *http.Request) {
		sess := runtime.FromRequest(r)
		runtime.Update(sess, "b", func(b int, _ bool) int { return b + 1 })
		name(sess, r)
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /cycle", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).CycleKey()
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /signin", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).SignIn(r.FormValue("user"))
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /flush", func(w http.ResponseWriter, r *http.Request) {
		runtime.FromRequest(r).Flush()
		writeView(w, r, 0)
	})
	mux.HandleFunc("POST /signout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		user, ok := runtime.FromRequest(r).BoundUser()
		if !ok {
			http.Error(w, "not signed in", http.StatusBadRequest)
			return
		}
		deleted, err := store.DeleteUserSessions(r.Context(), user, runtime.TokenHash{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		writeView(w, r, int64(len(deleted)))
	})
	return mux
}

// name gives a new session the id its creator chose.
func name(sess *runtime.Session, r *http.Request) {
	if !runtime.Has(sess, "id") {
		runtime.Set(sess, "id", r.FormValue("id"))
	}
}

// writeView answers with the session as the handler sees it.
func writeView(w http.ResponseWriter, r *http.Request, deleted int64) {
	sess := runtime.FromRequest(r)
	id, found := runtime.Get[string](sess, "id")
	a, _ := runtime.Get[int](sess, "a")
	b, _ := runtime.Get[int](sess, "b")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(view{Found: found, ID: id, A: a, B: b, Deleted: deleted})
}

// reply is a response: the handler's view, and the session cookie it set,
// if any ("" with gone set when it expired the cookie).
type reply struct {
	view
	token string
	gone  bool
}

// do sends a request with the session token (none when "") to inst.
func (c *cluster) do(ctx context.Context, inst *instance, method, path, token string) (reply, error) {
	req, err := http.NewRequestWithContext(ctx, method, inst.url+path, nil)
	if err != nil {
		return reply{}, err
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: runtime.DefaultCookieName, Value: token})
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return reply{}, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(body))
	}
	var rep reply
	if err := json.Unmarshal(body, &rep.view); err != nil {
		return reply{}, fmt.Errorf("%s %s: %w: %s", method, path, err, body)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == runtime.DefaultCookieName {
			rep.token, rep.gone = ck.Value, ck.MaxAge < 0
		}
	}
	return rep, nil
}

// stored returns the session under token as the table holds it, behind
// every cache, and whether there is one.
func (c *cluster) stored(t *testing.T, token string) (view, bool) {
	t.Helper()
	h, ok := runtime.HashToken(token)
	if !ok {
		t.Fatalf("a token of the wrong shape: %q", token)
	}
	rec, err := c.pg.Load(context.Background(), h)
	if err == runtime.ErrNotFound {
		return view{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	var v view
	for k, dst := range map[string]any{"id": &v.ID, "a": &v.A, "b": &v.B} {
		if raw, ok := rec.Data[k]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				t.Fatal(err)
			}
		}
	}
	v.Found = v.ID != ""
	return v, true
}

// unavailable returns the "redis unavailable" lines the instances logged.
func (c *cluster) unavailable() []string {
	var out []string
	for _, inst := range c.instances {
		out = append(out, inst.logs.lines("unavailable")...)
	}
	return out
}

// tally counts violations of coherence; every one must stay 0.
type tally struct {
	stale     atomic.Int64 // a read saw less than was acknowledged before it started
	lost      atomic.Int64 // an acknowledged write was undone, or is not stored at the end
	resurrect atomic.Int64 // a read saw a session deleted (or moved) before it started
	vanished  atomic.Int64 // a read missed a session that nothing was deleting
	crossed   atomic.Int64 // a read saw another session's data
	failed    atomic.Int64 // a request failed
}

func (n *tally) String() string {
	return fmt.Sprintf("stale reads %d, lost writes %d, served after deletion %d, vanished %d, crossed %d, failed requests %d",
		n.stale.Load(), n.lost.Load(), n.resurrect.Load(), n.vanished.Load(), n.crossed.Load(), n.failed.Load())
}

func (n *tally) zero() bool {
	return n.stale.Load()+n.lost.Load()+n.resurrect.Load()+n.vanished.Load()+n.crossed.Load()+n.failed.Load() == 0
}

// TestReportedIncoherence replays issue 12's reports through two instances
// with Redis up throughout: a write followed by 12 parallel reads of the
// session through one instance, as a page and its fragments load, must log
// no "unavailable", and the other instance must then read the write; and a
// user's strictly sequential read-modify-write requests, alternating
// between the instances, each followed by such a page load, must lose none.
func TestReportedIncoherence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writes int
		writer func(i int) int // the instance of the i-th write
	}{
		{"ParallelReadsAfterWrite", 20, func(int) int { return 0 }},
		{"SequentialWritesAlternating", 150, func(i int) int { return i % 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const pageReads = 12
			c := newCluster(t, 2)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var n tally
			token, acked := "", 0
			for i := range tt.writes {
				w := c.instances[tt.writer(i)]
				rep, err := c.do(ctx, w, "POST", "/inc?id=s", token)
				if err != nil {
					t.Fatalf("write %d: %v", i+1, err)
				}
				if rep.token != "" {
					token = rep.token
				}
				if rep.A != acked+1 {
					n.lost.Add(1)
					t.Logf("write %d through instance %d read a=%d, not %d: an acknowledged write was undone", i+1, tt.writer(i), rep.A-1, acked)
				}
				acked = rep.A
				var page sync.WaitGroup
				for range pageReads {
					page.Go(func() { c.checkRead(ctx, &n, w, token, "s", rep.A, 0) })
				}
				page.Wait()
				c.checkRead(ctx, &n, c.instances[1-tt.writer(i)], token, "s", rep.A, 0)
			}
			if v, ok := c.stored(t, token); !ok || v.A != acked {
				n.lost.Add(1)
				t.Errorf("stored a = %d (found %v), want %d", v.A, ok, acked)
			}
			t.Logf("%d writes: %s; %d unavailable lines", tt.writes, &n, len(c.unavailable()))
			if lines := c.unavailable(); len(lines) != 0 {
				t.Errorf("an instance logged Redis as unavailable while it was up, %d times; first: %s", len(lines), lines[0])
			}
			if !n.zero() {
				t.Errorf("incoherent: %s", &n)
			}
		})
	}
}

// checkRead reads the session under token through inst and counts a read
// that does not see id with at least a and b.
func (c *cluster) checkRead(ctx context.Context, n *tally, inst *instance, token, id string, a, b int) {
	rep, err := c.do(ctx, inst, "GET", "/get", token)
	switch {
	case err != nil:
		n.failed.Add(1)
	case !rep.Found:
		n.vanished.Add(1)
	case rep.ID != id:
		n.crossed.Add(1)
	case rep.A < a || rep.B < b:
		n.stale.Add(1)
	}
}

// device is one browser of a user: the session its cookie names, and what
// the servers acknowledged of it. Readers take a snapshot of it under mu.
type device struct {
	mu    sync.Mutex
	token string // "" when it has no session
	id    string
	a, b  int
	epoch int // counts the requests that end or move the session, from their start
	bound bool
}

// deviceState is a snapshot of a device.
type deviceState struct {
	token, id string
	a, b      int
	epoch     int
	bound     bool
}

func (d *device) snapshot() deviceState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return deviceState{token: d.token, id: d.id, a: d.a, b: d.b, epoch: d.epoch, bound: d.bound}
}

// graveyard holds the tokens whose session a request ended, or moved, and
// that request was acknowledged.
type graveyard struct {
	mu     sync.Mutex
	tokens []string
}

func (g *graveyard) add(tokens ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tokens = append(g.tokens, tokens...)
}

// pick returns a random buried token, or "".
func (g *graveyard) pick(rng *rand.Rand) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.tokens) == 0 {
		return ""
	}
	return g.tokens[rng.IntN(len(g.tokens))]
}

// since returns the tokens buried after the first n.
func (g *graveyard) since(n int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.tokens[n:]...)
}

func (g *graveyard) len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.tokens)
}

// workload is the coherence test's run: users that each drive their devices'
// sessions through random instances, one request at a time, and readers
// that read those sessions, and the ended ones, through random instances at
// the same time.
type workload struct {
	c       *cluster
	n       *tally
	dead    graveyard
	users   [][]*device
	ops     atomic.Int64
	reads   atomic.Int64
	session atomic.Int64 // names new sessions
}

// TestCoherenceUnderLoad mixes, across two instances, reads, per-key
// read-modify-writes (Get and Set, and Update), CycleKey, SignIn, Flush and
// "sign out everywhere" (DeleteUserSessions), and counts: reads that started
// after a write was acknowledged and do not see it, acknowledged writes
// undone or missing from the table at the end, reads that see a session
// after its deletion (or after a CycleKey moved it) was acknowledged,
// sessions that go missing, and "unavailable" log lines. All must be 0.
func TestCoherenceUnderLoad(t *testing.T) {
	t.Parallel()
	const (
		instances     = 2
		users         = 6
		devices       = 2 // per user
		opsPerUser    = 60
		readers       = 6
		readsByReader = 150
		pageReads     = 12 // parallel reads after some writes
	)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l := &workload{c: newCluster(t, instances), n: &tally{}}
	for range users {
		var ds []*device
		for range devices {
			ds = append(ds, &device{})
		}
		l.users = append(l.users, ds)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() { l.user(ctx, t, u, opsPerUser, pageReads) })
	}
	for r := range readers {
		wg.Go(func() { l.reader(ctx, r, readsByReader) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the load did not finish before its deadline: %s", l.n)
	}
	l.final(ctx, t)
	t.Logf("%d instances, %d users: %d requests that write or end sessions, %d checked reads, %d ended sessions, in %v",
		instances, users, l.ops.Load(), l.reads.Load(), l.dead.len(), time.Since(start).Round(time.Millisecond))
	lines := l.c.unavailable()
	t.Logf("%s; %d unavailable lines", l.n, len(lines))
	if len(lines) != 0 {
		t.Errorf("an instance logged Redis as unavailable while it was up, %d times; first: %s", len(lines), lines[0])
	}
	if !l.n.zero() {
		t.Errorf("incoherent: %s", l.n)
	}
}

// user drives user u's devices: ops requests, each to a random instance.
func (l *workload) user(ctx context.Context, t *testing.T, u, ops, pageReads int) {
	rng := rand.New(rand.NewPCG(uint64(u), 12))
	for range ops {
		if ctx.Err() != nil {
			return
		}
		d := l.users[u][rng.IntN(len(l.users[u]))]
		inst := l.c.instances[rng.IntN(len(l.c.instances))]
		l.ops.Add(1)
		buried := l.dead.len()
		wrote, err := l.step(ctx, u, d, inst, rng)
		if err != nil {
			l.n.failed.Add(1)
			t.Logf("user %d: %v", u, err)
			continue
		}
		if wrote && rng.IntN(3) == 0 {
			l.page(ctx, d, l.c.instances[rng.IntN(len(l.c.instances))], pageReads)
		}
		// Sessions whose end or move was acknowledged meanwhile, this one's
		// included, must be gone from every instance at once.
		for _, token := range l.dead.since(buried) {
			for _, other := range l.c.instances {
				l.readDead(ctx, other, token)
			}
		}
	}
}

// step sends one request of d's, chosen at random, and records what it
// acknowledged. It reports whether the request wrote the session's data.
func (l *workload) step(ctx context.Context, u int, d *device, inst *instance, rng *rand.Rand) (bool, error) {
	now := d.snapshot()
	if now.token == "" {
		return true, l.create(ctx, d, inst)
	}
	switch p := rng.IntN(100); {
	case p < 35:
		return true, l.write(ctx, d, inst, "/inc")
	case p < 60:
		return true, l.write(ctx, d, inst, "/upd")
	case p < 72:
		return false, l.move(ctx, d, inst, "/cycle", false)
	case p < 81:
		return false, l.flush(ctx, d, inst)
	case p < 90 || !now.bound:
		return false, l.move(ctx, d, inst, fmt.Sprintf("/signin?user=user%d", u), true)
	default:
		return false, l.signOutEverywhere(ctx, l.users[u], d, inst)
	}
}

// create starts a session on d.
func (l *workload) create(ctx context.Context, d *device, inst *instance) error {
	id := fmt.Sprintf("s%d", l.session.Add(1))
	rep, err := l.c.do(ctx, inst, "POST", "/inc?id="+id, "")
	if err != nil {
		return err
	}
	if rep.token == "" || rep.A != 1 || rep.ID != id {
		return fmt.Errorf("create: token %q, view %+v", rep.token, rep.view)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.token, d.id, d.a, d.b, d.bound = rep.token, id, 1, 0, false
	return nil
}

// write increments a counter of d's session through path.
func (l *workload) write(ctx context.Context, d *device, inst *instance, path string) error {
	was := d.snapshot()
	rep, err := l.c.do(ctx, inst, "POST", path+"?id="+was.id, was.token)
	if err != nil {
		return err
	}
	l.checkOwn(rep, was, path)
	d.mu.Lock()
	defer d.mu.Unlock()
	if path == "/inc" {
		// Set stores what the handler computed, right or wrong.
		d.a = rep.A
	} else {
		// Update's compare-and-set stores the increment of what is stored.
		d.b = was.b + 1
	}
	return nil
}

// checkOwn counts a write whose handler did not see what was acknowledged
// before it, as it must, being its session's only writer.
func (l *workload) checkOwn(rep reply, was deviceState, path string) {
	wantA, wantB := was.a, was.b
	switch path {
	case "/inc":
		wantA++
	case "/upd":
		wantB++
	}
	switch {
	case !rep.Found:
		l.n.vanished.Add(1)
	case rep.ID != was.id:
		l.n.crossed.Add(1)
	case rep.A != wantA || rep.B != wantB:
		l.n.stale.Add(1)
		if path == "/inc" && rep.A < wantA {
			l.n.lost.Add(1) // Set stored a value older than the acknowledged one
		}
	}
}

// move gives d's session a new token (CycleKey, or SignIn when bind).
func (l *workload) move(ctx context.Context, d *device, inst *instance, path string, bind bool) error {
	d.mu.Lock()
	d.epoch++
	was := deviceState{token: d.token, id: d.id, a: d.a, b: d.b}
	d.mu.Unlock()
	rep, err := l.c.do(ctx, inst, "POST", path, was.token)
	if err != nil {
		return err
	}
	l.checkOwn(rep, was, path)
	if rep.token == "" || rep.gone {
		return fmt.Errorf("%s: no new token", path)
	}
	d.mu.Lock()
	d.token = rep.token
	d.bound = d.bound || bind
	d.mu.Unlock()
	l.dead.add(was.token)
	return nil
}

// flush signs d out.
func (l *workload) flush(ctx context.Context, d *device, inst *instance) error {
	d.mu.Lock()
	d.epoch++
	token := d.token
	d.mu.Unlock()
	rep, err := l.c.do(ctx, inst, "POST", "/flush", token)
	if err != nil {
		return err
	}
	if !rep.gone {
		return fmt.Errorf("flush: the cookie was not expired")
	}
	l.bury(d)
	l.dead.add(token)
	return nil
}

// signOutEverywhere ends, from d, which is signed in, every session of d's
// user bound by a sign-in.
func (l *workload) signOutEverywhere(ctx context.Context, user []*device, d *device, inst *instance) error {
	var bound []*device
	var tokens []string
	for _, x := range user {
		x.mu.Lock()
		if x.bound {
			x.epoch++
			bound = append(bound, x)
			tokens = append(tokens, x.token)
		}
		x.mu.Unlock()
	}
	rep, err := l.c.do(ctx, inst, "POST", "/signout-everywhere", d.snapshot().token)
	if err != nil {
		return err
	}
	if rep.Deleted != int64(len(bound)) {
		return fmt.Errorf("sign out everywhere deleted %d sessions, want %d", rep.Deleted, len(bound))
	}
	for _, x := range bound {
		l.bury(x)
	}
	l.dead.add(tokens...)
	return nil
}

// bury records that d has no session any more.
func (l *workload) bury(d *device) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.token, d.id, d.a, d.b, d.bound = "", "", 0, 0, false
}

// page reads d's session through inst with n parallel requests.
func (l *workload) page(ctx context.Context, d *device, inst *instance, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { l.readLive(ctx, d, inst) })
	}
	wg.Wait()
}

// reader makes n reads, of live sessions and of ended ones, each through a
// random instance.
func (l *workload) reader(ctx context.Context, r, n int) {
	rng := rand.New(rand.NewPCG(uint64(r), 34))
	for range n {
		if ctx.Err() != nil {
			return
		}
		inst := l.c.instances[rng.IntN(len(l.c.instances))]
		if rng.IntN(4) == 0 {
			if token := l.dead.pick(rng); token != "" {
				l.readDead(ctx, inst, token)
				continue
			}
		}
		user := l.users[rng.IntN(len(l.users))]
		l.readLive(ctx, user[rng.IntN(len(user))], inst)
	}
}

// readLive reads d's session through inst: it must see what was
// acknowledged before the read started, or later writes, unless a request
// that ends or moves the session started meanwhile.
func (l *workload) readLive(ctx context.Context, d *device, inst *instance) {
	was := d.snapshot()
	if was.token == "" {
		return
	}
	l.reads.Add(1)
	rep, err := l.c.do(ctx, inst, "GET", "/get", was.token)
	if err != nil {
		if ctx.Err() == nil {
			l.n.failed.Add(1)
		}
		return
	}
	switch {
	case !rep.Found:
		if d.snapshot().epoch == was.epoch {
			l.n.vanished.Add(1)
		}
	case rep.ID != was.id:
		l.n.crossed.Add(1)
	case rep.A < was.a || rep.B < was.b:
		l.n.stale.Add(1)
	}
}

// readDead reads an ended session through inst: it must be gone.
func (l *workload) readDead(ctx context.Context, inst *instance, token string) {
	l.reads.Add(1)
	rep, err := l.c.do(ctx, inst, "GET", "/get", token)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			l.n.failed.Add(1)
		}
	case rep.Found:
		l.n.resurrect.Add(1)
	}
}

// final checks, once the load is over, that the table holds each live
// session's last acknowledged values and none of the ended ones, and that
// every instance reads exactly that.
func (l *workload) final(ctx context.Context, t *testing.T) {
	t.Helper()
	for _, user := range l.users {
		for _, d := range user {
			s := d.snapshot()
			if s.token == "" {
				continue
			}
			if v, ok := l.c.stored(t, s.token); !ok || v.ID != s.id || v.A != s.a || v.B != s.b {
				l.n.lost.Add(1)
				t.Logf("session %s: stored %+v (found %v), acknowledged a=%d b=%d", s.id, v, ok, s.a, s.b)
			}
			for _, inst := range l.c.instances {
				for range 2 { // the first read may fill, the second hits
					l.readLive(ctx, d, inst)
				}
			}
		}
	}
	for _, token := range l.dead.since(0) {
		if _, ok := l.c.stored(t, token); ok {
			l.n.resurrect.Add(1)
		}
		for _, inst := range l.c.instances {
			l.readDead(ctx, inst, token)
		}
	}
}
