package cachestore_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/internal/rediscluster"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
	"github.com/sessiongen/sessiongen/runtime/memstore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
	"github.com/sessiongen/sessiongen/runtime/storetest"
)

// This file runs the cache on a Redis Cluster of three masters and three
// replicas that each test starts (package rediscluster): the store
// contract, the coherence of app instances under load, a master killed
// under load, and slots resharded under load. They run with
// SESSIONGEN_DISTRIBUTED=1 (.ci/distributed); -short runs a shorter load.

// clusterReload is how often the tests' cluster clients reload the slot
// map. go-redis reloads it on MOVED and ASK, but not when a master stops
// answering: until the next periodic reload (60 s by default) a client
// sends the dead master's slots to the dead master, even after its replica
// took over. TestClusterMasterKilled measures both.
const clusterReload = 2 * time.Second

// clusterClient returns a Redis Cluster client of addrs that reloads the
// slot map every reload (0: go-redis's default), closed when t ends. Like
// redisClient it dials briefly; it keeps go-redis's retries and redirects,
// which a cluster client needs to follow MOVED and ASK.
func clusterClient(t testing.TB, addrs []string, reload time.Duration) *redis.ClusterClient {
	t.Helper()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: addrs, ContextTimeoutEnabled: true, DialTimeout: 500 * time.Millisecond,
		ClusterStateReloadInterval: reload,
	})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// clusterPrefix returns a key prefix of its own for a test on a cluster;
// the cluster, and its keys, go when the test ends.
func clusterPrefix() string { return fmt.Sprintf("sessiongen-test:%x:", rand.Uint64()) }

// TestClusterConformance runs the store contract over the cache on a
// Redis Cluster, in front of pgstore and of memstore.
func TestClusterConformance(t *testing.T) {
	t.Parallel()
	rc := rediscluster.Start(t, rediscluster.Config{})
	tests := []struct {
		name string
		next func(t *testing.T) runtime.Store
	}{
		{"pgstore", func(t *testing.T) runtime.Store { s, _ := pgstoretest.New(t); return s }},
		{"memstore", func(*testing.T) runtime.Store { return memstore.New() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := cachestore.New(tt.next(t), clusterClient(t, rc.Addrs(), clusterReload),
				cachestore.WithPrefix(clusterPrefix()), cachestore.WithTimeout(5*time.Second))
			storetest.Run(t, func(*testing.T) runtime.Store { return s })
		})
	}
}

// clusterApps is app instances over one table and a Redis Cluster, each
// with a cluster client of its own, and one more instance, the probe,
// that no load goes through: it tells when the cache serves every slot
// again.
type clusterApps struct {
	*cluster  // the loaded instances, as the coherence tests use them
	stores    []*cachestore.Store
	probe     *instance
	probeHits atomic.Int64 // the probe's cache hits
}

// newClusterApps starts n instances and the probe on the cluster at addrs,
// configured as newCluster configures its instances, with clients that
// reload the slot map every reload.
func newClusterApps(t *testing.T, addrs []string, n int, reload time.Duration) *clusterApps {
	t.Helper()
	prefix := clusterPrefix()
	cfg := pgtest.PoolConfig(t)
	a := &clusterApps{cluster: &cluster{client: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64},
	}}}
	t.Cleanup(a.client.CloseIdleConnections)
	for i := range n + 1 {
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
			a.pg = pg
		}
		logs := &lineLog{}
		logger := slog.New(slog.NewTextHandler(logs, nil))
		opts := []cachestore.Option{
			cachestore.WithPrefix(prefix), cachestore.WithTimeout(5 * time.Second),
			cachestore.WithRetryInterval(20 * time.Millisecond),
			cachestore.WithLogger(logger), cachestore.WithLogInterval(time.Nanosecond),
		}
		if i == n {
			opts = append(opts, cachestore.WithMetrics(func(e runtime.Event) {
				if e == runtime.EventCacheHit {
					a.probeHits.Add(1)
				}
			}))
		}
		store := cachestore.New(pg, clusterClient(t, addrs, reload), opts...)
		mgr, err := runtime.NewManager(store, runtime.WithLogger(logger))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(mgr.Middleware(app(store)))
		t.Cleanup(srv.Close)
		inst := &instance{url: srv.URL, logs: logs}
		a.stores = append(a.stores, store)
		if i == n {
			a.probe = inst
		} else {
			a.instances = append(a.instances, inst)
		}
	}
	return a
}

