package cachestore_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/internal/pgstoretest"
	"github.com/sessiongen/sessiongen/internal/pgtest"
	"github.com/sessiongen/sessiongen/runtime"
	"github.com/sessiongen/sessiongen/runtime/cachestore"
	"github.com/sessiongen/sessiongen/runtime/pgstore"
)

// TestMain gives the tests a PostgreSQL database of their own; pgtest drops
// it afterwards.
func TestMain(m *testing.M) { pgtest.Main(m) }

// sharedRedisAddr is the machine's Redis, which tests share, each under a
// key prefix of its own. $SESSIONGEN_REDIS_ADDR overrides it.
func sharedRedisAddr() string {
	if a := os.Getenv("SESSIONGEN_REDIS_ADDR"); a != "" {
		return a
	}
	return "127.0.0.1:6379"
}

// redisClient returns a client of addr, closed when t ends, that gives up
// quickly: no retries, short dials.
func redisClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{
		Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1, DialTimeout: time.Second,
	})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// sharedRedis returns a client of the shared Redis or, when that does not
// answer, of a private server started for t.
func sharedRedis(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redisClient(t, sharedRedisAddr())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Logf("no Redis at %s (%v): starting a private one", sharedRedisAddr(), err)
		return redisClient(t, startRedis(t).addr())
	}
	return rdb
}

// newPrefix returns a key prefix no other test uses, and deletes its keys
// when t ends.
func newPrefix(t testing.TB, rdb *redis.Client) string {
	t.Helper()
	prefix := "sessiongen-test:" + rand.Text()[:12] + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return prefix
}

// env is a migrated PostgreSQL schema whose queries are counted, and a
// Redis key prefix, both of one test's own.
type env struct {
	pool    *pgxpool.Pool
	pg      *pgstore.Store
	rdb     *redis.Client
	prefix  string
	queries *pgtest.Counter
	logs    *logCounter
}

// newEnv returns an env on the shared Redis.
func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, sharedRedis(t))
}

// newEnvOn returns an env on rdb.
func newEnvOn(t testing.TB, rdb *redis.Client) *env {
	t.Helper()
	pg, pool, counter := pgstoretest.Counted(t)
	return &env{
		pool: pool, pg: pg, rdb: rdb, prefix: newPrefix(t, rdb),
		queries: counter, logs: &logCounter{},
	}
}

// store returns a cache store of e. Its timeout is generous, so that a slow
// test machine does not read as Redis being down; opts may override it.
func (e *env) store(opts ...cachestore.Option) *cachestore.Store {
	return e.storeOver(e.pg, opts...)
}

// storeOver is store with next in place of e's pgstore.
func (e *env) storeOver(next runtime.Store, opts ...cachestore.Option) *cachestore.Store {
	base := []cachestore.Option{
		cachestore.WithPrefix(e.prefix), cachestore.WithTimeout(5 * time.Second),
		cachestore.WithLogger(slog.New(e.logs)), cachestore.WithLogInterval(time.Hour),
	}
	return cachestore.New(next, e.rdb, append(base, opts...)...)
}

// cached reports whether Redis holds an entry for h under s's key.
func (e *env) cached(t testing.TB, key string) bool {
	t.Helper()
	n, err := e.rdb.Exists(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// logCounter is a slog.Handler that counts records by level.
type logCounter struct {
	mu     sync.Mutex
	counts map[slog.Level]int
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[slog.Level]int{}
	}
	l.counts[r.Level]++
	return nil
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }

// count returns how many records of level were logged.
func (l *logCounter) count(level slog.Level) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[level]
}

// redisServer is a private redis-server that a test starts, stops,
// freezes and restarts. It keeps nothing on disk.
type redisServer struct {
	t    testing.TB
	port int
	dir  string
	bin  string
	cmd  *exec.Cmd
}

// noRedis says how to give the tests a Redis.
const noRedis = "no Redis for the cache tests: none answers at $SESSIONGEN_REDIS_ADDR (default 127.0.0.1:6379) " +
	"and no redis-server to start one; install Redis (apt-get install redis-server), as .ci/run does"

// redisServerBinary returns the redis-server to start. Without one, t is
// skipped, saying how to run it, unless CI=true, where it fails: CI never
// skips silently.
func redisServerBinary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"redis-server", "/usr/bin/redis-server"} {
		if bin, err := exec.LookPath(p); err == nil {
			return bin
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(noRedis + " (CI=true: failing rather than skipping)")
	}
	t.Skip(noRedis)
	return ""
}

// startRedis starts a private redis-server on a free port of 127.0.0.1,
// stopped when t ends.
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	r := &redisServer{t: t, port: pgtest.FreePort(t), dir: t.TempDir(), bin: redisServerBinary(t)}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisServer) addr() string { return net.JoinHostPort("127.0.0.1", itoa(r.port)) }

// start runs the server and waits until it answers.
func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, "--port", itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server (install Redis, or put redis-server on $PATH): %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: r.addr(), MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("private redis-server on %s does not answer: %v", r.addr(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server, if it runs, and waits for it to exit.
func (r *redisServer) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGCONT) // a frozen server cannot die otherwise
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// freeze stops the server's process without ending it: it keeps its data
// and its connections, and answers nothing until thaw.
func (r *redisServer) freeze() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		r.t.Fatal(err)
	}
}

// thaw lets a frozen server go on.
func (r *redisServer) thaw() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		r.t.Fatal(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// eventually calls cond until it reports true, failing t after a deadline.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// appInstances are two instances of one application: each a cache with a
// Redis client of its own over a pgstore with a pool of its own, on one
// session table and one Redis key prefix of the test's own.
type appInstances struct {
	a, b *cachestore.Store
	rdb  *redis.Client // a third client of that Redis, to look into it
	pool *pgxpool.Pool // the first instance's pool, to look into the table
}

// newAppInstances returns two instances of one application whose pgstores
// are built with opts.
func newAppInstances(t *testing.T, opts ...pgstore.Option) appInstances {
	t.Helper()
	addr := sharedRedis(t).Options().Addr
	app := appInstances{rdb: redisClient(t, addr)}
	prefix := newPrefix(t, app.rdb)
	var stores [2]*cachestore.Store
	pools := pgstoretest.Pools(t, 2)
	for i, p := range pools {
		stores[i] = cachestore.New(pgstore.New(p, opts...), redisClient(t, addr),
			cachestore.WithPrefix(prefix), cachestore.WithTimeout(5*time.Second))
	}
	app.a, app.b, app.pool = stores[0], stores[1], pools[0]
	return app
}
