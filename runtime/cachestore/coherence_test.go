package cachestore_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessiongen/sessiongen/internal/coherence"
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
		url := coherence.Serve(t, store, runtime.WithLogger(logger))
		c.instances = append(c.instances, &instance{url: url, logs: logs})
	}
	return c
}

// deployment returns c's instances as the coherence harness drives them.
func (c *cluster) deployment() *coherence.Deployment {
	d := &coherence.Deployment{
		HTTP: c.client,
		Stored: func(t testing.TB, token string) (coherence.View, bool) {
			t.Helper()
			return c.stored(t, token)
		},
		Check: func(t *testing.T) {
			lines := c.unavailable()
			t.Logf("%d unavailable lines", len(lines))
			if len(lines) != 0 {
				t.Errorf("an instance logged Redis as unavailable while it was up, %d times; first: %s", len(lines), lines[0])
			}
		},
	}
	for _, inst := range c.instances {
		d.URLs = append(d.URLs, inst.url)
	}
	return d
}

// startTwo starts the two instances of a coherence test.
func startTwo(t *testing.T) *coherence.Deployment { return newCluster(t, 2).deployment() }

// TestReportedIncoherence replays issue 12's reports through two instances
// with Redis up throughout (coherence.WritesSeen): a write followed by 12
// parallel reads of the session through one instance, as a page and its
// fragments load, must log no "unavailable", and the other instance must
// then read the write; and a user's strictly sequential read-modify-write
// requests, alternating between the instances, each followed by such a
// page load, must lose none.
func TestReportedIncoherence(t *testing.T) {
	t.Parallel()
	coherence.WritesSeen(t, startTwo)
}

// TestCoherenceUnderLoad runs coherence.UnderLoad on two instances: it
// mixes reads, per-key read-modify-writes (Get and Set, and Update),
// CycleKey, SignIn, Flush and "sign out everywhere" (DeleteUserSessions),
// and counts stale reads, lost writes, sessions served after their
// deletion or move, sessions that go missing, and "unavailable" log lines.
// All must be 0.
func TestCoherenceUnderLoad(t *testing.T) {
	t.Parallel()
	coherence.UnderLoad(t, startTwo)
}

// app is an instance's handlers (coherence.Handler).
func app(store *cachestore.Store) http.Handler { return coherence.Handler(store) }

// view is what a response says of the session.
type view = coherence.View

// reply is a response: the handler's view, and the session cookie it set,
// if any ("" with gone set when it expired the cookie).
type reply struct {
	view
	token string
	gone  bool
}

// do sends a request with the session token (none when "") to inst.
func (c *cluster) do(ctx context.Context, inst *instance, method, path, token string) (reply, error) {
	rep, err := coherence.Do(ctx, c.client, inst.url, method, path, token)
	return reply{view: rep.View, token: rep.Token, gone: rep.Gone}, err
}

// stored returns the session under token as the table holds it, behind
// every cache, and whether there is one.
func (c *cluster) stored(t testing.TB, token string) (view, bool) {
	t.Helper()
	v, _, ok := coherence.Lookup(t, token, c.pg.Load)
	return v, ok
}

// unavailable returns the "redis unavailable" lines the instances logged.
func (c *cluster) unavailable() []string {
	var out []string
	for _, inst := range c.instances {
		out = append(out, inst.logs.lines("unavailable")...)
	}
	return out
}

// The names below let tests of their own (cluster_test.go) drive the
// coherence harness with this package's cluster and count into a tally of
// their own; the logic is package coherence's.

// tally counts violations of coherence (a coherence.Counter); every one
// must stay 0.
type tally struct {
	stale     atomic.Int64 // a read saw less than was acknowledged before it started
	lost      atomic.Int64 // an acknowledged write was undone, or is not stored at the end
	resurrect atomic.Int64 // a read saw a session deleted (or moved) before it started
	vanished  atomic.Int64 // a read missed a session that nothing was deleting
	crossed   atomic.Int64 // a read saw another session's data
	failed    atomic.Int64 // a request failed
}

// Count counts one violation of kind v.
func (n *tally) Count(v coherence.Violation) {
	n.counter(v).Add(1)
}

func (n *tally) counter(v coherence.Violation) *atomic.Int64 {
	switch v {
	case coherence.Stale:
		return &n.stale
	case coherence.Lost:
		return &n.lost
	case coherence.Resurrected:
		return &n.resurrect
	case coherence.Vanished:
		return &n.vanished
	case coherence.Crossed:
		return &n.crossed
	case coherence.Failed:
		return &n.failed
	}
	panic(fmt.Sprintf("cachestore_test: violation %d", v))
}

func (n *tally) String() string {
	return coherence.Summary(n.stale.Load(), n.lost.Load(), n.resurrect.Load(), n.vanished.Load(), n.crossed.Load(), n.failed.Load())
}

func (n *tally) zero() bool {
	return n.stale.Load()+n.lost.Load()+n.resurrect.Load()+n.vanished.Load()+n.crossed.Load()+n.failed.Load() == 0
}

// device is one browser of a user (coherence.Device).
type device coherence.Device

// deviceState is a snapshot of a device.
type deviceState struct {
	token, id string
	a, b      int
	epoch     int
	bound     bool
}

func (d *device) snapshot() deviceState {
	s := (*coherence.Device)(d).Snapshot()
	return deviceState{token: s.Token, id: s.ID, a: s.A, b: s.B, epoch: s.Epoch, bound: s.Bound}
}

// graveyard holds the tokens of ended sessions (coherence.Graveyard).
type graveyard coherence.Graveyard

func (g *graveyard) pick(rng *rand.Rand) string { return (*coherence.Graveyard)(g).Pick(rng) }
func (g *graveyard) since(n int) []string       { return (*coherence.Graveyard)(g).Since(n) }
func (g *graveyard) len() int                   { return (*coherence.Graveyard)(g).Len() }

// workload is coherence.Workload over c, counting into n, with its state
// in fields of its own; users must not change once it has started.
type workload struct {
	c     *cluster
	n     *tally
	dead  graveyard
	users [][]*device
	ops   atomic.Int64
	reads atomic.Int64

	bind   sync.Once
	shared *coherence.Workload
}

// load returns the coherence.Workload that l's state is the state of.
func (l *workload) load() *coherence.Workload {
	l.bind.Do(func() {
		w := &coherence.Workload{Deployment: l.c.deployment(), Tally: l.n,
			Dead: (*coherence.Graveyard)(&l.dead), Ops: &l.ops, Reads: &l.reads}
		for _, ds := range l.users {
			var user []*coherence.Device
			for _, d := range ds {
				user = append(user, (*coherence.Device)(d))
			}
			w.Users = append(w.Users, user)
		}
		l.shared = w
	})
	return l.shared
}

// step is coherence.Workload.Step.
func (l *workload) step(ctx context.Context, u int, d *device, inst *instance, rng *rand.Rand) (bool, error) {
	return l.load().Step(ctx, u, (*coherence.Device)(d), inst.url, rng)
}

// readDead is coherence.Workload.ReadDead.
func (l *workload) readDead(ctx context.Context, inst *instance, token string) {
	l.load().ReadDead(ctx, inst.url, token)
}

// final is coherence.Workload.Final.
func (l *workload) final(ctx context.Context, t *testing.T) {
	t.Helper()
	l.load().Final(ctx, t)
}