// probeSessions creates, through the probe, sessions whose cache entries
// live on every master of rc, and returns their tokens.
func (a *clusterApps) probeSessions(t *testing.T, rc *rediscluster.Cluster, rdb *redis.ClusterClient) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	masters := rc.Masters(t)
	var tokens []string
	covered := map[string]bool{}
	for i := 0; len(covered) < len(masters); i++ {
		if i == 300 {
			t.Fatalf("300 sessions did not cover the %d masters", len(masters))
		}
		rep, err := a.do(ctx, a.probe, "POST", "/inc?id=probe", "")
		if err != nil {
			t.Fatal(err)
		}
		h, _ := runtime.HashToken(rep.token)
		slot, err := rdb.ClusterKeySlot(ctx, a.stores[len(a.stores)-1].Key(h)).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range masters {
			for _, r := range m.Slots {
				if int(slot) >= r[0] && int(slot) <= r[1] && !covered[m.ID] {
					covered[m.ID] = true
					tokens = append(tokens, rep.token)
				}
			}
		}
	}
	return tokens
}

// probeWhole reports whether every probe session, read twice through the
// probe, is served from the cache the second time.
func (a *clusterApps) probeWhole(ctx context.Context, tokens []string) bool {
	for _, token := range tokens {
		if _, err := a.do(ctx, a.probe, "GET", "/get", token); err != nil {
			return false
		}
		before := a.probeHits.Load()
		rep, err := a.do(ctx, a.probe, "GET", "/get", token)
		if err != nil || !rep.Found || a.probeHits.Load() == before {
			return false
		}
	}
	return true
}

// recoveredAt returns when inst last logged that Redis is available again,
// and how many times it did; the zero time when it never did.
func recoveredAt(t *testing.T, inst *instance) (time.Time, int) {
	t.Helper()
	lines := inst.logs.lines("available again")
	if len(lines) == 0 {
		return time.Time{}, 0
	}
	last := lines[len(lines)-1]
	field, _, _ := strings.Cut(strings.TrimPrefix(last, "time="), " ")
	at, err := time.Parse(time.RFC3339Nano, field)
	if err != nil {
		t.Fatalf("a log line without its time: %q: %v", last, err)
	}
	return at, len(lines)
}

// clusterLoad is the coherence test's workload, driven until stopped
// rather than for a count of requests.
type clusterLoad struct {
	*workload
	ctx    context.Context
	t      *testing.T
	done   atomic.Bool
	wg     sync.WaitGroup
	maxOps int // per user: bounds the load if nothing stops it
}

// startLoad starts users and readers on l's instances; stop ends them.
func startLoad(ctx context.Context, t *testing.T, c *cluster, users, readers, maxOps int) *clusterLoad {
	l := &clusterLoad{workload: &workload{c: c, n: &tally{}}, ctx: ctx, t: t, maxOps: maxOps}
	for range users {
		l.users = append(l.users, []*device{{}, {}})
	}
	for u := range users {
		l.wg.Go(func() { l.user(u) })
	}
	for r := range readers {
		l.wg.Go(func() { l.reader(r) })
	}
	return l
}

// running reports whether the load goes on.
func (l *clusterLoad) running() bool { return !l.done.Load() && l.ctx.Err() == nil }

// user is workload.user until stopped or maxOps requests.
func (l *clusterLoad) user(u int) {
	const pageReads = 12
	rng := rand.New(rand.NewPCG(uint64(u), 56))
	for range l.maxOps {
		if !l.running() {
			return
		}
		d := l.users[u][rng.IntN(len(l.users[u]))]
		inst := l.c.instances[rng.IntN(len(l.c.instances))]
		l.ops.Add(1)
		buried := l.dead.len()
		wrote, err := l.step(l.ctx, u, d, inst, rng)
		if err != nil {
			l.n.failed.Add(1)
			l.t.Logf("user %d: %v", u, err)
			continue
		}
		if wrote && rng.IntN(3) == 0 {
			l.page(d, l.c.instances[rng.IntN(len(l.c.instances))], pageReads)
		}
		for _, token := range l.dead.since(buried) {
			for _, other := range l.c.instances {
				l.readDead(l.ctx, other, token)
			}
		}
	}
}

