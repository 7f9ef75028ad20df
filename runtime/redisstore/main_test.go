package redisstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongen/sessiongen/runtime/redisstore"
)

// redisAddr is the Redis the tests use: the machine's ($SESSIONGEN_REDIS_ADDR,
// default 127.0.0.1:6379) or, when that does not answer, a private
// redis-server that TestMain starts. Tests share it, each under a key
// prefix of its own.
var redisAddr string

// noRedis says how to give the tests a Redis.
const noRedis = "no Redis for the redisstore tests: none answers at $SESSIONGEN_REDIS_ADDR (default 127.0.0.1:6379) " +
	"and no redis-server to start one; install Redis (apt-get install redis-server), as .ci/run does"

// TestMain finds a Redis for the tests. Without one they are skipped,
// saying how to run them, unless CI=true, where they fail: CI never skips
// silently.
func TestMain(m *testing.M) {
	addr, stop, err := findRedis()
	if err != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "%s: %v (CI=true: failing rather than skipping)\n", noRedis, err)
			os.Exit(1)
		}
		fmt.Printf("skipping every test: %s: %v\n", noRedis, err)
		os.Exit(0)
	}
	redisAddr = addr
	code := m.Run()
	stop()
	os.Exit(code)
}

// findRedis returns the address of the machine's Redis or, when it does not
// answer, of a private server it starts, and a function that stops that.
func findRedis() (addr string, stop func(), err error) {
	addr = "127.0.0.1:6379"
	if a := os.Getenv("SESSIONGEN_REDIS_ADDR"); a != "" {
		addr = a
	}
	if ping(addr) == nil {
		return addr, func() {}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, err
	}
	return startRedis(bin)
}

// ping reports whether a Redis answers at addr.
func ping(addr string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return rdb.Ping(ctx).Err()
}

// startRedis starts bin on a free port of 127.0.0.1, keeping nothing on
// disk, and waits until it answers.
func startRedis(bin string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "redisstore-test-")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ping(addr) != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("the private redis-server on %s does not answer", addr)
		}
	}
	return addr, stop, nil
}

// newClient returns a client of the tests' Redis, closed when t ends.
func newClient(t testing.TB) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr, ContextTimeoutEnabled: true, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// newPrefix returns a key prefix no other test, and no other user of the
// Redis, uses, and deletes its keys when t ends.
func newPrefix(t testing.TB, rdb redis.UniversalClient) string {
	t.Helper()
	prefix := "sessiongen-test:" + rand.Text()[:12] + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		del := func(ctx context.Context, node *redis.Client) error {
			iter := node.Scan(ctx, 0, prefix+"*", 1000).Iterator()
			for iter.Next(ctx) {
				node.Del(ctx, iter.Val())
			}
			return iter.Err()
		}
		var err error
		switch c := rdb.(type) {
		case *redis.ClusterClient:
			err = c.ForEachMaster(ctx, del)
		case *redis.Client:
			err = del(ctx, c)
		}
		if err != nil {
			t.Logf("deleting the test's keys: %v", err)
		}
	})
	return prefix
}

// newStore returns a Store over rdb under a prefix of its own.
func newStore(t testing.TB, rdb redis.UniversalClient, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	return redisstore.New(rdb, append([]redisstore.Option{redisstore.WithPrefix(newPrefix(t, rdb))}, opts...)...)
}