// reader is workload.reader until stopped or 10 reads per maxOps.
func (l *clusterLoad) reader(r int) {
	rng := rand.New(rand.NewPCG(uint64(r), 78))
	for range 10 * l.maxOps {
		if !l.running() {
			return
		}
		inst := l.c.instances[rng.IntN(len(l.c.instances))]
		if rng.IntN(4) == 0 {
			if token := l.dead.pick(rng); token != "" {
				l.readDead(l.ctx, inst, token)
				continue
			}
		}
		user := l.users[rng.IntN(len(l.users))]
		l.readLive(user[rng.IntN(len(user))], inst)
	}
}

// readLive is workload.readLive, but for a read that finds no session:
// that counts as vanished only if the table still holds the session
// afterwards. workload.readLive counts it when no request that ends or
// moves the session started during the read, and so also when one started
// just before the read and was still running: its session is gone, and
// rightly so. Under a Redis that keeps failing, requests take long enough
// for that to happen thousands of times a minute. A session gone from the
// table never comes back under its old token, so a row there after the
// read was there during it.
func (l *clusterLoad) readLive(d *device, inst *instance) {
	was := d.snapshot()
	if was.token == "" {
		return
	}
	l.reads.Add(1)
	rep, err := l.c.do(l.ctx, inst, "GET", "/get", was.token)
	if err != nil {
		if l.ctx.Err() == nil {
			l.n.failed.Add(1)
		}
		return
	}
	switch {
	case !rep.Found:
		h, _ := runtime.HashToken(was.token)
		switch _, err := l.c.pg.Load(l.ctx, h); {
		case err == nil:
			l.n.vanished.Add(1)
		case !errors.Is(err, runtime.ErrNotFound):
			l.n.failed.Add(1)
		}
	case rep.ID != was.id:
		l.n.crossed.Add(1)
	case rep.A < was.a || rep.B < was.b:
		l.n.stale.Add(1)
	}
}

// page is workload.page with clusterLoad's readLive.
func (l *clusterLoad) page(d *device, inst *instance, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { l.readLive(d, inst) })
	}
	wg.Wait()
}

// waitOps waits until the users have sent n more requests, failing t after
// a minute.
func (l *clusterLoad) waitOps(n int64) {
	l.t.Helper()
	target := l.ops.Load() + n
	eventually(l.t, "the load to send requests", func() bool { return l.ops.Load() >= target || !l.running() })
}

// stop ends the load, then checks the table and every instance as the
// coherence test does.
func (l *clusterLoad) stop() {
	l.t.Helper()
	l.done.Store(true)
	l.wg.Wait()
	if l.ctx.Err() != nil {
		l.t.Fatalf("the load ran past its deadline: %s", l.n)
	}
	l.final(l.ctx, l.t)
}

// loadSize returns the users, readers and the bound of requests per user
// of a cluster test: smaller with -short.
func loadSize() (users, readers, maxOps int) {
	if testing.Short() {
		return 4, 4, 400
	}
	return 6, 6, 2000
}

// TestClusterCoherence is TestCoherenceUnderLoad on a Redis Cluster: two
// instances, each with a cluster client of its own, under concurrent load;
// no stale or lost read or write, no session served after its deletion,
// no "unavailable" line.
func TestClusterCoherence(t *testing.T) {
	t.Parallel()
	rc := rediscluster.Start(t, rediscluster.Config{})
	apps := newClusterApps(t, rc.Addrs(), 2, clusterReload)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	users, readers, maxOps := loadSize()
	start := time.Now()
	l := startLoad(ctx, t, apps.cluster, users, readers, maxOps/10)
	l.wg.Wait()
	l.stop()
	t.Logf("%d requests that write or end sessions, %d checked reads, %d ended sessions, in %v; %s",
		l.ops.Load(), l.reads.Load(), l.dead.len(), time.Since(start).Round(time.Millisecond), l.n)
	if lines := apps.unavailable(); len(lines) != 0 {
		t.Errorf("an instance logged Redis as unavailable while it was up, %d times; first: %s", len(lines), lines[0])
	}
	if !l.n.zero() {
		t.Errorf("incoherent: %s", l.n)
	}
}

// TestClusterMasterKilled kills a master with SIGKILL under load, and
// measures the time until the cluster is whole again (its replica
// promoted), until the cache serves every slot again and every instance
// uses it, and until the killed node, restarted, is a replica in sync; and
// the failed requests, stale reads, lost writes and sessions served after
// their deletion, during that window and after it. Redis errors must never
// fail a request, and no acknowledged write may be lost; once every
// instance uses the cache again, no read may be stale and no deleted
// session served. During the window they should not happen either, since
// a Store marks down only the dead master, tries every invalidation, and
// cleans the promoted replica before it serves from it (see the package
// doc's "Redis Cluster"); the test reports how many did, and
// docs/SCALING.md the figures.
//
// It does so with clients that reload the slot map every clusterReload
// and, without -short, with go-redis's default (60 s).
func TestClusterMasterKilled(t *testing.T) {
	tests := []struct {
		name   string
		reload time.Duration
	}{
		{"reload " + clusterReload.String(), clusterReload},
		{"go-redis default reload", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.reload == 0 && testing.Short() {
				t.Skip("waits for go-redis's 60 s reload of the slot map; runs without -short")
			}
			masterKilled(t, tt.reload)
		})
	}
}

// afterWindowGrace separates the reads of the window from those after it:
// a read that started before every instance was back may answer after.
const afterWindowGrace = time.Second

func masterKilled(t *testing.T, reload time.Duration) {
	rc := rediscluster.Start(t, rediscluster.Config{})
	apps := newClusterApps(t, rc.Addrs(), 2, reload)
	rdb := clusterClient(t, rc.Addrs(), reload)
	probes := apps.probeSessions(t, rc, rdb)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	users, readers, maxOps := loadSize()
	l := startLoad(ctx, t, apps.cluster, users, readers, maxOps*5)
	l.waitOps(int64(maxOps / 10))
	if !apps.probeWhole(ctx, probes) {
		t.Fatal("the cache does not serve every slot before the kill")
	}
	t.Cleanup(func() {
		if t.Failed() {
			lines := apps.probe.logs.lines("")
			t.Logf("the probe's last log lines:\n%s", strings.Join(lines[max(0, len(lines)-10):], "\n"))
		}
	})

	victim := rc.Masters(t)[0]
	before := l.ops.Load()
	killed := time.Now()
	rc.Kill(t, victim.Addr)
	clusterWhole := rc.WaitOK(t, time.Minute)
	cacheWhole := waitUntil(t, "the probe's reads to hit the cache on every slot, and every instance to use the cache", 2*time.Minute, func() bool {
		return apps.probeWhole(ctx, probes) && apps.instancesUp()
	}) + clusterWhole
	during := l.ops.Load() - before
	time.Sleep(afterWindowGrace)
	inWindow := l.n.counts()
	rc.Restart(t, victim.Addr)
	rejoined := rc.WaitInSync(t, victim.Addr, time.Minute)
	l.waitOps(int64(maxOps / 5))
	l.stop()
	after := l.n.counts().minus(inWindow)

	t.Logf("cluster-node-timeout %v, slot map reloaded every %v; killed master %s (%d slots) under load",
		rc.NodeTimeout(), cmp.Or(reload, 60*time.Second), victim.Addr, victim.SlotCount())
	t.Logf("cluster whole (replica promoted, cluster_state:ok everywhere) %v after the kill; the cache serves every slot again, in every instance, %v after it; restarted then, the killed node was a replica in sync %v later",
		clusterWhole.Round(time.Millisecond), cacheWhole.Round(time.Millisecond), rejoined.Round(time.Millisecond))
	for i, inst := range apps.instances {
		at, n := recoveredAt(t, inst)
		t.Logf("instance %d: %d unavailable lines, %d recoveries, the last %v after the kill", i, len(inst.logs.lines("unavailable")), n, at.Sub(killed).Round(time.Millisecond))
	}
	t.Logf("%d requests that write or end sessions in all, %d between the kill and the cache whole again; %d checked reads", l.ops.Load(), during, l.reads.Load())
	t.Logf("until %v after the cache was whole again: %s", afterWindowGrace, inWindow)
	t.Logf("after: %s", after)
	if inWindow.lost+after.lost+inWindow.failed+after.failed != 0 {
		t.Errorf("Redis's failover lost acknowledged writes or failed requests: %s; then %s", inWindow, after)
	}
	if !after.zero() {
		inVictim, elsewhere := apps.badEntries(t, rdb, l.workload, victim)
		t.Logf("sessions the cache serves wrongly at the end (stale, or deleted): %d in the killed master's slots, %d in others'", inVictim, elsewhere)
		t.Errorf("incoherent once the cache was whole again: %s", after)
	}
}

// instancesUp reports whether every loaded instance's last word on Redis
// was that it is available again, if it ever said otherwise.
func (a *clusterApps) instancesUp() bool {
	for _, inst := range a.instances {
		lines := inst.logs.lines("available")
		if len(lines) > 0 && strings.Contains(lines[len(lines)-1], "unavailable") {
			return false
		}
	}
	return true
}

// counts is a snapshot of a tally.
type counts struct{ stale, lost, resurrect, vanished, crossed, failed int64 }

func (n *tally) counts() counts {
	return counts{n.stale.Load(), n.lost.Load(), n.resurrect.Load(), n.vanished.Load(), n.crossed.Load(), n.failed.Load()}
}

func (c counts) minus(d counts) counts {
	return counts{c.stale - d.stale, c.lost - d.lost, c.resurrect - d.resurrect, c.vanished - d.vanished, c.crossed - d.crossed, c.failed - d.failed}
}

func (c counts) zero() bool { return c == counts{} }

func (c counts) String() string {
	return fmt.Sprintf("stale reads %d, lost writes %d, served after deletion %d, vanished %d, crossed %d, failed requests %d",
		c.stale, c.lost, c.resurrect, c.vanished, c.crossed, c.failed)
}

// waitUntil calls cond until it reports true, failing t after within, and
// returns how long it waited.
func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("gave up after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// badEntries reads, through the probe, every session of l, live and ended,
// and counts those it serves otherwise than the table holds them, by
// whether their slot was the victim's.
func (a *clusterApps) badEntries(t *testing.T, rdb *redis.ClusterClient, l *workload, victim rediscluster.Node) (inVictim, elsewhere int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	count := func(token string) {
		h, _ := runtime.HashToken(token)
		slot, err := rdb.ClusterKeySlot(ctx, a.stores[0].Key(h)).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range victim.Slots {
			if int(slot) >= r[0] && int(slot) <= r[1] {
				inVictim++
				return
			}
		}
		elsewhere++
	}
	for _, user := range l.users {
		for _, d := range user {
			st := d.snapshot()
			if st.token == "" {
				continue
			}
			want, _ := a.stored(t, st.token)
			got, err := a.do(ctx, a.probe, "GET", "/get", st.token)
			if err != nil {
				t.Fatal(err)
			}
			if got.view != want {
				count(st.token)
			}
		}
	}
	for _, token := range l.dead.since(0) {
		got, err := a.do(ctx, a.probe, "GET", "/get", token)
		if err != nil {
			t.Fatal(err)
		}
		if got.Found {
			count(token)
		}
	}
	return inVictim, elsewhere
}

// TestClusterReshard moves slots between masters with `redis-cli
// --cluster reshard`, keys and all, under load: no stale read, no lost
// write, no session served after its deletion, no failed request.
func TestClusterReshard(t *testing.T) {
	t.Parallel()
	rc := rediscluster.Start(t, rediscluster.Config{})
	apps := newClusterApps(t, rc.Addrs(), 2, clusterReload)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	users, readers, maxOps := loadSize()
	slots := 2000
	if testing.Short() {
		slots = 500
	}
	l := startLoad(ctx, t, apps.cluster, users, readers, maxOps)
	l.waitOps(int64(maxOps / 10))
	masters := rc.Masters(t)
	keysBefore := 0
	for _, m := range masters {
		keysBefore += dbSize(t, rc, m.Addr)
	}
	start := time.Now()
	before := l.ops.Load()
	rc.Reshard(t, masters[0].ID, masters[1].ID, slots)
	rc.Reshard(t, masters[1].ID, masters[0].ID, slots)
	took := time.Since(start)
	during := l.ops.Load() - before
	rc.WaitOK(t, time.Minute)
	l.waitOps(int64(maxOps / 10))
	l.stop()
	t.Logf("moved %d slots from %s to %s and back, with about %d keys in the cluster, in %v, under load: %d requests that write or end sessions meanwhile",
		slots, masters[0].Addr, masters[1].Addr, keysBefore, took.Round(time.Millisecond), during)
	t.Logf("%d requests that write or end sessions in all, %d checked reads; %s; %d unavailable lines",
		l.ops.Load(), l.reads.Load(), l.n, len(apps.unavailable()))
	if !l.n.zero() {
		t.Errorf("incoherent: %s", l.n)
	}
}

// dbSize returns how many keys the node at addr holds.
func dbSize(t *testing.T, rc *rediscluster.Cluster, addr string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(rc.CLI(t, addr, "dbsize")))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
